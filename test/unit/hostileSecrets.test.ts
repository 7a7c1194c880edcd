// A sentinel password through the CLI in every output mode (human, --verbose, --json, --markdown,
// --log-http) against servers that take it (401 with the cross-check, a 451 on the same host) and
// one that reflects the request back, Authorization included. The password and its Base64 form
// must appear in no output, while the servers prove the credentials really were sent.
import assert from 'node:assert/strict';
import { startHostileServer, type HostileServer } from '../hostile/hostileServers';
import { assertNoStackTrace, cliArgs, probeHostile, runCli } from '../hostile/probeHarness';

const USER = 'scan.user@contoso.com';
const PASSWORD = 'Sentinel-7f3a-Pässwörd!';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64');

/** Every form the secret could leak in. */
const FORMS: Array<[string, string]> = [
  ['password', PASSWORD],
  ['Base64 of user:password', BASIC],
  ['Base64 of the password', Buffer.from(PASSWORD, 'utf8').toString('base64')],
  ['URL-encoded password', encodeURIComponent(PASSWORD)],
  ['password as JSON', JSON.stringify(PASSWORD).slice(1, -1)],
];

function assertNoSecret(text: string, where: string): void {
  for (const [name, form] of FORMS) assert.equal(text.includes(form), false, `${where} contains the ${name}`);
}

describe('hostile servers: the password never shows up in any output', function () {
  this.timeout(15_000);
  let rejecting: HostileServer;
  let echoing: HostileServer;
  let redirecting: HostileServer;
  let redirectTarget: HostileServer;
  before(async () => {
    rejecting = await startHostileServer('exchange', { authenticatedStatus: 401 });
    echoing = await startHostileServer('echoCredentials');
    redirectTarget = await startHostileServer('exchange');
    redirecting = await startHostileServer('redirect451', { location: () => redirectTarget.url });
  });
  after(async () => {
    await Promise.all([rejecting, echoing, redirecting, redirectTarget].map((s) => s.close()));
  });

  const modes: string[][] = [[], ['--verbose'], ['--json'], ['--markdown'], ['--verbose', '--log-http'], ['--json', '--log-http']];

  for (const [name, server] of [
    ['a 401 server (with the EWS and Autodiscover cross-check)', () => rejecting],
    ['a server that echoes the Authorization header back', () => echoing],
    ['a 451 redirect on the same host', () => redirecting],
  ] as const) {
    it(`${name}: no output mode shows the password or its Base64`, async () => {
      const target = server();
      const before = target.requests.length;
      for (const mode of modes) {
        const result = await runCli(cliArgs(target, '--user', USER, ...mode), { password: PASSWORD });
        assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
        assertNoSecret(result.stdout, `stdout of ${mode.join(' ') || 'human'}`);
        assertNoSecret(result.stderr, `stderr of ${mode.join(' ') || 'human'}`);
        assertNoStackTrace(result.stdout + result.stderr);
      }
      // The scan means something only if the secret was really on the wire.
      const sent = [...target.requests.slice(before), ...redirectTarget.requests].filter((r) => r.authorization === `Basic ${BASIC}`);
      assert.ok(sent.length >= modes.length, `the credentials were sent ${sent.length} times`);
    });
  }

  it('the run itself (what history and exports store) holds no secret, even from an echoing server', async () => {
    const lines: string[] = [];
    // Generous limits: this checks what the run stores, and a loaded machine must not skip the cross-check.
    const run = await probeHostile(echoing, {
      userName: USER,
      password: PASSWORD,
      crossCheck: true,
      log: (l) => lines.push(l),
      timeouts: { overallMs: 12_000, headersMs: 4000, bodyMs: 4000 },
    });
    assert.equal(run.steps.find((s) => s.id === 'crossCheck')?.status !== 'skipped', true, 'the cross-check did not run');
    assertNoSecret(JSON.stringify(run), 'the run JSON');
    assertNoSecret(lines.join('\n'), 'the log');
  });
});
