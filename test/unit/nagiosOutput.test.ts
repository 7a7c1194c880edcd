// `probe --format nagios` against the lab, checked with a parser written from the Monitoring
// Plugins development guidelines: the first line is `SERVICE STATE - text | perfdata`, perfdata
// items are `'label'=value[UOM];[warn];[crit];[min];[max]` separated by spaces, the exit code is
// the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), and a broken invocation is UNKNOWN.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nagiosResult, pluginSafe } from '../../src/cli/nagiosOutput';
import { diagnose } from '../../src/diagnosis/diagnose';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { runCli } from './helpers/cliFakeIo';
import { buildRun } from './helpers/runBuilder';

interface PerfItem {
  label: string;
  value: number;
  uom: string;
  warn: string;
  crit: string;
  min: string;
  max: string;
}

interface PluginOutput {
  service: string;
  state: string;
  text: string;
  perfdata: PerfItem[];
  longText: string[];
}

// value: a decimal number; UOM: s, ms, us, %, B, KB, MB, TB, c, or none (guidelines).
const PERF_ITEM = /^('[^'=]+'|[^\s'=]+)=(-?\d+(?:\.\d+)?)(s|ms|us|%|B|KB|MB|TB|c)?(?:;([^;\s]*)(?:;([^;\s]*)(?:;([^;\s]*)(?:;([^;\s]*))?)?)?)?$/;
// A threshold range: [@][start:][end], start may be ~.
const RANGE = /^@?(?:(?:~|-?\d+(?:\.\d+)?):)?(?:-?\d+(?:\.\d+)?)?$/;

function parsePluginOutput(output: string): PluginOutput {
  assert.ok(output.endsWith('\n'), 'output ends with a newline');
  const [first, ...rest] = output.slice(0, -1).split('\n');
  const status = /^(\S+) (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+?)(?: \| (.*))?$/.exec(first);
  assert.ok(status, `status line does not follow the guidelines: ${first}`);
  const perfdata = (status[4] ?? '').split(' ').filter(Boolean).map((item) => {
    const m = PERF_ITEM.exec(item);
    assert.ok(m, `perfdata item does not follow the guidelines: ${item}`);
    for (const range of [m[4], m[5]]) if (range) assert.match(range, RANGE, `threshold ${range} in ${item}`);
    return { label: m[1], value: Number(m[2]), uom: m[3] ?? '', warn: m[4] ?? '', crit: m[5] ?? '', min: m[6] ?? '', max: m[7] ?? '' };
  });
  for (const line of rest) assert.ok(!line.includes('|'), `long text line carries a stray | : ${line}`);
  return { service: status[1], state: status[2], text: status[3], perfdata, longText: rest };
}

