// The steps past OPTIONS, as a device's first contact: provision, folderSync, sync (with a
// GetItemEstimate) and, in full mode, ping. Read-only by construction: the only commands sent
// are Provision, FolderSync, Sync without any change, GetItemEstimate and Ping; a remote wipe is
// never acknowledged; message content is counted in memory, never kept.
import { FOLDER_TYPES, INBOX_FOLDER_TYPE, policyTypeFor, usesInBodyStatus } from '../../protocol/eas/easCodes';
import { child, childrenNamed, el, isElement, path, textAt, textOf, type WbxmlElement } from '../../protocol/wbxml/wbxmlTree';
import type { EasEvidence, FailureCategory, ProbeStep } from '../runModel';
import { childStep, type StepBuilder } from '../stepBuilder';
import { judgeCommand, statusVerdict } from './commandJudge';
import type { CommandResult, EasSession } from './easTransport';

export interface CommandContext {
  session: EasSession;
  evidence: EasEvidence;
}

const record = (b: StepBuilder, ctx: CommandContext, result: CommandResult) => {
  ctx.evidence.commands.push(result.evidence);
  (b.evidence.http ??= []).push(result.http.exchange);
};

/** What the provision step leaves for the next: a FolderSync answer it already has (server needs no policy). */
export interface ProvisionOutcome {
  step: ProbeStep;
  ok: boolean;
  folderSync?: CommandResult;
}

const folderSyncRequest = () => el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'SyncKey', '0')]);

export async function provisionStep(b: StepBuilder, ctx: CommandContext): Promise<ProvisionOutcome> {
  const { session } = ctx;
  const version = session.options.protocolVersion;
  b.evidence.eas = ctx.evidence;
  b.detail('Protocol version', version).detail('Device', `${session.options.deviceType} / ${session.options.deviceId}`);

  // A device's first command: FolderSync with policy key 0. The server's answer says whether it demands a policy.
  const cue = await session.send('FolderSync', folderSyncRequest(), 'FolderSync with policy key 0');
  record(b, ctx, cue);
  const cueVerdict = judgeCommand('FolderSync', cue);
  if (cueVerdict.kind === 'ok') {
    b.detail('Provisioning', 'not required');
    return { step: b.finish('passed', 'The server does not ask for a policy: FolderSync worked with policy key 0, so the device skipped Provision.'), ok: true, folderSync: cue };
  }
  if (cueVerdict.kind === 'failed') return { step: b.finish('failed', cueVerdict.message, { category: cueVerdict.category }), ok: false };
  b.child(childStep('provision.cue', 'The server asks the device to provision', 'passed', `FolderSync got ${cueVerdict.how}, the normal first answer to a new device.`));

  // Phase 1: ask for the policy.
  const policyType = policyTypeFor(version);
  const initial = el('Provision', 'Provision', [
    // 14.1 and later must describe the device in the first Provision; 12.x and 14.0 must not (MS-ASPROV 3.1.5.1).
    Number.parseFloat(version) >= 14.1
      ? el('Settings', 'DeviceInformation', [
          el('Settings', 'Set', [
            el('Settings', 'Model', 'ActiveSync Doctor'),
            el('Settings', 'FriendlyName', 'ActiveSync Doctor connectivity probe'),
            el('Settings', 'OS', 'ActiveSync Doctor'),
            el('Settings', 'UserAgent', 'ActiveSyncDoctor/1.0'),
          ]),
        ])
      : undefined,
    el('Provision', 'Policies', [el('Provision', 'Policy', [el('Provision', 'PolicyType', policyType)])]),
  ]);
  session.policyKey = '0';
  const first = await session.send('Provision', initial, 'Provision: ask for the policy');
  record(b, ctx, first);
  const firstVerdict = judgeCommand('Provision', first);
  if (firstVerdict.kind !== 'ok') return failProvision(b, firstVerdict);
  if (first.root && child(first.root, 'RemoteWipe')) {
    b.detail('Remote wipe', 'requested by the server; not acknowledged');
    return {
      step: b.finish('failed', 'The server asks this device to wipe itself (RemoteWipe in the Provision answer). The probe stopped and did not acknowledge it; nothing was wiped. Cancel the wipe request for this device before testing again.', { category: 'eas.remoteWipe' }),
      ok: false,
    };
  }
  const policy = path(first.root, 'Policies', 'Policy');
  const policyStatus = Number(textAt(policy, 'Status'));
  if (policyStatus === 2) {
    b.detail('Policy', 'none applies to this device');
    return { step: b.finish('passed', 'The server has no policy for this device (Policy status 2); it may sync without one.'), ok: true };
  }
  const temporaryKey = textAt(policy, 'PolicyKey');
  if (policyStatus !== 1 || !temporaryKey) {
    const why = policyStatus !== 1 ? `Policy status ${Number.isFinite(policyStatus) ? statusText('Policy', policyStatus) : 'missing'}` : 'no policy key';
    return { step: b.finish('failed', `Provision did not hand out a policy: ${why}.`, { category: 'eas.provisionFailed' }), ok: false };
  }
  ctx.evidence.policy = summarisePolicy(policy);
  if (ctx.evidence.policy.length) b.child(childStep('provision.policy', 'Policy the server requires', 'passed', describePolicy(ctx.evidence.policy), ctx.evidence.policy.map((p) => ({ label: p.name, value: p.value }))));

  // Phase 2: acknowledge with the temporary key to receive the final one.
  session.policyKey = temporaryKey;
  const ack = await session.send(
    'Provision',
    el('Provision', 'Provision', [el('Provision', 'Policies', [el('Provision', 'Policy', [el('Provision', 'PolicyType', policyType), el('Provision', 'PolicyKey', temporaryKey), el('Provision', 'Status', '1')])])]),
    'Provision: acknowledge the policy',
  );
  record(b, ctx, ack);
  const ackVerdict = judgeCommand('Provision', ack);
  if (ackVerdict.kind !== 'ok') return failProvision(b, ackVerdict);
  const ackPolicy = path(ack.root, 'Policies', 'Policy');
  const finalKey = textAt(ackPolicy, 'PolicyKey');
  const ackStatus = Number(textAt(ackPolicy, 'Status'));
  if (ackStatus !== 1 || !finalKey) {
    return { step: b.finish('failed', `The server did not accept the policy acknowledgment: ${ackStatus !== 1 ? `Policy status ${statusText('Policy', ackStatus)}` : 'no final policy key'}.`, { category: 'eas.provisionFailed' }), ok: false };
  }
  session.policyKey = finalKey;
  b.detail('Policy key', 'received (not shown)');
  return { step: b.finish('passed', `Provisioned: the policy was acknowledged and a final policy key received${ctx.evidence.policy.length ? ` (${describePolicy(ctx.evidence.policy)})` : ''}.`), ok: true };
}

