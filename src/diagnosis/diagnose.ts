// diagnose(): from one ProbeRun to ranked causes. A pure function: it reads the run's structured
// evidence (never its prose), asks each rule family for candidate causes, merges and ranks them,
// and words a headline and, when the leaders are close, the question that would separate them.
import type { ProbeRun } from '../probe/runModel';
import { provenSummary } from '../probe/runVerdict';
import { describeServer } from '../probe/serverIdentification';
import { authFindings } from './iwaVerification';
import type { DiagnosisRule } from './causeFactory';
import { makeCause } from './causeFactory';
import type { Diagnosis, DiagnosisCause, DiagnosisContext } from './diagnosisModel';
import { SEPARATING_QUESTIONS } from './questions';
import { failureRef, readRunFacts, ref, type RunFacts } from './runFacts';
import { authRules } from './rules/authRules';
import { autodiscoverRules } from './rules/autodiscoverRules';
import { commandRules } from './rules/commandRules';
import { easRules } from './rules/easRules';
import { inputRules } from './rules/inputRules';
import { networkRules } from './rules/networkRules';
import { oauthRules } from './rules/oauthRules';
import { runRules } from './rules/runRules';
import { securityRules } from './rules/securityRules';
import { statusRules } from './rules/statusRules';
import { tlsRules } from './rules/tlsRules';
import { transportRules } from './rules/transportRules';

/** In the order the probe's steps run, so ties rank the earlier problem first. */
const RULES: DiagnosisRule[] = [inputRules, autodiscoverRules, networkRules, tlsRules, transportRules, authRules, oauthRules, statusRules, easRules, commandRules, securityRules, runRules];

/** Leaders closer than this are "ambiguous": the diagnosis asks the separating question. */
const AMBIGUITY_GAP = 15;
const MAX_QUESTIONS = 3;
/** Causes this unlikely don't earn a question of their own. */
const MIN_QUESTION_SCORE = 20;

export function diagnose(run: ProbeRun, context: DiagnosisContext = {}): Diagnosis {
  const facts = readRunFacts(run, context);
  const outcome = run?.outcome ?? 'failed';
  const runId = String(run?.id ?? '');
  const findings = authFindings(run);
  if (outcome === 'passed') {
    const passed: Diagnosis = { runId, outcome, headline: passedHeadline(facts), causes: [] };
    if (findings.length) {
      passed.headline += ` ${findings[0].title}.`;
      passed.findings = findings;
    }
    return passed;
  }
  const causes = rank(merge(RULES.flatMap((rule) => rule(facts))));
  if (outcome === 'cancelled' && !causes.some((c) => c.id === 'run.cancelled')) causes.push(cancelledCause());
  if (causes.length === 0 && facts.failedStep) causes.push(unexplainedFailure(facts));
  const ranked = rank(causes);
  const diagnosis: Diagnosis = { runId, outcome, headline: headline(facts, ranked), causes: ranked };
  if (facts.failedStep) diagnosis.failedStepId = String(facts.failedStep.id);
  const question = separatingQuestion(ranked);
  if (question) diagnosis.question = question;
  if (findings.length) diagnosis.findings = findings;
  return diagnosis;
}

/** Two rules may propose the same cause (e.g. a user-name warning and the 401): keep one, with all evidence. */
function merge(causes: DiagnosisCause[]): DiagnosisCause[] {
  const byId = new Map<string, DiagnosisCause>();
  for (const c of causes) {
    if (c.score <= 0) continue;
    const existing = byId.get(c.id);
    if (!existing) {
      byId.set(c.id, c);
      continue;
    }
    const [lead, other] = c.score > existing.score ? [c, existing] : [existing, c];
    byId.set(
      c.id,
      makeCause({
        ...lead,
        supporting: [...lead.supporting, ...other.supporting],
        against: [...lead.against, ...other.against],
        checks: unique([...lead.checks, ...other.checks]),
        checklistIds: unique([...lead.checklistIds, ...other.checklistIds]),
        searchTerms: unique([...(lead.searchTerms ?? []), ...(other.searchTerms ?? [])]),
      }),
    );
  }
  return [...byId.values()];
}

function rank(causes: DiagnosisCause[]): DiagnosisCause[] {
  // Array.prototype.sort is stable, so equal scores keep the rule order (earlier step first).
  return [...causes].sort((a, b) => b.score - a.score);
}

function separatingQuestion(causes: DiagnosisCause[]): string | undefined {
  if (causes.length < 2) return undefined;
  const [top, second] = causes;
  const ambiguous = top.confidence !== 'high' || second.score >= top.score - AMBIGUITY_GAP;
  if (!ambiguous) return undefined;
  const questions = unique(causes.slice(0, MAX_QUESTIONS).filter((c) => c.score >= MIN_QUESTION_SCORE).map((c) => SEPARATING_QUESTIONS[c.id]).filter((q): q is string => !!q));
  return questions.length > 0 ? questions.join(' ') : undefined;
}

