// The light view of a stored run: what the History tree lists before anyone opens a run.
// The store keeps only these in memory (a few hundred bytes each) and reads a full ProbeRun
// from disk when one is opened, so 10,000 runs stay cheap to load and to group.
import { firstFailedStep, type ProbeRun, type RunOutcome } from '../probe/runModel';

export interface RunSummary {
  id: string;
  host: string;
  url: string;
  userName?: string;
  outcome: RunOutcome;
  startedAt: string;
  durationMs: number;
  labScenario?: string;
  failedStepId?: string;
  failedSummary?: string;
}

/** One server in the first level of the History tree. */
export interface ServerGroup {
  host: string;
  count: number;
  latestOutcome: RunOutcome;
  latestStartedAt: string;
  latestRunId: string;
}

/** The tree shows one line per failure; longer text waits until the run is opened. */
const MAX_FAILED_SUMMARY_CHARS = 300;

export function summarizeRun(run: ProbeRun): RunSummary {
  const failed = firstFailedStep(run);
  const summary: RunSummary = {
    id: run.id,
    host: run.target.host,
    url: run.target.url || run.target.input,
    outcome: run.outcome,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
  };
  if (run.userName) summary.userName = run.userName;
  if (run.labScenario) summary.labScenario = run.labScenario;
  if (failed) {
    summary.failedStepId = failed.id;
    summary.failedSummary =
      failed.summary.length > MAX_FAILED_SUMMARY_CHARS ? `${failed.summary.slice(0, MAX_FAILED_SUMMARY_CHARS - 1)}…` : failed.summary;
  }
  return summary;
}

/**
 * Sort key: the start time as a canonical ISO string (what toISOString writes, which sorts as
 * text). Other spellings are normalised; unparseable times sort last.
 */
export function startedAtKey(startedAt: string): string {
  if (startedAt.length === 24 && startedAt.endsWith('Z') && startedAt[10] === 'T') return startedAt;
  const ms = Date.parse(startedAt);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** What sorting and the History tree's first level read of a run: loading knows this much of every run. */
export type RunHeadline = Pick<RunSummary, 'id' | 'host' | 'outcome' | 'startedAt'>;

/** Whether `a` is older than `b` in the order sortNewestFirst reverses (start time, then id). */
function comesBefore(aKey: string, aId: string, bKey: string, bId: string): boolean {
  return aKey < bKey || (aKey === bKey && aId < bId);
}

/**
 * Newest first; the id breaks ties so the order is the same in every window. The index is written
 * in time order, so its runs usually arrive oldest first: that case is one pass and a reversal.
 */
export function sortNewestFirst<T extends RunHeadline>(runs: readonly T[]): T[] {
  let ordered = true;
  let previousKey = runs.length > 0 ? startedAtKey(runs[0].startedAt) : '';
  for (let i = 1; i < runs.length && ordered; i++) {
    const key = startedAtKey(runs[i].startedAt);
    ordered = comesBefore(previousKey, runs[i - 1].id, key, runs[i].id);
    previousKey = key;
  }
  if (ordered) return [...runs].reverse();
  const keyed = runs.map((s) => ({ s, k: startedAtKey(s.startedAt) }));
  keyed.sort((a, b) => (comesBefore(b.k, b.s.id, a.k, a.s.id) ? -1 : comesBefore(a.k, a.s.id, b.k, b.s.id) ? 1 : 0));
  return keyed.map((k) => k.s);
}

/**
 * The History tree groups runs by host name alone, case-insensitively (the group shows the spelling
 * of the newest run), so every port of a host is one group. Checklist ticks key by host and port:
 * serverKeyOf in src/extension/serverKey.ts.
 */
export function hostGroupKey(host: string): string {
  return host.toLowerCase();
}

/** Groups runs that are already newest first; groups come out newest first too. */
export function groupByServer(newestFirst: readonly RunHeadline[]): ServerGroup[] {
  const groups = new Map<string, ServerGroup>();
  // Runs of one server share few spellings of its name: lower-case each spelling once.
  const keyOfSpelling = new Map<string, string>();
  for (const s of newestFirst) {
    let key = keyOfSpelling.get(s.host);
    if (key === undefined) {
      key = hostGroupKey(s.host);
      keyOfSpelling.set(s.host, key);
    }
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { host: s.host, count: 1, latestOutcome: s.outcome, latestStartedAt: s.startedAt, latestRunId: s.id });
  }
  return [...groups.values()];
}
