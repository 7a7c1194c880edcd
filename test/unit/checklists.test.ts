// The remediation checklists are data with a contract: valid, https-only, stable ids. The id
// snapshot in src/diagnosis/CHECKLIST_IDS.md makes any rename or removal a deliberate act.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allChecklistStepKeys, CHECKLISTS, checklistsFor, getChecklist } from '../../src/diagnosis/checklists';
import { validateChecklist } from '../../src/diagnosis/checklistValidation';
import type { Checklist } from '../../src/diagnosis/diagnosisModel';
import { authFlagsHasIwa, describeAuthFlags, verificationScripts } from '../../src/diagnosis/verificationScripts';

// Tests run from out/test/unit; the Markdown file stays in the source tree.
const ID_FILE = join(__dirname, '..', '..', '..', 'src', 'diagnosis', 'CHECKLIST_IDS.md');

/**
 * Every id released so far (0.1.0). Stored ticks refer to these, so each must either still exist or be
 * named under "Migrations" in CHECKLIST_IDS.md. Append new ids here when they ship; never delete one.
 */
const RELEASED_IDS = [
  'esm-2003-iwa/install-hotfix',
  'esm-2003-iwa/open-esm',
  'esm-2003-iwa/navigate-to-vdir',
  'esm-2003-iwa/open-properties',
  'esm-2003-iwa/open-authentication',
  'esm-2003-iwa/tick-iwa',
  'esm-2003-iwa/confirm-ok-twice',
  'esm-2003-iwa/verify-in-iis',
  'esm-2003-iwa/verify-open-iis-manager',
  'esm-2003-iwa/verify-expand-site',
  'esm-2003-iwa/verify-open-vdir-properties',
  'esm-2003-iwa/verify-open-auth-dialog',
  'esm-2003-iwa/verify-iwa-ticked',
  'esm-2003-iwa/verify-close-iis',
  'esm-2003-iwa/verify-authflags',
  'esm-2003-iwa/rerun-probe',
  'vdir-auth-methods/list-2007-2010',
  'vdir-auth-methods/enable-windows-auth',
  'vdir-auth-methods/check-iis6-authflags',
  'vdir-auth-methods/rerun-probe',
  'credentials/sign-in-owa',
  'credentials/check-account-state',
  'credentials/unlock-or-reset',
  'credentials/check-user-name-form',
  'credentials/rerun-probe',
  'upn-sign-in/find-upn',
  'upn-sign-in/configure-device',
  'upn-sign-in/rerun-probe',
  'exo-modern-auth/check-client-support',
  'exo-modern-auth/register-app',
  'exo-modern-auth/grant-consent',
  'exo-modern-auth/check-conditional-access',
  'exo-modern-auth/reconfigure-account',
  'tls-certificate/find-terminator',
  'tls-certificate/check-names',
  'tls-certificate/check-chain',
  'tls-certificate/check-validity',
  'tls-certificate/renew-and-assign',
  'tls-certificate/check-protocols',
  'tls-certificate/rerun-probe',
  'dns-tcp-reachability/resolve-name',
  'dns-tcp-reachability/test-port',
  'dns-tcp-reachability/check-firewall',
  'dns-tcp-reachability/check-load-balancer',
  'dns-tcp-reachability/check-iis-binding',
  'dns-tcp-reachability/rerun-probe',
  'activesync-403/check-mailbox-enabled',
  'activesync-403/check-device-rules',
  'activesync-403/check-ssl-settings',
  'activesync-403/check-ip-restrictions',
  'activesync-403/rerun-probe',
  'mailbox-moved-451/read-location',
  'mailbox-moved-451/test-new-url',
  'mailbox-moved-451/check-external-url',
  'mailbox-moved-451/check-autodiscover',
  'mailbox-moved-451/update-devices',
  'account-blocked-456/list-devices',
  'account-blocked-456/check-blocked-list',
  'account-blocked-456/check-rules',
  'account-blocked-456/rerun-probe',
  'password-expired-457/confirm-expiry',
  'password-expired-457/change-password',
  'password-expired-457/update-devices',
  'password-expired-457/rerun-probe',
  'server-error-500/read-event-log',
  'server-error-500/check-exchange-vdir-iwa',
  'server-error-500/check-inheritance',
  'server-error-500/check-app-pool',
  'server-error-500/rerun-probe',
  'service-unavailable-503/check-database',
  'service-unavailable-503/check-services',
  'service-unavailable-503/check-load-balancer',
  'service-unavailable-503/respect-retry-after',
  'service-unavailable-503/rerun-probe',
  'reverse-proxy-options/compare-direct',
  'reverse-proxy-options/check-urlscan',
  'reverse-proxy-options/check-isa-tmg',
  'reverse-proxy-options/check-proxy-rules',
  'reverse-proxy-options/check-redirects',
  'reverse-proxy-options/rerun-probe',
  'anonymous-access/check-authflags',
  'anonymous-access/disable-anonymous',
  'anonymous-access/check-proxy',
  'anonymous-access/rerun-probe',
  'device-access-abq/list-devices',
  'device-access-abq/check-organisation-level',
  'device-access-abq/allow-probe-device',
  'device-access-abq/release-quarantine',
  'device-access-abq/rerun-probe',
  'activesync-user-enabled/check-setting',
  'activesync-user-enabled/enable',
  'activesync-user-enabled/check-2003',
  'activesync-user-enabled/rerun-probe',
  'remote-wipe-pending/find-request',
  'remote-wipe-pending/cancel-or-remove',
  'remote-wipe-pending/rerun-probe',
  'maximum-devices/list-stale',
  'maximum-devices/remove-stale',
  'maximum-devices/check-limit',
  'maximum-devices/rerun-probe',
  'provisioning-policy/check-proxy-headers',
  'provisioning-policy/check-policy',
  'provisioning-policy/check-load-balancer-affinity',
  'provisioning-policy/rerun-probe',
  // OAuth (Exchange Online and Hybrid Modern Authentication)
  'oauth-token/read-claims',
  'oauth-token/check-api-permission',
  'oauth-token/grant-consent',
  'oauth-token/request-eas-scope',
  'oauth-token/check-token-age',
  'oauth-token/rerun-probe',
  'exchange-online-licence/check-licence',
  'exchange-online-licence/rerun-probe',
  'conditional-access/open-sign-in-logs',
  'conditional-access/find-policy',
  'conditional-access/check-device-state',
  'conditional-access/decide-change',
  'conditional-access/rerun-probe',
  'hybrid-modern-auth/check-auth-server',
  'hybrid-modern-auth/check-oauth2-client-profile',
  'hybrid-modern-auth/check-intraorg-connector',
  'hybrid-modern-auth/check-service-principal-names',
  'hybrid-modern-auth/check-auth-certificate',
  'hybrid-modern-auth/rerun-probe',
  'autodiscover-basic-auth/list-autodiscover-auth',
  'autodiscover-basic-auth/enable-basic',
  'autodiscover-basic-auth/recycle-app-pool',
  'autodiscover-basic-auth/or-other-sign-in',
  'autodiscover-basic-auth/rerun-probe',
];

