// The credential gate against servers built to steal a password: a server that swaps its
// certificate when the probe reconnects, 451 redirects to http:// and to another port with a
// self-signed certificate. Each server records every Authorization header it receives, so the
// tests prove what was NOT sent; positive controls prove the same paths do send credentials when
// the connection is the one that was verified.
import assert from 'node:assert/strict';
import { type HostileServer, useHostileServers } from '../hostile/hostileServers';
import { assertEndedWith, assertNoStackTrace, cliArgs, probeHostile, runCli } from '../hostile/probeHarness';

const CREDENTIALS = { userName: 'user@contoso.com', password: 'Gate-Secret-9' };
const withCredentials = (s: HostileServer) => s.requests.filter((r) => r.authorization !== undefined);

describe('credential gate: credentials only over the verified connection', function () {
  this.timeout(15_000);
  const start = useHostileServers();

  describe('a server that presents another certificate when the probe reconnects', () => {
    it('trusted first, self-signed on reconnect: no credentials, the step names both fingerprints', async () => {
      const server = await start('exchange', { closeAfterAnonymous: true, certificate: (i) => (i === 0 ? 'lab' : 'selfSigned') });
      const run = await probeHostile(server, CREDENTIALS);
      assert.ok(server.connections >= 2, 'the probe never reconnected, so the test proves nothing');
      assert.equal(withCredentials(server).length, 0, 'the credentials reached a connection that was never verified');
      const step = assertEndedWith(run, 'optionsAuthenticated', 'tls.unverifiedConnection');
      assert.match(step.summary, /different certificate on reconnect/);
      const tlsFingerprint = run.steps.find((s) => s.id === 'tls')?.evidence.certificate?.fingerprint256;
      assert.ok(tlsFingerprint);
      assert.equal(step.evidence.credentialGate?.expectedFingerprint, tlsFingerprint);
      assert.ok(step.evidence.credentialGate?.presentedFingerprint && step.evidence.credentialGate.presentedFingerprint !== tlsFingerprint);
      assert.ok(step.details.some((d) => d.value === tlsFingerprint));
    });

    it('trusted first, a trusted chain for another name on reconnect: refused by the name check', async () => {
      const server = await start('exchange', { closeAfterAnonymous: true, certificate: (i) => (i === 0 ? 'lab' : 'wrongName') });
      const run = await probeHostile(server, CREDENTIALS);
      assert.equal(withCredentials(server).length, 0);
      const step = assertEndedWith(run, 'optionsAuthenticated', 'tls.unverifiedConnection');
      assert.match(step.summary, /does not cover 127\.0\.0\.1/);
    });

    it('with trust ignored: an untrusted certificate accepted once does not cover another one on reconnect', async () => {
      // Expired first (not self-signed: that would make the TLS step retry with the OS store on a second connection).
      const server = await start('exchange', { closeAfterAnonymous: true, certificate: (i) => (i === 0 ? 'expired' : 'selfSigned') });
      const run = await probeHostile(server, { ...CREDENTIALS, ignoreTrust: true });
      assert.equal(run.steps.find((s) => s.id === 'tls')?.status, 'warning');
      assert.equal(withCredentials(server).length, 0);
      const step = assertEndedWith(run, 'optionsAuthenticated', 'tls.unverifiedConnection');
      assert.match(step.summary, /different certificate on reconnect/);
    });

    it('control: the same certificate on reconnect (trusted, or the one accepted with trust ignored) gets the credentials', async () => {
      // This hostile server answers OPTIONS only, so the run stops there ('options' mode).
      const trusted = await start('exchange', { closeAfterAnonymous: true });
      const run = await probeHostile(trusted, { ...CREDENTIALS, mode: 'options' });
      assert.equal(run.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');
      assert.ok(trusted.connections >= 2);
      assert.equal(withCredentials(trusted).length, 1);

      const accepted = await start('exchange', { closeAfterAnonymous: true, certificate: 'selfSigned' });
      const insecureRun = await probeHostile(accepted, { ...CREDENTIALS, ignoreTrust: true, mode: 'options' });
      assert.equal(insecureRun.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');
      assert.equal(withCredentials(accepted).length, 1);
    });

    it('the command steps after OPTIONS go through the same gate: a swapped certificate on their connection gets nothing', async () => {
      // Connections 0 and 1 (anonymous and signed-in OPTIONS) present the trusted certificate; the
      // connection the first command (Provision) opens presents a self-signed one.
      const server = await start('exchange', { closeAfterAnonymous: true, closeAfterAuthenticated: true, certificate: (i) => (i <= 1 ? 'lab' : 'selfSigned') });
      const run = await probeHostile(server, { ...CREDENTIALS, mode: 'commands' });
      assert.equal(run.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');
      assert.equal(withCredentials(server).length, 1, 'only the signed-in OPTIONS, on a verified connection, may carry credentials');
      assert.ok(server.connections >= 3, `the command step never reconnected (${server.connections} connections)`);
      const provision = assertEndedWith(run, 'provision', 'tls.unverifiedConnection');
      assert.match(provision.summary, /different certificate on reconnect.*No credentials were sent over it/);
    });

    it('NTLM legs go through the same gate', async () => {
      const server = await start('exchange', { closeAfterAnonymous: true, extraHeaders: ['WWW-Authenticate: NTLM'], certificate: (i) => (i === 0 ? 'lab' : 'selfSigned') });
      const run = await probeHostile(server, { ...CREDENTIALS, auth: 'ntlm' });
      assert.equal(withCredentials(server).length, 0, 'an NTLM leg reached an unverified connection');
      assertEndedWith(run, 'optionsAuthenticated', 'tls.unverifiedConnection');
    });

    it('the CLI says so in one line and exits 1, without a stack trace', async () => {
      const server = await start('exchange', { closeAfterAnonymous: true, certificate: (i) => (i === 0 ? 'lab' : 'selfSigned') });
      const result = await runCli(cliArgs(server, '--user', CREDENTIALS.userName), { password: CREDENTIALS.password });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /different certificate on reconnect/);
      assertNoStackTrace(result.stdout + result.stderr);
      assert.equal(withCredentials(server).length, 0);
    });
  });

  describe('an OAuth token (Bearer) meets the same gate', () => {
    // Opaque on purpose: the gate judges the connection, never the token.
    const TOKEN = 'opaque-bearer-token-7f3a9c';
    const bearer = { auth: 'oauth' as const, bearerToken: async () => ({ accessToken: TOKEN, account: 'user@contoso.com', source: 'test' }) };
    const offersBearer = { extraHeaders: ['WWW-Authenticate: Bearer authorization_uri="https://login.example/common/oauth2/authorize"'] };
    const withToken = (s: HostileServer) => s.requests.filter((r) => r.authorization !== undefined && r.authorization.includes(TOKEN));

    it('trusted first, self-signed on reconnect: the token is not sent, the step names the fingerprints', async () => {
      const server = await start('exchange', { ...offersBearer, closeAfterAnonymous: true, certificate: (i) => (i === 0 ? 'lab' : 'selfSigned') });
      const run = await probeHostile(server, bearer);
      assert.ok(server.connections >= 2, 'the probe never reconnected, so the test proves nothing');
      assert.equal(withCredentials(server).length, 0, 'the token reached a connection that was never verified');
      const step = assertEndedWith(run, 'optionsAuthenticated', 'tls.unverifiedConnection');
      assert.match(step.summary, /different certificate on reconnect/);
      assert.ok(step.evidence.credentialGate?.presentedFingerprint);
    });

    it('the command steps after a Bearer OPTIONS send the same header, and a swapped certificate on their connection gets nothing', async () => {
      const control = await start('exchange', { ...offersBearer, closeAfterAnonymous: true, closeAfterAuthenticated: true });
      const controlRun = await probeHostile(control, { ...bearer, mode: 'commands' });
      assert.equal(controlRun.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');
      const posts = withToken(control).filter((r) => r.method === 'POST');
      assert.ok(posts.length >= 1, 'no command carried the token');
      assert.ok(withToken(control).every((r) => r.authorization === `Bearer ${TOKEN}`));
      assert.equal(withCredentials(control).length, withToken(control).length, 'a command signed in some other way');

      const swapped = await start('exchange', { ...offersBearer, closeAfterAnonymous: true, closeAfterAuthenticated: true, certificate: (i) => (i <= 1 ? 'lab' : 'selfSigned') });
      const run = await probeHostile(swapped, { ...bearer, mode: 'commands' });
      assert.equal(withCredentials(swapped).length, 1, 'only the Bearer OPTIONS, on a verified connection, may carry the token');
      const provision = assertEndedWith(run, 'provision', 'tls.unverifiedConnection');
      assert.match(provision.summary, /different certificate on reconnect.*No credentials were sent over it/);
    });

    it('451 to the same host on another port: followed without the token', async () => {
      const other = await start('exchange', offersBearer);
      const redirecting = await start('redirect451', { ...offersBearer, location: () => other.url });
      const run = await probeHostile(redirecting, bearer);
      assert.ok(other.requests.length >= 1);
      assert.equal(withCredentials(other).length, 0, 'the token reached another port');
      assertEndedWith(run, 'optionsAuthenticated', 'http.451', 'warning');
    });

    it('control: 451 to another path on the same origin is followed with the token, on the verified connection', async () => {
      const self: HostileServer = await start('redirect451', { ...offersBearer, location: () => `${self.origin}/mail/Microsoft-Server-ActiveSync` });
      const run = await probeHostile(self, bearer);
      assert.equal(withToken(self).length, 2, 'the same-origin redirect was not followed with the token');
      assertEndedWith(run, 'optionsAuthenticated', 'http.redirectLoop');
    });
  });

  describe('451 redirects', () => {
    it('451 to http:// with --allow-http: not followed, the http server gets no connection', async () => {
      const plain = await start('exchange', { plain: true });
      const redirecting = await start('redirect451', { location: () => plain.url });
      const run = await probeHostile(redirecting, { ...CREDENTIALS, allowHttp: true });
      const step = assertEndedWith(run, 'optionsAuthenticated', 'http.redirectDowngrade');
      assert.match(step.summary, /not followed/);
      assert.equal(plain.connections, 0);
    });

    it('451 to the same host on another port with a self-signed certificate, trust ignored: no credentials there, and the run says why', async () => {
      const other = await start('exchange', { certificate: 'selfSigned' });
      const redirecting = await start('redirect451', { location: () => other.url });
      const run = await probeHostile(redirecting, { ...CREDENTIALS, ignoreTrust: true });
      assert.equal(withCredentials(other).length, 0, 'the credentials reached another port');
      const step = assertEndedWith(run, 'optionsAuthenticated', 'http.451', 'warning');
      assert.match(step.summary, /Credentials were not sent/);
      const follow = step.children.find((c) => c.id === 'optionsAuthenticated.follow');
      assert.ok(follow && /not trusted/.test(follow.details.map((d) => d.value).join(' ')), JSON.stringify(follow?.details));
    });

    it('451 to the same host on another port with a trusted certificate: followed without credentials', async () => {
      const other = await start('exchange');
      const redirecting = await start('redirect451', { location: () => other.url });
      const run = await probeHostile(redirecting, CREDENTIALS);
      assert.ok(other.requests.length >= 1);
      assert.equal(withCredentials(other).length, 0);
      assertEndedWith(run, 'optionsAuthenticated', 'http.451', 'warning');
    });

    it('control: 451 to another path on the same origin is followed with the credentials, on the verified connection', async () => {
      const self: HostileServer = await start('redirect451', { location: () => `${self.origin}/mail/Microsoft-Server-ActiveSync` });
      const run = await probeHostile(self, CREDENTIALS);
      assert.equal(withCredentials(self).length, 2, 'the same-origin redirect was not followed with credentials');
      assert.equal(self.requests.at(-1)?.path, '/mail/Microsoft-Server-ActiveSync');
      assertEndedWith(run, 'optionsAuthenticated', 'http.redirectLoop');
    });
  });
});