function failProvision(b: StepBuilder, verdict: ReturnType<typeof judgeCommand>): ProvisionOutcome {
  if (verdict.kind === 'failed') return { step: b.finish('failed', verdict.message, { category: verdict.category }), ok: false };
  return { step: b.finish('failed', `Provision itself got ${verdict.kind === 'provisionCue' ? verdict.how : 'an unexpected answer'}.`, { category: 'eas.provisionFailed' }), ok: false };
}

function statusText(command: string, status: number): string {
  const verdict = statusVerdict(command, status);
  return verdict.kind === 'failed' ? verdict.message.replace(/^\w+ got status /, '').replace(/\.$/, '') : String(status);
}

/** The EASProvisionDoc settings that matter to an admin reading the evidence, or a note for a 2.5 XML policy. */
function summarisePolicy(policy: WbxmlElement | undefined): Array<{ name: string; value: string }> {
  const data = child(policy, 'Data');
  const doc = child(data, 'EASProvisionDoc');
  if (!doc) {
    const xml = textOf(data);
    return xml ? [{ name: 'Policy document', value: `Windows Mobile provisioning XML, ${Buffer.byteLength(xml)} bytes` }] : [];
  }
  const wanted = [
    'DevicePasswordEnabled',
    'AlphanumericDevicePasswordRequired',
    'MinDevicePasswordLength',
    'MaxInactivityTimeDeviceLock',
    'MaxDevicePasswordFailedAttempts',
    'RequireDeviceEncryption',
    'RequireStorageCardEncryption',
    'AllowSimpleDevicePassword',
    'DevicePasswordExpiration',
    'AllowNonProvisionableDevices',
    'MaxEmailAgeFilter',
  ];
  const out: Array<{ name: string; value: string }> = [];
  for (const name of wanted) {
    const value = textAt(doc, name);
    if (value !== undefined) out.push({ name, value: value.slice(0, 40) });
  }
  const total = doc.children.filter(isElement).length;
  out.push({ name: 'Settings in the policy', value: String(total) });
  return out;
}

