// Every failure and warning category the probe can report leads to the right top cause, with the
// key evidence and the checklist that fixes it; clean runs get no causes.
import assert from 'node:assert/strict';
import { getChecklist } from '../../src/diagnosis/checklists';
import { diagnose } from '../../src/diagnosis/diagnose';
import type { DiagnosisContext } from '../../src/diagnosis/diagnosisModel';
import type { FailureCategory, ProbeRun } from '../../src/probe/runModel';
import { buildRun, failingAt, makeStep, response, warningAt } from './helpers/runBuilder';

interface Case {
  name: string;
  run: ProbeRun;
  context?: DiagnosisContext;
  top: string;
  checklist?: string;
  /** A fragment that must appear in the top cause's evidence (label or value). */
  evidence?: RegExp;
  outcome?: ProbeRun['outcome'];
}

const cert = { subject: 'CN=other.contoso.com', issuer: 'CN=Contoso Issuing CA', subjectAltNames: ['DNS:other.contoso.com'], validFrom: '2023-01-01', validTo: '2024-01-01', daysToExpiry: -120, fingerprint256: 'AA:BB', serialNumber: '01', selfSigned: false, chainSubjects: ['CN=other.contoso.com'] };
const opt = (category: FailureCategory, headers: Array<[string, string]>, status: number, extra = {}) => failingAt('optionsAuthenticated', category, { http: [response(status, headers)], ...extra });

/** A run whose Autodiscover step (between the input check and DNS) failed; the later steps did not run. */
function failingAtAutodiscover(category: FailureCategory): ProbeRun {
  const run = buildRun({ userName: 'alice@contoso.com' });
  for (const step of run.steps.slice(1)) step.status = 'skipped';
  run.steps.splice(1, 0, makeStep('autodiscover', { status: 'failed', category }));
  run.outcome = 'failed';
  return run;
}

