// The probe engine against the built-in lab over real loopback sockets: every scenario ends the
// way the lab declares, the healthy Exchange 2016 run reports the evidence of each step, and each
// step's failure paths (DNS, TCP, TLS, OPTIONS statuses, 451, cross-check) carry their category.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { RunningLab } from '../../src/lab/labServer';
import { LAB_SCENARIOS } from '../../src/lab/scenarios';
import { runProbe } from '../../src/probe/probe';
import { findStep } from '../../src/probe/runModel';
import { leadingStep, NO_PROXY_ENV, probeLabScenario, statuses, stepOf } from './helpers/probeLabRuns';
import { useRecordingLab } from './helpers/suiteFixtures';

/** A loopback port with nothing listening: bound once, then released. */
async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('probe against the lab', () => {
  let lab: RunningLab;
  const requests = useRecordingLab((started) => (lab = started));

  describe('every scenario ends as the lab declares', () => {
    for (const scenario of LAB_SCENARIOS) {
      it(`${scenario.id} → ${scenario.expected.outcome}${scenario.expected.category ? ` (${scenario.expected.category})` : ''}`, async function () {
        if (lab.unavailable.some((u) => u.scenario.id === scenario.id)) this.skip();
        // The silent server waits for ever; a short handshake limit reaches the same verdict fast.
        const run = await probeLabScenario(lab, scenario.id, scenario.transport === 'silent' ? { timeouts: { tlsMs: 300 } } : {});
        assert.equal(run.outcome, scenario.expected.outcome, `steps: ${JSON.stringify(statuses(run))}`);
        const lead = leadingStep(run);
        const expectedStep = scenario.expected.failedStep ?? scenario.expected.warningStep;
        assert.equal(lead?.id, expectedStep, `steps: ${JSON.stringify(statuses(run))}`);
        assert.equal(lead?.failure?.category, scenario.expected.category);
        // The model's own helpers agree with what the steps say.
        assert.equal(run.labScenario, scenario.id);
        const session = ['dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck', 'provision', 'folderSync', 'sync', 'ping'];
        // Autodiscover runs only for the scenarios that start from an e-mail address.
        assert.deepEqual(run.steps.map((s) => s.id), ['input', ...(scenario.autodiscover ? ['autodiscover'] : []), ...session]);
      });
    }
  });

  describe('healthy Exchange 2016: every step passes with its evidence', () => {
    let run: Awaited<ReturnType<typeof probeLabScenario>>;
    let port: number;
    before(async () => {
      run = await probeLabScenario(lab, 'exchange2016-healthy');
      port = Number(new URL(lab.urlFor('exchange2016-healthy')).port);
    });

    it('passes overall with the expected step statuses', () => {
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(statuses(run), [
        ['input', 'passed'],
        ['dns', 'passed'],
        ['tcp', 'passed'],
        ['tls', 'passed'],
        ['optionsAnonymous', 'passed'],
        ['optionsAuthenticated', 'passed'],
        ['crossCheck', 'skipped'],
        ['provision', 'passed'],
        ['folderSync', 'passed'],
        ['sync', 'passed'],
        ['ping', 'skipped'],
      ]);
      assert.equal(run.target.url, `https://localhost:${port}/Microsoft-Server-ActiveSync`);
      assert.equal(run.target.host, 'localhost');
      assert.equal(run.target.port, port);
      assert.equal(run.userName, 'labuser@contoso.example');
      assert.ok(run.durationMs >= 0 && run.finishedAt >= run.startedAt);
    });

    it('input: recognises the UPN form', () => {
      assert.equal(stepOf(run, 'input').evidence.userNameForm, 'upn');
    });

    it('dns: resolves localhost to loopback addresses', () => {
      const dns = stepOf(run, 'dns');
      assert.equal(dns.evidence.resolvedVia, 'dns');
      const addresses = dns.evidence.addresses ?? [];
      assert.ok(addresses.length > 0);
      for (const a of addresses) assert.ok(a === '127.0.0.1' || a === '::1', `unexpected address ${a}`);
    });

    it('tcp: connects to one of those addresses on the scenario port', () => {
      const tcp = stepOf(run, 'tcp');
      assert.equal(tcp.evidence.remotePort, port);
      assert.ok(stepOf(run, 'dns').evidence.addresses?.includes(tcp.evidence.remoteAddress as string));
    });

    it('tls: modern protocol and the lab certificate with its SANs', () => {
      const tls = stepOf(run, 'tls');
      assert.match(tls.evidence.tlsProtocol ?? '', /^TLSv1\.[23]$/);
      const cert = tls.evidence.certificate;
      assert.ok(cert);
      assert.ok(cert.subjectAltNames.includes('DNS:localhost'), cert.subjectAltNames.join(', '));
      assert.ok(cert.subjectAltNames.includes('IP:127.0.0.1'), cert.subjectAltNames.join(', '));
      assert.match(cert.subject, /CN=localhost/);
      assert.match(cert.issuer, /CN=ActiveSync Doctor Lab CA/);
      assert.equal(cert.selfSigned, false);
      assert.ok(cert.daysToExpiry >= 300, `days to expiry ${cert.daysToExpiry}`);
      assert.match(cert.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.equal(tls.evidence.trustIgnored, undefined);
    });

    it('optionsAnonymous: 401 with Negotiate, NTLM and Basic parsed, and no Authorization sent', () => {
      const anon = stepOf(run, 'optionsAnonymous');
      assert.deepEqual(anon.evidence.challenges?.map((c) => c.scheme), ['Negotiate', 'NTLM', 'Basic']);
      assert.deepEqual(anon.evidence.challenges?.[2].params, { realm: '' });
      const exchange = anon.evidence.http?.[0];
      assert.equal(exchange?.method, 'OPTIONS');
      assert.equal(exchange?.response?.statusCode, 401);
      assert.ok(!exchange?.requestHeaders.some(([n]) => n.toLowerCase() === 'authorization'));
    });

    it('optionsAuthenticated: Exchange 2016, protocol 16.1, the essential commands, redacted Authorization', () => {
      const authed = stepOf(run, 'optionsAuthenticated');
      // One identification per run, from every answer, with the clue that decided it.
      assert.equal(run.server?.product, 'exchange2016');
      assert.equal(run.server?.build, '15.1');
      assert.equal(run.server?.source, 'MS-Server-ActiveSync');
      assert.ok(run.server?.clues?.some((c) => c.source === 'MS-Server-ActiveSync' && c.stepId === 'optionsAuthenticated'));
      assert.ok(authed.evidence.protocolVersions?.includes('16.1'));
      assert.equal(authed.evidence.protocolVersions?.at(-1), '16.1');
      for (const c of ['Provision', 'FolderSync', 'Sync']) assert.ok(authed.evidence.protocolCommands?.includes(c), c);
      assert.equal(authed.evidence.authScheme, 'Basic');
      const exchange = authed.evidence.http?.[0];
      assert.equal(exchange?.response?.statusCode, 200);
      assert.deepEqual(exchange?.requestHeaders.find(([n]) => n === 'Authorization'), ['Authorization', 'Basic [redacted]']);
      assert.ok(authed.evidence.diagnosticHeaders?.some(([n, v]) => n === 'X-FEServer' && v === 'LAB-EX16'));
      assert.deepEqual(authed.children.map((c) => [c.id, c.status]), [
        ['optionsAuthenticated.versions', 'passed'],
        ['optionsAuthenticated.commands', 'passed'],
        ['optionsAuthenticated.diagnostics', 'passed'],
      ]);
    });

    it('crossCheck: skipped because ActiveSync did not answer 401, and EWS was never asked', async () => {
      assert.match(stepOf(run, 'crossCheck').summary, /did not answer 401/);
      requests.length = 0;
      await probeLabScenario(lab, 'exchange2016-healthy');
      // OPTIONS twice, then the device's commands (FolderSync, Provision ×2, FolderSync, Sync, GetItemEstimate, Sync): never EWS.
      assert.deepEqual(requests.map((r) => [r.method, r.path, r.statusCode]), [
        ['OPTIONS', '/Microsoft-Server-ActiveSync', 401],
        ['OPTIONS', '/Microsoft-Server-ActiveSync', 200],
        ...Array.from({ length: 7 }, () => ['POST', '/Microsoft-Server-ActiveSync', 200]),
      ]);
    });
  });

  describe('failure paths per step', () => {
    it('dns: a name under .invalid gives dns.notFound and skips the rest', async () => {
      const run = await runProbe({ target: 'no-such-host.invalid', env: NO_PROXY_ENV });
      const dns = stepOf(run, 'dns');
      assert.equal(dns.status, 'failed');
      assert.equal(dns.failure?.category, 'dns.notFound');
      assert.equal(run.outcome, 'failed');
      for (const id of ['tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck']) assert.equal(stepOf(run, id).status, 'skipped', id);
    });

    it('dns: a short DNS limit (dnsMs 2000) still classifies a missing name as dns.notFound', async () => {
      // The follow-up resolver gets the remaining budget; a fractional one must not break it.
      const run = await runProbe({ target: 'no-such-host.invalid', env: NO_PROXY_ENV, timeouts: { dnsMs: 2000 } });
      const dns = stepOf(run, 'dns');
      assert.equal(dns.failure?.category, 'dns.notFound', `details: ${JSON.stringify(dns.details)}`);
    });

    it('tcp: a closed loopback port gives tcp.refused (an IP literal needs no DNS)', async () => {
      const port = await closedLoopbackPort();
      const run = await runProbe({ target: `127.0.0.1:${port}`, env: NO_PROXY_ENV });
      assert.equal(stepOf(run, 'dns').status, 'skipped');
      assert.equal(stepOf(run, 'dns').evidence.resolvedVia, 'literal');
      const tcp = stepOf(run, 'tcp');
      assert.equal(tcp.status, 'failed');
      assert.equal(tcp.failure?.category, 'tcp.refused');
      assert.equal(stepOf(run, 'tls').status, 'skipped');
      assert.equal(run.outcome, 'failed');
    });

    it('tcp: every address is tried, each attempt kept as a child step', async () => {
      const port = await closedLoopbackPort();
      // connectTo replaces DNS with one address; the step still reports the attempt it made.
      const run = await runProbe({ target: `localhost:${port}`, connectTo: '127.0.0.1', env: NO_PROXY_ENV });
      assert.equal(stepOf(run, 'dns').evidence.resolvedVia, 'override');
      const tcp = stepOf(run, 'tcp');
      assert.equal(tcp.failure?.category, 'tcp.refused');
      assert.deepEqual(tcp.children.map((c) => [c.id, c.status]), [['tcp.127.0.0.1', 'failed']]);
    });

    it('tls: without the lab CA the lab certificate is untrusted and no HTTP request is made', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { extraCaPem: undefined });
      const tls = stepOf(run, 'tls');
      assert.equal(tls.status, 'failed');
      assert.ok(tls.failure?.category === 'tls.untrusted' || tls.failure?.category === 'tls.missingIntermediate', tls.failure?.category);
      assert.equal(stepOf(run, 'optionsAnonymous').status, 'skipped');
      assert.deepEqual(requests, []);
    });

    it('tls: the self-signed certificate is reported as such, with its evidence', async () => {
      const run = await probeLabScenario(lab, 'tls-self-signed');
      const tls = stepOf(run, 'tls');
      assert.equal(tls.failure?.category, 'tls.selfSigned');
      assert.equal(tls.evidence.certificate?.selfSigned, true);
      assert.equal(tls.evidence.tlsErrorCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.deepEqual(requests, []);
    });

    it('tls: ignoring trust turns the self-signed failure into a warning and the run goes on', async () => {
      const run = await probeLabScenario(lab, 'tls-self-signed', { ignoreTrust: true });
      const tls = stepOf(run, 'tls');
      assert.equal(tls.status, 'warning');
      assert.equal(tls.failure?.category, 'tls.selfSigned');
      assert.equal(tls.evidence.trustIgnored, true);
      assert.equal(stepOf(run, 'optionsAuthenticated').status, 'passed');
      assert.equal(run.outcome, 'warning');
      assert.equal(run.settings.ignoreTrust, true);
    });

    it('tls: the expired certificate says so and gives its dates', async () => {
      const run = await probeLabScenario(lab, 'tls-expired');
      const tls = stepOf(run, 'tls');
      assert.equal(tls.failure?.category, 'tls.expired');
      assert.equal(tls.evidence.tlsErrorCode, 'CERT_HAS_EXPIRED');
      assert.ok((tls.evidence.certificate?.daysToExpiry ?? 0) < 0);
    });

    it('tls: the wrong-name certificate names the host it covers', async () => {
      const run = await probeLabScenario(lab, 'tls-wrong-name');
      const tls = stepOf(run, 'tls');
      assert.equal(tls.failure?.category, 'tls.nameMismatch');
      assert.deepEqual(tls.evidence.certificate?.subjectAltNames, ['DNS:mail.wrong-name.example']);
      assert.match(tls.summary, /mail\.wrong-name\.example/);
    });

    it('tls: a TLS 1.0-only server is named as such', async function () {
      if (lab.unavailable.some((u) => u.scenario.id === 'tls10-only')) this.skip();
      const run = await probeLabScenario(lab, 'tls10-only');
      const tls = stepOf(run, 'tls');
      assert.equal(tls.failure?.category, 'tls.oldProtocol');
      assert.equal(tls.evidence.tlsProtocol, 'TLSv1');
    });

    it('optionsAnonymous: 404 means no ActiveSync directory, and the credentials are not sent', async () => {
      const run = await probeLabScenario(lab, 'status-404-not-eas');
      assert.equal(stepOf(run, 'optionsAnonymous').failure?.category, 'http.404');
      assert.equal(stepOf(run, 'optionsAuthenticated').status, 'skipped');
      assert.deepEqual(requests.map((r) => [r.path, r.auth]), [['/Microsoft-Server-ActiveSync', 'anonymous']]);
    });

    it('optionsAnonymous: Bearer only means Basic is not offered, and the credentials are not sent', async () => {
      const run = await probeLabScenario(lab, 'exchange-online-bearer-only');
      const anon = stepOf(run, 'optionsAnonymous');
      assert.equal(anon.failure?.category, 'http.schemeNotOffered');
      assert.deepEqual(anon.evidence.challenges?.map((c) => c.scheme), ['Bearer']);
      assert.equal(anon.evidence.challenges?.[0].params.client_id, '00000002-0000-0ff1-ce00-000000000000');
      assert.equal(run.server?.product, 'exchangeOnline');
      assert.ok(requests.every((r) => r.auth === 'anonymous'), JSON.stringify(requests));
    });

    const statusCases: Array<[string, number, string]> = [
      ['status-403', 403, 'http.403'],
      ['status-456', 456, 'http.456'],
      ['status-457', 457, 'http.457'],
      ['status-500', 500, 'http.500'],
      ['status-503', 503, 'http.503'],
    ];
    for (const [id, status, category] of statusCases) {
      it(`optionsAuthenticated: HTTP ${status} gives ${category}`, async () => {
        const run = await probeLabScenario(lab, id);
        const authed = stepOf(run, 'optionsAuthenticated');
        assert.equal(authed.status, 'failed');
        assert.equal(authed.failure?.category, category);
        assert.equal(authed.evidence.http?.[0].response?.statusCode, status);
        assert.equal(stepOf(run, 'optionsAnonymous').status, 'passed');
        assert.equal(stepOf(run, 'crossCheck').status, 'skipped');
      });
    }

    it('optionsAuthenticated: 503 keeps Retry-After, 457 the password change URL', async () => {
      const r503 = await probeLabScenario(lab, 'status-503');
      assert.equal(stepOf(r503, 'optionsAuthenticated').evidence.retryAfter, '120');
      assert.match(stepOf(r503, 'optionsAuthenticated').summary, /120 seconds/);
      const r457 = await probeLabScenario(lab, 'status-457');
      assert.equal(stepOf(r457, 'optionsAuthenticated').evidence.credentialServiceUrl, 'https://passwordreset.contoso.example/');
    });

    it('optionsAuthenticated: stripped MS-AS headers name what is missing and the server that answered', async () => {
      const run = await probeLabScenario(lab, 'proxy-stripped-headers');
      const authed = stepOf(run, 'optionsAuthenticated');
      assert.equal(authed.failure?.category, 'eas.missingHeaders');
      assert.match(authed.summary, /MS-Server-ActiveSync and MS-ASProtocolVersions/);
    });

    it('optionsAuthenticated: versions 1.0 and 2.0 only give eas.noUsableVersion', async () => {
      const run = await probeLabScenario(lab, 'versions-too-old');
      const authed = stepOf(run, 'optionsAuthenticated');
      assert.equal(authed.failure?.category, 'eas.noUsableVersion');
      assert.deepEqual(authed.evidence.protocolVersions, ['1.0', '2.0']);
      assert.equal(findStep(run, 'optionsAuthenticated.versions')?.status, 'failed');
    });

    it('451: the X-MS-Location (another port) is followed once, as a child step, without credentials', async () => {
      const run = await probeLabScenario(lab, 'status-451-redirect');
      const authed = stepOf(run, 'optionsAuthenticated');
      assert.equal(authed.status, 'warning');
      assert.equal(authed.failure?.category, 'http.451');
      assert.equal(authed.evidence.redirectLocation, lab.urlFor('exchange2016-healthy'));
      assert.match(authed.summary, /Credentials were not sent there/);
      const follow = authed.children.find((c) => c.id === 'optionsAuthenticated.follow');
      assert.ok(follow, `children: ${authed.children.map((c) => c.id).join(', ')}`);
      // The other server asks for sign-in and offers Basic: exactly what the anonymous request should see.
      assert.equal(follow.status, 'passed');
      assert.equal(run.server?.product, 'exchange2016');
      assert.deepEqual(authed.evidence.http?.map((h) => h.response?.statusCode), [451, 401]);
      const followed = requests.filter((r) => r.scenarioId === 'exchange2016-healthy');
      assert.deepEqual(followed.map((r) => [r.method, r.auth, r.statusCode]), [['OPTIONS', 'anonymous', 401]]);
      assert.equal(run.outcome, 'warning');
    });

    it('anonymous access: the anonymous 200 is a warning and the authenticated check still passes', async () => {
      const run = await probeLabScenario(lab, 'anonymous-access');
      const anon = stepOf(run, 'optionsAnonymous');
      assert.equal(anon.status, 'warning');
      assert.equal(anon.failure?.category, 'http.anonymousAccess');
      assert.equal(anon.evidence.http?.[0].response?.statusCode, 200);
      assert.equal(stepOf(run, 'optionsAuthenticated').status, 'passed');
      assert.equal(run.outcome, 'warning');
    });

    it('cross-check accepted: coexistence 401 where EWS and Autodiscover take the same password', async () => {
      const run = await probeLabScenario(lab, 'coexistence-2003-basic-only');
      assert.equal(stepOf(run, 'optionsAuthenticated').failure?.category, 'http.401');
      const cross = stepOf(run, 'crossCheck');
      assert.equal(cross.status, 'warning');
      assert.equal(cross.failure?.category, 'crossCheck.accepted');
      assert.deepEqual(cross.evidence.crossCheck?.map((c) => [c.endpoint, c.statusCode, c.accepted]), [
        ['ews', 200, true],
        ['autodiscover', 200, true],
      ]);
      assert.deepEqual(cross.children.map((c) => [c.id, c.status]), [
        ['crossCheck.ews', 'passed'],
        ['crossCheck.autodiscover', 'passed'],
      ]);
      assert.deepEqual(requests.filter((r) => r.path !== '/Microsoft-Server-ActiveSync').map((r) => [r.method, r.path.toLowerCase(), r.auth]), [
        ['GET', '/ews/exchange.asmx', 'accepted'],
        ['POST', '/autodiscover/autodiscover.xml', 'accepted'],
      ]);
    });

    it('cross-check rejected: the wrong password is refused by EWS and Autodiscover too', async () => {
      const run = await probeLabScenario(lab, 'wrong-password');
      const cross = stepOf(run, 'crossCheck');
      assert.equal(cross.status, 'failed');
      assert.equal(cross.failure?.category, 'crossCheck.rejected');
      assert.deepEqual(cross.evidence.crossCheck?.map((c) => [c.endpoint, c.statusCode, c.accepted]), [
        ['ews', 401, false],
        ['autodiscover', 401, false],
      ]);
      // The lead failure is still the ActiveSync 401 itself.
      assert.equal(leadingStep(run)?.id, 'optionsAuthenticated');
    });

    it('crossCheck: false (the CLI --no-cross-check) skips the step and never calls EWS', async () => {
      const run = await probeLabScenario(lab, 'coexistence-2003-basic-only', { crossCheck: false });
      const cross = stepOf(run, 'crossCheck');
      assert.equal(cross.status, 'skipped');
      assert.match(cross.summary, /Turned off/);
      assert.equal(run.settings.crossCheck, false);
      assert.deepEqual(requests.map((r) => r.path), ['/Microsoft-Server-ActiveSync', '/Microsoft-Server-ActiveSync']);
    });

    it('no user name: only the anonymous checks run', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { userName: undefined, password: undefined });
      assert.equal(stepOf(run, 'input').evidence.userNameForm, 'none');
      assert.equal(stepOf(run, 'optionsAuthenticated').status, 'skipped');
      assert.equal(stepOf(run, 'crossCheck').status, 'skipped');
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(requests.map((r) => r.auth), ['anonymous']);
    });

    it('the progress callbacks see each step start and finish in order', async () => {
      const started: string[] = [];
      const finished: string[] = [];
      await probeLabScenario(lab, 'exchange2016-healthy', {
        onStepStart: (id) => started.push(id),
        onStepFinished: (step, all) => {
          finished.push(String(step.id));
          assert.equal(all.at(-1), step);
        },
      });
      assert.deepEqual(started, ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'provision', 'folderSync', 'sync']);
      assert.deepEqual(finished, ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck', 'provision', 'folderSync', 'sync', 'ping']);
    });
  });
});