function describePolicy(policy: Array<{ name: string; value: string }>): string {
  const get = (n: string) => policy.find((p) => p.name === n)?.value;
  const parts: string[] = [];
  if (get('DevicePasswordEnabled') === '1') parts.push(`password required${get('MinDevicePasswordLength') ? `, at least ${get('MinDevicePasswordLength')} characters` : ''}`);
  else if (get('DevicePasswordEnabled') === '0') parts.push('no password required');
  const lock = Number(get('MaxInactivityTimeDeviceLock'));
  if (lock > 0 && lock < 9999) parts.push(`locks after ${Math.round(lock / 60)} min`);
  if (get('RequireDeviceEncryption') === '1') parts.push('device encryption required');
  if (!parts.length) return policy.map((p) => `${p.name} ${p.value}`).slice(0, 2).join(', ');
  return parts.join(', ');
}

export interface FolderSyncOutcome {
  step: ProbeStep;
  inbox?: { serverId: string; name: string };
}

export async function folderSyncStep(b: StepBuilder, ctx: CommandContext, already?: CommandResult): Promise<FolderSyncOutcome> {
  b.evidence.eas = ctx.evidence;
  let result = already;
  if (result) {
    (b.evidence.http ??= []).push(result.http.exchange);
    b.detail('Answer', 'reused from the provisioning check');
  } else {
    result = await ctx.session.send('FolderSync', folderSyncRequest(), 'FolderSync with SyncKey 0');
    record(b, ctx, result);
  }
  const verdict = judgeCommand('FolderSync', result);
  if (verdict.kind === 'provisionCue') {
    return {
      step: b.finish('failed', `FolderSync still got ${verdict.how} after the device provisioned: the server does not accept the policy key it handed out.`, { category: result.http.statusCode === 449 ? 'http.449' : 'eas.provisionFailed' }),
    };
  }
  if (verdict.kind === 'failed') return { step: b.finish('failed', verdict.message, { category: verdict.category }) };
  const changes = child(result.root, 'Changes');
  const folders = childrenNamed(changes, 'Add').map((add) => {
    const type = Number(textAt(add, 'Type'));
    return {
      serverId: (textAt(add, 'ServerId') ?? '').slice(0, 64),
      parentId: (textAt(add, 'ParentId') ?? '').slice(0, 64),
      name: (textAt(add, 'DisplayName') ?? '').slice(0, 256),
      type,
      typeName: FOLDER_TYPES[type] ?? `type ${textAt(add, 'Type') ?? 'missing'}`,
    };
  });
  ctx.evidence.folders = folders;
  b.detail('Folders', folders.length).detail('Count element', textAt(changes, 'Count'));
  for (const f of folders) b.child(childStep(`folderSync.folder.${f.serverId}`, f.name || '(no name)', 'passed', f.typeName, [{ label: 'ServerId', value: f.serverId }, { label: 'ParentId', value: f.parentId }]));
  const inbox = folders.find((f) => f.type === INBOX_FOLDER_TYPE);
  if (!inbox) {
    return { step: b.finish('failed', `FolderSync listed ${folders.length} folder(s) but no Inbox (type 2), so there is nothing a phone would sync first.`, { category: 'eas.noInbox' }) };
  }
  b.detail('Inbox', `${inbox.name} (ServerId ${inbox.serverId})`);
  return { step: b.finish('passed', `Listed ${folders.length} folders; the Inbox is "${inbox.name}".`), inbox };
}

export interface SyncOutcome {
  step: ProbeStep;
  itemsReceived?: number;
}

const QUARANTINE_SENDER = /microsoft exchange/i;

