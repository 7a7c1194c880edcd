// End to end on loopback: the real probe against every lab scenario, then the diagnosis. Each
// scenario must lead to the expected top cause, carry the key evidence and point at the checklist
// that fixes it; healthy servers must get no causes. No password may leak into the outputs.
import assert from 'node:assert/strict';
import { diagnose } from '../../src/diagnosis/diagnose';
import { renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { LAB_SCENARIOS } from '../../src/lab/scenarios';
import { runProbe } from '../../src/probe/probe';
import type { Confidence } from '../../src/diagnosis/diagnosisModel';
import { labTokenSource } from './helpers/probeLabRuns';

interface Expectation {
  /** Top cause id; undefined for a healthy scenario (no causes). */
  top?: string;
  confidence?: Confidence;
  /** Must match the label or value of one of the top cause's supporting evidence lines. */
  evidence?: RegExp;
  checklist?: string;
}

const EXPECTED: Record<string, Expectation> = {
  'exchange2010-healthy': {},
  'exchange2016-healthy': {},
  'exchange2003-healthy': {},
  'exchange2019-healthy': {},
  'zpush-healthy': {},
  'coexistence-2003-basic-only': { top: 'auth.coexistence2003IwaMissing', confidence: 'high', evidence: /accepted the same credentials/, checklist: 'esm-2003-iwa' },
  // The same front end after the fix: nothing left to diagnose.
  'coexistence-2003-iwa-enabled': {},
  'office365-needs-upn': { top: 'auth.upnRequired', confidence: 'high', evidence: /prod\.outlook\.com|^15\.20/, checklist: 'upn-sign-in' },
  'exchange-online-bearer-only': { top: 'auth.exchangeOnlineModernAuth', confidence: 'high', evidence: /^Bearer/, checklist: 'exo-modern-auth' },
  'wrong-password': { top: 'auth.wrongCredentials', confidence: 'high', evidence: /refused the same credentials/, checklist: 'credentials' },
  'anonymous-access': { top: 'security.anonymousAccess', evidence: /http\.anonymousAccess/, checklist: 'anonymous-access' },
  'status-403': { top: 'status.403.notEnabled', evidence: /^403/, checklist: 'activesync-403' },
  'status-404-not-eas': { top: 'status.404.wrongPath', evidence: /^404/, checklist: 'vdir-auth-methods' },
  'status-449': { top: 'command.policyNotAccepted', evidence: /^449/, checklist: 'provisioning-policy' },
  'status-451-redirect': { top: 'status.451.moved', evidence: /^X-MS-Location$/i, checklist: 'mailbox-moved-451' },
  'status-456': { top: 'status.456.accountBlocked', evidence: /^456/, checklist: 'account-blocked-456' },
  'status-457': { top: 'status.457.passwordExpired', evidence: /^X-MS-Credential-Service-Url$/i, checklist: 'password-expired-457' },
  'status-500': { top: 'status.500.serverError', evidence: /^500/, checklist: 'server-error-500' },
  'status-503': { top: 'status.503.unavailable', evidence: /^120$/, checklist: 'service-unavailable-503' },
  'proxy-stripped-headers': { top: 'eas.optionsBlocked', evidence: /eas\.missingHeaders/, checklist: 'reverse-proxy-options' },
  'versions-too-old': { top: 'eas.noUsableVersion', evidence: /^1\.0,2\.0$/ },
  'tls-self-signed': { top: 'tls.selfSigned', checklist: 'tls-certificate' },
  'tls-expired': { top: 'tls.expired', checklist: 'tls-certificate' },
  'tls-wrong-name': { top: 'tls.nameMismatch', evidence: /wrong-name/, checklist: 'tls-certificate' },
  'tls10-only': { top: 'tls.oldProtocol', checklist: 'tls-certificate' },
  silent: { top: 'tls.handshakeTimeout', checklist: 'tls-certificate' },
  // Basic runs against Windows-only directories: Basic is not offered (the NTLM runs are in iwaLab.test.ts).
  'iwa-only-2003': { top: 'auth.schemeNotOffered', confidence: 'high', evidence: /^NTLM$|Negotiate/, checklist: 'vdir-auth-methods' },
  'iwa-and-basic': {},
  'exchange2007-healthy': {},
  'exchange2013-healthy': {},
  'exchange2003-behind-apache': {},
  'exchange2010-behind-nginx': {},
  'unnamed-activesync-server': {},
  'negotiate-only': { top: 'auth.schemeNotOffered', evidence: /Negotiate/, checklist: 'vdir-auth-methods' },
  // Past OPTIONS: the first commands a phone sends.
  'device-quarantined': { top: 'command.deviceQuarantined', evidence: /eas\.deviceQuarantined/, checklist: 'device-access-abq' },
  'device-blocked': { top: 'command.deviceBlocked', confidence: 'high', evidence: /^X-MS-ASThrottle$/i, checklist: 'device-access-abq' },
  'user-disabled-for-eas': { top: 'command.userDisabled', confidence: 'high', evidence: /UserDisabledForSync/, checklist: 'activesync-user-enabled' },
  'sync-backend-500': { top: 'command.backEndError', confidence: 'high', evidence: /decoding stopped at byte 9/, checklist: 'server-error-500' },
  'foldersync-451': { top: 'status.451.moved', evidence: /^X-MS-Location$/i, checklist: 'mailbox-moved-451' },
  'remote-wipe-pending': { top: 'command.remoteWipePending', confidence: 'high', evidence: /did not acknowledge/, checklist: 'remote-wipe-pending' },
  'maximum-devices': { top: 'command.maxDevices', confidence: 'high', evidence: /MaximumDevicesReached/, checklist: 'maximum-devices' },
  'coexistence-2003-exchange-vdir': { top: 'command.exchange2003MailboxAccess', confidence: 'high', evidence: /^500/, checklist: 'esm-2003-iwa' },
  // OAuth runs (device code sign-in at the lab authority).
  'exchange-online-oauth': {},
  'exchange-online-oauth-wrong-audience': { top: 'oauth.wrongAudience', confidence: 'high', evidence: /graph\.microsoft\.com/, checklist: 'oauth-token' },
  'exchange-online-oauth-missing-scope': { top: 'oauth.missingScope', confidence: 'high', evidence: /^EWS\.AccessAsUser\.All$/, checklist: 'oauth-token' },
  'exchange-online-oauth-expired': { top: 'oauth.tokenExpired', confidence: 'high', evidence: /expired_token/, checklist: 'oauth-token' },
  'exchange-online-oauth-eas-disabled': { top: 'oauth.mailboxNotEnabled', confidence: 'high', evidence: /^Bearer/, checklist: 'exchange-online-licence' },
  'exchange-online-oauth-conditional-access': { top: 'oauth.conditionalAccess', confidence: 'high', evidence: /AADSTS53000/, checklist: 'conditional-access' },
  'hybrid-modern-auth': {},
  'hybrid-modern-auth-not-configured': { top: 'oauth.hybridNotConfigured', confidence: 'high', evidence: /oauth_not_available/, checklist: 'hybrid-modern-auth' },
  // Autodiscover, starting from the e-mail address.
  'autodiscover-healthy': {},
  'autodiscover-redirect': {},
  'autodiscover-redirect-loop': { top: 'autodiscover.redirectLoop', confidence: 'high', evidence: /redirectAddress/ },
  // The old server's own fault leads; the Autodiscover cause that sends devices there follows (asserted below).
  'autodiscover-old-server': { top: 'eas.noUsableVersion', evidence: /^1\.0,2\.0$/ },
  'autodiscover-error-600': { top: 'autodiscover.error', confidence: 'high', evidence: /^600$/ },
  'autodiscover-none-reachable': { top: 'autodiscover.noneReachable', confidence: 'high', evidence: /unreachable/, checklist: 'dns-tcp-reachability' },
  'autodiscover-windows-auth-only': { top: 'autodiscover.basicNotOffered', confidence: 'high', evidence: /^Negotiate, NTLM$/, checklist: 'autodiscover-basic-auth' },
};

const TIMEOUTS = { overallMs: 3000, dnsMs: 1000, connectMs: 1000, tlsMs: 1500, headersMs: 2000, bodyMs: 1000 };

describe('diagnosis against the lab', function () {
  this.timeout(60_000);
  let lab: RunningLab;

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  it('has an expectation for every lab scenario', () => {
    assert.deepEqual(LAB_SCENARIOS.map((s) => s.id).filter((id) => !(id in EXPECTED)), []);
  });

  for (const scenario of LAB_SCENARIOS) {
    const expected = EXPECTED[scenario.id];
    if (!expected) continue;
    it(`${scenario.id} → ${expected.top ?? 'no causes'}`, async function () {
      if (lab.unavailable.some((u) => u.scenario.id === scenario.id)) this.skip();
      const run = await runProbe({
        target: scenario.autodiscover ? scenario.credentials.userName : lab.urlFor(scenario.id),
        autodiscoverDiscovery: lab.autodiscoverDiscovery(scenario.id),
        userName: scenario.credentials.userName,
        password: scenario.credentials.password,
        extraCaPem: lab.caPem,
        // A device code sign-in waits at least one polling interval (1 s) of the lab authority.
        timeouts: scenario.signIn === 'oauth' ? { ...TIMEOUTS, overallMs: 15_000 } : TIMEOUTS,
        proxy: '',
        labScenario: scenario.id,
        ...(scenario.signIn === 'oauth' ? { auth: 'oauth' as const, userName: undefined, bearerToken: labTokenSource(lab, scenario.id), oauthResource: lab.oauth!.resourceFor(scenario.id) } : {}),
      });
      const d = diagnose(run);
      const summary = `${d.headline} | ${d.causes.map((c) => `${c.id}:${c.score}`).join(', ')}`;
      assert.equal(d.outcome, run.outcome);
      if (!expected.top) {
        assert.deepEqual(d.causes, [], summary);
        // Only what was proven: a device's first contact, not "all checks passed".
        assert.match(d.headline, /^A device could (provision, )?list \d+ folders and sync the Inbox \(\d+ items?\)/);
        assert.equal(run.steps.find((s) => s.id === 'sync')?.status, 'passed');
      } else {
        assert.ok(d.causes.length > 0, summary);
        const top = d.causes[0];
        assert.equal(top.id, expected.top, summary);
        if (expected.confidence) assert.equal(top.confidence, expected.confidence, summary);
        if (expected.evidence) assert.ok(top.supporting.some((e) => expected.evidence!.test(e.value) || expected.evidence!.test(e.label)), `${summary}\n${JSON.stringify(top.supporting, null, 1)}`);
        if (expected.checklist) assert.ok(top.checklistIds.includes(expected.checklist), `${summary} checklists: ${top.checklistIds}`);
      }
      if (scenario.id === 'autodiscover-old-server') {
        const sends = d.causes.find((c) => c.id === 'autodiscover.wrongServer');
        assert.ok(sends, summary);
        assert.match(sends.title, /old server/);
        assert.ok(sends.supporting.some((e) => e.value === lab.urlFor('versions-too-old')), JSON.stringify(sends.supporting));
      }
      const markdown = renderRunMarkdown(run, d);
      if (scenario.credentials.password) for (const text of [JSON.stringify(d), markdown]) assert.ok(!text.includes(scenario.credentials.password), 'the password never appears');
    });
  }
});
