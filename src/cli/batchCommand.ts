// `activesync-doctor batch <file>`: the connectivity test against every server (and user) listed
// in a file, a few at a time, printed as one table plus one line per target, or as JSON. The one
// password comes from ACTIVESYNC_PASSWORD, standard input or a prompt, never from an argument.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { readBoundedFile } from '../common/boundedFileRead';
import { terminalSafe } from '../common/textSafety';
import { DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_CONCURRENCY, runBatch, type BatchResult, type BatchTarget } from '../probe/batch';
import { parseBatchTargets } from '../probe/batchTargets';
import { isEmailAddress } from '../probe/emailTarget';
import { attentionStep, cleanRunSummary, type ProbeRun } from '../probe/runModel';
import { discoveredUrl, runTargetLabel, runTargetWithServer } from '../probe/runTargetLabel';
import { flag, has, integerFlag, parseArgs, UsageError, type FlagSpec } from './cliArgs';
import type { CliIo } from './cliIo';
import { renderJunitReport, writeJunitReport } from './junitReport';
import { resolvePassword } from './passwordSource';
import { authFlag, autodiscoverUrlFlag, readCaFile, RUN_FLAGS } from './runFlags';
import { styleFor, type Style } from './terminalStyle';

export const BATCH_FLAGS: Record<string, FlagSpec> = {
  ...RUN_FLAGS,
  concurrency: { value: true },
  junit: { value: true },
};

export const BATCH_USAGE = `Usage: activesync-doctor batch <file> [options]

Runs the connectivity test against every server listed in <file>, a few at a time.
One server per line, optionally followed by a user name, separated by spaces or a comma:
  mail.contoso.com user@contoso.com
  https://mail.fabrikam.com:8443/Microsoft-Server-ActiveSync,FABRIKAM\\jdoe
  jdoe@contoso.com            # an e-mail address: Autodiscover finds the server, signs in as jdoe@contoso.com
  # comments and blank lines are ignored
Every user shares one password: ACTIVESYNC_PASSWORD, --password-stdin, or a prompt.

Options:
  --concurrency N     tests in flight at once, 1 to ${MAX_BATCH_CONCURRENCY} (default ${DEFAULT_BATCH_CONCURRENCY})
  --password-stdin    read the password from standard input (one line)
  --ca FILE           also trust the CA certificate(s) in this PEM file
  --insecure          report certificate trust problems as warnings and go on (lab use)
  --timeout MS        overall limit for each test, default 30000
  --no-cross-check    do not try the credentials against EWS and Autodiscover
  --allow-http        allow http:// targets (the password then travels unencrypted)
  --auth METHOD       basic (default), ntlm, negotiate or auto, for every test
  --domain D          domain for bare user names with ntlm/negotiate/auto
  --autodiscover-url URL  e-mail addresses ask this https Autodiscover endpoint instead of the places
                      devices look (split DNS, one server to check); server lines are tested as written
  --json              print { runs, summary } as JSON
  --junit FILE        also write a JUnit XML report (one test case per target) for CI servers

Exit codes: 0 every test passed (warnings allowed), 1 a test failed or was cancelled, 2 usage error.`;

/** Most file errors shown at once; the rest are counted. */
const MAX_ERRORS_SHOWN = 20;

