// The words and choices of "Run Batch Test" that need no VS Code: the summary sentence, the one
// log line per target, which run the Test Steps view shows afterwards, and which targets are
// endpoints of the built-in lab running in this window. Pure, so plain Node tests cover it.
import { attentionStep, cleanRunSummary, countOutcomes, type ProbeRun } from '../probe/runModel';
import { runTargetWithServer } from '../probe/runTargetLabel';

export { countOutcomes, type OutcomeCounts } from '../probe/runModel';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "12 servers: 9 passed, 1 warning, 2 failed" (and ", 3 cancelled" only when some were). */
export function batchSummaryText(runs: readonly ProbeRun[]): string {
  const c = countOutcomes(runs);
  const parts = [`${c.passed} passed`, plural(c.warnings, 'warning'), `${c.failed} failed`];
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return `${plural(runs.length, 'server')}: ${parts.join(', ')}`;
}

/** What one run came to, in one line: the step to look at, or what the server answered. */
function outcomeSummary(run: ProbeRun): string {
  const step = attentionStep(run);
  return step ? `${step.title}: ${step.summary}` : cleanRunSummary(run);
}

/**
 * One log line per finished target, e.g. "[3/12] line 7 failed https://mail.contoso.com/… as
 * CONTOSO\jdoe: OPTIONS with credentials: 401 …". Newlines from server text are folded; the logger
 * makes control characters inert.
 */
export function batchLogLine(run: ProbeRun, done: number, total: number, fileLine?: number): string {
  const where = fileLine === undefined ? '' : ` line ${fileLine}`;
  const who = run.userName ? ` as ${run.userName}` : ' without credentials';
  const text = `[${done}/${total}]${where} ${run.outcome} ${runTargetWithServer(run)}${who}: ${outcomeSummary(run)}`;
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
