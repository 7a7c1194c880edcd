// Provision: a device's first contact. FolderSync with policy key 0 shows whether the server
// demands a policy; if it does, the two-phase Provision (policy, temporary key, acknowledgment,
// final key). A remote wipe in the answer is never acknowledged.
import { chooseProtocolVersion, policyTypeFor } from '../../protocol/eas/easCodes';
import { child, el, isElement, path, textAt, textOf, type WbxmlElement } from '../../protocol/wbxml/wbxmlTree';
import type { ProbeContext, StepOutcome } from '../probeContext';
import { defaultStepTitle, type ProbeStep } from '../runModel';
import { childStep, type StepBuilder } from '../stepBuilder';
import { judgeCommand, statusVerdict } from './commandJudge';
import { folderSyncRequest, record, type CommandContext } from './commandContext';
import { EasSession, type CommandResult } from './easTransport';

/** What the provision step leaves for the next: a FolderSync answer it already has (server needs no policy). */
export interface ProvisionOutcome {
  step: ProbeStep;
  ok: boolean;
  folderSync?: CommandResult;
}

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

/**
 * The provision step of a run, the first of the device session: it runs only when the
 * authenticated OPTIONS worked, in a protocol version the server offered.
 */
export async function runProvisionStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { options } = ctx;
  const authenticated = ctx.authenticated;
  // No authenticated step (an anonymous run): the device session is not part of this run.
  if (!authenticated) return 'done';
  if (ctx.mode === 'options') return { stop: 'Not run: this was the light probe (OPTIONS only). Provision, FolderSync and Sync show whether a phone could really sync.' };
  const usable = authenticated.status === 'passed' || (authenticated.status === 'warning' && authenticated.failure?.category === 'eas.missingCommands');
  if (!usable || !ctx.connection || !ctx.commandCredentials) {
    return {
      stop: authenticated.failure?.category === 'http.451'
        ? 'Not run: the mailbox is served from another URL; run the test against that URL.'
        : 'Skipped: OPTIONS with credentials did not work, so no command was sent.',
    };
  }
  const userName = ctx.userName;
  // Every command names its user (MS-ASHTTP's User parameter); an opaque token names nobody.
  if (!userName) return { stop: 'Not run: the token names no account and no user name was given, and every ActiveSync command must name its user. Give the user name to run the commands.' };
  const serverVersions = authenticated.evidence.protocolVersions ?? [];
  const version = chooseProtocolVersion(serverVersions, options.protocolVersion);
  if (!version) {
    const b = ctx.begin('provision');
    b.detail('Server versions', serverVersions.join(', ') || 'none');
    ctx.push(
      b.finish('failed', options.protocolVersion ? `The server does not offer protocol ${options.protocolVersion}, which was asked for.` : `No protocol version in common: the probe speaks 2.5 to 14.1, the server offers ${serverVersions.join(', ') || 'none'}.`, {
        category: 'eas.noUsableVersion',
      }),
    );
    return { stop: 'Skipped: no protocol version to speak.' };
  }
  const session = new EasSession({
    connection: ctx.connection,
    path: ctx.path,
    userName,
    deviceId: ctx.deviceId,
    deviceType: ctx.deviceType,
    protocolVersion: version,
    credentials: ctx.commandCredentials,
    signal: ctx.signal,
  });
  ctx.eas = { session, evidence: { protocolVersion: version, deviceId: ctx.deviceId, deviceType: ctx.deviceType, commands: [] } };
  const provisioned = await provisionStep(ctx.begin('provision', `${defaultStepTitle('provision')}, protocol ${version}`), ctx.eas);
  ctx.push(provisioned.step);
  if (!provisioned.ok) return { stop: provisioned.step.failure?.category === 'eas.remoteWipe' ? 'Not run: a remote wipe is pending for this device.' : 'Skipped: the device could not provision.' };
  ctx.folderSyncAnswer = provisioned.folderSync;
  return 'next';
}
