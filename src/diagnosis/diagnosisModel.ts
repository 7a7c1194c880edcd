// The shapes the diagnosis produces: ranked causes with the evidence behind them, and the
// remediation checklists they point at. Plain JSON (no classes) so the webview, the CLI, the
// history and exports can carry them as they are.
import type { RunOutcome } from '../probe/runModel';

export type Confidence = 'high' | 'medium' | 'low';

/** Where the mailbox lives, when the admin knows and tells us; the run alone can't see past the front end. */
export type MailboxServerHint = 'exchange2003' | 'exchange2007' | 'exchange2010' | 'later' | 'online';

export interface DiagnosisContext {
  mailboxServerHint?: MailboxServerHint;
}

/** Points at the step and the fact a cause was built from. `value` may come from the server: render escaped. */
export interface EvidenceRef {
  /** A step id (children included), or 'context' for what the caller told diagnose(), or 'run' for the run itself. */
  stepId: string;
  label: string;
  value: string;
}

export interface DiagnosisCause {
  /** Stable id, e.g. 'auth.wrongCredentials'. The UI and history key on it. */
  id: string;
  title: string;
  confidence: Confidence;
  /** 0–100, for ranking only; confidence is what the admin reads. */
  score: number;
  /** Why this cause fits, in plain words. */
  explanation: string;
  /** Facts that point towards this cause. */
  supporting: EvidenceRef[];
  /** Facts that point away from it (shown so nobody over-trusts the ranking). */
  against: EvidenceRef[];
  /** What the admin can check to settle it. */
  checks: string[];
  /** Checklists (ids in CHECKLISTS) that fix it. */
  checklistIds: string[];
  /** Phrases admins search for, e.g. the Remote Connectivity Analyzer's wording. */
  searchTerms?: string[];
}

export interface Diagnosis {
  runId: string;
  outcome: RunOutcome;
  /** One line for the top of the report. */
  headline: string;
  /** The step the diagnosis is about (the first failed one), if any. */
  failedStepId?: string;
  /** Ranked, best first. Empty for a clean passed run. */
  causes: DiagnosisCause[];
  /** The question that tells the top causes apart when they are close. */
  question?: string;
  /** Positive or neutral observations, e.g. a fix verified by a Windows sign-in. */
  findings?: DiagnosisFinding[];
}

/** Something the run shows that is worth saying even when nothing failed. */
export interface DiagnosisFinding {
  id: string;
  title: string;
  explanation: string;
  evidence: EvidenceRef[];
}

/** A link shown with a checklist or step. Always https. */
export interface Link {
  title: string;
  url: string;
}

export type CommandLanguage = 'powershell' | 'batch' | 'vbscript' | 'text';

export interface ChecklistCommand {
  label: string;
  language: CommandLanguage;
  code: string;
}

export interface ChecklistStep {
  /** Stable, unique within its checklist (sub-steps included): ticks persist as `checklistId/stepId`. */
  id: string;
  text: string;
  detail?: string;
  substeps?: ChecklistStep[];
  warning?: string;
  commands?: ChecklistCommand[];
  links?: Link[];
  /** What the admin should see when the step worked. */
  expected?: string;
}

export interface Checklist {
  /** Stable id, e.g. 'esm-2003-iwa'. */
  id: string;
  title: string;
  /** Why this checklist exists: what it fixes. */
  why: string;
  warnings: string[];
  steps: ChecklistStep[];
  links: Link[];
}

/** A ready-to-run script the extension can insert into an editor. */
export interface VerificationScript {
  id: string;
  title: string;
  language: CommandLanguage;
  code: string;
  /** Which servers it runs on, e.g. "Exchange 2007/2010 Management Shell". */
  appliesTo: string;
}

/** Ticked step ids per checklist id, as the extension stores them. */
export type ChecklistTicks = Record<string, string[]>;