function headline(facts: RunFacts, causes: DiagnosisCause[]): string {
  const top = causes[0];
  const lead = top ? `${top.confidence === 'low' ? 'Possible cause' : 'Most likely'}: ${top.title} (${top.confidence} confidence).` : '';
  switch (facts.run?.outcome) {
    case 'cancelled':
      return `The run was cancelled, so the result is incomplete.${top && top.id !== 'run.cancelled' ? ` ${lead}` : ''}`;
    case 'warning': {
      const n = facts.failures.filter((f) => f.status === 'warning').length;
      return `ActiveSync answered, with ${n === 1 ? 'a warning' : `${n} warnings`} (${runScope(facts)}).${top ? ` ${lead}` : ''}`;
    }
    default: {
      const scope = facts.allSteps.some((s) => s.id === 'optionsAnonymous' && s.status !== 'skipped') ? ` (${runScope(facts)})` : '';
      const what = `${failedWhat(facts)}${scope}`;
      return top ? `${what}. ${lead}` : `${what}.`;
    }
  }
}

/** The device-session steps a run may go through after OPTIONS, by step id. */
const SESSION_STEPS: Record<string, string> = { provision: 'Provision', folderSync: 'FolderSync', sync: 'Sync', ping: 'Ping' };

/** Which steps ran, in a few words: "OPTIONS only", "Autodiscover, then OPTIONS only", "full session: Provision, FolderSync, Sync". */
export function runScope(facts: Pick<RunFacts, 'run'>): string {
  const top = Array.isArray(facts.run?.steps) ? facts.run.steps : [];
  const ran = (id: string) => top.some((s) => s?.id === id && s.status !== 'skipped');
  const session = Object.keys(SESSION_STEPS).filter(ran).map((id) => SESSION_STEPS[id]);
  const core = session.length ? `full session: ${session.join(', ')}` : ran('optionsAuthenticated') ? 'OPTIONS only' : ran('optionsAnonymous') ? 'anonymous OPTIONS only' : 'no ActiveSync request';
  return ran('autodiscover') ? `Autodiscover, then ${core}` : core;
}

/** Short names of the steps, for a headline that stays on one line (the probe's summaries are sentences). */
const STEP_NAMES: Record<string, string> = {
  input: 'The input check',
  autodiscover: 'Autodiscover',
  dns: 'DNS resolution',
  tcp: 'The TCP connection',
  tls: 'The TLS handshake',
  optionsAnonymous: 'The anonymous OPTIONS request',
  optionsAuthenticated: 'The OPTIONS request with credentials',
  crossCheck: 'The credential cross-check',
  provision: 'Provisioning',
  folderSync: 'FolderSync',
  sync: 'The first Sync of the Inbox',
  ping: 'Ping',
};

function failedWhat(facts: RunFacts): string {
  const step = facts.failedStep;
  if (!step) return 'The run failed';
  const name = STEP_NAMES[String(step.id)] ?? trimEnd(step.title || String(step.id));
  const status = /^http\.(\d{3})$/.exec(facts.primaryCategory ?? '')?.[1];
  return status ? `${name} failed with HTTP ${status}` : `${name} failed`;
}

function passedHeadline(facts: RunFacts): string {
  const server = facts.server && facts.server.value.product !== 'unknown' ? describeServer(facts.server.value) : undefined;
  return `${provenSummary(facts.run)} (${runScope(facts)}${server ? `; ${server} at ${facts.host || 'the server'}` : ''}).`;
}

function cancelledCause(): DiagnosisCause {
  return makeCause({
    id: 'run.cancelled',
    title: 'The run was cancelled before it finished',
    score: 60,
    explanation: 'The steps after the cancellation never ran, so this result is incomplete. Run the test again and let it finish.',
    supporting: [ref('run', 'Outcome', 'cancelled')],
    checks: ['Rerun the test.'],
  });
}

/** A failure no rule knows (a newer probe, an odd category): say what failed without guessing why. */
function unexplainedFailure(facts: RunFacts): DiagnosisCause {
  const step = facts.failedStep!;
  const located = facts.failures.find((f) => f.stepId === step.id);
  return makeCause({
    id: 'unknown.failure',
    title: `${step.title || String(step.id)} failed for a reason this version cannot classify`,
    score: 30,
    explanation: 'The step failed, but its failure category is not one the diagnosis knows. The step\'s details and evidence show what happened.',
    supporting: located ? [failureRef(located)] : [ref(String(step.id), 'Summary', step.summary)],
    checks: ['Read the failed step\'s details and the HTTP evidence.'],
  });
}

function trimEnd(text: string): string {
  return text.trim().replace(/[.\s]+$/, '');
}

function unique<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}
