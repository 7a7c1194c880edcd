// The steps past OPTIONS against the lab: each scenario's step statuses, the evidence they keep
// (and what they must never keep: message content, the policy key), the modes, Windows sign-in
// carried through the commands, and the lab answering commands as real servers do.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { diagnose } from '../../src/diagnosis/diagnose';
import { verifiedChecklistSteps } from '../../src/diagnosis/iwaVerification';
import type { RunningLab } from '../../src/lab/labServer';
import { findScenario } from '../../src/lab/scenarios';
import { decodeWbxml } from '../../src/protocol/wbxml/wbxmlDecoder';
import { encodeWbxml } from '../../src/protocol/wbxml/wbxmlEncoder';
import { el, textAt } from '../../src/protocol/wbxml/wbxmlTree';
import { provenSummary } from '../../src/probe/runVerdict';
import { leadingStep, probeLabScenario, stepOf } from './helpers/probeLabRuns';
import { useRecordingLab } from './helpers/suiteFixtures';

const COMMAND_STEPS = ['provision', 'folderSync', 'sync', 'ping'];

/** Expected statuses of provision, folderSync, sync and ping for each scenario that gets past OPTIONS. */
const EXPECTED_COMMAND_STATUSES: Record<string, string[]> = {
  'exchange2010-healthy': ['passed', 'passed', 'passed', 'skipped'],
  'exchange2016-healthy': ['passed', 'passed', 'passed', 'skipped'],
  'exchange2003-healthy': ['passed', 'passed', 'passed', 'skipped'],
  'exchange2019-healthy': ['passed', 'passed', 'passed', 'skipped'],
  'zpush-healthy': ['passed', 'passed', 'passed', 'skipped'],
  'iwa-and-basic': ['passed', 'passed', 'passed', 'skipped'],
  'status-449': ['passed', 'failed', 'skipped', 'skipped'],
  'device-quarantined': ['passed', 'passed', 'warning', 'skipped'],
  'device-blocked': ['failed', 'skipped', 'skipped', 'skipped'],
  'user-disabled-for-eas': ['failed', 'skipped', 'skipped', 'skipped'],
  'sync-backend-500': ['passed', 'passed', 'failed', 'skipped'],
  'foldersync-451': ['passed', 'failed', 'skipped', 'skipped'],
  'remote-wipe-pending': ['failed', 'skipped', 'skipped', 'skipped'],
  'maximum-devices': ['failed', 'skipped', 'skipped', 'skipped'],
  'coexistence-2003-iwa-enabled': ['passed', 'passed', 'passed', 'skipped'],
  'coexistence-2003-exchange-vdir': ['failed', 'skipped', 'skipped', 'skipped'],
  'coexistence-2003-basic-only': ['skipped', 'skipped', 'skipped', 'skipped'],
};

/** The subjects the lab's Inbox holds: none may reach a run, a diagnosis or an export. */
const LAB_SUBJECTS = ['Welcome to the lab mailbox', 'Quarterly figures', 'Lunch on Friday', 'temporarily blocked from synchronizing'];
/** Commands a read-only probe may send. */
const READ_ONLY_COMMANDS = new Set(['Provision', 'FolderSync', 'Sync', 'GetItemEstimate', 'Ping']);

