// Malformed server addresses and user names, through runProbe and through the CLI in-process.
// Each rejected input must give a clear input failure (exit 1, or 2 for a usage error), never a
// stack trace, never echo a megabyte back, and never touch the network: a counting loopback
// server whose port the inputs name proves no connection was made.
import assert from 'node:assert/strict';
import { terminalSafe } from '../../src/common/textSafety';
import { runProbe } from '../../src/probe/probe';
import type { FailureCategory, ProbeRun } from '../../src/probe/runModel';
import { startHostileServer, type HostileServer } from '../hostile/hostileServers';
import { assertNoStackTrace, assertTerminalClean, HOSTILE_TIMEOUTS, hostileCaFile, probeHostile, runCli } from '../hostile/probeHarness';

interface BadCase {
  name: string;
  target: (port: number) => string;
  userName?: string;
  category: FailureCategory | FailureCategory[];
}

const host = (port: number) => `127.0.0.1:${port}`;

const BAD_TARGETS: BadCase[] = [
  { name: 'empty string', target: () => '', category: 'input.invalidUrl' },
  { name: 'only spaces', target: () => '   ', category: 'input.invalidUrl' },
  { name: 'a megabyte string', target: (p) => `https://${host(p)}/${'A'.repeat(1024 * 1024)}`, category: 'input.invalidUrl' },
  { name: 'spaces in the URL', target: (p) => `https://${host(p)}/Microsoft Server ActiveSync`, category: 'input.invalidUrl' },
  { name: 'spaces in the host name', target: () => 'mail contoso.com', category: 'input.invalidUrl' },
  { name: 'port 0', target: () => 'https://127.0.0.1:0/', category: 'input.invalidPort' },
  { name: 'port 65536', target: () => 'https://127.0.0.1:65536/', category: 'input.invalidPort' },
  { name: 'an eleven-digit port without a scheme', target: () => '127.0.0.1:99999999999', category: 'input.invalidPort' },
  { name: 'a negative port', target: () => 'https://127.0.0.1:-1/', category: ['input.invalidPort', 'input.invalidUrl'] },
  { name: 'a port that is not a number', target: () => 'https://127.0.0.1:https/', category: ['input.invalidPort', 'input.invalidUrl'] },
  { name: 'file: scheme', target: () => 'file:///etc/passwd', category: 'input.unsupportedScheme' },
  { name: 'javascript: scheme', target: () => 'javascript:alert(1)', category: 'input.unsupportedScheme' },
  { name: 'javascript:// with the server in it', target: (p) => `javascript://${host(p)}/%0aalert(1)`, category: 'input.unsupportedScheme' },
  { name: 'data: scheme', target: () => 'data:text/html,<script>alert(1)</script>', category: 'input.unsupportedScheme' },
  { name: 'ftp:// to the server', target: (p) => `ftp://${host(p)}/`, category: 'input.unsupportedScheme' },
  { name: 'http:// without --allow-http', target: (p) => `http://${host(p)}/Microsoft-Server-ActiveSync`, category: 'input.plainHttpNotAllowed' },
  { name: 'scheme and nothing else', target: () => 'https://', category: ['input.invalidUrl', 'input.invalidHost'] },
  { name: 'a port and no host', target: (p) => `https://:${p}/`, category: ['input.invalidUrl', 'input.invalidHost'] },
  { name: 'an unclosed IPv6 bracket', target: (p) => `https://[::1:${p}/`, category: 'input.invalidUrl' },
  { name: 'an IPv6 literal that is not one', target: (p) => `https://[::g]:${p}/`, category: 'input.invalidUrl' },
  { name: 'an empty label', target: () => 'mail..contoso.com', category: ['input.invalidHost', 'input.invalidUrl'] },
  { name: 'a 64-character label', target: () => `${'a'.repeat(64)}.contoso.com`, category: 'input.invalidHost' },
  { name: 'an underscore in the host name', target: () => 'mail_server.contoso.com', category: 'input.invalidHost' },
  { name: 'a NUL in the host name', target: () => 'mail\u0000.contoso.com', category: ['input.invalidUrl', 'input.invalidHost'] },
  { name: 'an escape sequence in the host name', target: () => 'mail.contoso.com\x1b[2J\x1b]0;owned\x07', category: ['input.invalidUrl', 'input.invalidHost'] },
  { name: 'markup as the host name', target: () => '<script>alert(1)</script>', category: ['input.invalidUrl', 'input.invalidHost'] },
  { name: 'credentials in front of a broken URL', target: () => 'https://admin:Hunter2-Secret@[broken', category: 'input.invalidUrl' },
];

