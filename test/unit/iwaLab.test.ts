// Integrated Windows authentication end to end over loopback: the real probe's NTLM and Negotiate
// handshakes against the lab's NTLMv2 server side (right and wrong password, wrong domain, every
// user-name form), automatic sign-in with its recorded attempts and fallback order, a Negotiate
// that takes only Kerberos, a server that drops the connection between the legs, and what the
// diagnosis and the checklist verification make of those runs.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { diagnose } from '../../src/diagnosis/diagnose';
import { authFindings, verifiedChecklistSteps } from '../../src/diagnosis/iwaVerification';
import { certificateFor, labCertificates } from '../../src/lab/labCertificates';
import { createLabRequestHandler, type LabRequestInfo } from '../../src/lab/labRequestHandler';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { findScenario, type LabScenario } from '../../src/lab/scenarios';
import type { WindowsAuthMode } from '../../src/lab/labNtlm';
import { runProbe } from '../../src/probe/probe';
import type { ProbeOptions } from '../../src/probe/probeOptions';
import { findStep, type ProbeRun } from '../../src/probe/runModel';
import { NO_PROXY_ENV, stepOf, statuses } from './helpers/probeLabRuns';

const PASSWORD = 'Lab-Passw0rd!';
const TIMEOUTS = { overallMs: 8000, headersMs: 4000 };

/** A one-scenario HTTPS server built from the lab's own handler, for behaviours no catalogue scenario has. */
async function testServer(base: string, server: LabScenario['server'], windowsAuth: WindowsAuthMode, seen: LabRequestInfo[]): Promise<{ url: string; caPem: string; close(): Promise<void> }> {
  const certs = labCertificates();
  const cert = certificateFor(certs, 'lab');
  const scenario: LabScenario = { ...findScenario(base)!, id: `test-${windowsAuth}`, server, windowsAuth };
  let url = '';
  const handler = createLabRequestHandler({ scenario, get selfUrl() { return url; }, urlFor: () => url, onRequest: (i) => seen.push(i) });
  const srv = https.createServer({ key: cert.keyPem, cert: cert.certPem }, handler);
  const sockets = new Set<import('node:stream').Duplex>();
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  url = `https://localhost:${(srv.address() as AddressInfo).port}/Microsoft-Server-ActiveSync`;
  return {
    url,
    caPem: certs.caPem,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); srv.close(() => resolve()); }),
  };
}

