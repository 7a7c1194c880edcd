// Compares an earlier run with a later one: step by step (matched by id, children included),
// status, HTTP status, evidence and timing. Nothing here knows a step by name, so steps added to
// the probe later are compared like the rest.
import type { ProbeRun, ProbeStep, StepStatus } from '../probe/runModel';
import { TIMING_NOISE, type FactChange, type RunComparison, type RunSideSummary, type StatusChange, type StepComparison, type StepSide, type TickBetweenRuns, type TimingChange } from './runComparison';
import { runServerIdentity } from '../probe/serverIdentification';
import { comparisonVerdict } from './comparisonVerdict';
import { factsByKey, shownValue } from './stepFacts';

export { TIMING_NOISE };

const RANK: Partial<Record<StepStatus, number>> = { passed: 0, warning: 1, failed: 2 };

export interface CompareOptions {
  /** Checklist ticks with the time they were set; those between the two runs are kept. */
  ticks?: TickBetweenRuns[];
}

export function compareRuns(before: ProbeRun, after: ProbeRun, options: CompareOptions = {}): RunComparison {
  const steps = mergeSteps(flattenSteps(withServerIdentity(before)), flattenSteps(withServerIdentity(after)));
  const topLevel = steps.filter((s) => s.depth === 0);
  const comparison: RunComparison = {
    before: sideSummary(before),
    after: sideSummary(after),
    sameServer: comparisonServerKey(before) === comparisonServerKey(after),
    testChanges: testChanges(before, after),
    steps,
    regressed: topLevel.some((s) => s.statusChange === 'regressed'),
    improved: topLevel.some((s) => s.statusChange === 'improved'),
    timingNoise: { ...TIMING_NOISE },
    verdict: '',
  };
  if (options.ticks) {
    const from = Date.parse(before.startedAt);
    const to = Date.parse(after.startedAt);
    comparison.ticksBetween = options.ticks.filter((t) => {
      const at = Date.parse(t.tickedAt);
      return at > from && at <= to;
    });
  }
  comparison.verdict = comparisonVerdict(comparison);
  return comparison;
}

/** Both runs in the order they ran, whatever order they were given in (the CLI and VS Code alike). */
export function oldestFirst<T extends Pick<ProbeRun, 'startedAt'>>(a: T, b: T): [T, T] {
  return Date.parse(b.startedAt) < Date.parse(a.startedAt) ? [b, a] : [a, b];
}

