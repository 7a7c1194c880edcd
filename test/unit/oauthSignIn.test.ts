// OAuth end to end on loopback: the CLI's device code sign-in through msal-node at the lab
// authority, the probe's Bearer OPTIONS against the Exchange Online and hybrid scenarios, --auth
// auto choosing Bearer, the sign-in bounded by the run's limit and cancel, usage errors, and a
// grep of every output and file for the access, refresh and ID tokens (only the 0600 cache the
// user asked for may hold them).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnose } from '../../src/diagnosis/diagnose';
import { renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import { labCertificates } from '../../src/lab/labCertificates';
import { LAB_OAUTH_CLIENT_ID, startLabAuthority } from '../../src/lab/labOAuthAuthority';
import type { RunningLab } from '../../src/lab/labServer';
import { signInWithDeviceCode } from '../../src/oauth/deviceCodeSignIn';
import { AuthorityNetworkClient } from '../../src/oauth/msalNetworkClient';
import { findStep } from '../../src/probe/runModel';
import { runCli } from './helpers/cliFakeIo';
import { labTokenSource, probeLabScenario, stepOf } from './helpers/probeLabRuns';
import { useRecordingLab } from './helpers/suiteFixtures';

/** Any JWT (header.payload.signature, base64url): a token in any output is a leak, whoever issued it. */
const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

interface MsalCacheFile {
  AccessToken?: Record<string, { secret: string }>;
  RefreshToken?: Record<string, { secret: string }>;
  IdToken?: Record<string, { secret: string }>;
}

function secretsOf(cacheFile: string): string[] {
  const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as MsalCacheFile;
  return [cache.AccessToken, cache.RefreshToken, cache.IdToken].flatMap((kind) => Object.values(kind ?? {}).map((e) => e.secret));
}

function assertNoToken(text: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `${where} contains a token (${secret.slice(0, 12)}…)`);
    // A token cut short is still a leak: its signature alone identifies it.
    const signature = secret.split('.')[2];
    if (signature) assert.ok(!text.includes(signature), `${where} contains a token's signature`);
  }
  assert.doesNotMatch(text, JWT_SHAPE, `${where} contains something shaped like a JWT`);
}

