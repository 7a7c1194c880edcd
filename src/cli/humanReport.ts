// The CLI's human output: the step tree with ✓ ✗ ! – marks and milliseconds, the details of
// steps that need attention, then the diagnosis. Every string that came from a server or the
// user goes through terminalSafe, so no escape sequence reaches the admin's terminal.
import { formatMs } from '../common/durationText';
import { terminalSafe } from '../common/textSafety';
import type { Diagnosis } from '../diagnosis/diagnosisModel';
import { renderDiagnosisText } from '../diagnosis/diagnosisText';
import type { ProbeRun, ProbeStep, ServerIdentity } from '../probe/runModel';
import { provenSummary } from '../probe/runVerdict';
import { describeClue, describeServer } from '../probe/serverIdentification';
import { markFor, type Style } from './terminalStyle';

export interface ReportOptions {
  style: Style;
  width: number;
  /** Show details of every step, not only of failed and warning ones. */
  verbose: boolean;
}

function stepLines(step: ProbeStep, depth: number, o: ReportOptions, out: string[]): void {
  const indent = '  '.repeat(depth + 1);
  const title = terminalSafe(step.title);
  const time = step.status === 'skipped' && step.durationMs === 0 ? '' : formatMs(step.durationMs);
  const room = Math.max(10, o.width - indent.length - 2 - time.length - 1);
  const shown = title.length > room ? `${title.slice(0, room - 1)}…` : title;
  out.push(`${indent}${markFor(step.status, o.style)} ${shown}${' '.repeat(Math.max(1, room - shown.length + 1))}${o.style.dim(time)}`);
  const attention = step.status === 'failed' || step.status === 'warning';
  if (step.summary && step.summary !== step.title) out.push(`${indent}    ${attention ? terminalSafe(step.summary) : o.style.dim(terminalSafe(step.summary))}`);
  if (attention || o.verbose) {
    for (const d of step.details) out.push(`${indent}    ${o.style.dim(`${terminalSafe(d.label)}:`)} ${terminalSafe(d.value).slice(0, 400)}`);
  }
  if (depth === 0 || attention || o.verbose) for (const child of step.children) stepLines(child, depth + 1, o, out);
}

/** The run's one server identification, with the clues it rests on. */
function serverLines(server: ServerIdentity, o: ReportOptions, out: string[]): void {
  out.push('');
  out.push(`Server: ${terminalSafe(describeServer(server))}`);
  if (server.note) out.push(`  ${terminalSafe(server.note)}`);
  for (const clue of server.clues ?? []) out.push(o.style.dim(`  - ${terminalSafe(describeClue(clue)).slice(0, 300)}`));
}

export function renderHumanReport(run: ProbeRun, diagnosis: Diagnosis | undefined, o: ReportOptions): string {
  const out: string[] = [];
  const who = run.userName ? ` as ${terminalSafe(run.userName)}` : ' (anonymous)';
  const where = run.target.url || terminalSafe(run.target.input) || '(no server)';
  out.push(o.style.bold(`ActiveSync connectivity test: ${terminalSafe(where)}${who}`));
  if (run.labScenario) out.push(o.style.dim(`  built-in lab scenario: ${terminalSafe(run.labScenario)}`));
  for (const step of run.steps) stepLines(step, 0, o, out);
  if (run.server) serverLines(run.server, o, out);
  const verdict = { passed: o.style.green('PASSED'), warning: o.style.yellow('PASSED WITH WARNINGS'), failed: o.style.red('FAILED'), cancelled: o.style.yellow('CANCELLED') }[run.outcome];
  out.push('');
  out.push(`Result: ${verdict} in ${formatMs(run.durationMs)}`);
  if (run.outcome !== 'cancelled') out.push(terminalSafe(`${provenSummary(run)}.`));
  if (diagnosis && (diagnosis.causes.length > 0 || diagnosis.findings?.length || run.outcome !== 'passed')) {
    out.push('');
    for (const line of renderDiagnosisText(diagnosis, { width: o.width, expandTopChecklist: true })) out.push(terminalSafe(line));
  }
  return `${out.join('\n')}\n`;
}