/** Same scheme, host (any case), port and path: the same server as far as two runs can tell. */
export function comparisonServerKey(run: Pick<ProbeRun, 'target'>): string {
  const raw = run?.target?.url || run?.target?.input || '';
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, '').toLowerCase()}`;
  } catch {
    return raw.trim().toLowerCase();
  }
}

function sideSummary(run: ProbeRun): RunSideSummary {
  const side: RunSideSummary = {
    id: String(run.id),
    startedAt: String(run.startedAt),
    finishedAt: String(run.finishedAt),
    outcome: run.outcome,
    target: run.target?.url || run.target?.input || '',
    durationMs: Number(run.durationMs) || 0,
  };
  if (run.userName) side.userName = run.userName;
  if (run.labScenario) side.labScenario = run.labScenario;
  return side;
}

/** How the test itself differed: these explain a change as much as the server can. */
function testChanges(before: ProbeRun, after: ProbeRun): FactChange[] {
  const facts = (run: ProbeRun): Array<[string, string, string | undefined]> => [
    ['target', 'Server', run.target?.url || run.target?.input],
    ['userName', 'User', run.userName],
    ['auth', 'Authentication method', run.settings?.auth],
    ['domain', 'Domain', run.settings?.domain],
    ['crossCheck', 'Cross-check', run.settings ? (run.settings.crossCheck ? 'on' : 'off') : undefined],
    ['ignoreTrust', 'Certificate trust', run.settings ? (run.settings.ignoreTrust ? 'ignored' : 'checked') : undefined],
    ['allowHttp', 'Plain HTTP', run.settings ? (run.settings.allowHttp ? 'allowed' : 'not allowed') : undefined],
    ['proxy', 'Proxy', run.settings?.proxy],
    ['labScenario', 'Lab scenario', run.labScenario],
    ['engineVersion', 'Engine version', run.engineVersion],
  ];
  const a = facts(before);
  const b = facts(after);
  const changes: FactChange[] = [];
  a.forEach(([key, label, valueBefore], i) => {
    const valueAfter = b[i][2];
    if ((valueBefore ?? '') === (valueAfter ?? '')) return;
    const change: FactChange = { key, label };
    if (valueBefore) change.before = shownValue(valueBefore);
    if (valueAfter) change.after = shownValue(valueAfter);
    changes.push(change);
  });
  return changes;
}

interface FlatStep {
  key: string;
  depth: number;
  step: ProbeStep;
}

/**
 * The run's one server identification (worked out again for runs stored before it existed), placed
 * on the authenticated OPTIONS step for the comparison, where runs of every age can meet it.
 */
function withServerIdentity(run: ProbeRun): ProbeStep[] {
  const steps = Array.isArray(run?.steps) ? run.steps : [];
  const server = runServerIdentity(run);
  // "Unknown" says nothing was named, not that the product changed.
  if (!server || server.product === 'unknown') return steps;
  return steps.map((s) => (s?.id === 'optionsAuthenticated' ? { ...s, evidence: { ...(s.evidence ?? {}), server } as ProbeStep['evidence'] } : s));
}

function flattenSteps(steps: readonly ProbeStep[] | undefined, parentKey = '', depth = 0, out: FlatStep[] = []): FlatStep[] {
  const seen = new Map<string, number>();
  for (const step of Array.isArray(steps) ? steps : []) {
    if (!step || typeof step !== 'object') continue;
    const id = String(step.id);
    // Repeated ids under one parent (several attempts) are told apart by their order.
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    const key = `${parentKey}${parentKey ? '/' : ''}${id}${n ? `#${n + 1}` : ''}`;
    out.push({ key, depth, step });
    flattenSteps(step.children, key, depth + 1, out);
  }
  return out;
}

/** The later run's order, with steps only the earlier run had placed after their predecessor. */
function mergeSteps(before: FlatStep[], after: FlatStep[]): StepComparison[] {
  const beforeByKey = new Map(before.map((f) => [f.key, f]));
  const afterKeys = new Set(after.map((f) => f.key));
  const order: FlatStep[] = [...after];
  let insertAt = 0;
  for (const f of before) {
    const at = order.findIndex((o) => o.key === f.key);
    if (at >= 0) {
      insertAt = at + 1;
      continue;
    }
    order.splice(insertAt, 0, f);
    insertAt += 1;
  }
  return order.map((f) => {
    const b = beforeByKey.get(f.key)?.step;
    const a = afterKeys.has(f.key) ? f.step : undefined;
    return compareStep(f.key, f.depth, b, a);
  });
}

function compareStep(key: string, depth: number, before: ProbeStep | undefined, after: ProbeStep | undefined): StepComparison {
  const result: StepComparison = {
    key,
    id: String((after ?? before)?.id),
    depth,
    statusChange: statusChange(before?.status, after?.status),
    changedFacts: [],
    sameFacts: [],
  };
  if (before) result.before = side(before);
  if (after) result.after = side(after);
  const timing = timingChange(before, after);
  if (timing) result.timing = timing;

  const a = factsByKey(before);
  const b = factsByKey(after);
  for (const fact of a.values()) {
    const other = b.get(fact.key);
    if (!other) {
      result.changedFacts.push({ key: fact.key, label: fact.label, before: shownValue(fact.value), ...(fact.items ? { removed: fact.items } : {}) });
      continue;
    }
    if (sameValue(fact, other)) {
      result.sameFacts.push(fact.label);
      continue;
    }
    const change: FactChange = { key: fact.key, label: fact.label, before: shownValue(fact.value), after: shownValue(other.value) };
    if (fact.items && other.items) {
      change.added = other.items.filter((i) => !fact.items?.includes(i));
      change.removed = fact.items.filter((i) => !other.items?.includes(i));
    }
    result.changedFacts.push(change);
  }
  for (const fact of b.values()) {
    if (!a.has(fact.key)) result.changedFacts.push({ key: fact.key, label: fact.label, after: shownValue(fact.value), ...(fact.items ? { added: fact.items } : {}) });
  }
  return result;
}

function sameValue(a: { value: string; items?: string[] }, b: { value: string; items?: string[] }): boolean {
  if (a.items && b.items) return a.items.length === b.items.length && a.items.every((i) => b.items?.includes(i));
  return a.value === b.value;
}

function side(step: ProbeStep): StepSide {
  const s: StepSide = {
    status: step.status,
    title: String(step.title ?? step.id),
    summary: String(step.summary ?? ''),
    durationMs: Number(step.durationMs) || 0,
  };
  if (step.failure?.category) s.failureCategory = String(step.failure.category);
  const answered = (Array.isArray(step.evidence?.http) ? step.evidence.http : []).filter((ex) => typeof ex?.response?.statusCode === 'number');
  if (answered.length) s.httpStatus = answered[answered.length - 1].response?.statusCode;
  return s;
}

export function statusChange(before: StepStatus | undefined, after: StepStatus | undefined): StatusChange {
  const a = before ? RANK[before] : undefined;
  const b = after ? RANK[after] : undefined;
  if (a === undefined && b === undefined) return 'same';
  if (a === undefined) return 'nowTested';
  if (b === undefined) return 'noLongerTested';
  return a === b ? 'same' : b > a ? 'regressed' : 'improved';
}

/** Timings of a step tested in both runs; beyondNoise per TIMING_NOISE. */
export function timingChange(before: ProbeStep | undefined, after: ProbeStep | undefined): TimingChange | undefined {
  if (!before || !after || before.status === 'skipped' || after.status === 'skipped') return undefined;
  const beforeMs = Math.max(0, Number(before.durationMs) || 0);
  const afterMs = Math.max(0, Number(after.durationMs) || 0);
  return { beforeMs, afterMs, beyondNoise: timingBeyondNoise(beforeMs, afterMs) };
}

export function timingBeyondNoise(beforeMs: number, afterMs: number): boolean {
  const slow = Math.max(beforeMs, afterMs);
  const fast = Math.min(beforeMs, afterMs);
  return slow - fast >= TIMING_NOISE.minDifferenceMs && slow >= fast * TIMING_NOISE.minRatio;
}