describe('OAuth sign-in (msal-node device code at the lab authority)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'asd-oauth-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('the CLI', () => {
    it('activesync-doctor probe --lab exchange-online-oauth --auth oauth passes, prompting on standard error', async () => {
      const r = await runCli(['probe', '--lab', 'exchange-online-oauth', '--auth', 'oauth']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /To sign in, use a web browser to open the page https:\/\/localhost:\d+\/devicelogin and enter the code [A-Z0-9]{9} /);
      assert.match(r.stdout, /Signed in as labuser@contoso\.onmicrosoft\.example \(device code sign-in at the lab authority\)/);
      assert.match(r.stdout, /answered OPTIONS \(MS-Server-ActiveSync 15\.20\)/);
      assert.match(r.stdout, /Result: PASSED/);
    });

    for (const [scenario, cause] of [
      ['exchange-online-oauth-wrong-audience', 'The token is for another API'],
      ['exchange-online-oauth-missing-scope', 'lacks the EAS.AccessAsUser.All permission'],
      ['exchange-online-oauth-expired', 'The token had expired when it was sent'],
      ['exchange-online-oauth-eas-disabled', 'the mailbox may not use ActiveSync'],
      ['exchange-online-oauth-conditional-access', 'Conditional Access blocked the sign-in'],
      ['hybrid-modern-auth-not-configured', 'Hybrid Modern Authentication is not working'],
    ]) {
      it(`${scenario}: exit 1, the diagnosis leads with "${cause}"`, async () => {
        const r = await runCli(['probe', '--lab', scenario, '--auth', 'oauth', '--json']);
        assert.equal(r.code, 1, r.stderr);
        const { diagnosis } = JSON.parse(r.stdout) as { diagnosis: { causes: Array<{ title: string }> } };
        assert.ok(diagnosis.causes[0].title.includes(cause), diagnosis.causes.map((c) => c.title).join(' | '));
      });
    }

    it('no token reaches any output or file but the 0600 cache asked for', async () => {
      const cacheFile = join(dir, 'msal-cache.json');
      const outputs: Array<[string, string]> = [];
      const first = await runCli(['probe', '--lab', 'exchange-online-oauth', '--auth', 'oauth', '--token-cache', cacheFile, '--json', '--log-http', '--verbose']);
      assert.equal(first.code, 0, first.stderr);
      outputs.push(['first run stdout (--json)', first.stdout], ['first run stderr (--log-http)', first.stderr]);
      assert.match(first.stderr, /Authorization: Bearer \[redacted\]|Bearer/);

      assert.equal(statSync(cacheFile).mode & 0o777, 0o600, 'the cache file is owner-only');
      const secrets = secretsOf(cacheFile);
      assert.ok(secrets.length >= 3, 'the cache holds an access, a refresh and an ID token');
      assert.ok(secrets.some((s) => JWT_SHAPE.test(s)), 'the access token is a JWT (so the shape check means something)');

      // The same cache again: a new lab (new keys) means the cached token is refused, but the run
      // must not print it either; with --markdown and human output this time.
      const again = await runCli(['probe', '--lab', 'exchange-online-oauth', '--auth', 'oauth', '--token-cache', cacheFile, '--markdown', '--log-http']);
      outputs.push(['second run stdout (--markdown)', again.stdout], ['second run stderr', again.stderr]);
      const human = await runCli(['probe', '--lab', 'exchange-online-oauth-expired', '--auth', 'oauth', '--verbose', '--log-http']);
      outputs.push(['expired run stdout', human.stdout], ['expired run stderr', human.stderr]);
      // A token from standard input, as automation passes one.
      const [accessToken] = secrets;
      const piped = await runCli(['probe', '--lab', 'exchange-online-oauth', '--token-stdin', '--json', '--log-http'], { stdin: `${accessToken}\n` });
      outputs.push(['--token-stdin stdout', piped.stdout], ['--token-stdin stderr', piped.stderr]);
      const pipedRun = JSON.parse(piped.stdout).run;
      assert.equal(findStep(pipedRun, 'optionsAuthenticated.signIn')?.summary.includes('standard input'), true);

      for (const [where, text] of outputs) assertNoToken(text, secrets, where);
      // Every file in the working folder except the cache the user asked for.
      for (const name of readdirSync(dir)) {
        if (join(dir, name) === cacheFile) continue;
        assertNoToken(readFileSync(join(dir, name), 'latin1'), secrets, name);
      }
      assert.deepEqual(readdirSync(dir), ['msal-cache.json'], 'no temporary cache file is left behind');
    });

    it('rejects unusable OAuth flags with exit 2 before anything starts', async () => {
      const cases: Array<[string[], RegExp, string?]> = [
        [['probe', 'outlook.office365.com', '--auth', 'oauth'], /--auth oauth needs --client-id/],
        [['probe', 'outlook.office365.com', '--auth', 'oauth', '--client-id', 'not-a-guid'], /--client-id takes an application \(client\) id/],
        [['probe', 'outlook.office365.com', '--auth', 'oauth', '--tenant', 'a/b'], /--tenant takes a tenant id/],
        [['probe', 'outlook.office365.com', '--tenant', 'contoso.com'], /--tenant applies only with --auth oauth or auto/],
        [['probe', 'outlook.office365.com', '--token-stdin', '--password-stdin'], /a password or a token, not both/],
        [['probe', 'outlook.office365.com', '--token-stdin', '--token-cache', join(dir, 'x')], /--token-cache keeps a sign-in/],
        [['probe', '--lab', 'exchange-online-oauth', '--auth', 'oauth', '--client-id', LAB_OAUTH_CLIENT_ID], /do not apply to the lab/],
        [['probe', 'outlook.office365.com', '--token-stdin'], /--token-stdin read nothing/, ''],
        [['probe', 'outlook.office365.com', '--token-stdin'], /without "Bearer"/, 'Bearer abc'],
      ];
      for (const [argv, message, stdin] of cases) {
        const r = await runCli(argv, { stdin });
        assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, argv.join(' '));
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    });
  });

  describe('the engine', () => {
    let lab: RunningLab;
    const requests = useRecordingLab((started) => (lab = started));

    it('records the token\'s claims, never the token, and fills the user name from the sign-in', async () => {
      let token = '';
      const source = labTokenSource(lab, 'exchange-online-oauth');
      const run = await probeLabScenario(lab, 'exchange-online-oauth', {
        bearerToken: async (request) => {
          const t = await source(request);
          token = t.accessToken;
          return t;
        },
      });
      assert.equal(run.outcome, 'passed');
      assert.equal(run.userName, 'labuser@contoso.onmicrosoft.example');
      const step = stepOf(run, 'optionsAuthenticated');
      assert.equal(step.evidence.authScheme, 'Bearer');
      assert.deepEqual(
        { ...step.evidence.oauthToken, issuedAt: undefined, notBefore: undefined, expiresAt: undefined, issuer: undefined },
        { format: 'jwt', audience: 'https://outlook.office365.com', scopes: ['EAS.AccessAsUser.All', 'EWS.AccessAsUser.All'], roles: undefined, tenantId: lab.oauth!.tenantFor('exchange-online-oauth'), issuer: undefined, appId: LAB_OAUTH_CLIENT_ID, userPrincipalName: 'labuser@contoso.onmicrosoft.example', issuedAt: undefined, notBefore: undefined, expiresAt: undefined },
      );
      assert.ok(Date.parse(step.evidence.oauthToken!.expiresAt!) > Date.now());
      const sent = step.evidence.http!.at(-1)!.requestHeaders.find(([n]) => /^authorization$/i.test(n));
      assert.deepEqual(sent, ['Authorization', 'Bearer [redacted]']);
      const everything = JSON.stringify(run) + renderRunMarkdown(run, diagnose(run));
      assertNoToken(everything, [token], 'run and Markdown report');
    });

    it('every ActiveSync command signs in with the Bearer token OPTIONS sent, through Ping in full mode', async () => {
      const run = await probeLabScenario(lab, 'exchange-online-oauth', { mode: 'full' });
      assert.equal(run.outcome, 'passed', JSON.stringify(run.steps.map((s) => [s.id, s.status, s.summary])));
      for (const id of ['provision', 'folderSync', 'sync', 'ping']) assert.equal(stepOf(run, id).status, 'passed', `${id}: ${stepOf(run, id).summary}`);
      const commands = requests.filter((r) => r.method === 'POST');
      assert.ok(['Provision', 'FolderSync', 'Sync', 'Ping'].every((c) => commands.some((r) => r.command === c)), JSON.stringify(commands.map((r) => r.command)));
      for (const r of commands) assert.deepEqual([r.command, r.scheme, r.auth, r.userName], [r.command, 'Bearer', 'accepted', 'labuser@contoso.onmicrosoft.example']);
      // The commands name the user the sign-in named.
      assert.match(stepOf(run, 'provision').evidence.http?.[0].url ?? '', /User=labuser%40contoso\.onmicrosoft\.example/);
      const sent = stepOf(run, 'sync').evidence.http!.flatMap((e) => e.requestHeaders.filter(([n]) => /^authorization$/i.test(n)));
      assert.ok(sent.length > 0 && sent.every(([, v]) => v === 'Bearer [redacted]'), JSON.stringify(sent));
    });

    it('--token-cache: the second sign-in comes from the cache, without a prompt', async () => {
      const cacheFile = join(dir, 'engine-cache.json');
      const prompts: string[] = [];
      const source = lab.oauth!.tokenSource('exchange-online-oauth', { prompt: (m) => prompts.push(m), cacheFile });
      const request = { resource: 'https://outlook.office365.com', scopes: ['https://outlook.office365.com/EAS.AccessAsUser.All'], signal: new AbortController().signal };
      const first = await source(request);
      const second = await source(request);
      assert.equal(prompts.length, 1, 'one device code prompt in all');
      assert.match(second.source, /^cached sign-in/);
      assert.equal(second.accessToken, first.accessToken);
      assert.equal(statSync(cacheFile).mode & 0o777, 0o600);
      rmSync(cacheFile);
    });

    it('hybrid modern auth: the challenge names authorization_uri, the token is for the server\'s own URL', async () => {
      const run = await probeLabScenario(lab, 'hybrid-modern-auth');
      assert.equal(run.outcome, 'passed', JSON.stringify(run.steps.map((s) => [s.id, s.status, s.summary])));
      const bearer = stepOf(run, 'optionsAnonymous').evidence.challenges!.find((c) => c.scheme === 'Bearer')!;
      assert.match(bearer.params.authorization_uri, /^https:\/\/localhost:\d+\/common\/oauth2\/authorize$/);
      assert.equal(stepOf(run, 'optionsAuthenticated').evidence.oauthToken!.audience, 'https://localhost');
    });

    it('--auth auto signs in with OAuth when the server offers only Bearer, and with Basic otherwise', async () => {
      const oauthRun = await probeLabScenario(lab, 'exchange-online-oauth', { auth: 'auto' });
      assert.equal(oauthRun.outcome, 'passed');
      const step = stepOf(oauthRun, 'optionsAuthenticated');
      assert.equal(step.evidence.authScheme, 'Bearer');
      assert.ok(step.details.some((d) => d.label === 'Note' && /only Bearer/.test(d.value)));
      let asked = false;
      const basicRun = await probeLabScenario(lab, 'exchange2016-healthy', {
        auth: 'auto',
        bearerToken: async () => {
          asked = true;
          throw new Error('not expected');
        },
      });
      assert.equal(basicRun.outcome, 'passed');
      assert.equal(asked, false, 'no sign-in where Basic is offered');
      assert.notEqual(stepOf(basicRun, 'optionsAuthenticated').evidence.authScheme, 'Bearer');
    });

    it('--auth oauth sends no token where the server does not ask for Bearer', async () => {
      let asked = false;
      const run = await probeLabScenario(lab, 'exchange2016-healthy', {
        auth: 'oauth',
        userName: undefined,
        bearerToken: async () => {
          asked = true;
          throw new Error('not expected');
        },
      });
      assert.equal(asked, false);
      assert.equal(stepOf(run, 'optionsAnonymous').failure?.category, 'http.schemeNotOffered');
    });

    it('the run\'s limit and a cancel end a sign-in that is still waiting', async () => {
      const waiting = (request: { signal: AbortSignal }) => new Promise<never>((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true }));
      const started = Date.now();
      const timedOut = await probeLabScenario(lab, 'exchange-online-oauth', { bearerToken: waiting, timeouts: { overallMs: 800 } });
      assert.equal(stepOf(timedOut, 'optionsAuthenticated').failure?.category, 'run.timeout');
      assert.ok(Date.now() - started < 5000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const cancelled = await probeLabScenario(lab, 'exchange-online-oauth', { bearerToken: waiting, signal: controller.signal });
      assert.equal(cancelled.outcome, 'cancelled');
    });
  });

  describe('msal-node against the lab authority', () => {
    it('stops polling when cancelled, and reaches nothing but the authority', async () => {
      const certs = labCertificates();
      const authority = await startLabAuthority({
        certPem: certs.lab.certPem,
        keyPem: certs.lab.keyPem,
        approveAfterMs: 60_000,
        tenants: [{ tenantId: 'contoso-lab', userPrincipalName: 'labuser@contoso.example', grantedScopes: ['EAS.AccessAsUser.All'] }],
      });
      try {
        const controller = new AbortController();
        const prompts: string[] = [];
        const started = Date.now();
        const pending = signInWithDeviceCode({
          authority: authority.authorityUrl('contoso-lab'),
          clientId: LAB_OAUTH_CLIENT_ID,
          scopes: ['https://outlook.office365.com/EAS.AccessAsUser.All'],
          extraCaPem: certs.caPem,
          customAuthority: true,
          prompt: (m) => {
            prompts.push(m);
            setTimeout(() => controller.abort(new Error('cancelled by the test')), 100);
          },
          signal: controller.signal,
          timeoutMs: 30_000,
        });
        await assert.rejects(pending, /cancelled by the test/);
        assert.equal(prompts.length, 1);
        assert.ok(Date.now() - started < 5000, 'cancel ends the wait promptly');

        // Only the authority's own origin is reachable. Every lab sign-in above succeeded with
        // that restriction, so msal asked nothing of login.microsoftonline.com (instance discovery).
        const client = new AuthorityNetworkClient({ allowedOrigins: [authority.origin], extraCaPem: certs.caPem, timeoutMs: 2000 });
        try {
          await assert.rejects(client.sendGetRequestAsync('https://login.microsoftonline.com/common/discovery/instance?api-version=1.1'), /Refused to contact https:\/\/login\.microsoftonline\.com/);
          await assert.rejects(client.sendGetRequestAsync(`${authority.origin.replace('https:', 'http:')}/contoso-lab/v2.0/.well-known/openid-configuration`), /only https/);
          const metadata = await client.sendGetRequestAsync<{ issuer: string }>(`${authority.authorityUrl('contoso-lab')}/v2.0/.well-known/openid-configuration`);
          assert.equal(metadata.body.issuer, `${authority.authorityUrl('contoso-lab')}/v2.0`);
        } finally {
          await client.close();
        }
      } finally {
        await authority.close();
      }
    });
  });
});