function post(url: string, ca: string, command: string, version: string, body: Uint8Array | undefined, policyKey = '0', deviceId = 'LabTestDevice'): Promise<{ status: number; message: string; body: Buffer }> {
  const target = new URL(url);
  target.search = new URLSearchParams({ Cmd: command, User: 'labuser@contoso.example', DeviceId: deviceId, DeviceType: 'LabTest' }).toString();
  return new Promise((resolve, reject) => {
    const req = https.request(
      target,
      {
        method: 'POST',
        ca,
        agent: false,
        headers: {
          Authorization: `Basic ${Buffer.from('labuser@contoso.example:Lab-Passw0rd!').toString('base64')}`,
          'MS-ASProtocolVersion': version,
          'X-MS-PolicyKey': policyKey,
          'Content-Type': 'application/vnd.ms-sync.wbxml',
          'Content-Length': String(body?.length ?? 0),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body ? Buffer.from(body) : undefined);
  });
}

describe('command steps against the lab', function () {
  this.timeout(60_000);
  let lab: RunningLab;
  const requests = useRecordingLab((started) => (lab = started));

  describe('each scenario: statuses of provision, folderSync, sync and ping, and the top cause', () => {
    for (const [id, expected] of Object.entries(EXPECTED_COMMAND_STATUSES)) {
      it(`${id}: ${expected.join(', ')}`, async () => {
        const scenario = findScenario(id)!;
        const run = await probeLabScenario(lab, id);
        assert.deepEqual(
          COMMAND_STEPS.map((s) => stepOf(run, s).status),
          expected,
          COMMAND_STEPS.map((s) => `${s}: ${stepOf(run, s).summary}`).join('\n'),
        );
        assert.equal(run.outcome, scenario.expected.outcome);
        const lead = leadingStep(run);
        assert.equal(lead?.id, scenario.expected.failedStep ?? scenario.expected.warningStep);
        assert.equal(lead?.failure?.category, scenario.expected.category);
        // Read-only: only these commands were sent, whatever the scenario.
        for (const r of requests.filter((q) => q.scenarioId === id && q.method === 'POST' && q.path === '/Microsoft-Server-ActiveSync')) assert.ok(READ_ONLY_COMMANDS.has(r.command ?? ''), `sent ${r.command}`);
        // Nothing of the mailbox's content is kept or shown anywhere.
        const text = JSON.stringify({ run, diagnosis: diagnose(run) });
        for (const subject of LAB_SUBJECTS) assert.ok(!text.includes(subject), `${subject} leaked`);
      });
    }
  });

  describe('a healthy first contact (Exchange 2016)', () => {
    it('provisions in two phases, lists the hierarchy, syncs the Inbox and says what it proved', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy');
      const provision = stepOf(run, 'provision');
      assert.equal(provision.evidence.eas?.protocolVersion, '14.1', 'the highest version both sides speak, capped at 14.1');
      assert.deepEqual(provision.children.map((c) => c.id), ['provision.cue', 'provision.policy']);
      assert.match(provision.children[0].summary, /status 142 \(DeviceNotProvisioned\)/);
      assert.ok(provision.evidence.eas?.policy?.some((p) => p.name === 'MinDevicePasswordLength' && p.value === '4'));
      assert.deepEqual(
        requests.filter((r) => r.method === 'POST').map((r) => r.command),
        ['FolderSync', 'Provision', 'Provision', 'FolderSync', 'Sync', 'GetItemEstimate', 'Sync'],
      );
      const folderSync = stepOf(run, 'folderSync');
      const folders = folderSync.evidence.eas?.folders ?? [];
      assert.equal(folders.length, 12);
      assert.deepEqual(folders.filter((f) => f.type >= 2 && f.type <= 11).map((f) => f.typeName).sort(), ['Calendar', 'Contacts', 'Deleted Items', 'Drafts', 'Inbox', 'Journal', 'Notes', 'Outbox', 'Sent Items', 'Tasks']);
      assert.equal(folderSync.children.length, 12, 'one child step per folder');
      const inbox = stepOf(run, 'sync').evidence.eas?.inbox;
      assert.deepEqual(inbox, { serverId: '5', name: 'Inbox', itemsReceived: 3, estimate: 3, moreAvailable: false });
      assert.equal(provenSummary(run), 'A device could provision, list 12 folders and sync the Inbox (3 items)');
      assert.match(diagnose(run).headline, /^A device could provision, list 12 folders and sync the Inbox \(3 items\)/);
    });

    it('keeps decoded XML as evidence with the policy key and item properties withheld', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy');
      const commands = stepOf(run, 'sync').evidence.eas?.commands ?? [];
      const ack = commands.find((c) => c.command === 'Provision' && /Status>1<\/Status>\s*<\/Policy>/.test(c.requestXml ?? ''));
      assert.ok(ack, 'the acknowledgment is in the evidence');
      assert.match(ack.requestXml ?? '', /<PolicyKey>\[redacted\]<\/PolicyKey>/);
      assert.match(ack.responseXml ?? '', /<PolicyKey>\[redacted\]<\/PolicyKey>/);
      const lastSync = commands.filter((c) => c.command === 'Sync').at(-1);
      assert.match(lastSync?.responseXml ?? '', /<ApplicationData><!-- 7 properties withheld --><\/ApplicationData>/);
      const headers = stepOf(run, 'sync').evidence.http?.flatMap((h) => h.requestHeaders) ?? [];
      for (const [name, value] of headers) if (/x-ms-policykey/i.test(name)) assert.equal(value, '[redacted]');
      for (const h of stepOf(run, 'sync').evidence.http ?? []) assert.equal(h.response?.bodySnippet, '', 'no raw WBXML snippet (it would hold mail)');
    });

    it('presents the configured device identity, which the lab sees in the query', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { deviceId: 'HelpdeskProbe7', deviceType: 'Doctor' });
      assert.equal(run.settings.deviceId, 'HelpdeskProbe7');
      assert.equal(stepOf(run, 'provision').evidence.eas?.deviceType, 'Doctor');
      assert.match(stepOf(run, 'provision').evidence.http?.[0].url ?? '', /DeviceId=HelpdeskProbe7&DeviceType=Doctor/);
    });

    it('refuses a device id Exchange would reject, before sending anything', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { deviceId: 'has-dashes' });
      assert.equal(stepOf(run, 'input').failure?.category, 'input.deviceIdentity');
      assert.deepEqual(requests, []);
    });
  });

  describe('modes', () => {
    it('options only: the command steps are skipped and the verdict says they were not run', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { mode: 'options' });
      for (const id of COMMAND_STEPS) assert.match(stepOf(run, id).summary, /^Not run: this was the light probe/);
      assert.equal(requests.filter((r) => r.method === 'POST').length, 0);
      assert.match(provenSummary(run), /were not run/);
      assert.doesNotMatch(diagnose(run).headline, /all checks passed/i);
    });

    it('full: Ping proves the push channel', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { mode: 'full' });
      const ping = stepOf(run, 'ping');
      assert.equal(ping.status, 'passed', ping.summary);
      assert.match(ping.summary, /reported a change in the Inbox/);
      assert.match(provenSummary(run), /Ping proved the push channel/);
    });

    it('full with too little time left: Ping is skipped, saying why', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { mode: 'full', timeouts: { overallMs: 20_000 } });
      assert.match(stepOf(run, 'ping').summary, /does not fit in the time left/);
      assert.equal(run.outcome, 'passed');
    });
  });

  describe('failures', () => {
    it('a remote wipe is never acknowledged', async () => {
      const run = await probeLabScenario(lab, 'remote-wipe-pending');
      assert.equal(stepOf(run, 'provision').failure?.category, 'eas.remoteWipe');
      // The first FolderSync already gets status 140: the probe stops there, before any Provision
      // that would fetch the wipe order, so no acknowledgment of any kind can follow.
      assert.deepEqual(requests.filter((r) => r.method === 'POST').map((r) => r.command), ['FolderSync']);
      assert.match(stepOf(run, 'provision').summary, /RemoteWipeRequested.*did not acknowledge/);
      const sent = stepOf(run, 'provision').evidence.eas?.commands.map((c) => c.requestXml ?? '').join('\n') ?? '';
      assert.doesNotMatch(sent, /RemoteWipe/);
    });

    it('a Sync answered 500 with a cut body names the bytes received and where decoding stopped', async () => {
      const run = await probeLabScenario(lab, 'sync-backend-500');
      const sync = stepOf(run, 'sync');
      assert.match(sync.summary, /HTTP 500/);
      assert.match(sync.summary, /9 byte\(s\) of body arrived; decoding stopped at byte 9 \(truncated\)/);
      assert.equal(sync.evidence.eas?.commands.at(-1)?.decodeError?.code, 'truncated');
      assert.match(provenSummary(run), /^OPTIONS and sign-in work; the first Sync of the Inbox failed: /);
    });

    it('the 2003 coexistence fix is verified only by a FolderSync through the front end', async () => {
      const context = { mailboxServerHint: 'exchange2003' as const };
      const rerun = { checklistId: 'esm-2003-iwa', stepId: 'rerun-probe' };
      // After the fix: FolderSync through the 2010 front end works, so the checklist's last step is settled.
      const fixed = await probeLabScenario(lab, 'coexistence-2003-iwa-enabled');
      assert.equal(stepOf(fixed, 'folderSync').status, 'passed');
      assert.deepEqual(verifiedChecklistSteps(fixed, context), [rerun]);
      // The same server probed with OPTIONS only proves the sign-in, not the fix.
      const light = await probeLabScenario(lab, 'coexistence-2003-iwa-enabled', { mode: 'options' });
      assert.equal(light.outcome, 'passed');
      assert.deepEqual(verifiedChecklistSteps(light, context), []);
      // OPTIONS through the front end works but /Exchange refuses the hand-off: not verified either.
      const broken = await probeLabScenario(lab, 'coexistence-2003-exchange-vdir');
      assert.deepEqual(verifiedChecklistSteps(broken, context), []);
      assert.equal(diagnose(broken).findings?.some((f) => f.id === 'auth.iwaFixVerified') ?? false, false);
    });
  });

  describe('Windows sign-in carries through the commands', () => {
    it('NTLM against the IWA-only 2003 back end provisions, lists folders and syncs at protocol 2.5', async () => {
      const run = await probeLabScenario(lab, 'iwa-only-2003', { auth: 'ntlm' });
      assert.deepEqual(COMMAND_STEPS.map((s) => stepOf(run, s).status), ['passed', 'passed', 'passed', 'skipped'], stepOf(run, 'provision').summary);
      assert.equal(stepOf(run, 'provision').evidence.eas?.protocolVersion, '2.5');
      assert.ok(stepOf(run, 'provision').evidence.eas?.policy?.some((p) => /provisioning XML/.test(p.value)));
      const posts = requests.filter((r) => r.method === 'POST');
      assert.ok(posts.length >= 6 && posts.every((r) => r.auth === 'accepted' && r.scheme === 'NTLM'), JSON.stringify(posts));
    });
  });

  describe('the lab answers commands like a real server', () => {
    const folderSync0 = () => encodeWbxml(el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'SyncKey', '0')]));

    it('protocol 12.1: an unprovisioned FolderSync gets HTTP 449 with Exchange\'s reason phrase, OPTIONS does not', async () => {
      const res = await post(lab.urlFor('exchange2010-healthy'), lab.caPem, 'FolderSync', '12.1', folderSync0());
      assert.equal(res.status, 449);
      assert.equal(res.message, 'Retry after sending a PROVISION command');
    });

    it('protocol 14.0: the same request gets 200 with the 15-byte Status 142 body of the MS-ASPROV example', async () => {
      const res = await post(lab.urlFor('exchange2010-healthy'), lab.caPem, 'FolderSync', '14.0', folderSync0());
      assert.equal(res.status, 200);
      assert.equal(res.body.toString('hex'), '03016a000007564c0331343200' + '0101');
    });

    it('Z-Push answers 449 on every version', async () => {
      const res = await post(lab.urlFor('zpush-healthy'), lab.caPem, 'FolderSync', '14.0', folderSync0());
      assert.equal(res.status, 449);
    });

    it('14.1 Provision without DeviceInformation gets status 165', async () => {
      const body = encodeWbxml(el('Provision', 'Provision', [el('Provision', 'Policies', [el('Provision', 'Policy', [el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML')])])]));
      const res = await post(lab.urlFor('exchange2016-healthy'), lab.caPem, 'Provision', '14.1', body);
      const decoded = decodeWbxml(res.body);
      assert.ok(decoded.ok);
      if (decoded.ok) assert.equal(textAt(decoded.root, 'Status'), '165');
    });

    it('a DeviceId Exchange would refuse gets HTTP 400', async () => {
      const res = await post(lab.urlFor('exchange2016-healthy'), lab.caPem, 'FolderSync', '14.1', folderSync0(), '0', 'not-valid!');
      assert.equal(res.status, 400);
    });
  });
});
