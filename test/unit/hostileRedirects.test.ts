// Where credentials may go. 451 redirects that loop (A→A, A→B→A), point at http://, at another
// host name or at a non-web scheme; 3xx redirects (reported, never followed); certificates a
// device would refuse. Each server records what it received, so the tests prove what was NOT sent.
import assert from 'node:assert/strict';
import { type HostileServer, useHostileServers } from '../hostile/hostileServers';
import { assertEndedWith, probeHostile } from '../hostile/probeHarness';

const CREDENTIALS = { userName: 'user@contoso.com', password: 'Redirect-Secret-1' };

describe('hostile servers: redirects and untrusted certificates never carry the password away', function () {
  this.timeout(10_000);
  const start = useHostileServers();
  const withCredentials = (s: HostileServer) => s.requests.filter((r) => r.authorization !== undefined);

  it('451 pointing at itself (A→A) ends in http.redirectLoop after one request with credentials', async () => {
    const self: HostileServer = await start('redirect451', { location: () => self.url });
    const run = await probeHostile(self, CREDENTIALS);
    assertEndedWith(run, 'optionsAuthenticated', 'http.redirectLoop');
    assert.equal(withCredentials(self).length, 1);
  });

  it('451 A→B→A on the same server (two paths) ends in http.redirectLoop and follows at most once', async () => {
    // Credentials follow a 451 only on the same scheme, host and port, so the loop is between two paths.
    const other = '/mailbox/Microsoft-Server-ActiveSync';
    const server: HostileServer = await start('redirect451', { location: (r) => (r.path === other ? server.url : `${server.origin}${other}`) });
    const run = await probeHostile(server, CREDENTIALS);
    assertEndedWith(run, 'optionsAuthenticated', 'http.redirectLoop');
    assert.deepEqual(withCredentials(server).map((r) => r.path), ['/Microsoft-Server-ActiveSync', other], 'A was asked again: the probe followed the loop');
  });

  it('a 302 to another server (another port) is reported as http.redirectOtherHost and not followed', async () => {
    const elsewhere = await start('exchange');
    const redirecting = await start('redirect302', { location: () => elsewhere.url });
    const run = await probeHostile(redirecting, CREDENTIALS);
    const step = assertEndedWith(run, 'optionsAuthenticated', 'http.redirectOtherHost');
    assert.ok(step.details.some((d) => d.label === 'Location' && d.value === elsewhere.url));
    assert.match(step.summary, new RegExp(`another server, https://127\\.0\\.0\\.1:${elsewhere.port}`));
    assert.equal(elsewhere.connections, 0, 'the 302 target was contacted');
  });

  it('a 302 to plain http on the same host is reported as http.redirectDowngrade and the http port gets no connection', async () => {
    const plain = await start('exchange', { plain: true });
    const redirecting = await start('redirect302', { location: () => plain.url });
    const run = await probeHostile(redirecting, CREDENTIALS);
    const step = assertEndedWith(run, 'optionsAuthenticated', 'http.redirectDowngrade');
    assert.match(step.summary, /from https to plain http/);
    assert.equal(plain.connections, 0, 'the http target was contacted');
  });

  it('a 302 elsewhere on the same server (a sign-in page) stays http.redirect', async () => {
    const redirecting: HostileServer = await start('redirect302', { location: () => '/owa/auth/logon.aspx?url=x' });
    const run = await probeHostile(redirecting, CREDENTIALS);
    assertEndedWith(run, 'optionsAuthenticated', 'http.redirect');
    assert.deepEqual(redirecting.requests.map((r) => r.path), ['/Microsoft-Server-ActiveSync', '/Microsoft-Server-ActiveSync'], 'the sign-in page was fetched');
  });

  it('451 to http:// ends in http.redirectDowngrade and the http server gets no connection at all', async () => {
    const plain = await start('exchange', { plain: true });
    const redirecting = await start('redirect451', { location: () => plain.url });
    const run = await probeHostile(redirecting, CREDENTIALS);
    assertEndedWith(run, 'optionsAuthenticated', 'http.redirectDowngrade');
    assert.equal(plain.connections, 0);
  });

  for (const location of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://127.0.0.1/x', 'not a url at all']) {
    it(`451 to "${location}" fails without fetching anything`, async () => {
      const counting = await start('countingTcp');
      const redirecting = await start('redirect451', { location: () => location.replace('127.0.0.1/', `127.0.0.1:${counting.port}/`) });
      const run = await probeHostile(redirecting, CREDENTIALS);
      assertEndedWith(run, 'optionsAuthenticated', ['http.redirectDowngrade', 'http.451']);
      assert.equal(counting.connections, 0);
    });
  }

  it('451 to another host name (localhost → 127.0.0.1): followed without credentials', async () => {
    const other = await start('exchange');
    const redirecting = await start('redirect451', { location: () => other.url });
    // Same machine, different name: the user typed "localhost", so 127.0.0.1 is somewhere else to the probe.
    const run = await probeHostile({ url: redirecting.url.replace('127.0.0.1', 'localhost') }, { ...CREDENTIALS, connectTo: '127.0.0.1' });
    const step = assertEndedWith(run, 'optionsAuthenticated', 'http.451', 'warning');
    assert.ok(other.requests.length >= 1, 'the other host was not asked at all, so the check proves nothing');
    assert.deepEqual(other.requests.map((r) => r.authorization), other.requests.map(() => undefined), 'credentials reached the other host');
    assert.ok(step.details.some((d) => d.label === 'Credentials' && /not sent/.test(d.value)));
  });

  it('451 to another loopback address with an untrusted certificate: nothing is sent there', async () => {
    const other = await start('exchange', { host: '127.0.0.2' });
    const redirecting = await start('redirect451', { location: () => other.url });
    const run = await probeHostile(redirecting, CREDENTIALS);
    assertEndedWith(run, 'optionsAuthenticated', 'http.451');
    assert.equal(other.requests.length, 0);
  });

  it('451 to another loopback address with trust ignored: followed, still without credentials', async () => {
    const other = await start('exchange', { host: '127.0.0.2' });
    const redirecting = await start('redirect451', { location: () => other.url });
    const run = await probeHostile(redirecting, { ...CREDENTIALS, ignoreTrust: true });
    assertEndedWith(run, 'optionsAuthenticated', 'http.451', 'warning');
    assert.ok(other.requests.length >= 1);
    assert.equal(withCredentials(other).length, 0, 'credentials reached the other host');
  });

  // A server may hand out a URL with a user name and password in it. Nothing of them is kept (the
  // same rule as for an address the user types), and only the user's own credentials are ever sent.
  const SERVER_PASSWORD = 'Srv-Secret-9x';
  const withServerUserInfo = (origin: string, path: string) => origin.replace('https://', `https://svcacct:${SERVER_PASSWORD}@`) + path;

  it('451 naming a URL with user:password@ on the same server: followed with the user\'s credentials, the server\'s password kept nowhere', async () => {
    const other = '/mailbox/Microsoft-Server-ActiveSync';
    const server: HostileServer = await start('redirect451', { location: (r) => (r.path === other ? server.url : withServerUserInfo(server.origin, other)) });
    const run = await probeHostile(server, CREDENTIALS);
    const followed = withCredentials(server).find((r) => r.path === other);
    assert.ok(followed, 'the 451 was not followed, so the check proves nothing');
    assert.equal(Buffer.from(followed.authorization!.split(' ')[1], 'base64').toString(), `${CREDENTIALS.userName}:${CREDENTIALS.password}`);
    const kept = JSON.stringify(run);
    assert.ok(!kept.includes(SERVER_PASSWORD) && !kept.includes('svcacct'), 'the URL\'s user info was kept in the run');
    assert.ok(kept.includes(`https://[user info removed]@${server.origin.slice('https://'.length)}${other}`), 'the X-MS-Location evidence no longer shows where it pointed');
  });

  it('a 302 whose Location carries user:password@ keeps neither in the run', async () => {
    const redirecting = await start('redirect302', { location: () => withServerUserInfo('https://mail.contoso.example', '/owa/') });
    const run = await probeHostile(redirecting, CREDENTIALS);
    const step = assertEndedWith(run, 'optionsAuthenticated', 'http.redirectOtherHost');
    assert.ok(step.details.some((d) => d.label === 'Location' && d.value === 'https://[user info removed]@mail.contoso.example/owa/'));
    assert.ok(!JSON.stringify(run).includes(SERVER_PASSWORD));
  });

  // The lab's own tests (probeLabScenarios, diagnosisAgainstLab) judge each certificate in depth,
  // TLS 1.0-only included; here the point is only that nothing crosses an untrusted handshake.
  for (const [certificate, category] of [['expired', 'tls.expired'], ['selfSigned', 'tls.selfSigned'], ['wrongName', 'tls.nameMismatch']] as const) {
    it(`certificate "${certificate}" ends in ${category} and the server receives no request`, async () => {
      const server = await start('exchange', { certificate });
      const run = await probeHostile(server, CREDENTIALS);
      assertEndedWith(run, 'tls', category);
      assert.equal(server.requests.length, 0);
    });
  }
});
