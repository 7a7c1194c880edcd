// `activesync-doctor diff A.json B.json`: what changed between two runs, each exported with
// `probe --json` or from the History's JSON export. The earlier run (by start time) is the
// "before". Exit 0 when the later run is no worse, 1 when a step regressed, 2 for bad input.
import { readBoundedFile } from '../common/boundedFileRead';
import { stripControlCharacters, terminalInertJson } from '../common/textSafety';
import { compareRuns, oldestFirst } from '../compare/compareRuns';
import { renderComparisonMarkdown } from '../compare/comparisonMarkdown';
import { runFromDocument } from '../compare/runDocument';
import type { ProbeRun } from '../probe/runModel';
import { has, parseArgs, UsageError } from './cliArgs';
import type { CliIo } from './cliIo';
import { renderComparisonText } from './diffReport';
import { styleFor } from './terminalStyle';

/** A stored run is tens of KB (body snippets are capped); anything this big is not one. */
export const MAX_RUN_FILE_BYTES = 8 * 1024 * 1024;

export const DIFF_USAGE = `Usage: activesync-doctor diff <earlier.json> <later.json> [--json | --markdown]

Compares two runs of the connectivity test: steps whose status changed, evidence that changed
(certificate, offered authentication, server identity and build, protocol versions and commands,
HTTP status), timings beyond noise, and what stayed the same, with a one-line verdict.
Each file is a run exported with "probe --json" or from the History's JSON export.
The runs are compared oldest first, whatever the order given.

Exit codes: 0 the later run is no worse, 1 a step regressed, 2 usage or unreadable input.`;

export async function diffCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { json: {}, markdown: {} });
  if (args.positionals.length !== 2) throw new UsageError('Give two run files: activesync-doctor diff earlier.json later.json');
  if (has(args, 'json') && has(args, 'markdown')) throw new UsageError('Choose --json or --markdown, not both.');
  const first = await readRunFile(args.positionals[0]);
  const second = await readRunFile(args.positionals[1]);
  // "before" and "after" follow the clock, not the argument order.
  const comparison = compareRuns(...oldestFirst(first, second));
  if (has(args, 'json')) io.stdout.write(`${terminalInertJson(comparison)}\n`);
  else if (has(args, 'markdown')) io.stdout.write(stripControlCharacters(renderComparisonMarkdown(comparison)));
  else io.stdout.write(renderComparisonText(comparison, styleFor(io.stdout, io.env), Math.min(io.stdout.columns ?? 100, 120)));
  return comparison.regressed ? 1 : 0;
}

async function readRunFile(path: string): Promise<ProbeRun> {
  const shown = path.slice(0, 200);
  const text = await readBoundedFile(path, 'run file', { maxBytes: MAX_RUN_FILE_BYTES, regularFileOnly: true, oversizeReason: 'that is not one run' });
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(`${shown} is not JSON (${(error as Error).message.slice(0, 120)}). Export a run with "probe --json" or from the History.`);
  }
  const run = runFromDocument(value);
  if (typeof run === 'string') throw new UsageError(`${shown} is not a run to compare: ${run}.`);
  return run;
}