export async function syncStep(b: StepBuilder, ctx: CommandContext, inbox: { serverId: string; name: string }): Promise<SyncOutcome> {
  const { session } = ctx;
  b.evidence.eas = ctx.evidence;
  const version = session.options.protocolVersion;
  const modern = usesInBodyStatus(version);
  const classElement = modern ? undefined : el('AirSync', 'Class', 'Email');
  const collectionOf = (root: WbxmlElement | undefined) => path(root, 'Collections', 'Collection');

  // 1. Prime the folder: SyncKey 0 returns a key and no items.
  const first = await session.send('Sync', el('AirSync', 'Sync', [el('AirSync', 'Collections', [el('AirSync', 'Collection', [classElement, el('AirSync', 'SyncKey', '0'), el('AirSync', 'CollectionId', inbox.serverId)])])]), 'Sync of the Inbox, SyncKey 0');
  record(b, ctx, first);
  const firstFail = syncFailure(first, collectionOf(first.root));
  if (firstFail) return { step: b.finish('failed', firstFail.message, { category: firstFail.category }) };
  const key = textAt(collectionOf(first.root), 'SyncKey');
  if (!key) return { step: b.finish('failed', 'The first Sync of the Inbox returned no SyncKey, so no device could go on syncing.', { category: 'eas.badResponse' }) };

  // 2. How many items are waiting (what Test-ActiveSyncConnectivity calls GetItemEstimate).
  const estimateRequest = modern
    ? el('GetItemEstimate', 'GetItemEstimate', [el('GetItemEstimate', 'Collections', [el('GetItemEstimate', 'Collection', [el('AirSync', 'SyncKey', key), el('GetItemEstimate', 'CollectionId', inbox.serverId), el('AirSync', 'Options', [el('AirSync', 'Class', 'Email')])])])])
    : el('GetItemEstimate', 'GetItemEstimate', [el('GetItemEstimate', 'Collections', [el('GetItemEstimate', 'Collection', [el('GetItemEstimate', 'Class', 'Email'), el('GetItemEstimate', 'CollectionId', inbox.serverId), el('AirSync', 'FilterType', '0'), el('AirSync', 'SyncKey', key)])])]);
  const estimateResult = await session.send('GetItemEstimate', estimateRequest, 'GetItemEstimate for the Inbox');
  record(b, ctx, estimateResult);
  const estimateVerdict = judgeCommand('GetItemEstimate', estimateResult);
  const response = child(estimateResult.root, 'Response');
  const responseStatus = Number(textAt(response, 'Status'));
  const estimateText = textAt(response, 'Collection', 'Estimate');
  const estimate = estimateVerdict.kind === 'ok' && (responseStatus === 1 || Number.isNaN(responseStatus)) && estimateText !== undefined && /^\d+$/.test(estimateText) ? Number(estimateText) : undefined;
  b.child(
    childStep(
      'sync.estimate',
      'GetItemEstimate',
      estimate !== undefined ? 'passed' : 'warning',
      estimate !== undefined
        ? `${estimate} item(s) waiting in the Inbox.`
        : `No estimate: ${estimateVerdict.kind === 'failed' ? estimateVerdict.message : estimateVerdict.kind === 'provisionCue' ? estimateVerdict.how : `Response status ${Number.isNaN(responseStatus) ? 'missing' : responseStatus}`}.`,
    ),
  );

  // 3. One window of changes: a few items, counted, never kept.
  const windowSize = 5;
  const options = modern
    ? el('AirSync', 'Options', [el('AirSync', 'FilterType', '0'), el('AirSyncBase', 'BodyPreference', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'TruncationSize', '200')])])
    : Number.parseFloat(version) >= 12
      ? el('AirSync', 'Options', [el('AirSync', 'FilterType', '0'), el('AirSyncBase', 'BodyPreference', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'TruncationSize', '200')])])
      : undefined;
  const second = await session.send(
    'Sync',
    el('AirSync', 'Sync', [el('AirSync', 'Collections', [el('AirSync', 'Collection', [classElement, el('AirSync', 'SyncKey', key), el('AirSync', 'CollectionId', inbox.serverId), el('AirSync', 'GetChanges'), el('AirSync', 'WindowSize', String(windowSize)), options])])]),
    'Sync of the Inbox, GetChanges',
  );
  record(b, ctx, second);
  const emptyAnswer = second.http.statusCode === 200 && !second.root && !second.decodeError && second.evidence.bodyBytes === 0;
  const secondFail = emptyAnswer ? undefined : syncFailure(second, collectionOf(second.root));
  if (secondFail) return { step: b.finish('failed', secondFail.message, { category: secondFail.category }) };
  const collection = collectionOf(second.root);
  const adds = childrenNamed(child(collection, 'Commands'), 'Add');
  const moreAvailable = child(collection, 'MoreAvailable') !== undefined;
  ctx.evidence.inbox = { serverId: inbox.serverId, name: inbox.name, itemsReceived: adds.length, estimate, moreAvailable };
  b.detail('Items received', adds.length).detail('More available', moreAvailable ? 'yes' : 'no').detail('Estimate', estimate);
  const itemText = `${adds.length} item${adds.length === 1 ? '' : 's'}`;
  // Exchange shows a quarantined device one message, its own notice, in the Inbox. The sender is
  // checked here in memory only; it is not kept.
  const onlyItem = adds.length === 1 && !moreAvailable && (estimate === undefined || estimate <= 1) ? adds[0] : undefined;
  if (onlyItem && QUARANTINE_SENDER.test(textAt(child(onlyItem, 'ApplicationData'), 'From') ?? '')) {
    return {
      step: b.finish('warning', 'The Inbox synced, but its only item is a message from Microsoft Exchange, which is what a device quarantined by Allow/Block/Quarantine sees. Check the device in the Exchange admin center (mobile device access).', { category: 'eas.deviceQuarantined' }),
      itemsReceived: 1,
    };
  }
  return {
    step: b.finish('passed', `Synced the Inbox read-only: ${itemText} received${moreAvailable ? ' (more available)' : ''}${estimate !== undefined ? `, ${estimate} estimated` : ''}.`),
    itemsReceived: adds.length,
  };
}

