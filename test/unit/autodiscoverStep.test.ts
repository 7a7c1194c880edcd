// The autodiscover step on its own, against the lab's Autodiscover scenarios and small local
// servers: candidate order, stopping at the first answer, redirects by URL and by address with
// their limits, what the credentials do (never over http, never to a server a redirect named,
// Basic only), a 401 that offers only Windows authentication, and the warning when Autodiscover hands out another URL than the one given.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { AutodiscoverCandidate, AutodiscoverDiscovery } from '../../src/protocol/autodiscoverPlaces';
import type { AutodiscoverNetwork } from '../../src/probe/autodiscover/autodiscoverConnection';
import { autodiscoverStep, type AutodiscoverInput } from '../../src/probe/autodiscover/autodiscoverStep';
import { parseEmailTarget } from '../../src/probe/emailTarget';
import type { ProbeHttpConnection } from '../../src/probe/httpConnection';
import { basicAuthorization } from '../../src/probe/requestAuthorization';
import { DEFAULT_TIMEOUTS } from '../../src/probe/probeOptions';
import { StepBuilder } from '../../src/probe/stepBuilder';
import { certificateFor, labCertificates } from '../../src/lab/labCertificates';
import { LAB_ALIAS, settingsAnswer } from '../../src/lab/labAutodiscover';
import { LAB_PASSWORD, LAB_UPN } from '../../src/lab/labAccounts';
import { startLab, type LabRequestInfo, type RunningLab } from '../../src/lab/labServer';
import { freePort } from './helpers/freePort';
import { NO_PROXY_ENV } from './helpers/probeLabRuns';

const EMAIL = parseEmailTarget(LAB_UPN)!;
const AUTHORIZATION = basicAuthorization(LAB_UPN, LAB_PASSWORD);

function network(lab: RunningLab, opened: { connections: ProbeHttpConnection[]; sockets: net.Socket[] }): AutodiscoverNetwork {
  return {
    extraCaPem: lab.caPem,
    ignoreTrust: false,
    timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 2000, tlsMs: 2000, headersMs: 3000 },
    limits: { headersTimeoutMs: 3000, bodyTimeoutMs: 3000, maxHeaderBytes: 64 * 1024, maxBodyBytes: 256 * 1024 },
    env: NO_PROXY_ENV,
    log: () => undefined,
    signal: new AbortController().signal,
    track: (c) => opened.connections.push(c),
    trackSocket: (s) => opened.sockets.push(s),
  };
}