export async function batchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, BATCH_FLAGS);
  if (args.positionals.length !== 1) throw new UsageError('Give one targets file, e.g. activesync-doctor batch servers.txt (see batch --help).');
  const file = args.positionals[0];
  const concurrency = integerFlag(args, 'concurrency', 1, MAX_BATCH_CONCURRENCY) ?? DEFAULT_BATCH_CONCURRENCY;
  const timeout = integerFlag(args, 'timeout', 100, 600_000);
  const extraCaPem = await readCaFile(flag(args, 'ca'));

  const allowHttp = has(args, 'allow-http');
  const auth = authFlag(args);
  const domain = flag(args, 'domain')?.trim() || undefined;
  const junitFile = flag(args, 'junit');
  if (junitFile !== undefined) checkWritableDirectory(junitFile);
  const autodiscoverUrl = autodiscoverUrlFlag(args);
  const parsed = parseBatchTargets(await readBoundedFile(file, 'targets file'), { allowHttp });
  if (parsed.errors.length) {
    const shown = parsed.errors.slice(0, MAX_ERRORS_SHOWN);
    io.stderr.write(`activesync-doctor: ${terminalSafe(file)} has ${parsed.errors.length} unusable line${parsed.errors.length === 1 ? '' : 's'}; nothing was tested:\n`);
    for (const e of shown) io.stderr.write(`  line ${e.line}: ${terminalSafe(e.message)}\n`);
    if (parsed.errors.length > shown.length) io.stderr.write(`  … and ${parsed.errors.length - shown.length} more\n`);
    return 2;
  }
  if (parsed.targets.length === 0) throw new UsageError(`${file} lists no servers (only blank lines and comments).`);

  const firstUser = parsed.targets.find((t) => t.userName)?.userName;
  // resolvePassword only writes the prompt to stderr; its parameter is typed as a full Writable.
  const stderr = io.stderr as Writable;
  const password = await resolvePassword({ userName: firstUser, fromStdin: has(args, 'password-stdin'), env: io.env, stdin: io.stdin, stderr });
  const targets: BatchTarget[] = parsed.targets.map((t) => ({
    target: t.target,
    ...(t.userName ? { userName: t.userName, password } : {}),
    // Only the addresses ask Autodiscover; a server line is tested as written.
    ...(autodiscoverUrl !== undefined && isEmailAddress(t.target) ? { autodiscoverUrl } : {}),
  }));

  const style = styleFor(io.stdout, io.env);
  const progress = Boolean(io.stderr.isTTY) && !has(args, 'json');
  let finished = 0;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let result: BatchResult;
  const startedAt = new Date();
  try {
    result = await runBatch(targets, {
      concurrency,
      allowHttp,
      auth,
      domain,
      ignoreTrust: has(args, 'insecure'),
      extraCaPem,
      crossCheck: !has(args, 'no-cross-check'),
      timeouts: timeout ? { overallMs: timeout } : undefined,
      env: io.env,
      signal: controller.signal,
      onRunFinished: (run) => {
        finished++;
        if (progress) io.stderr.write(`[${finished}/${targets.length}] ${run.outcome.padEnd(9)} ${terminalSafe(runTargetWithServer(run))}\n`);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }

  const summary = {
    total: result.runs.length,
    passed: result.passed,
    warnings: result.warnings,
    failed: result.failed,
    cancelled: result.cancelled,
    concurrency,
    durationMs: result.durationMs,
  };
  if (has(args, 'json')) {
    writeBatchJson(io.stdout, result.runs, summary);
  } else {
    io.stdout.write(renderBatchReport(result, style, Math.min(io.stdout.columns ?? 120, 160)));
  }
  if (junitFile !== undefined) {
    try {
      writeJunitReport(junitFile, renderJunitReport(result, { suiteName: basename(file), startedAt, hostname: hostname() }));
    } catch (error) {
      io.stderr.write(`activesync-doctor: could not write the JUnit report ${terminalSafe(junitFile)}: ${terminalSafe((error as NodeJS.ErrnoException).code ?? (error as Error).message)}\n`);
      return 2;
    }
  }
  return result.failed > 0 || result.cancelled > 0 ? 1 : 0;
}

/**
 * `{ runs, summary }` exactly as `JSON.stringify(…, null, 2)` prints it, written one run at a time:
 * 200 full runs are ~17 MB of text, and the whole document as one string, then one buffer for the
 * pipe, was most of the batch process's peak RSS (~70 MB above the table's). JSON strings never
 * hold a raw line break, so indenting every line of a run's own JSON nests it.
 */
export function writeBatchJson(out: NodeJS.WritableStream, runs: readonly ProbeRun[], summary: object): void {
  const nested = (value: unknown, indent: string) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
  out.write(runs.length ? '{\n  "runs": [\n' : '{\n  "runs": [],\n');
  runs.forEach((run, i) => out.write(`    ${nested(run, '    ')}${i < runs.length - 1 ? ',' : ''}\n`));
  if (runs.length) out.write('  ],\n');
  out.write(`  "summary": ${nested(summary, '  ')}\n}\n`);
}

/** Refuse before probing anything when the report could not be written anyway. */
function checkWritableDirectory(file: string): void {
  const directory = dirname(resolve(file));
  try {
    if (!statSync(directory).isDirectory()) throw new UsageError(`--junit ${file}: ${directory} is not a directory.`);
    accessSync(directory, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--junit ${file}: cannot write in ${directory} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--junit ${file} is a directory; give a file name.`);
}

/** The summary table, then one line per target saying what happened in the server's own words. */
export function renderBatchReport(result: BatchResult, style: Style, width = 120): string {
  const rows = result.runs.map((run, i) => [
    String(i + 1),
    terminalSafe(shortTargetLabel(run)),
    terminalSafe(run.userName ?? '(anonymous)'),
    run.outcome,
    attentionStep(run)?.id ?? '',
    String(Math.round(run.durationMs)),
  ]);
  const header = ['#', 'Target', 'User', 'Outcome', 'Failing step', 'ms'];
  // The target column takes what the others leave, so the table fits the terminal.
  const fixed = [3, 0, 28, 9, 20, 6];
  fixed[1] = Math.max(20, width - fixed.reduce((a, b) => a + b, 0) - 2 * (header.length - 1));
  const widths = header.map((h, c) => Math.min(fixed[c], Math.max(h.length, ...rows.map((r) => r[c].length))));
  const fit = (text: string, w: number) => (text.length > w ? `${text.slice(0, w - 1)}…` : text);
  const colour = (outcome: string, text: string) =>
    outcome === 'passed' ? style.green(text) : outcome === 'failed' ? style.red(text) : style.yellow(text);
  const line = (cells: string[], paint = false) =>
    cells
      .map((cell, c) => {
        const padded = c === cells.length - 1 ? fit(cell, widths[c]).padStart(widths[c]) : fit(cell, widths[c]).padEnd(widths[c]);
        return paint && c === 3 ? colour(cell, padded) : padded;
      })
      .join('  ')
      .trimEnd();

  const out: string[] = [style.bold(line(header)), ...rows.map((r) => line(r, true)), ''];
  result.runs.forEach((run, i) => out.push(`${i + 1}. ${colour(run.outcome, outcomeWord(run.outcome))} ${terminalSafe(runTargetWithServer(run))}: ${terminalSafe(oneLine(run))}`));
  out.push('');
  const parts = [`${result.passed} passed`, `${result.warnings} with warnings`, `${result.failed} failed`];
  if (result.cancelled) parts.push(`${result.cancelled} cancelled`);
  out.push(`${result.runs.length} ${result.runs.length === 1 ? 'test' : 'tests'} in ${(result.durationMs / 1000).toFixed(1)} s: ${parts.join(', ')}.`);
  return `${out.join('\n')}\n`;
}

/** For the table: the usual https:// and /Microsoft-Server-ActiveSync go without saying. */
function shortTargetLabel(run: ProbeRun): string {
  const short = (url: string) => url.replace(/^https:\/\//, '').replace(/\/Microsoft-Server-ActiveSync$/, '');
  const found = discoveredUrl(run);
  if (found) return `${runTargetLabel(run)} → ${short(found)}`;
  return run.target.url ? short(run.target.url) : runTargetLabel(run);
}

function outcomeWord(outcome: ProbeRun['outcome']): string {
  return { passed: 'PASSED', warning: 'WARNING', failed: 'FAILED', cancelled: 'CANCELLED' }[outcome];
}

function oneLine(run: ProbeRun): string {
  return attentionStep(run)?.summary ?? cleanRunSummary(run);
}