function syncFailure(result: CommandResult, collection: WbxmlElement | undefined): { category: FailureCategory; message: string } | undefined {
  const verdict = judgeCommand('Sync', result, { emptyBodyOk: false });
  if (verdict.kind === 'provisionCue') return { category: result.http.statusCode === 449 ? 'http.449' : 'eas.provisionFailed', message: `Sync got ${verdict.how} after the device provisioned.` };
  if (verdict.kind === 'failed') return verdict;
  const status = Number(textAt(collection, 'Status'));
  if (!collection) return { category: 'eas.badResponse', message: 'The Sync answer names no Collection.' };
  if (status !== 1) {
    const v = statusVerdict('Sync', Number.isNaN(status) ? 0 : status);
    if (v.kind === 'failed') return { category: v.category, message: `The Inbox collection ${Number.isNaN(status) ? 'has no Status' : v.message.replace(/^Sync /, '')}` };
    return { category: 'eas.provisionFailed', message: `Sync got ${v.kind === 'provisionCue' ? v.how : 'an unexpected status'}.` };
  }
  return undefined;
}

export async function pingStep(b: StepBuilder, ctx: CommandContext, inbox: { serverId: string }, heartbeatSeconds: number): Promise<ProbeStep> {
  b.evidence.eas = ctx.evidence;
  const request = (seconds: number) =>
    el('Ping', 'Ping', [el('Ping', 'HeartbeatInterval', String(seconds)), el('Ping', 'Folders', [el('Ping', 'Folder', [el('Ping', 'Id', inbox.serverId), el('Ping', 'Class', 'Email')])])]);
  b.detail('Heartbeat', `${heartbeatSeconds} s`);
  // The server holds a Ping for up to the heartbeat before answering: wait that long plus a margin.
  const result = await ctx.session.send('Ping', request(heartbeatSeconds), `Ping on the Inbox, heartbeat ${heartbeatSeconds} s`, (heartbeatSeconds + 10) * 1000);
  record(b, ctx, result);
  const verdict = judgeCommand('Ping', result, { success: [1, 2] });
  if (verdict.kind === 'ok') {
    return b.finish('passed', result.status === 2 ? 'The push channel works: Ping reported a change in the Inbox.' : 'The push channel works: Ping held the request for the heartbeat and answered.');
  }
  if (verdict.kind === 'failed' && result.status === 5) {
    const limit = textAt(result.root, 'HeartbeatInterval');
    return b.finish('warning', `The server refused a ${heartbeatSeconds} s heartbeat${limit ? ` (it allows ${limit} s at the ${Number(limit) > heartbeatSeconds ? 'least' : 'most'})` : ''}; devices adapt, so this is not a fault.`, { category: 'eas.commandStatus' });
  }
  if (verdict.kind === 'failed') return b.finish('failed', verdict.message, { category: verdict.category });
  return b.finish('failed', `Ping got ${verdict.how}.`, { category: 'eas.provisionFailed' });
}