describe('autodiscover step', () => {
  let lab: RunningLab;
  const requests: LabRequestInfo[] = [];
  const opened = { connections: [] as ProbeHttpConnection[], sockets: [] as net.Socket[] };
  const extraServers: net.Server[] = [];

  before(async () => {
    lab = await startLab({
      scenarios: ['autodiscover-healthy', 'autodiscover-redirect', 'autodiscover-redirect-loop', 'autodiscover-old-server', 'autodiscover-error-600', 'autodiscover-none-reachable', 'autodiscover-windows-auth-only'],
      onRequest: (info) => requests.push(info),
    });
  });
  afterEach(async () => {
    requests.length = 0;
    for (const c of opened.connections.splice(0)) await c.close();
    for (const s of opened.sockets.splice(0)) s.destroy();
    for (const server of extraServers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  after(async () => {
    await lab?.close();
  });

  const run = (input: Partial<AutodiscoverInput> & { discovery?: AutodiscoverDiscovery }) =>
    autodiscoverStep(new StepBuilder('autodiscover', 'Autodiscover'), { email: EMAIL, authorization: AUTHORIZATION, allowHttp: false, ...input }, network(lab, opened));

  it('asks the places devices look in order and stops at the first answer', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-healthy') });
    assert.equal(result.step.status, 'passed', result.step.summary);
    assert.equal(result.activeSyncUrl, lab.urlFor('autodiscover-healthy'));
    const children = result.step.children.map((c) => [c.title.split(' (')[0].replace(/localhost:\d+/, 'HOST'), c.status]);
    assert.deepEqual(children, [
      ['POST https://HOST/autodiscover/autodiscover.xml', 'failed'],
      ['POST https://HOST/autodiscover/autodiscover.xml', 'passed'],
      ['GET http://HOST/autodiscover/autodiscover.xml', 'skipped'],
      ['SRV _autodiscover._tcp.contoso.example', 'skipped'],
    ]);
    assert.match(result.step.children[0].title, /the e-mail domain/);
    assert.match(result.step.children[1].title, /autodiscover\.<domain>/);
    // Each attempt carries its own time, and the refused one its TCP evidence.
    assert.ok(result.step.children[1].durationMs > 0);
    assert.equal(result.step.children[0].children.find((c) => c.id.endsWith('.tcp'))?.failure?.category, 'tcp.refused');
    const evidence = result.step.evidence.autodiscover!;
    assert.deepEqual(evidence.attempts.map((a) => [a.source, a.outcome, a.credentialsSent]), [
      ['domain', 'unreachable', false],
      ['autodiscoverHost', 'settings', true],
    ]);
    // The lab saw one signed-in mobilesync POST.
    assert.deepEqual(requests.map((r) => [r.method, r.path, r.auth]), [['POST', '/autodiscover/autodiscover.xml', 'accepted']]);
  });

  it('follows a 302 and a Redirect to another address, then hands out the URL', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-redirect') });
    assert.equal(result.step.status, 'passed', result.step.summary);
    assert.equal(result.activeSyncUrl, lab.urlFor('autodiscover-redirect'));
    const evidence = result.step.evidence.autodiscover!;
    assert.equal(evidence.finalEmailAddress, LAB_ALIAS);
    assert.deepEqual(evidence.attempts.map((a) => [a.outcome, a.emailAddress]), [
      ['redirectUrl', LAB_UPN],
      ['redirectAddress', LAB_UPN],
      ['redirectUrl', LAB_ALIAS],
      ['settings', LAB_ALIAS],
    ]);
  });

  it('stops a redirect loop between two addresses', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-redirect-loop') });
    assert.equal(result.step.status, 'failed');
    assert.equal(result.step.failure?.category, 'autodiscover.redirectLoop');
    assert.equal(result.activeSyncUrl, undefined);
    assert.match(result.step.summary, /loop/);
    // labuser → lab.user → (labuser again: stopped before asking)
    assert.equal(result.step.evidence.autodiscover!.attempts.filter((a) => a.outcome === 'redirectAddress').length, 2);
  });

  it('reports error 600 as Autodiscover\'s own error', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-error-600') });
    assert.equal(result.step.failure?.category, 'autodiscover.error');
    assert.match(result.step.summary, /error 600 \(invalid request\): "Invalid Request"/);
    assert.equal(result.step.evidence.autodiscover!.error?.code, '600');
  });

  it('names the methods a 401 without Basic offered, as IIS sends them (one header each), and tries no Windows sign-in', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-windows-auth-only') });
    assert.equal(result.step.failure?.category, 'autodiscover.basicNotOffered');
    assert.equal(result.activeSyncUrl, undefined);
    assert.match(result.step.summary, /answered 401 offering Negotiate and NTLM, not Basic\. Phones sign in to Autodiscover with Basic/);
    assert.match(result.step.summary, /password sent with Basic was not checked/);
    const refused = result.step.evidence.autodiscover!.attempts.find((a) => a.outcome === 'unauthorized')!;
    assert.deepEqual([refused.source, refused.credentialsSent, refused.offeredSchemes], ['autodiscoverHost', true, ['Negotiate', 'NTLM']]);
    const exchange = result.step.children[1].evidence.http![0];
    const challenges = exchange.response!.headers.filter(([name]) => name.toLowerCase() === 'www-authenticate').map(([, value]) => value);
    assert.deepEqual(challenges, ['Negotiate', 'NTLM'], 'two header lines, as IIS sends them');
    assert.ok(result.step.children[1].details.some((d) => d.label === 'Authentication offered' && d.value === 'Negotiate, NTLM'));
    // Basic went once, as a phone sends it; no NTLM or Negotiate message followed.
    assert.deepEqual(requests.map((r) => [r.method, r.path, r.statusCode, r.scheme ?? 'Basic']), [['POST', '/autodiscover/autodiscover.xml', 401, 'Basic']]);
  });

  it('says when nothing devices try can be reached, after trying all four', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-none-reachable') });
    assert.equal(result.step.failure?.category, 'autodiscover.noneReachable');
    assert.deepEqual(result.step.evidence.autodiscover!.attempts.map((a) => a.method), ['POST', 'POST', 'GET', 'SRV']);
    assert.ok(result.step.children.every((c) => c.status === 'failed'));
    assert.equal(requests.length, 0);
  });

  it('reports a 401 at Autodiscover as Autodiscover\'s', async () => {
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-healthy'), authorization: basicAuthorization(LAB_UPN, 'Wrong-Passw0rd!') });
    assert.equal(result.step.failure?.category, 'autodiscover.unauthorized');
    assert.match(result.step.summary, /Autodiscover's sign-in, not ActiveSync's/);
  });

  it('warns with both values when the URL handed out differs from the one given', async () => {
    const given = lab.urlFor('autodiscover-healthy');
    const result = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-old-server'), givenActiveSyncUrl: given });
    assert.equal(result.step.status, 'warning');
    assert.equal(result.step.failure?.category, 'autodiscover.mismatch');
    const handedOut = lab.urlFor('versions-too-old');
    assert.ok(result.step.summary.includes(handedOut) && result.step.summary.includes(given), result.step.summary);
    assert.deepEqual(result.step.evidence.autodiscover!.differences, ['port']);
    assert.equal(result.activeSyncUrl, handedOut);
    const same = await run({ discovery: lab.autodiscoverDiscovery('autodiscover-healthy'), givenActiveSyncUrl: given });
    assert.equal(same.step.status, 'passed');
  });

  it('asks only the --autodiscover-url when one is given', async () => {
    const origin = new URL(lab.urlFor('autodiscover-healthy')).origin;
    const result = await run({ autodiscoverUrl: `${origin}/autodiscover/autodiscover.xml` });
    assert.equal(result.step.status, 'passed');
    assert.deepEqual(result.step.evidence.autodiscover!.attempts.map((a) => [a.source, a.credentialsSent]), [['given', true]]);
  });

  it('never sends credentials over the http redirect, nor to the server it names', async () => {
    const target = `${new URL(lab.urlFor('autodiscover-healthy')).origin}/autodiscover/autodiscover.xml`;
    const seen: http.IncomingHttpHeaders[] = [];
    const plain = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(302, { Location: target, 'Content-Length': '0' }).end();
    });
    extraServers.push(plain);
    const port = await freePort();
    await new Promise<void>((resolve) => plain.listen(port, '127.0.0.1', resolve));
    const result = await run({ discovery: { candidates: () => [{ source: 'httpRedirect', url: `http://127.0.0.1:${port}/autodiscover/autodiscover.xml` }] } });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].authorization, undefined);
    // The https server the redirect named was asked, without the credentials.
    assert.deepEqual(requests.map((r) => [r.path, r.auth]), [['/autodiscover/autodiscover.xml', 'anonymous']]);
    assert.equal(result.step.failure?.category, 'autodiscover.credentialsWithheld');
    assert.ok(result.step.summary.includes(`--autodiscover-url ${target}`), result.step.summary);
    assert.deepEqual(result.step.evidence.autodiscover!.attempts.map((a) => a.credentialsSent), [false, false]);
  });

  it('does not follow a redirect to http', async () => {
    const plain = http.createServer((_req, res) => res.writeHead(302, { Location: 'http://127.0.0.1:9/autodiscover/autodiscover.xml', 'Content-Length': '0' }).end());
    extraServers.push(plain);
    const port = await freePort();
    await new Promise<void>((resolve) => plain.listen(port, '127.0.0.1', resolve));
    const result = await run({ discovery: { candidates: () => [{ source: 'httpRedirect', url: `http://127.0.0.1:${port}/autodiscover/autodiscover.xml` }] } });
    assert.equal(result.step.evidence.autodiscover!.attempts[0].outcome, 'notFollowed');
    assert.equal(result.step.evidence.autodiscover!.attempts.length, 1);
    assert.equal(result.step.failure?.category, 'autodiscover.notFound');
  });

  it('does not call a password refused by an Autodiscover that offers only OAuth', async () => {
    const cert = certificateFor(labCertificates(), 'lab');
    const seen: Array<string | undefined> = [];
    const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      req.resume();
      seen.push(req.headers.authorization);
      // Modelled on Exchange's 401 when only OAuth is enabled on a virtual directory.
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*"', 'Content-Length': '0' }).end();
    });
    extraServers.push(server);
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const result = await run({ discovery: { candidates: () => [{ source: 'autodiscoverHost', url: `https://localhost:${port}/autodiscover/autodiscover.xml` }] } });
    assert.equal(seen.length, 1);
    assert.ok(seen[0]?.startsWith('Basic '), 'the password went with Basic, as a phone sends it');
    assert.equal(result.step.failure?.category, 'autodiscover.oauthOnly');
    assert.match(result.step.summary, /offering Bearer: OAuth, but not Basic, so the password sent was not checked/);
    assert.doesNotMatch(result.step.summary, /refused the credentials/);
  });

  describe('3xx redirects of the POST', () => {
    let origin: string;
    let hits: Array<{ path: string; authorization?: string }>;
    before(async () => {
      const cert = certificateFor(labCertificates(), 'lab');
      hits = [];
      const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
        req.resume();
        hits.push({ path: req.url ?? '', authorization: req.headers.authorization });
        if (req.url === '/autodiscover/autodiscover.xml') {
          // An Autodiscover that answers without any sign-in, handing out some server.
          const body = settingsAnswer(LAB_UPN, 'https://elsewhere.example/Microsoft-Server-ActiveSync');
          res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) }).end(body);
          return;
        }
        const n = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
        // /loop/a ↔ /loop/b for ever; /hop/N → /hop/N+1 for ever.
        const next = req.url?.startsWith('/loop/a') ? '/loop/b' : req.url?.startsWith('/loop/b') ? '/loop/a' : `/hop/${n + 1}`;
        res.writeHead(302, { Location: next, 'Content-Length': '0' }).end();
      });
      const port = await freePort();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      origin = `https://localhost:${port}`;
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    });
    beforeEach(() => (hits.length = 0));

    it('stops a loop between two URLs before asking one twice', async () => {
      const candidates: AutodiscoverCandidate[] = [{ source: 'autodiscoverHost', url: `${origin}/loop/a` }];
      const result = await run({ discovery: { candidates: () => candidates } });
      assert.equal(result.step.failure?.category, 'autodiscover.redirectLoop');
      assert.deepEqual(hits.map((h) => h.path), ['/loop/a', '/loop/b']);
      // The same origin the user named: the credentials went along, over the verified connection.
      assert.ok(hits.every((h) => h.authorization?.startsWith('Basic ')));
    });

    it('an answer from a server named by an SRV record does not choose where the credentials go', async () => {
      const port = Number(new URL(origin).port);
      const result = await run({
        discovery: {
          candidates: () => [{ source: 'srv', url: '_autodiscover._tcp.contoso.example' }],
          resolveSrv: async () => [{ name: 'localhost', port, priority: 0, weight: 0 }],
        },
      });
      assert.equal(result.step.failure?.category, 'autodiscover.credentialsWithheld');
      assert.equal(result.activeSyncUrl, undefined);
      assert.match(result.step.summary, /elsewhere\.example/);
      assert.deepEqual(hits, [{ path: '/autodiscover/autodiscover.xml', authorization: undefined }]);
    });

    it('gives up after ten redirects', async () => {
      const result = await run({ discovery: { candidates: () => [{ source: 'autodiscoverHost', url: `${origin}/hop/0` }] } });
      assert.equal(result.step.failure?.category, 'autodiscover.redirectLoop');
      assert.equal(hits.length, 11);
      assert.match(result.step.summary, /more than 10 times/);
    });
  });
});
