// The words and choices of "Run Batch Test" that need no VS Code: the summary sentence, the one
// log line per target, which run the Test Steps view shows afterwards, and which targets are
// endpoints of the built-in lab running in this window. Pure, so plain Node tests cover it.
import type { ProbeRun, ProbeStep, RunOutcome } from '../probe/runModel';

export interface OutcomeCounts {
  passed: number;
  warnings: number;
  failed: number;
  cancelled: number;
}

export function countOutcomes(runs: readonly ProbeRun[]): OutcomeCounts {
  const count = (outcome: RunOutcome) => runs.filter((r) => r.outcome === outcome).length;
  return { passed: count('passed'), warnings: count('warning'), failed: count('failed'), cancelled: count('cancelled') };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "12 servers: 9 passed, 1 warning, 2 failed" (and ", 3 cancelled" only when some were). */
export function batchSummaryText(runs: readonly ProbeRun[]): string {
  const c = countOutcomes(runs);
  const parts = [`${c.passed} passed`, plural(c.warnings, 'warning'), `${c.failed} failed`];
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return `${plural(runs.length, 'server')}: ${parts.join(', ')}`;
}

/** The step a reader should look at first: the first failed one, else the first with a warning. */
function attentionStep(run: ProbeRun): ProbeStep | undefined {
  return run.steps.find((s) => s.status === 'failed') ?? run.steps.find((s) => s.status === 'warning');
}

/** What one run came to, in one line: the step to look at, or what the server answered. */
function outcomeSummary(run: ProbeRun): string {
  const step = attentionStep(run);
  if (step) return `${step.title}: ${step.summary}`;
  const answer = ['optionsAuthenticated', 'optionsAnonymous'].map((id) => run.steps.find((s) => s.id === id)).find((s) => s?.status === 'passed');
  return answer?.summary ?? 'every step passed.';
}

/**
 * One log line per finished target, e.g. "[3/12] line 7 failed https://mail.contoso.com/… as
 * CONTOSO\jdoe: OPTIONS with credentials: 401 …". Newlines from server text are folded; the logger
 * makes control characters inert.
 */
export function batchLogLine(run: ProbeRun, done: number, total: number, fileLine?: number): string {
  const where = fileLine === undefined ? '' : ` line ${fileLine}`;
  const who = run.userName ? ` as ${run.userName}` : ' without credentials';
  const text = `[${done}/${total}]${where} ${run.outcome} ${run.target.url || run.target.input}${who}: ${outcomeSummary(run)}`;
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** The run the Test Steps view shows after a batch: the last failed one in file order, else the last one. */
export function runToShow(runs: readonly ProbeRun[]): ProbeRun | undefined {
  const failed = runs.filter((r) => r.outcome === 'failed');
  return failed.at(-1) ?? runs.at(-1);
}

export interface LabEndpointRef {
  scenarioId: string;
  port: number;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The lab scenario a target (as written in the file, or a run's URL) points at, when it names a
 * loopback host and the port of an endpoint of the lab running in this window.
 */
export function labScenarioOf(target: string, endpoints: readonly LabEndpointRef[]): string | undefined {
  if (endpoints.length === 0) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(target.trim()) ? target.trim() : `https://${target.trim()}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || !LOOPBACK_HOSTS.has(url.hostname.toLowerCase()) || url.port === '') return undefined;
  return endpoints.find((e) => String(e.port) === url.port)?.scenarioId;
}
