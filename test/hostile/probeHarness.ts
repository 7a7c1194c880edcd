// Runs the probe and the CLI against the hostile bed with short limits, and the checks every
// hostile case shares: the run ended in a precise failed/warning step, no stack trace was shown,
// no terminal control character reached the screen.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { runProbe } from '../../src/probe/probe';
import type { ProbeOptions, ProbeTimeouts } from '../../src/probe/probeOptions';
import type { FailureCategory, ProbeRun, ProbeStep } from '../../src/probe/runModel';
import { hostileCaPem, type HostileServer } from './hostileServer';

/** Small limits so the whole hostile suite runs in seconds: a probe must respect them. */
export const HOSTILE_TIMEOUTS: ProbeTimeouts = { overallMs: 2000, dnsMs: 500, connectMs: 500, tlsMs: 500, headersMs: 300, bodyMs: 300 };

export function probeHostile(server: HostileServer | { url: string }, options: Partial<ProbeOptions> = {}): Promise<ProbeRun> {
  return runProbe({
    target: server.url,
    extraCaPem: hostileCaPem(),
    proxy: '',
    env: {},
    crossCheck: false,
    ...options,
    timeouts: { ...HOSTILE_TIMEOUTS, ...options.timeouts },
  });
}

export function flatSteps(run: ProbeRun): ProbeStep[] {
  const out: ProbeStep[] = [];
  const visit = (steps: ProbeStep[]) => {
    for (const s of steps) {
      out.push(s);
      visit(s.children);
    }
  };
  visit(run.steps);
  return out;
}

/** The run stopped at `stepId` with `category`, and every later step was skipped. */
export function assertEndedWith(run: ProbeRun, stepId: string, categories: FailureCategory | FailureCategory[], status: 'failed' | 'warning' = 'failed'): ProbeStep {
  const wanted = Array.isArray(categories) ? categories : [categories];
  const step = run.steps.find((s) => s.id === stepId);
  assert.ok(step, `no ${stepId} step in ${run.steps.map((s) => s.id).join(', ')}`);
  assert.equal(step.status, status, `${stepId}: ${step.summary}`);
  assert.ok(step.failure && wanted.includes(step.failure.category), `${stepId} category ${step.failure?.category}, wanted ${wanted.join(' or ')}: ${step.summary}`);
  return step;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Raw bytes, for checks a string decode could hide. */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
}

/** The CLI in-process, streams captured; ACTIVESYNC_PASSWORD carries the password when given. */
export async function runCli(argv: string[], options: { password?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  (stdin as unknown as PassThrough).end();
  const env: NodeJS.ProcessEnv = { NO_PROXY: '*', ...options.env };
  if (options.password !== undefined) env.ACTIVESYNC_PASSWORD = options.password;
  const code = await main(argv, { stdout, stderr, stdin, env });
  await new Promise((r) => setImmediate(r));
  const stdoutBytes = Buffer.concat(out);
  const stderrBytes = Buffer.concat(err);
  return { code, stdout: stdoutBytes.toString('utf8'), stderr: stderrBytes.toString('utf8'), stdoutBytes, stderrBytes };
}

/** A stack frame ("at fn (/path/file.js:1:2)" or "at /path/file.js:1:2") means an error leaked out raw. */
export function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\bat (?:[^\n()]*\()?(?:\/|[A-Za-z]:\\|node:|file:)[^\n]*:\d+/, 'a stack trace reached the output');
}

/** No ESC, BEL or C1 control (CSI 0x9b and friends) in what a terminal would receive. */
export function assertTerminalClean(result: { bytes: Buffer; text: string }, label: string): void {
  assert.equal(result.bytes.includes(0x1b), false, `${label}: ESC byte in the output`);
  assert.equal(result.bytes.includes(0x07), false, `${label}: BEL byte in the output`);
  const c1 = /[\u0080-\u009f]/.exec(result.text);
  assert.equal(c1, null, `${label}: C1 control U+${c1?.[0].charCodeAt(0).toString(16)} in the output`);
  const otherC0 = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(result.text);
  assert.equal(otherC0, null, `${label}: control U+${otherC0?.[0].charCodeAt(0).toString(16)} in the output`);
}

let caFile: string | undefined;

/** The lab CA as a PEM file for the CLI's --ca (written once per process, in the temp directory). */
export function hostileCaFile(): string {
  if (!caFile) {
    const dir = mkdtempSync(join(tmpdir(), 'asd-hostile-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, hostileCaPem());
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return caFile;
}

export function cliArgs(server: HostileServer, ...extra: string[]): string[] {
  // The hostile servers imitate OPTIONS answers; the command steps are fuzzed at the codec level.
  return ['probe', server.url, '--ca', hostileCaFile(), '--timeout', String(HOSTILE_TIMEOUTS.overallMs), '--proxy', '', '--options-only', ...extra];
}