describe('Integrated Windows authentication against the lab', function () {
  this.timeout(30_000);
  let lab: RunningLab;
  const seen: LabRequestInfo[] = [];

  before(async () => {
    lab = await startLab({ scenarios: ['iwa-only-2003', 'iwa-and-basic', 'negotiate-only', 'exchange2003-healthy', 'exchange2016-healthy', 'zpush-healthy'], onRequest: (i) => seen.push(i) });
  });
  after(async () => {
    await lab?.close();
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const probe = (id: string, overrides: Partial<ProbeOptions>): Promise<ProbeRun> =>
    runProbe({ target: lab.urlFor(id), userName: 'CONTOSO\\labuser', password: PASSWORD, extraCaPem: lab.caPem, env: NO_PROXY_ENV, timeouts: TIMEOUTS, mode: 'options', labScenario: id, ...overrides });

  describe('NTLM', () => {
    it('signs in to the IWA-only Exchange 2003 back end and shows who answered the challenge', async () => {
      const run = await probe('iwa-only-2003', { auth: 'ntlm' });
      assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
      assert.equal(run.settings.auth, 'ntlm');
      const step = stepOf(run, 'optionsAuthenticated');
      assert.equal(step.evidence.authScheme, 'NTLM');
      assert.match(step.summary, /Signed in with NTLM/);
      assert.deepEqual(step.evidence.ntlmChallenge && {
        netbiosComputer: step.evidence.ntlmChallenge.netbiosComputer,
        dnsComputer: step.evidence.ntlmChallenge.dnsComputer,
        netbiosDomain: step.evidence.ntlmChallenge.netbiosDomain,
        dnsDomain: step.evidence.ntlmChallenge.dnsDomain,
        windowsVersion: step.evidence.ntlmChallenge.windowsVersion,
        windowsRelease: step.evidence.ntlmChallenge.windowsRelease,
      }, { netbiosComputer: 'EX2003', dnsComputer: 'ex2003.contoso.example', netbiosDomain: 'CONTOSO', dnsDomain: 'contoso.example', windowsVersion: '5.2.3790', windowsRelease: 'Windows Server 2003' });
      assert.equal(run.server?.product, 'exchange2003');
      assert.equal(run.server?.build, '6.5.7638.1');
      assert.ok(run.server?.clues?.some((c) => c.source === 'NTLM challenge' && /Windows Server 2003/.test(c.value)));
      assert.ok(findStep(run, 'optionsAuthenticated.ntlm.negotiate')?.details.some((d) => d.label === 'NetBIOS computer' && d.value === 'EX2003'));
      assert.equal(findStep(run, 'optionsAuthenticated.ntlm.authenticate')?.status, 'passed');
      // Both legs on one connection, and the lab saw NTLM accepted.
      const accepted = seen.filter((r) => r.auth === 'accepted');
      assert.deepEqual(accepted.map((r) => [r.scheme, r.userName, r.statusCode]), [['NTLM', 'CONTOSO\\labuser', 200]]);
      assert.equal(seen.filter((r) => r.windowsLeg === 'challenge').length, 1);
    });

    it('accepts the UPN (empty domain) and a bare name with the domain option or the server\'s domain', async () => {
      for (const [userName, domain, sent] of [
        ['labuser@contoso.example', undefined, 'labuser@contoso.example'],
        ['labuser', 'contoso.example', 'CONTOSO.EXAMPLE\\labuser'],
        ['labuser', undefined, 'CONTOSO\\labuser'],
      ] as const) {
        seen.length = 0;
        const run = await probe('iwa-only-2003', { auth: 'ntlm', userName, domain });
        assert.equal(run.outcome, 'passed', `${userName}: ${JSON.stringify(statuses(run))}`);
        assert.deepEqual(seen.filter((r) => r.auth === 'accepted').map((r) => r.userName), [sent]);
        assert.equal(run.settings.domain, domain);
      }
      const bare = await probe('iwa-only-2003', { auth: 'ntlm', userName: 'labuser' });
      assert.equal(stepOf(bare, 'optionsAuthenticated').evidence.ntlmUser?.domainSource, 'challenge');
    });

    it('refuses a wrong password with 401 and points at the credentials', async () => {
      const run = await probe('iwa-only-2003', { auth: 'ntlm', password: 'Wrong-Passw0rd!' });
      assert.equal(run.outcome, 'failed');
      const step = stepOf(run, 'optionsAuthenticated');
      assert.equal(step.failure?.category, 'http.401');
      assert.match(step.summary, /With NTLM this means a wrong password/);
      assert.equal(findStep(run, 'optionsAuthenticated.ntlm.authenticate')?.status, 'failed');
      assert.deepEqual(seen.filter((r) => r.auth === 'rejected').map((r) => r.userName), ['CONTOSO\\labuser']);
      assert.equal(stepOf(run, 'crossCheck').status, 'skipped');
      assert.equal(diagnose(run).causes[0].id, 'auth.wrongCredentials');
      assert.ok(!JSON.stringify(run).includes('Wrong-Passw0rd!'));
    });

    it('refuses a wrong domain, and the diagnosis names the server\'s domain', async () => {
      const run = await probe('iwa-only-2003', { auth: 'ntlm', userName: 'FABRIKAM\\labuser' });
      assert.equal(run.outcome, 'failed');
      assert.equal(stepOf(run, 'optionsAuthenticated').failure?.category, 'http.401');
      const causes = diagnose(run).causes;
      const domain = causes.find((c) => c.id === 'auth.ntlmWrongDomain');
      assert.ok(domain, causes.map((c) => c.id).join(', '));
      assert.match(domain.title, /FABRIKAM is not the server's domain \(CONTOSO\)/);
      assert.ok(domain.checks.some((c) => c.includes('CONTOSO\\labuser')));
    });

    it('is sent inside Negotiate when the server offers only Negotiate', async () => {
      const run = await probe('negotiate-only', { auth: 'ntlm', userName: 'labuser@contoso.example' });
      assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
      const step = stepOf(run, 'optionsAuthenticated');
      assert.equal(step.evidence.authScheme, 'Negotiate');
      assert.ok(step.details.some((d) => d.label === 'Note' && /inside Negotiate/.test(d.value)));
    });

    it('is not offered by a Basic-only server: nothing is sent', async () => {
      const run = await probe('zpush-healthy', { auth: 'ntlm' });
      assert.equal(stepOf(run, 'optionsAnonymous').failure?.category, 'http.schemeNotOffered');
      assert.match(stepOf(run, 'optionsAnonymous').summary, /does not accept NTLM/);
      assert.equal(seen.filter((r) => r.auth !== 'anonymous').length, 0);
    });
  });

  describe('Negotiate (NTLM inside SPNEGO)', () => {
    it('signs in where only Negotiate is offered', async () => {
      const run = await probe('negotiate-only', { auth: 'negotiate' });
      assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
      assert.equal(stepOf(run, 'optionsAuthenticated').evidence.authScheme, 'Negotiate');
      assert.equal(stepOf(run, 'optionsAuthenticated').evidence.ntlmChallenge?.netbiosComputer, 'EX2010');
      assert.deepEqual(seen.filter((r) => r.auth === 'accepted').map((r) => r.scheme), ['Negotiate']);
    });

    it('refuses a wrong password', async () => {
      const run = await probe('iwa-only-2003', { auth: 'negotiate', password: 'nope-nope' });
      assert.equal(stepOf(run, 'optionsAuthenticated').failure?.category, 'http.401');
    });

    it('says only Kerberos would work when the server refuses NTLM inside Negotiate', async () => {
      const own: LabRequestInfo[] = [];
      const server = await testServer('negotiate-only', 'exchange2010negotiate', 'kerberosOnly', own);
      try {
        const run = await runProbe({ target: server.url, userName: 'labuser@contoso.example', password: PASSWORD, extraCaPem: server.caPem, env: NO_PROXY_ENV, timeouts: TIMEOUTS, mode: 'options', auth: 'negotiate' });
        const step = stepOf(run, 'optionsAuthenticated');
        assert.equal(step.failure?.category, 'auth.kerberosOnly', step.summary);
        assert.match(step.summary, /only Kerberos/);
        assert.match(step.summary, /domain-joined/);
        const top = diagnose(run).causes[0];
        assert.equal(top.id, 'auth.kerberosOnly');
        assert.ok(top.checks.some((c) => /Test-ActiveSyncConnectivity/.test(c)));
        assert.equal(own.filter((r) => r.windowsLeg === 'challenge').length, 0, 'no NTLM challenge was ever sent');
      } finally {
        await server.close();
      }
    });
  });

  describe('automatic', () => {
    it('picks Negotiate first where Negotiate, NTLM and Basic are offered, and records the attempt', async () => {
      const run = await probe('iwa-and-basic', { auth: 'auto' });
      assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
      const step = stepOf(run, 'optionsAuthenticated');
      assert.deepEqual(step.evidence.authAttempts, [{ scheme: 'Negotiate', statusCode: 200, ok: true, error: undefined }]);
      assert.deepEqual(step.children.filter((c) => c.id.startsWith('optionsAuthenticated.attempt.')).map((c) => c.id), ['optionsAuthenticated.attempt.negotiate']);
      assert.equal(step.evidence.authScheme, 'Negotiate');
    });

    it('uses Negotiate where it is the only method', async () => {
      const run = await probe('negotiate-only', { auth: 'auto', userName: 'labuser@contoso.example' });
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(stepOf(run, 'optionsAuthenticated').evidence.authAttempts?.map((a) => [a.scheme, a.ok]), [['Negotiate', true]]);
    });

    it('falls back from a refused Negotiate to Basic (skipping NTLM, the same check again) and warns about Windows authentication', async () => {
      const own: LabRequestInfo[] = [];
      const server = await testServer('iwa-and-basic', 'exchange2003', 'refuse', own);
      try {
        const run = await runProbe({ target: server.url, userName: 'CONTOSO\\labuser', password: PASSWORD, extraCaPem: server.caPem, env: NO_PROXY_ENV, timeouts: TIMEOUTS, mode: 'options', auth: 'auto' });
        assert.equal(run.outcome, 'warning', JSON.stringify(statuses(run)));
        const step = stepOf(run, 'optionsAuthenticated');
        assert.equal(step.failure?.category, 'auth.windowsRefused');
        assert.deepEqual(step.evidence.authAttempts?.map((a) => [a.scheme, a.statusCode, a.ok]), [['Negotiate', 401, false], ['Basic', 200, true]]);
        assert.deepEqual(step.children.filter((c) => c.id.startsWith('optionsAuthenticated.attempt.')).map((c) => [c.id, c.status]), [
          ['optionsAuthenticated.attempt.negotiate', 'failed'],
          ['optionsAuthenticated.attempt.basic', 'passed'],
        ]);
        assert.deepEqual(own.filter((r) => r.auth !== 'anonymous').map((r) => [r.scheme, r.auth]), [['Negotiate', 'rejected'], ['Basic', 'accepted']]);
        const d = diagnose(run);
        assert.equal(d.causes[0].id, 'auth.windowsRefusedBasicWorks');
        assert.equal(d.causes[0].checklistIds[0], 'esm-2003-iwa');
        assert.ok(!d.causes.some((c) => c.id === 'auth.wrongCredentials'), 'Basic accepted the password');
        assert.deepEqual(verifiedChecklistSteps(run), []);
      } finally {
        await server.close();
      }
    });

    it('falls back from Negotiate that takes only Kerberos to NTLM', async () => {
      const own: LabRequestInfo[] = [];
      const server = await testServer('exchange2010-healthy', 'exchange2010', 'kerberosOnly', own);
      try {
        const run = await runProbe({ target: server.url, userName: 'CONTOSO\\labuser', password: PASSWORD, extraCaPem: server.caPem, env: NO_PROXY_ENV, timeouts: TIMEOUTS, mode: 'options', auth: 'auto' });
        assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
        const attempts = stepOf(run, 'optionsAuthenticated').evidence.authAttempts ?? [];
        assert.deepEqual(attempts.map((a) => [a.scheme, a.ok]), [['Negotiate', false], ['NTLM', true]]);
        assert.match(attempts[0].error ?? '', /only Kerberos/);
      } finally {
        await server.close();
      }
    });

    it('uses Basic where only Basic is offered', async () => {
      const run = await probe('zpush-healthy', { auth: 'auto', userName: 'labuser' });
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(stepOf(run, 'optionsAuthenticated').evidence.authAttempts?.map((a) => a.scheme), ['Basic']);
    });
  });

  it('a server that drops the connection between the legs fails clearly', async () => {
    const own: LabRequestInfo[] = [];
    const server = await testServer('iwa-only-2003', 'exchange2003iwa', 'dropBetweenLegs', own);
    try {
      for (const auth of ['ntlm', 'negotiate'] as const) {
        own.length = 0;
        const run = await runProbe({ target: server.url, userName: 'CONTOSO\\labuser', password: PASSWORD, extraCaPem: server.caPem, env: NO_PROXY_ENV, timeouts: TIMEOUTS, mode: 'options', auth });
        const step = stepOf(run, 'optionsAuthenticated');
        assert.equal(step.failure?.category, 'auth.connectionDropped', `${auth}: ${step.summary}`);
        assert.match(step.summary, /dropped the connection between the NTLM handshake's legs/);
        assert.match(step.summary, /load balancer without connection affinity/);
        assert.deepEqual(own.filter((r) => r.auth !== 'anonymous').map((r) => r.auth), ['rejected'], 'the answer reached a connection without a challenge');
        assert.equal(diagnose(run).causes[0].id, 'auth.handshakeConnectionDropped');
      }
    } finally {
      await server.close();
    }
  });

  describe('verification of the Exchange 2003 fix', () => {
    it('an NTLM sign-in to a 2003 back end verifies the ESM checklist and reports the fix', async () => {
      // The checklist's last step needs a FolderSync, not only the sign-in: the run goes on past OPTIONS.
      const run = await probe('iwa-only-2003', { auth: 'ntlm', mode: 'commands' });
      assert.deepEqual(verifiedChecklistSteps(run), [
        { checklistId: 'esm-2003-iwa', stepId: 'verify-iwa-ticked' },
        { checklistId: 'esm-2003-iwa', stepId: 'rerun-probe' },
      ]);
      const signInOnly = await probe('iwa-only-2003', { auth: 'ntlm' });
      assert.deepEqual(verifiedChecklistSteps(signInOnly), [{ checklistId: 'esm-2003-iwa', stepId: 'verify-iwa-ticked' }]);
      assert.notEqual(authFindings(signInOnly)[0]?.id, 'auth.iwaFixVerified');
      const findings = authFindings(run);
      assert.deepEqual(findings.map((f) => f.id), ['auth.iwaFixVerified', 'auth.iwaWorksBasicOff']);
      assert.ok(findings[0].evidence.some((e) => e.label === 'Answered by' && /EX2003/.test(e.value)));
      assert.deepEqual(diagnose(run).causes, []);
    });

    it('a Basic sign-in proves nothing about Integrated Windows authentication', async () => {
      const run = await probe('exchange2003-healthy', { auth: 'basic' });
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(verifiedChecklistSteps(run), []);
      assert.deepEqual(authFindings(run), []);
    });

    it('NTLM to a later Exchange works but verifies nothing about Exchange 2003', async () => {
      const run = await probe('exchange2016-healthy', { auth: 'ntlm' });
      assert.equal(run.outcome, 'passed', JSON.stringify(statuses(run)));
      assert.deepEqual(verifiedChecklistSteps(run), []);
      assert.deepEqual(authFindings(run).map((f) => f.id), ['auth.iwaWorks']);
    });
  });

  it('keeps the lab\'s challenge per connection: an answer on another connection is refused', async () => {
    // Leg 1 on one connection, leg 2 on a fresh one: the lab must not accept it.
    const { negotiateMessage, authenticateMessage } = await import('../../src/probe/ntlm/ntlmMessages');
    const { decodeChallengeMessage } = await import('../../src/protocol/ntlm/ntlmChallenge');
    const url = new URL(lab.urlFor('iwa-only-2003'));
    const request = (auth: string, agent: https.Agent) =>
      new Promise<{ status: number; header: string }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: url.port, path: url.pathname, method: 'OPTIONS', ca: lab.caPem, agent, headers: { Authorization: auth } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, header: String(res.headers['www-authenticate'] ?? '') }));
        });
        req.on('error', reject);
        req.end();
      });
    const a = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const b = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await request(`NTLM ${negotiateMessage().toString('base64')}`, a);
      assert.equal(first.status, 401);
      const decoded = decodeChallengeMessage(Buffer.from(first.header.slice(5), 'base64'));
      assert.ok(decoded.ok);
      const type3 = authenticateMessage(decoded.message, { user: 'labuser', domain: 'CONTOSO', domainSource: 'userName' }, PASSWORD).toString('base64');
      assert.equal((await request(`NTLM ${type3}`, b)).status, 401, 'another connection has no challenge');
      assert.ok(seen.some((r) => r.auth === 'rejected'));
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
