// Export of one run as JSON: the same model the history stores, indented for people and diff tools.
// (The Markdown report is the diagnosis module's renderRunMarkdown.)
import type { ProbeRun } from '../probe/runModel';
import { stringifyWithoutPasswords } from './passwordFilter';

export function exportRunJson(run: ProbeRun): string {
  return `${stringifyWithoutPasswords(run, 2)}\n`;
}
