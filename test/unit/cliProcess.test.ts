// The built CLI (dist/cli.js) as a real child process: the exit codes a script or CI job sees
// (0 passed, 1 a step failed, 2 usage), piped --password-stdin, JSON on stdout, and no terminal
// escape sequences when stdout is a pipe. Each child starts its own lab with --lab.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_PASSWORD } from '../../src/lab/labAccounts';
import { assertNoSecret, secretForms } from './helpers/probeLabRuns';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const SENTINEL = 'S3ntinel-Pa55!';

/** The parent's environment without anything that would change the CLI's behaviour. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|no_proxy|all_proxy|activesync_password|activesync_doctor_debug|no_color|node_options)$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input ?? '',
    env: cleanEnv(options.env),
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.error) throw r.error;
  return r;
}

describe('CLI as a child process (dist/cli.js)', function () {
  this.timeout(30_000);

  before(function () {
    assert.ok(existsSync(CLI), `${CLI} is missing: run node scripts/build.mjs first`);
  });

  it('probe --lab exchange2016-healthy exits 0 with ✓ marks and no ESC', () => {
    const r = cli(['probe', '--lab', 'exchange2016-healthy']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('✓'));
    assert.match(r.stdout, /\d+ ms/);
    assert.match(r.stdout, /Result: PASSED/);
    assert.ok(!r.stdout.includes('\u001b'), 'no ESC when stdout is a pipe');
  });

  it('probe --lab coexistence-2003-basic-only --json exits 1 with run.steps and diagnosis.causes', () => {
    const r = cli(['probe', '--lab', 'coexistence-2003-basic-only', '--json']);
    assert.equal(r.status, 1, r.stderr);
    const parsed = JSON.parse(r.stdout) as { run: { steps: Array<{ id: string; failure?: { category: string } }> }; diagnosis: { causes: unknown[] } };
    assert.equal(parsed.run.steps.find((s) => s.id === 'optionsAuthenticated')?.failure?.category, 'http.401');
    assert.ok(parsed.diagnosis.causes.length > 0);
  });

  const usage: Array<[string, string[]]> = [
    ['an unknown flag', ['probe', 'mail.contoso.com', '--bogus']],
    ['a missing server', ['probe']],
    ['--timeout abc', ['probe', 'mail.contoso.com', '--timeout', 'abc']],
    ['--auth kerberos', ['probe', 'mail.contoso.com', '--auth', 'kerberos']],
    ['a user without a password (stdin a pipe, no ACTIVESYNC_PASSWORD)', ['probe', 'mail.contoso.com', '--user', 'jdoe@contoso.com']],
  ];
  for (const [name, args] of usage) {
    it(`usage error: ${name} exits 2 without a stack trace`, () => {
      const r = cli(args);
      assert.equal(r.status, 2, `stdout: ${r.stdout} stderr: ${r.stderr}`);
      assert.match(r.stderr, /^activesync-doctor: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  it('--password-stdin reads a piped password: the right one passes, a wrong one gets 401 and is never printed', () => {
    // A user name other than the scenario's own makes the CLI ask for the password.
    const ok = cli(['probe', '--lab', 'exchange2016-healthy', '--user', 'CONTOSO\\labuser', '--password-stdin'], { input: `${LAB_PASSWORD}\n` });
    assert.equal(ok.status, 0, ok.stderr);
    const wrong = cli(['probe', '--lab', 'exchange2016-healthy', '--user', 'CONTOSO\\labuser', '--password-stdin', '--verbose', '--log-http'], { input: `${SENTINEL}\n` });
    assert.equal(wrong.status, 1, wrong.stderr);
    assert.match(wrong.stdout, /401/);
    assertNoSecret(wrong.stdout + wrong.stderr, secretForms('CONTOSO\\labuser', SENTINEL), 'child output');
  });

  it('an http:// target without --allow-http exits 2 (a usage error) and names --allow-http', () => {
    const r = cli(['probe', 'http://127.0.0.1:9/', '--json']);
    assert.equal(r.status, 2, r.stderr);
    const input = (JSON.parse(r.stdout) as { run: { steps: Array<{ id: string; failure?: { category: string }; summary: string }> } }).run.steps[0];
    assert.equal(input.failure?.category, 'input.plainHttpNotAllowed');
    assert.match(input.summary, /--allow-http/);
  });

  it('--help exits 0', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Commands:/);
  });

  it('lab --list exits 0 and lists scenario ids', () => {
    const r = cli(['lab', '--list']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /coexistence-2003-basic-only/);
    assert.match(r.stdout, /exchange2016-healthy/);
  });
});
