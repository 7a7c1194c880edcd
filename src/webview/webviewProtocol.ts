// The messages between the extension and the diagnosis webview, and the one place that checks
// what the webview sends. The page is untrusted in principle (it renders server text), so every
// message is validated: a known `type`, fields of the right type, and ids that exist in what was shown.
// Pure and neutral (src/webview/): the extension and the webview script both import it, and it
// imports nothing of either.
import type { Checklist, ChecklistCommand, ChecklistStep, ChecklistTicks, Diagnosis } from '../diagnosis/diagnosisModel';
import type { ProbeRun } from '../probe/runModel';

export const DIAGNOSIS_VIEW_TYPE = 'activesyncDoctor.diagnosis';

/** Everything the page needs to draw itself. `run` is absent when guidance is shown before any run. */
export interface ShowMessage {
  type: 'show';
  run?: ProbeRun;
  diagnosis?: Diagnosis;
  checklists: Checklist[];
  ticks: ChecklistTicks;
  /** Whether a text editor is open to insert commands into. */
  canInsert: boolean;
  /** A line above the content, e.g. "No run yet: showing the Exchange 2003 checklist". */
  note?: string;
  /** What a run that passed proves, e.g. "fix verified" for Windows sign-in on Exchange 2003. Absent: none. */
  findings?: PanelFinding[];
}

/** A finding as the page draws it (the engine's AuthFinding has this shape). */
export interface PanelFinding {
  id: string;
  title: string;
  explanation: string;
  evidence: Array<{ stepId?: string; label: string; value: string }>;
}

export interface TicksMessage {
  type: 'ticks';
  checklistId: string;
  stepIds: string[];
}

export type HostToWebviewMessage = ShowMessage | TicksMessage;

export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'tick'; checklistId: string; stepId: string; checked: boolean }
  | { type: 'reset'; checklistId: string }
  | { type: 'copyMarkdown'; checklistId?: string }
  | { type: 'copyCommand'; checklistId: string; stepId: string; index: number }
  | { type: 'insertCommand'; checklistId: string; stepId: string; index: number }
  | { type: 'openLink'; url: string }
  | { type: 'rerun' };

/** What the page keeps with getState/setState, and what the serializer gets back after a reload. */
export interface DiagnosisViewState {
  runId?: string;
  show?: ShowMessage;
}

/** Lookup of the checklists on screen: which ids exist, their commands and links. */
export interface ChecklistIndex {
  steps: Map<string, Map<string, ChecklistStep>>;
  links: Set<string>;
}

export function indexChecklists(checklists: readonly Checklist[]): ChecklistIndex {
  const steps = new Map<string, Map<string, ChecklistStep>>();
  const links = new Set<string>();
  const addSteps = (into: Map<string, ChecklistStep>, list: readonly ChecklistStep[] | undefined): void => {
    for (const step of list ?? []) {
      into.set(step.id, step);
      for (const link of step.links ?? []) links.add(link.url);
      addSteps(into, step.substeps);
    }
  };
  for (const checklist of checklists) {
    const byId = new Map<string, ChecklistStep>();
    addSteps(byId, checklist.steps);
    steps.set(checklist.id, byId);
    for (const link of checklist.links ?? []) links.add(link.url);
  }
  return { steps, links };
}

/** Every tickable step id of a checklist, sub-steps included, in document order. */
export function allStepIds(checklist: Checklist): string[] {
  const ids: string[] = [];
  const visit = (list: readonly ChecklistStep[] | undefined): void => {
    for (const step of list ?? []) {
      ids.push(step.id);
      visit(step.substeps);
    }
  };
  visit(checklist.steps);
  return ids;
}

const MAX_FINDINGS = 20;
const MAX_FINDING_TEXT = 4000;
const isText = (value: unknown): value is string => typeof value === 'string' && value.length <= MAX_FINDING_TEXT;

/**
 * The well-formed findings of a show message, at most 20, each with at most 20 evidence lines;
 * anything else is dropped. The page runs this on every message and on the state it restores
 * (which may come from an older version), so a bad field can only lose a finding, not the page.
 */
export function parseFindings(raw: unknown): PanelFinding[] {
  if (!Array.isArray(raw)) return [];
  const findings: PanelFinding[] = [];
  for (const item of raw.slice(0, MAX_FINDINGS)) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, title, explanation, evidence } = item as Record<string, unknown>;
    if (!isId(id) || !isText(title) || !isText(explanation)) continue;
    const refs = (Array.isArray(evidence) ? evidence.slice(0, MAX_FINDINGS) : [])
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .filter((e) => isText(e.label) && isText(e.value) && (e.stepId === undefined || isId(e.stepId)))
      .map((e) => (e.stepId === undefined ? { label: e.label as string, value: e.value as string } : { stepId: e.stepId as string, label: e.label as string, value: e.value as string }));
    findings.push({ id, title, explanation, evidence: refs });
  }
  return findings;
}

/** Only https links leave VS Code, and never ones carrying credentials. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && parsed.hostname !== '';
  } catch {
    return false;
  }
}

const MAX_ID_LENGTH = 200;
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
const isIndex = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1000;

function commandAt(index: ChecklistIndex, checklistId: string, stepId: string, position: number): ChecklistCommand | undefined {
  return index.steps.get(checklistId)?.get(stepId)?.commands?.[position];
}

/**
 * Returns the message when it is well-formed and refers only to things on screen, otherwise undefined.
 * The one switch every webview message goes through.
 */
export function parseWebviewMessage(raw: unknown, index: ChecklistIndex): WebviewToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'rerun':
      return { type: message.type };
    case 'copyMarkdown': {
      const { checklistId } = message;
      if (checklistId === undefined) return { type: 'copyMarkdown' };
      if (!isId(checklistId) || !index.steps.has(checklistId)) return undefined;
      return { type: 'copyMarkdown', checklistId };
    }
    case 'tick': {
      const { checklistId, stepId, checked } = message;
      if (!isId(checklistId) || !isId(stepId) || typeof checked !== 'boolean') return undefined;
      if (!index.steps.get(checklistId)?.has(stepId)) return undefined;
      return { type: 'tick', checklistId, stepId, checked };
    }
    case 'reset': {
      const { checklistId } = message;
      if (!isId(checklistId) || !index.steps.has(checklistId)) return undefined;
      return { type: 'reset', checklistId };
    }
    case 'copyCommand':
    case 'insertCommand': {
      const { checklistId, stepId, index: position } = message;
      if (!isId(checklistId) || !isId(stepId) || !isIndex(position)) return undefined;
      if (!commandAt(index, checklistId, stepId, position)) return undefined;
      return { type: message.type, checklistId, stepId, index: position };
    }
    case 'openLink': {
      const { url } = message;
      if (typeof url !== 'string' || url.length > 2048) return undefined;
      if (!isSafeExternalUrl(url) || !index.links.has(url)) return undefined;
      return { type: 'openLink', url };
    }
    default:
      return undefined;
  }
}

/** The command a validated copy/insert message points at. */
export function findCommand(index: ChecklistIndex, checklistId: string, stepId: string, position: number): ChecklistCommand | undefined {
  return commandAt(index, checklistId, stepId, position);
}