function documentedIds(): { current: string[]; migrations: string } {
  const text = readFileSync(ID_FILE, 'utf8');
  const block = /<!-- ids:begin -->([\s\S]*?)<!-- ids:end -->/.exec(text);
  assert.ok(block, 'CHECKLIST_IDS.md has an ids block');
  const current = Array.from(block[1].matchAll(/^- `([^`]+)`\s*$/gm), (m) => m[1]);
  const migrations = text.split(/^## Migrations\s*$/m)[1] ?? '';
  return { current, migrations };
}

describe('remediation checklists', () => {
  it('every checklist validates', () => {
    assert.ok(CHECKLISTS.length >= 15);
    for (const c of CHECKLISTS) assert.deepEqual(validateChecklist(c), [], c.id);
  });

  it('the validator catches what it claims to', () => {
    const bad: Checklist = {
      id: 'Bad Id',
      title: '',
      why: 'x',
      warnings: [],
      links: [{ title: 'insecure', url: 'http://example.com/' }],
      steps: [
        { id: 'a', text: 'one', commands: [{ label: 'l', language: 'powershell', code: ' ' }] },
        { id: 'a', text: '', links: [{ title: 'js', url: 'javascript:alert(1)' }], substeps: [{ id: 'a', text: 'dup in sub-step' }] },
      ],
    };
    const problems = validateChecklist(bad).join('\n');
    for (const expected of [/id must be lower-case/, /empty title/, /not a valid https URL: http:/, /command without code/, /duplicate step id/, /empty text/, /javascript:alert/]) assert.match(problems, expected);
  });

  it('checklist ids are unique and found by getChecklist', () => {
    const ids = CHECKLISTS.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.equal(getChecklist(id)?.id, id);
    assert.equal(getChecklist('no-such-checklist'), undefined);
    assert.deepEqual(checklistsFor(['credentials', 'no-such', 'credentials']).map((c) => c.id), ['credentials']);
  });

  it('ids match the snapshot in CHECKLIST_IDS.md (renames and removals need a migration note)', () => {
    const actual = allChecklistStepKeys();
    const { current, migrations } = documentedIds();
    const undocumented = actual.filter((k) => !current.includes(k));
    assert.deepEqual(undocumented, [], 'new ids must be added to CHECKLIST_IDS.md');
    const vanished = current.filter((k) => !actual.includes(k));
    assert.deepEqual(vanished, [], 'ids listed as current no longer exist: move them to the Migrations section');
    // A released id may only disappear with a migration note naming it.
    const migrated = new Set(Array.from(migrations.matchAll(/`([a-z0-9-]+\/[a-z0-9-]+)`/g), (m) => m[1]));
    const dropped = RELEASED_IDS.filter((k) => !actual.includes(k) && !migrated.has(k));
    assert.deepEqual(dropped, [], 'released ids disappeared without a note under Migrations in CHECKLIST_IDS.md');
    const unreleased = actual.filter((k) => !RELEASED_IDS.includes(k));
    assert.deepEqual(unreleased, [], 'new ids must also be appended to RELEASED_IDS');
  });

  it('the ESM checklist for the 2003 back end has the documented steps, warning and links', () => {
    const c = getChecklist('esm-2003-iwa')!;
    assert.match(c.warnings.join(' '), /System Manager[\s\S]*IIS Manager[\s\S]*System Attendant/);
    assert.ok(c.links.some((l) => l.url === 'https://go.microsoft.com/fwlink/p/?linkid=280550'));
    const hotfix = c.steps.find((s) => s.id === 'install-hotfix')!;
    assert.ok(hotfix.links?.some((l) => l.url === 'https://go.microsoft.com/fwlink/p/?linkid=3052&kbid=937031'));
    assert.match(c.steps.map((s) => s.text).join(' '), /Administrative Groups[\s\S]*Protocols[\s\S]*HTTP[\s\S]*Exchange Virtual Server/);
    assert.ok(c.steps.some((s) => /Integrated Windows Authentication/.test(s.text)));
    const verify = c.steps.find((s) => s.id === 'verify-in-iis')!;
    assert.equal(verify.substeps?.length, 6);
    assert.match(verify.substeps![4].text, /Integrated Windows Authentication/);
  });

  it('verification scripts cover Exchange 2007/2010 PowerShell and the IIS 6 metabase', () => {
    const scripts = verificationScripts();
    const code = scripts.map((s) => s.code).join('\n');
    assert.match(code, /Get-ActiveSyncVirtualDirectory \| Format-List Server,Name,\*Auth\*/);
    assert.match(code, /Set-ActiveSyncVirtualDirectory -Identity "<SERVER>\\Microsoft-Server-ActiveSync \(Default Web Site\)" -WindowsAuthEnabled \$true/);
    assert.match(code, /cscript adsutil\.vbs GET W3SVC\/1\/ROOT\/Microsoft-Server-ActiveSync\/AuthFlags/);
    for (const s of scripts) {
      assert.ok(s.id && s.title && s.code.trim() && s.appliesTo, s.id);
      assert.ok(['powershell', 'batch', 'vbscript', 'text'].includes(s.language));
    }
    assert.equal(new Set(scripts.map((s) => s.id)).size, scripts.length);
    // A copy each time: callers can't change the shared data.
    scripts[0].code = 'changed';
    assert.notEqual(verificationScripts()[0].code, 'changed');
  });

  it('AuthFlags bits: 4 means Integrated Windows authentication', () => {
    assert.equal(authFlagsHasIwa(2), false);
    assert.equal(authFlagsHasIwa(6), true);
    assert.equal(authFlagsHasIwa(5), true);
    assert.equal(authFlagsHasIwa(16), false);
    assert.deepEqual(describeAuthFlags(7), ['Anonymous', 'Basic', 'NTLM / Integrated Windows authentication']);
    assert.deepEqual(describeAuthFlags(18), ['Basic', 'Digest']);
  });

  it('the Exchange Online checklist names the OAuth permission and scope', () => {
    const text = JSON.stringify(getChecklist('exo-modern-auth'));
    assert.match(text, /EAS\.AccessAsUser\.All/);
    assert.match(text, /https:\/\/outlook\.office\.com\/EAS\.AccessAsUser\.All/);
  });
});