const BAD_USERS: Array<{ name: string; userName: string }> = [
  { name: 'a NUL', userName: 'user\u0000@contoso.com' },
  { name: 'a newline (header injection)', userName: 'user@contoso.com\r\nX-Injected: 1' },
  { name: 'an escape sequence', userName: '\x1b[2Juser@contoso.com' },
  { name: 'a C1 control (CSI)', userName: 'user\u009b31m@contoso.com' },
  { name: 'a colon in a bare name', userName: 'user:name' },
  { name: 'a colon in a UPN', userName: 'user@contoso.com:extra' },
  { name: 'two backslashes', userName: 'CONTOSO\\\\jdoe' },
  { name: 'a domain with no user', userName: 'CONTOSO\\' },
  { name: '600 characters', userName: 'u'.repeat(600) },
];

describe('bad input: malformed server addresses and user names', function () {
  this.timeout(20_000);
  let counting: HostileServer;
  before(async () => {
    counting = await startHostileServer('countingTcp');
  });
  after(async () => {
    await counting.close();
  });

  const assertRejected = (run: ProbeRun, categories: FailureCategory | FailureCategory[]) => {
    const wanted = Array.isArray(categories) ? categories : [categories];
    const input = run.steps.find((s) => s.id === 'input');
    assert.equal(input?.status, 'failed', `input step ${input?.status}: ${input?.summary}`);
    assert.ok(wanted.includes(input.failure!.category), `category ${input.failure?.category}, wanted ${wanted.join(' or ')}: ${input.summary}`);
    assert.ok(input.summary.length > 10 && input.summary.length < 400, `unclear or huge message (${input.summary.length} characters)`);
    for (const id of ['dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated']) {
      assert.equal(run.steps.find((s) => s.id === id)?.status, 'skipped', `${id} ran for a rejected input`);
    }
    assert.equal(run.outcome, 'failed');
  };

  const cases = [
    ...BAD_TARGETS,
    ...BAD_USERS.map((u): BadCase => ({ name: `user name with ${u.name}`, target: (p) => `https://${host(p)}`, userName: u.userName, category: 'input.userNameForm' })),
  ];
  assert.ok(cases.length >= 30);

  for (const c of cases) {
    it(`${c.name}: rejected by runProbe and by the CLI, with no traffic`, async () => {
      const connectionsBefore = counting.connections;
      const target = c.target(counting.port);
      const run = await runProbe({ target, userName: c.userName, password: 'pw', proxy: '', env: {}, timeouts: HOSTILE_TIMEOUTS });
      assertRejected(run, c.category);
      assert.ok(JSON.stringify(run).length < 50_000, 'the run stores the huge input');

      const argv = ['probe', target, '--timeout', '2000', '--proxy', ''];
      if (c.userName !== undefined) argv.push('--user', c.userName);
      const cli = await runCli(argv, { password: 'pw' });
      assert.equal(cli.code, 2, `exit code ${cli.code}: bad input is a usage error`);
      assertNoStackTrace(cli.stdout + cli.stderr);
      assertTerminalClean({ bytes: cli.stdoutBytes, text: cli.stdout }, 'stdout');
      assertTerminalClean({ bytes: cli.stderrBytes, text: cli.stderr }, 'stderr');
      assert.ok(cli.stdout.length + cli.stderr.length < 20_000, 'the CLI echoed the huge input back');
      assert.ok(cli.stdout.includes(terminalSafe(run.steps[0].summary).slice(0, 30)), 'the reason is not shown');
      assert.equal(counting.connections, connectionsBefore, 'a rejected input reached the network');
    });
  }

  it('credentials inside the URL are stripped, warned about, never used and never stored or shown', async () => {
    const server = await startHostileServer('exchange');
    try {
      const target = server.url.replace('https://', 'https://admin:Hunter2-Secret@');
      const lines: string[] = [];
      const run = await probeHostile({ url: target }, { log: (l) => lines.push(l) });
      const input = run.steps.find((s) => s.id === 'input')!;
      assert.equal(input.status, 'warning');
      assert.equal(input.failure?.category, 'input.credentialsInUrl');
      assert.equal(run.steps.find((s) => s.id === 'optionsAnonymous')?.status, 'passed', 'the probe should go on with the cleaned address');
      for (const text of [JSON.stringify(run), lines.join('\n')]) {
        assert.equal(text.includes('Hunter2-Secret'), false);
        assert.equal(text.includes('admin:'), false);
      }
      assert.equal(server.requests.some((r) => r.authorization !== undefined), false, 'the URL credentials were sent');
      for (const mode of [[], ['--json'], ['--markdown'], ['--verbose', '--log-http']]) {
        const cli = await runCli(['probe', target, '--ca', hostileCaFile(), '--proxy', '', ...mode]);
        assert.equal(cli.stdout.includes('Hunter2-Secret') || cli.stderr.includes('Hunter2-Secret'), false, `leaked with ${mode.join(' ')}`);
        assert.equal(Buffer.from('admin:Hunter2-Secret').toString('base64').length > 0 && cli.stdout.includes(Buffer.from('admin:Hunter2-Secret').toString('base64')), false);
      }
    } finally {
      await server.close();
    }
  });

  it('a homoglyph host name is probed and shown in punycode, with a look-alike warning', async () => {
    const target = `https://exаmple.com:${counting.port}`; // the "а" is Cyrillic
    const run = await runProbe({ target, connectTo: '127.0.0.1', proxy: '', env: {}, timeouts: HOSTILE_TIMEOUTS });
    assert.match(run.target.host, /^xn--[a-z0-9-]+\.com$/);
    assert.match(run.target.url, /^https:\/\/xn--/);
    const input = run.steps.find((s) => s.id === 'input')!;
    assert.ok(input.children.some((c) => /look-alike/.test(c.summary) && c.status === 'warning'), 'no look-alike warning');
    assert.equal(input.status, 'warning');
    const cli = await runCli(['probe', target, '--connect-to', '127.0.0.1', '--timeout', '2000', '--proxy', '']);
    assert.match(cli.stdout, /xn--/);
    assertNoStackTrace(cli.stdout + cli.stderr);
  });

  it('full-width letters are folded to the ASCII host name', async () => {
    const run = await runProbe({ target: `https://ｌｏｃａｌｈｏｓｔ:${counting.port}`, connectTo: '127.0.0.1', proxy: '', env: {}, timeouts: HOSTILE_TIMEOUTS });
    assert.equal(run.target.host, 'localhost');
  });

  for (const [input, expectedHost, expectedUrl] of [
    ['::1', '::1', 'https://[::1]/Microsoft-Server-ActiveSync'],
    ['[::1]:8443', '::1', 'https://[::1]:8443/Microsoft-Server-ActiveSync'],
    ['https://[::1]:8443/', '::1', 'https://[::1]:8443/Microsoft-Server-ActiveSync'],
    ['localhost.:8443', 'localhost', 'https://localhost:8443/Microsoft-Server-ActiveSync'],
    ['HTTPS://LOCALHOST:8443', 'localhost', 'https://localhost:8443/Microsoft-Server-ActiveSync'],
  ] as const) {
    it(`"${input}" is understood as ${expectedUrl}`, async () => {
      // An abort before the start: only the input step runs, so nothing is contacted.
      const run = await runProbe({ target: input, proxy: '', env: {}, signal: AbortSignal.abort() });
      assert.equal(run.steps[0].status, 'passed', run.steps[0].summary);
      assert.equal(run.target.host, expectedHost);
      assert.equal(run.target.url, expectedUrl);
    });
  }

  it('credentials are not sent over http:// unless plain HTTP is allowed for that run', async () => {
    const plain = await startHostileServer('exchange', { plain: true });
    try {
      const refused = await runProbe({ target: plain.url, userName: 'user@contoso.com', password: 'pw', proxy: '', env: {}, timeouts: HOSTILE_TIMEOUTS });
      assertRejected(refused, 'input.plainHttpNotAllowed');
      const cli = await runCli(['probe', plain.url, '--user', 'user@contoso.com', '--proxy', ''], { password: 'pw' });
      assert.equal(cli.code, 2, 'http:// without --allow-http is a usage error');
      assert.equal(plain.connections, 0);
      // With the explicit opt-in the run goes on, and says so.
      const allowed = await runProbe({ target: plain.url, userName: 'user@contoso.com', password: 'pw', allowHttp: true, proxy: '', env: {}, timeouts: HOSTILE_TIMEOUTS });
      assert.equal(allowed.steps[0].failure?.category, 'input.plainHttp');
      assert.ok(plain.requests.some((r) => r.authorization?.startsWith('Basic ')));
    } finally {
      await plain.close();
    }
  });

  for (const [name, argv] of [
    ['an unknown option', ['--bogus']],
    ['a timeout that is not a number', ['--timeout', 'soon']],
    ['a zero timeout', ['--timeout', '0']],
    ['an unsupported auth method', ['--auth', 'kerberos']],
    ['a missing CA file', ['--ca', '/nonexistent/ca.pem']],
    ['--user without a value', ['--user']],
    ['--connect-to that is not an IP address', ['--connect-to', 'evil.example']],
    ['an https:// proxy', ['--proxy', 'https://proxy.contoso.com:8443']],
    ['a proxy that is not a URL', ['--proxy', 'http://proxy contoso:80']],
    ['a proxy with a user and password that is not a URL', ['--proxy', 'http://jdoe:Proxy-Secret-9@[bad']],
    ['an escape sequence in an unknown option', ['--\x1b[2Jowned']],
  ] as const) {
    it(`CLI usage error: ${name} exits 2 with one clean line and no traffic`, async () => {
      const before = counting.connections;
      const cli = await runCli(['probe', `https://${host(counting.port)}`, ...argv], { password: 'pw' });
      assert.equal(cli.code, 2, cli.stdout + cli.stderr);
      assert.match(cli.stderr, /^activesync-doctor: .+\n$/);
      assert.ok(!cli.stderr.includes('Proxy-Secret-9'), 'the proxy password is in the message');
      assertNoStackTrace(cli.stdout + cli.stderr);
      assertTerminalClean({ bytes: cli.stderrBytes, text: cli.stderr }, 'stderr');
      assert.equal(counting.connections, before);
    });
  }
});