describe('Nagios plugin output (probe --format nagios)', () => {
  let lab: RunningLab;
  const env = { ACTIVESYNC_PASSWORD: 'Lab-Passw0rd!' };

  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'coexistence-2003-basic-only', 'tls-self-signed'] });
  });
  after(() => lab.close());

  it('a healthy server is OK (exit 0) with the total, each step and the certificate days as perfdata', async () => {
    const r = await runCli(['probe', lab.urlFor('exchange2016-healthy'), '--user', 'labuser@contoso.example', '--ca', lab.caFile, '--format', 'nagios'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = parsePluginOutput(r.stdout);
    assert.equal(out.service, 'ACTIVESYNC');
    assert.equal(out.state, 'OK');
    assert.match(out.text, /Exchange Server 2016/);
    const labels = out.perfdata.map((p) => p.label);
    for (const label of ['time', 'step_dns', 'step_tcp', 'step_tls', 'step_optionsAnonymous', 'step_optionsAuthenticated', 'step_provision', 'step_folderSync', 'step_sync', 'cert_days_left']) assert.ok(labels.includes(label), `perfdata lacks ${label}: ${labels.join(' ')}`);
    const time = out.perfdata.find((p) => p.label === 'time')!;
    assert.equal(time.uom, 's');
    assert.equal(time.min, '0');
    assert.ok(time.value > 0);
    const days = out.perfdata.find((p) => p.label === 'cert_days_left')!;
    assert.ok(days.value > 300, `lab certificates last a year; got ${days.value}`);
    assert.equal(out.longText.length, 11, 'one long-text line per step (OPTIONS and the command steps)');
    assert.equal(r.stderr, '');
  });

  it('certificate thresholds: fewer days than --warning-days is WARNING (1), than --critical-days CRITICAL (2)', async () => {
    const base = ['probe', lab.urlFor('exchange2016-healthy'), '--user', 'labuser@contoso.example', '--ca', lab.caFile, '--format', 'nagios'];
    const warn = await runCli([...base, '--warning-days', '400', '--critical-days', '30'], { env });
    assert.equal(warn.code, 1);
    const w = parsePluginOutput(warn.stdout);
    assert.equal(w.state, 'WARNING');
    const days = w.perfdata.find((p) => p.label === 'cert_days_left')!;
    assert.equal(days.warn, '400:');
    assert.equal(days.crit, '30:');
    const crit = await runCli([...base, '--warning-days', '500', '--critical-days', '400'], { env });
    assert.equal(crit.code, 2);
    assert.equal(parsePluginOutput(crit.stdout).state, 'CRITICAL');
    const ok = await runCli([...base, '--warning-days', '30', '--critical-days', '14'], { env });
    assert.equal(ok.code, 0);
  });

  it('a failed step is CRITICAL (exit 2) and names the diagnosis', async () => {
    const r = await runCli(['probe', lab.urlFor('coexistence-2003-basic-only'), '--user', 'CONTOSO\\labuser', '--ca', lab.caFile, '--format=nagios'], { env });
    assert.equal(r.code, 2);
    const out = parsePluginOutput(r.stdout);
    assert.equal(out.state, 'CRITICAL');
    assert.match(out.text, /401/);
    assert.ok(out.longText.some((l) => l.startsWith('optionsAuthenticated: failed')));
  });

  it('an untrusted certificate is CRITICAL and still reports the days left', async () => {
    const r = await runCli(['probe', lab.urlFor('tls-self-signed'), '--user', 'CONTOSO\\labuser', '--format', 'nagios'], { env });
    assert.equal(r.code, 2);
    const out = parsePluginOutput(r.stdout);
    assert.equal(out.state, 'CRITICAL');
    assert.ok(out.perfdata.some((p) => p.label === 'cert_days_left'));
  });

  it('usage errors are UNKNOWN (exit 3) on standard output, never exit 2', async () => {
    for (const argv of [
      ['probe', '--format', 'nagios', '--no-such-flag'],
      ['probe', '--format', 'nagios'],
      ['probe', 'mail.contoso.com', '--format', 'nagios', '--warning-days', 'soon'],
      ['probe', 'mail.contoso.com', '--format', 'nagios', '--warning-days', '10', '--critical-days', '20'],
      ['probe', 'mail.contoso.com', '--format', 'nagios', '--user', 'u@contoso.com'], // no password source
    ]) {
      const r = await runCli(argv);
      assert.equal(r.code, 3, `${argv.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(parsePluginOutput(r.stdout).state, 'UNKNOWN');
    }
    const plain = await runCli(['probe', 'mail.contoso.com', '--warning-days', '10']);
    assert.equal(plain.code, 2, 'thresholds without --format nagios are a plain usage error');
    assert.match(plain.stderr, /--format nagios/);
  });

  it('a server address or user name the input check refuses is UNKNOWN (exit 3) naming the reason, not CRITICAL', async () => {
    for (const [target, reason] of [
      ['https://[bad/', /is not a valid host name or URL/],
      ['https://mail.contoso.com:99999/', /Port 99999 is out of range/],
      ['http://mail.contoso.com/', /Plain http:\/\//],
    ] as const) {
      const r = await runCli(['probe', target, '--user', 'u@contoso.com', '--format', 'nagios'], { env });
      assert.equal(r.code, 3, `${target}: ${r.stdout}`);
      const out = parsePluginOutput(r.stdout);
      assert.equal(out.state, 'UNKNOWN');
      assert.match(out.text, /server address or user name is not usable/);
      assert.match(out.text, reason);
    }
    const refusedUser = nagiosResult(buildRun({ steps: { input: { status: 'failed', category: 'input.userNameForm', summary: 'The user name is empty.' } } }), diagnose(buildRun()));
    assert.equal(refusedUser.exitCode, 3);
  });

  it('--password-file reads an owner-only file and refuses one others can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nagios-pw-'));
    try {
      const file = join(dir, 'password');
      writeFileSync(file, 'Lab-Passw0rd!\n');
      chmodSync(file, 0o600);
      const base = ['probe', lab.urlFor('exchange2016-healthy'), '--user', 'labuser@contoso.example', '--ca', lab.caFile, '--format', 'nagios', '--password-file', file];
      const ok = await runCli(base);
      assert.equal(ok.code, 0, ok.stdout);
      if (process.platform !== 'win32') {
        chmodSync(file, 0o644);
        const refused = await runCli(base);
        assert.equal(refused.code, 3);
        assert.match(refused.stdout, /^ACTIVESYNC UNKNOWN - .*readable by its owner only/);
        assert.ok(!refused.stdout.includes('Lab-Passw0rd!'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--password-file naming a FIFO or a directory is refused at once (UNKNOWN), never waited on', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'nagios-fifo-'));
    try {
      const fifo = join(dir, 'password');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      for (const file of [fifo, dir]) {
        // Opened as before (blocking), a FIFO with no writer hung the run until this test's timeout.
        const refused = await runCli(['probe', lab.urlFor('exchange2016-healthy'), '--user', 'labuser@contoso.example', '--ca', lab.caFile, '--format', 'nagios', '--password-file', file]);
        assert.equal(refused.code, 3, refused.stdout);
        assert.match(refused.stdout, /^ACTIVESYNC UNKNOWN - .*secret file .* is not a file/);
      }
      // A secret file is a password or token: one of 64 KiB and more is refused by its size, in words.
      const large = join(dir, 'large');
      writeFileSync(large, 'x'.repeat(64 * 1024 + 1), { mode: 0o600 });
      const tooLarge = await runCli(['probe', lab.urlFor('exchange2016-healthy'), '--user', 'labuser@contoso.example', '--ca', lab.caFile, '--format', 'nagios', '--password-file', large]);
      assert.equal(tooLarge.code, 3, tooLarge.stdout);
      assert.match(tooLarge.stdout, /larger than 64 KiB; that is not a password/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('server text cannot break the format: no |, newline or control character reaches the status line', () => {
    const hostile = 'Access denied | fake=1;;; \n\u001b[2JCRITICAL';
    const run = buildRun({ userName: 'u@contoso.com', steps: { optionsAuthenticated: { status: 'failed', category: 'http.403', summary: hostile } } });
    const result = nagiosResult(run, diagnose(run));
    const out = parsePluginOutput(result.text);
    assert.equal(out.state, 'CRITICAL');
    assert.ok(!out.perfdata.some((p) => p.label === 'fake'));
    assert.ok(!result.text.includes('\u001b'));
    assert.equal(pluginSafe('a|b\nc'), 'a/b c');
  });

  it('a cancelled run is UNKNOWN: nothing is known about the server', () => {
    const run = buildRun({ cancelled: true });
    assert.equal(nagiosResult(run, diagnose(run)).state, 'UNKNOWN');
    assert.equal(nagiosResult(run, diagnose(run)).exitCode, 3);
  });
});
