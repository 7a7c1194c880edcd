// The CLI run in-process (main(argv, io) with fake streams and an explicit env) against a lab
// started by this file: exit codes, usage errors, the three output formats, password sources,
// and that neither the password nor a terminal escape sequence ever reaches the output.
import assert from 'node:assert/strict';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { LAB_PASSWORD, LAB_UPN } from '../../src/lab/labAccounts';
import { LAB_SCENARIOS } from '../../src/lab/scenarios';
import type { ProbeRun } from '../../src/probe/runModel';
import type { Diagnosis } from '../../src/diagnosis/diagnosisModel';
import { runCli, type CliResult } from './helpers/cliFakeIo';
import { assertNoSecret, secretForms } from './helpers/probeLabRuns';

const SENTINEL = 'S3ntinel-Pa55!';
const ESC = '\u001b';

function parseJson(result: CliResult): { run: ProbeRun; diagnosis: Diagnosis } {
  try {
    return JSON.parse(result.stdout) as { run: ProbeRun; diagnosis: Diagnosis };
  } catch (error) {
    throw new Error(`stdout is not JSON (${(error as Error).message}): ${result.stdout.slice(0, 300)} / stderr: ${result.stderr.slice(0, 300)}`);
  }
}

describe('CLI in-process: main(argv, io)', () => {
  let lab: RunningLab;
  const probe = (id: string, ...rest: string[]) => ['probe', lab.urlFor(id), '--ca', lab.caFile, ...rest];

  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'coexistence-2003-basic-only', 'wrong-password'] });
  });
  after(async () => {
    await lab?.close();
  });

  describe('help and version', () => {
    it('--help exits 0 and lists the commands', async () => {
      const r = await runCli(['--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /probe <url\|host\|address>/);
      assert.match(r.stdout, /lab \[--port N\]/);
      assert.equal(r.stderr, '');
    });

    it('probe --help exits 0 and lists the probe options', async () => {
      const r = await runCli(['probe', '--help']);
      assert.equal(r.code, 0);
      for (const option of ['--password-stdin', '--allow-http', '--no-cross-check', '--json', '--markdown']) assert.ok(r.stdout.includes(option), option);
    });

    it('no command at all prints the usage and exits 2', async () => {
      const r = await runCli([]);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /Commands:/);
    });

    it('--version prints the engine version', async () => {
      const r = await runCli(['--version']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^\d+\.\d+\.\d+/);
    });
  });

  describe('usage errors exit 2 with one clear line and no stack trace', () => {
    const cases: Array<{ name: string; argv: () => string[]; mention: RegExp; env?: NodeJS.ProcessEnv }> = [
      { name: 'unknown flag', argv: () => ['probe', 'mail.contoso.com', '--bogus'], mention: /--bogus/ },
      { name: 'single-dash flag', argv: () => ['probe', 'mail.contoso.com', '-x'], mention: /-x/ },
      { name: 'missing server', argv: () => ['probe'], mention: /Which server/ },
      { name: 'two servers', argv: () => ['probe', 'a.example', 'b.example'], mention: /one server/ },
      { name: '--timeout abc', argv: () => ['probe', 'mail.contoso.com', '--timeout', 'abc'], mention: /--timeout must be a whole number/ },
      { name: '--timeout out of range', argv: () => ['probe', 'mail.contoso.com', '--timeout', '5'], mention: /--timeout must be between/ },
      { name: '--timeout without a value', argv: () => ['probe', 'mail.contoso.com', '--timeout'], mention: /--timeout needs a value/ },
      { name: '--auth kerberos', argv: () => ['probe', 'mail.contoso.com', '--auth', 'kerberos'], mention: /--auth takes one of basic, ntlm, negotiate, auto, oauth, not "kerberos"/ },
      { name: '--json and --markdown together', argv: () => ['probe', 'mail.contoso.com', '--json', '--markdown'], mention: /--json or --markdown/ },
      { name: 'a flag given twice', argv: () => ['probe', 'mail.contoso.com', '--user', 'a', '--user', 'b'], mention: /--user is given twice/ },
      { name: 'a CA file that does not exist', argv: () => ['probe', 'mail.contoso.com', '--ca', '/nonexistent/ca.pem'], mention: /Cannot read the CA file/ },
      {
        name: 'a user but no password (stdin not a terminal, no ACTIVESYNC_PASSWORD)',
        argv: () => ['probe', 'mail.contoso.com', '--user', 'jdoe@contoso.com'],
        mention: /--password-stdin.*ACTIVESYNC_PASSWORD/,
      },
      { name: 'an unknown lab scenario', argv: () => ['probe', '--lab', 'no-such-scenario'], mention: /No lab scenario "no-such-scenario"/ },
      { name: 'a server and --lab together', argv: () => ['probe', 'mail.contoso.com', '--lab', 'silent'], mention: /either a server or --lab/ },
      { name: 'an unknown command', argv: () => ['frobnicate'], mention: /Unknown command "frobnicate"/ },
      { name: 'lab with a stray argument', argv: () => ['lab', 'extra'], mention: /Unexpected argument "extra"/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const r = await runCli(c.argv(), { env: c.env });
        assert.equal(r.code, 2, `stderr: ${r.stderr}`);
        assert.match(r.stderr, /^activesync-doctor: /);
        assert.match(r.stderr, c.mention);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(r.stdout, '');
      });
    }
  });

  describe('probe exit codes and formats', () => {
    it('a healthy server exits 0; --json parses with run.steps and diagnosis.causes', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--user', LAB_UPN, '--json'), { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
      assert.equal(r.code, 0, r.stderr);
      const { run, diagnosis } = parseJson(r);
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(run.steps.map((s) => s.id), ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck', 'provision', 'folderSync', 'sync', 'ping']);
      assert.ok(Array.isArray(diagnosis.causes));
      assert.equal(diagnosis.runId, run.id);
      assert.equal(run.userName, LAB_UPN);
    });

    it('the coexistence 401 exits 1 and the diagnosis names causes', async () => {
      const r = await runCli(probe('coexistence-2003-basic-only', '--user', 'CONTOSO\\labuser', '--json'), { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
      assert.equal(r.code, 1, r.stderr);
      const { run, diagnosis } = parseJson(r);
      assert.equal(run.outcome, 'failed');
      assert.equal(run.steps.find((s) => s.id === 'crossCheck')?.failure?.category, 'crossCheck.accepted');
      assert.ok(diagnosis.causes.length > 0);
    });

    it('--no-cross-check skips the cross-check step', async () => {
      const r = await runCli(probe('coexistence-2003-basic-only', '--user', 'CONTOSO\\labuser', '--json', '--no-cross-check'), { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
      const { run } = parseJson(r);
      assert.equal(run.settings.crossCheck, false);
      assert.equal(run.steps.find((s) => s.id === 'crossCheck')?.status, 'skipped');
    });

    it('--timeout sets the run limit', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--json', '--timeout', '7000'));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseJson(r).run.settings.timeoutMs, 7000);
    });

    it('--markdown starts with a heading', async () => {
      const r = await runCli(probe('wrong-password', '--user', LAB_UPN, '--markdown'), { env: { ACTIVESYNC_PASSWORD: SENTINEL } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^# /);
      assert.match(r.stdout, /## Steps/);
    });

    it('human output: ✓ and ✗ marks, times in ms, the result line, no ESC when not a terminal', async () => {
      const r = await runCli(probe('wrong-password', '--user', LAB_UPN), { env: { ACTIVESYNC_PASSWORD: SENTINEL } });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stdout.includes('✓'), 'has ✓');
      assert.ok(r.stdout.includes('✗'), 'has ✗');
      assert.match(r.stdout, /\d+ ms/);
      assert.match(r.stdout, /Result: FAILED/);
      assert.ok(!r.stdout.includes(ESC), 'no ESC character');
      assert.ok(!r.stderr.includes(ESC), 'no ESC character on stderr');
    });

    it('colour only on a terminal: ESC appears with a TTY, and not with NO_COLOR', async () => {
      const tty = await runCli(probe('exchange2016-healthy'), { stdoutIsTty: true });
      assert.equal(tty.code, 0, tty.stderr);
      assert.ok(tty.stdout.includes(`${ESC}[`), 'a terminal gets colour');
      const noColor = await runCli(probe('exchange2016-healthy'), { stdoutIsTty: true, env: { NO_COLOR: '1' } });
      assert.ok(!noColor.stdout.includes(ESC), 'NO_COLOR turns colour off');
    });

    it('an http:// target without --allow-http exits 2 (a usage error) with the input step failed naming --allow-http', async () => {
      const r = await runCli(['probe', 'http://127.0.0.1:9/', '--json']);
      assert.equal(r.code, 2, r.stderr);
      const input = parseJson(r).run.steps[0];
      assert.equal(input.id, 'input');
      assert.equal(input.status, 'failed');
      assert.equal(input.failure?.category, 'input.plainHttpNotAllowed');
      assert.match(input.summary, /--allow-http/);
      const human = await runCli(['probe', 'http://127.0.0.1:9/']);
      assert.equal(human.code, 2);
      assert.match(human.stdout, /--allow-http/);
    });

    it('probe --lab starts its own lab and uses the scenario account', async () => {
      const r = await runCli(['probe', '--lab', 'coexistence-2003-basic-only', '--json']);
      assert.equal(r.code, 1, r.stderr);
      const { run } = parseJson(r);
      assert.equal(run.labScenario, 'coexistence-2003-basic-only');
      assert.equal(run.userName, 'CONTOSO\\labuser');
      assert.equal(run.steps.find((s) => s.id === 'optionsAuthenticated')?.failure?.category, 'http.401');
    });
  });

  describe('password sources', () => {
    it('--password-stdin reads the piped password (the right one passes)', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--user', LAB_UPN, '--password-stdin', '--json'), { stdin: `${LAB_PASSWORD}\n` });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseJson(r).run.outcome, 'passed');
    });

    it('--password-stdin with a wrong password fails with 401 (the piped text was really used)', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--user', LAB_UPN, '--password-stdin', '--json'), { stdin: `${SENTINEL}\n` });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(parseJson(r).run.steps.find((s) => s.id === 'optionsAuthenticated')?.failure?.category, 'http.401');
    });

    it('ACTIVESYNC_PASSWORD is used when no --password-stdin is given', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--user', LAB_UPN, '--json'), { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
      assert.equal(r.code, 0, r.stderr);
    });

    it('no user: the run is anonymous and needs no password', async () => {
      const r = await runCli(probe('exchange2016-healthy', '--json'));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseJson(r).run.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'skipped');
    });
  });

  describe('the password never reaches the output', () => {
    const forms = secretForms(LAB_UPN, SENTINEL);
    for (const format of ['--json', '--markdown', '--verbose']) {
      it(`${format} (with --log-http on stderr), password from the environment`, async () => {
        const r = await runCli(probe('wrong-password', '--user', LAB_UPN, format, '--log-http'), { env: { ACTIVESYNC_PASSWORD: SENTINEL } });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /OPTIONS/, 'the HTTP log was written');
        assertNoSecret(r.stdout, forms, `stdout ${format}`);
        assertNoSecret(r.stderr, forms, `stderr ${format}`);
      });
    }

    it('human output with the password from stdin', async () => {
      const r = await runCli(probe('wrong-password', '--user', LAB_UPN, '--password-stdin', '--verbose'), { stdin: SENTINEL });
      assert.equal(r.code, 1, r.stderr);
      assertNoSecret(r.stdout + r.stderr, forms, 'output');
    });

    it('a password typed into the URL is not printed', async () => {
      const url = new URL(lab.urlFor('exchange2016-healthy'));
      const r = await runCli(['probe', `https://jdoe:${SENTINEL}@localhost:${url.port}${url.pathname}`, '--ca', lab.caFile, '--json']);
      assertNoSecret(r.stdout + r.stderr, forms, 'output');
    });
  });

  describe('lab and demo', () => {
    it('lab --list lists every scenario id and exits 0', async () => {
      const r = await runCli(['lab', '--list']);
      assert.equal(r.code, 0);
      for (const s of LAB_SCENARIOS) assert.ok(r.stdout.includes(s.id), s.id);
      assert.match(r.stdout, new RegExp(`^${LAB_SCENARIOS.length} lab scenarios`));
    });

    it('demo probes two scenarios as the lab expects and exits 0', async () => {
      const r = await runCli(['demo']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Exchange 2016, healthy/);
      assert.match(r.stdout, /Exchange 2010 in front of an Exchange 2003 mailbox/);
      assert.ok(!r.stdout.includes(ESC));
    });

    it('demo --help prints its usage, and an option meant for probe is a usage error, not ignored', async () => {
      const help = await runCli(['demo', '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: activesync-doctor demo\n/);
      assert.doesNotMatch(help.stdout, /Exchange 2016, healthy\n/, 'the demo ran instead of printing its usage');
      for (const argv of [['demo', '--json'], ['demo', 'mail.contoso.com']]) {
        const r = await runCli(argv);
        assert.equal(r.code, 2, argv.join(' '));
        assert.equal(r.stdout, '', 'the demo ran');
        assert.match(r.stderr, /^activesync-doctor: demo takes no options or arguments/);
      }
    });
  });
});