const CASES: Case[] = [
  { name: 'invalid URL', run: failingAt('input', 'input.invalidUrl'), top: 'input.invalidTarget' },
  { name: 'http not allowed', run: failingAt('input', 'input.plainHttpNotAllowed'), top: 'input.plainHttpRefused' },
  { name: 'credentials in URL', run: failingAt('input', 'input.credentialsInUrl'), top: 'input.credentialsInUrl' },
  { name: 'Autodiscover offers only OAuth', run: failingAtAutodiscover('autodiscover.oauthOnly'), top: 'autodiscover.oauthOnly', checklist: 'autodiscover-basic-auth' },
  { name: 'DNS name not found', run: failingAt('dns', 'dns.notFound'), top: 'dns.nameNotFound', checklist: 'dns-tcp-reachability', evidence: /mail\.contoso\.com/ },
  { name: 'DNS timeout', run: failingAt('dns', 'dns.timeout'), top: 'dns.timeout', checklist: 'dns-tcp-reachability' },
  { name: 'DNS server failure', run: failingAt('dns', 'dns.serverFailure'), top: 'dns.serverFailure', checklist: 'dns-tcp-reachability' },
  { name: 'TCP refused', run: failingAt('tcp', 'tcp.refused', { remoteAddress: '192.0.2.10', remotePort: 443 }), top: 'tcp.refused', checklist: 'dns-tcp-reachability', evidence: /192\.0\.2\.10:443/ },
  { name: 'TCP timeout', run: failingAt('tcp', 'tcp.timeout'), top: 'tcp.filtered', checklist: 'dns-tcp-reachability' },
  { name: 'TCP unreachable', run: failingAt('tcp', 'tcp.unreachable'), top: 'tcp.unreachable', checklist: 'dns-tcp-reachability' },
  { name: 'proxy error', run: failingAt('tcp', 'proxy.error', { proxy: 'http://proxy.contoso.com:8080' }), top: 'network.proxy', checklist: 'dns-tcp-reachability' },
  { name: 'TLS name mismatch', run: failingAt('tls', 'tls.nameMismatch', { certificate: cert, tlsErrorCode: 'ERR_TLS_CERT_ALTNAME_INVALID' }), top: 'tls.nameMismatch', checklist: 'tls-certificate', evidence: /other\.contoso\.com/ },
  { name: 'TLS self-signed', run: failingAt('tls', 'tls.selfSigned', { certificate: { ...cert, selfSigned: true } }), top: 'tls.selfSigned', checklist: 'tls-certificate' },
  { name: 'TLS untrusted', run: failingAt('tls', 'tls.untrusted'), top: 'tls.untrusted', checklist: 'tls-certificate' },
  { name: 'TLS missing intermediate', run: failingAt('tls', 'tls.missingIntermediate', { certificate: cert, tlsErrorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), top: 'tls.missingIntermediate', checklist: 'tls-certificate', evidence: /UNABLE_TO_VERIFY_LEAF_SIGNATURE/ },
  { name: 'TLS expired', run: failingAt('tls', 'tls.expired', { certificate: cert }), top: 'tls.expired', checklist: 'tls-certificate', evidence: /2024-01-01/ },
  { name: 'TLS not yet valid', run: failingAt('tls', 'tls.notYetValid'), top: 'tls.notYetValid', checklist: 'tls-certificate' },
  { name: 'TLS old protocol', run: failingAt('tls', 'tls.oldProtocol'), top: 'tls.oldProtocol', checklist: 'tls-certificate' },
  { name: 'TLS handshake timeout', run: failingAt('tls', 'tls.handshakeTimeout'), top: 'tls.handshakeTimeout', checklist: 'tls-certificate' },
  { name: 'TLS handshake failure', run: failingAt('tls', 'tls.handshakeFailed'), top: 'tls.handshakeFailed', checklist: 'tls-certificate' },
  { name: 'TLS expiring soon (warning)', run: warningAt('tls', 'tls.expiresSoon', { certificate: { ...cert, daysToExpiry: 5 } }), top: 'tls.expiresSoon', checklist: 'tls-certificate', evidence: /^5$/, outcome: 'warning' },
  { name: 'HTTP timeout', run: failingAt('optionsAnonymous', 'http.timeout'), top: 'http.timeout' },
  { name: 'malformed response', run: failingAt('optionsAnonymous', 'http.malformed'), top: 'http.malformed', checklist: 'reverse-proxy-options' },
  { name: 'connection closed', run: failingAt('optionsAnonymous', 'http.connectionClosed'), top: 'http.connectionClosed', checklist: 'reverse-proxy-options' },
  { name: 'oversized response', run: failingAt('optionsAnonymous', 'http.tooLarge'), top: 'http.tooLarge' },
  { name: 'redirect', run: failingAt('optionsAnonymous', 'http.redirect', { redirectLocation: 'https://mail.contoso.com/owa/auth/logon.aspx' }), top: 'redirect.unexpected', evidence: /logon\.aspx/ },
  { name: 'redirect loop', run: failingAt('optionsAnonymous', 'http.redirectLoop'), top: 'redirect.loop' },
  { name: 'redirect downgrade', run: failingAt('optionsAnonymous', 'http.redirectDowngrade', { redirectLocation: 'http://mail.contoso.com/Microsoft-Server-ActiveSync' }), top: 'redirect.downgrade', evidence: /^http:/ },
  { name: 'redirect to other host', run: failingAt('optionsAnonymous', 'http.redirectOtherHost', { redirectLocation: 'https://eas.fabrikam.com/Microsoft-Server-ActiveSync' }), top: 'redirect.otherHost', evidence: /fabrikam/ },
  { name: '401 without a challenge', run: failingAt('optionsAnonymous', 'http.noChallenge'), top: 'auth.noChallengeOffered', checklist: 'reverse-proxy-options' },
  { name: '403', run: opt('http.403', [['Server', 'Microsoft-IIS/7.5']], 403), top: 'status.403.notEnabled', checklist: 'activesync-403' },
  { name: '403 over plain http', run: failingAt('optionsAuthenticated', 'http.403', { http: [response(403, [])] }, { url: 'http://mail.contoso.com/Microsoft-Server-ActiveSync' }), top: 'status.403.sslRequired', evidence: /^http:/ },
  {
    name: '403 with an SSL-required page',
    run: failingAt('optionsAuthenticated', 'http.403', { http: [response(403, [], 'HTTP Error 403.4 - Forbidden: SSL is required to view this resource.')] }),
    top: 'status.403.sslRequired',
    checklist: 'activesync-403',
  },
  { name: '404 at a proxy', run: opt('http.404', [['Server', 'nginx']], 404), top: 'status.404.proxyPath', checklist: 'reverse-proxy-options', evidence: /nginx/ },
  { name: '404 at Exchange', run: opt('http.404', [['Server', 'Microsoft-IIS/8.5'], ['X-FEServer', 'CAS01']], 404), top: 'status.404.wrongPath', checklist: 'vdir-auth-methods' },
  { name: '449', run: opt('http.449', [], 449), top: 'status.449.provisioning' },
  { name: '451 with X-MS-Location', run: opt('http.451', [['X-MS-Location', 'https://outlook.office365.com/Microsoft-Server-ActiveSync']], 451), top: 'status.451.moved', checklist: 'mailbox-moved-451', evidence: /outlook\.office365\.com/ },
  { name: '456', run: opt('http.456', [], 456), top: 'status.456.accountBlocked', checklist: 'account-blocked-456' },
  { name: '457', run: opt('http.457', [], 457, { credentialServiceUrl: 'https://passwordreset.contoso.com/' }), top: 'status.457.passwordExpired', checklist: 'password-expired-457', evidence: /passwordreset/ },
  { name: '500 generic', run: opt('http.500', [['X-FEServer', 'CAS01'], ['MS-Server-ActiveSync', '15.1']], 500), top: 'status.500.serverError', checklist: 'server-error-500' },
  { name: '500 with a 2003 back end', run: opt('http.500', [], 500), context: { mailboxServerHint: 'exchange2003' }, top: 'status.500.backend2003', checklist: 'server-error-500' },
  { name: '503 with Retry-After', run: opt('http.503', [['Retry-After', '120']], 503, { retryAfter: '120' }), top: 'status.503.unavailable', checklist: 'service-unavailable-503', evidence: /^120$/ },
  { name: 'other status', run: opt('http.otherStatus', [], 418), top: 'status.other' },
  { name: 'missing MS-AS headers', run: failingAt('optionsAnonymous', 'eas.missingHeaders', { http: [response(200, [['Server', 'Microsoft-IIS/6.0']])] }), top: 'eas.optionsBlocked', checklist: 'reverse-proxy-options' },
  { name: 'no usable protocol version', run: failingAt('optionsAuthenticated', 'eas.noUsableVersion', { protocolVersions: ['1.0', '2.0'] }), top: 'eas.noUsableVersion', evidence: /1\.0,2\.0/ },
  { name: 'missing commands', run: failingAt('optionsAuthenticated', 'eas.missingCommands', { protocolCommands: ['Sync', 'Ping'] }), top: 'eas.missingCommands', evidence: /Sync,Ping/ },
  { name: 'anonymous access (warning)', run: warningAt('optionsAnonymous', 'http.anonymousAccess'), top: 'security.anonymousAccess', checklist: 'anonymous-access', outcome: 'warning' },
  { name: 'plain http (warning)', run: warningAt('input', 'input.plainHttp', {}, { url: 'http://mail.contoso.com/Microsoft-Server-ActiveSync' }), top: 'security.plainHttp', evidence: /^http:/, outcome: 'warning' },
  { name: 'run timeout', run: failingAt('optionsAuthenticated', 'run.timeout'), top: 'run.timeout' },
  { name: 'internal error', run: failingAt('tls', 'internal'), top: 'run.internalError' },
];

describe('diagnose: every failure category', () => {
  for (const c of CASES) {
    it(`${c.name} → ${c.top}`, () => {
      const d = diagnose(c.run, c.context);
      assert.equal(d.outcome, c.outcome ?? 'failed');
      assert.ok(d.causes.length > 0, 'has causes');
      assert.equal(d.causes[0].id, c.top, `top cause was ${d.causes[0].id}`);
      if (c.checklist) {
        assert.ok(d.causes[0].checklistIds.includes(c.checklist), `checklists ${d.causes[0].checklistIds.join(',')}`);
        assert.ok(getChecklist(c.checklist), 'the checklist exists');
      }
      for (const id of d.causes.flatMap((x) => x.checklistIds)) assert.ok(getChecklist(id), `unknown checklist ${id}`);
      if (c.evidence) assert.ok(d.causes[0].supporting.some((e) => c.evidence!.test(e.value) || c.evidence!.test(e.label)), JSON.stringify(d.causes[0].supporting));
      if (c.outcome !== 'warning') assert.ok(d.failedStepId, 'failed step named');
      assert.ok(d.headline.length > 0);
    });
  }

  it('the 451 explanation shows the X-MS-Location URL', () => {
    const d = diagnose(opt('http.451', [['X-MS-Location', 'https://eas2.contoso.com/Microsoft-Server-ActiveSync']], 451));
    assert.match(d.causes[0].explanation, /eas2\.contoso\.com/);
  });

  it('a passed run has no causes and a positive headline', () => {
    const run = buildRun({ userName: 'alice@contoso.com' });
    run.steps[5].evidence.http = [response(200, [['Server', 'Microsoft-IIS/7.5'], ['MS-Server-ActiveSync', '14.3.123.4']])];
    const d = diagnose(run);
    assert.equal(d.outcome, 'passed');
    assert.deepEqual(d.causes, []);
    // A run without the command steps proves OPTIONS and sign-in, and says the rest was not run.
    assert.match(d.headline, /^OPTIONS and sign-in work; Provision, FolderSync and Sync were not run/);
    assert.doesNotMatch(d.headline, /all checks passed/i);
    assert.match(d.headline, /Exchange Server 2010/);
    assert.equal(d.question, undefined);
    assert.equal(d.failedStepId, undefined);
  });

  it('a warning ranks below the same problem as a failure', () => {
    const failed = diagnose(failingAt('optionsAuthenticated', 'eas.missingCommands', { protocolCommands: ['Sync'] })).causes[0];
    const warned = diagnose(warningAt('optionsAuthenticated', 'eas.missingCommands', { protocolCommands: ['Sync'] })).causes[0];
    assert.equal(failed.id, warned.id);
    assert.ok(warned.score < failed.score);
  });

  it('a problem that warns on the anonymous OPTIONS and fails the signed-in one weighs as a failure, above a side warning', () => {
    // A 301 to every request: the anonymous OPTIONS warns, the signed-in one fails; the certificate has 29 days left.
    const location = { redirectLocation: 'http://mail.contoso.com/Microsoft-Server-ActiveSync' };
    const run = buildRun({
      userName: 'alice@contoso.com',
      steps: {
        tls: { status: 'warning', category: 'tls.expiresSoon', evidence: { certificate: { ...cert, daysToExpiry: 29 } } },
        optionsAnonymous: { status: 'warning', category: 'http.redirect', evidence: location },
        optionsAuthenticated: { status: 'failed', category: 'http.redirect', evidence: location },
      },
    });
    const d = diagnose(run);
    assert.equal(d.causes[0].id, 'redirect.unexpected', d.causes.map((c) => `${c.id} ${c.score}`).join(', '));
    assert.equal(d.causes[0].supporting[0].stepId, 'optionsAuthenticated');
    assert.match(d.headline, /Most likely: Redirected instead of answered/);
  });

  it('a cancelled run says so, and still diagnoses what failed before', () => {
    const run = buildRun({ cancelled: true, steps: { tls: { status: 'failed', category: 'tls.expired' } } });
    const d = diagnose(run);
    assert.equal(d.outcome, 'cancelled');
    assert.ok(d.causes.some((c) => c.id === 'run.cancelled'));
    assert.ok(d.causes.some((c) => c.id === 'tls.expired'));
    assert.match(d.headline, /cancelled/);
  });

  it('a failure category found only on a child step is still diagnosed', () => {
    const child = makeStep('tls.chain', { status: 'failed', category: 'tls.missingIntermediate' });
    const run = buildRun({ steps: { tls: { status: 'failed', children: [child] } } });
    const d = diagnose(run);
    assert.equal(d.causes[0].id, 'tls.missingIntermediate');
    assert.equal(d.causes[0].supporting[0].stepId, 'tls.chain');
  });

  it('an unknown category still yields a low-confidence cause naming the failed step', () => {
    const run = failingAt('tcp', 'something.new' as FailureCategory);
    const d = diagnose(run);
    assert.equal(d.causes[0].id, 'unknown.failure');
    assert.equal(d.causes[0].confidence, 'low');
  });

  it('copes with a run missing evidence, details and children (an older run)', () => {
    const run = failingAt('optionsAuthenticated', 'http.401') as unknown as { steps: Array<Record<string, unknown>> };
    for (const s of run.steps) {
      delete s.evidence;
      delete s.details;
      delete s.children;
    }
    const d = diagnose(run as unknown as ProbeRun);
    assert.equal(d.causes[0].id, 'auth.wrongCredentials');
  });
});
