// ActiveSync commands in the lab: POST /Microsoft-Server-ActiveSync?Cmd=… answered the way a
// real server answers a first contact. Provision (two phases, temporary then final policy key),
// FolderSync, Sync of the Inbox, GetItemEstimate and Ping; the provisioning gate (HTTP 449 on
// 2.5–12.1 and on Z-Push, in-body 142 on 14.0+); and the failures the scenarios model. Facts are
// from MS-ASCMD, MS-ASPROV and MS-ASHTTP (../shared/reference/eas-command-facts.md); every detail
// chosen without a public capture says "modelled".
import { randomInt } from 'node:crypto';
import { COMMAND_PAGES, policyTypeFor, usesInBodyStatus } from '../protocol/eas/easCodes';
import { decodeWbxml } from '../protocol/wbxml/wbxmlDecoder';
import { encodeWbxml } from '../protocol/wbxml/wbxmlEncoder';
import { child, childrenNamed, el, path, textAt, textOf, type WbxmlElement } from '../protocol/wbxml/wbxmlTree';
import type { HeaderList, ServerProfile } from './exchangeResponses';

/** What the scenario does to commands once OPTIONS has worked. */
export type CommandBehaviour =
  /** A mailbox server that provisions, lists folders and syncs. */
  | { kind: 'normal' }
  /** Commands keep getting 449 even after the policy was acknowledged (the policy key is never accepted). */
  | { kind: 'provisionLoop' }
  /** ABQ quarantine: commands succeed, and the Inbox holds only Exchange's notice (MS-ASCMD facts §10). */
  | { kind: 'quarantined' }
  /** ABQ block: 403 with status 129 (in the body on 14.0+), plus X-MS-ASThrottle. */
  | { kind: 'blocked' }
  /** The mailbox is not enabled for ActiveSync: 403 / in-body 126 on the first command. */
  | { kind: 'userDisabled' }
  /** The Inbox Sync hits a failing back end: HTTP 500 with a body cut short. */
  | { kind: 'syncBackEnd500' }
  /** FolderSync gets 451 with X-MS-Location (the mailbox moved). */
  | { kind: 'folderSync451' }
  /** A remote wipe is pending: Provision carries RemoteWipe, other commands 449 / in-body 140. */
  | { kind: 'remoteWipe' }
  /** The user has too many device partnerships: in-body 177 on Provision (14.1+). */
  | { kind: 'maxDevices' }
  /** A 2007/2010 front end hands commands to an Exchange 2003 back end, which accepts or refuses the hand-off. */
  | { kind: 'coexistence2003'; backEnd: 'accepts' | 'refuses' };

export interface LabDevice {
  /** The final policy key, once acknowledged. */
  policyKey?: string;
  /** The temporary key handed out in phase 1. */
  temporaryKey?: string;
  folderSyncKey?: string;
  /** Sync keys per collection. */
  syncKeys: Map<string, string>;
  /** Items already sent per collection. */
  sent: Map<string, number>;
}

export interface CommandRequest {
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** URL of another scenario, for 451. */
  redirectUrl?: string;
}

export interface CommandReply {
  status: number;
  headers: HeaderList;
  body?: Uint8Array;
  /** Wait this long before answering (Ping holds the request). */
  holdMs?: number;
}

const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';

interface LabFolder {
  serverId: string;
  parentId: string;
  name: string;
  type: number;
}

/** A realistic default hierarchy: every default folder of an Exchange mailbox plus one user folder. Ids are modelled. */
export const LAB_FOLDERS: readonly LabFolder[] = [
  { serverId: '1', parentId: '0', name: 'Calendar', type: 8 },
  { serverId: '2', parentId: '0', name: 'Contacts', type: 9 },
  { serverId: '3', parentId: '0', name: 'Deleted Items', type: 4 },
  { serverId: '4', parentId: '0', name: 'Drafts', type: 3 },
  { serverId: '5', parentId: '0', name: 'Inbox', type: 2 },
  { serverId: '6', parentId: '0', name: 'Journal', type: 11 },
  { serverId: '7', parentId: '0', name: 'Notes', type: 10 },
  { serverId: '8', parentId: '0', name: 'Outbox', type: 6 },
  { serverId: '9', parentId: '0', name: 'Sent Items', type: 5 },
  { serverId: '10', parentId: '0', name: 'Tasks', type: 7 },
  { serverId: '11', parentId: '5', name: 'Projects', type: 12 },
  { serverId: '12', parentId: '0', name: 'Junk E-mail', type: 12 },
];
const INBOX_ID = '5';

interface LabMessage {
  subject: string;
  from: string;
  received: string;
  read: boolean;
}

/** The lab Inbox: made-up messages (the probe must count them, never keep their content). */
const INBOX_MESSAGES: readonly LabMessage[] = [
  { subject: 'Welcome to the lab mailbox', from: '"Lab Admin" <admin@contoso.example>', received: '2026-11-30T08:00:00.000Z', read: true },
  { subject: 'Quarterly figures (confidential)', from: '"Finance" <finance@contoso.example>', received: '2026-11-30T09:30:00.000Z', read: false },
  { subject: 'Lunch on Friday?', from: '"A. Colleague" <colleague@contoso.example>', received: '2026-12-01T11:15:00.000Z', read: false },
];

/** Exchange's ABQ notice as the only visible Inbox item of a quarantined device (subject wording modelled). */
const QUARANTINE_NOTICE: LabMessage = {
  subject: 'Your device is temporarily blocked from synchronizing using Exchange ActiveSync until your administrator grants it access.',
  from: '"Microsoft Exchange" <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.example>',
  received: '2026-12-01T12:00:00.000Z',
  read: false,
};

export function newLabDevice(): LabDevice {
  return { syncKeys: new Map(), sent: new Map() };
}

/**
 * Answers one command POST. `devices` is the scenario's memory of devices (by DeviceId), so the
 * two Provision phases and the sync keys line up across requests like a real server's sync state.
 */
export function answerCommand(profile: ServerProfile, base: HeaderList, behaviour: CommandBehaviour, devices: Map<string, LabDevice>, request: CommandRequest): CommandReply {
  const command = request.query.get('Cmd') ?? '';
  const deviceId = request.query.get('DeviceId') ?? '';
  const deviceType = request.query.get('DeviceType') ?? '';
  // Exchange: DeviceId 1–32 letters/digits, DeviceType 1–32 characters without '-', else 400 (facts §2.1).
  if (!/^[A-Za-z0-9]{1,32}$/.test(deviceId) || !deviceType || deviceType.length > 32 || deviceType.includes('-')) {
    return { status: 400, headers: [...base, ['Content-Length', '0']] };
  }
  const version = headerOf(request.headers, 'ms-asprotocolversion') ?? '';
  const offered = (profile.eas?.versions ?? '').split(',');
  // What Exchange answers for a version it does not offer is unverified; 400 is modelled.
  if (!offered.includes(version)) return { status: 400, headers: [...base, ['Content-Length', '0']] };
  if (!COMMAND_PAGES[command]) return { status: 501, headers: [...base, ['Content-Length', '0']] };

  const decoded = request.body.length ? decodeWbxml(request.body) : undefined;
  if (decoded && !decoded.ok) return errorReply(base, command, version, 102, 400);
  const body = decoded?.ok ? decoded.root : undefined;
  const device = devices.get(deviceId) ?? newLabDevice();
  devices.set(deviceId, device);
  const zpush = profile.id === 'zpush';
  const inBody = usesInBodyStatus(version) && !zpush;
  const policyKey = headerOf(request.headers, 'x-ms-policykey');

  // Failures decided before the policy check (modelled order: access rules, then the policy).
  if (behaviour.kind === 'userDisabled') return errorReply(base, command, version, 126, 403);
  if (behaviour.kind === 'blocked' && command !== 'Provision') {
    return errorReply([...base, ['X-MS-ASThrottle', 'DeviceIsBlockedForThisUser']], command, version, 129, 403);
  }
  if (behaviour.kind === 'coexistence2003' && behaviour.backEnd === 'refuses' && command !== 'Provision') {
    // Modelled: the 2003 back end reads the mailbox through its /Exchange directory; without
    // Integrated Windows authentication there it refuses the front end's hand-off and the
    // command fails with a bare 500 (Exchange 2003's ActiveSync reports such failures as 500).
    return { status: 500, headers: [...base, ['Content-Length', '0']] };
  }

  if (command === 'Provision') return provision(base, behaviour, device, version, inBody, body);
  if (command === 'Ping') return ping(base, body);

  // The policy gate: Provision and Ping are never checked (facts §4.4).
  const wipePending = behaviour.kind === 'remoteWipe';
  const provisioned = device.policyKey !== undefined && policyKey === device.policyKey && behaviour.kind !== 'provisionLoop';
  if (wipePending || !provisioned) {
    const status = wipePending ? 140 : 142;
    if (inBody) return wbxmlReply(base, el(COMMAND_PAGES[command], command, [el(COMMAND_PAGES[command], 'Status', String(status))]));
    return { status: 449, headers: [...base, ['Content-Length', '0']] };
  }

  if (command === 'FolderSync') {
    if (behaviour.kind === 'folderSync451' && request.redirectUrl) {
      return { status: 451, headers: [...base, ['X-MS-Location', request.redirectUrl], ['Content-Length', '0']] };
    }
    return folderSync(base, device, body);
  }
  if (command === 'Sync') return sync(base, behaviour, device, version, body);
  if (command === 'GetItemEstimate') return getItemEstimate(base, behaviour, device, body);
  return { status: 501, headers: [...base, ['Content-Length', '0']] };
}

function provision(base: HeaderList, behaviour: CommandBehaviour, device: LabDevice, version: string, inBody: boolean, body: WbxmlElement | undefined): CommandReply {
  const page = 'Provision';
  const policy = path(body, 'Policies', 'Policy');
  const type = textAt(policy, 'PolicyType');
  if (!body || body.tag !== 'Provision') return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '2')]));
  if (behaviour.kind === 'maxDevices' && inBody) return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '177')]));
  if (behaviour.kind === 'maxDevices') return { status: 403, headers: [...base, ['Content-Length', '0']] };
  if (child(body, 'RemoteWipe')) {
    // A client acknowledging a wipe. The probe never does; the lab refuses to pretend it happened.
    return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '2')]));
  }
  const deviceInformation = child(body, 'DeviceInformation', 'Settings');
  // 14.1 and later must send DeviceInformation in the first Provision; 12.x and 14.0 must not (facts §4.1).
  if (!textAt(policy, 'PolicyKey') && Number.parseFloat(version) >= 14.1 && !deviceInformation) {
    return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '165')]));
  }
  if (!type) return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '2')]));
  if (type !== policyTypeFor(version)) {
    return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '1'), el(page, 'Policies', [el(page, 'Policy', [el(page, 'PolicyType', type), el(page, 'Status', '3')])])]));
  }
  const acknowledgedKey = textAt(policy, 'PolicyKey');
  if (acknowledgedKey !== undefined) {
    // Phase 2: the acknowledgment of the temporary key earns the final key.
    if (acknowledgedKey !== device.temporaryKey) {
      return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '1'), el(page, 'Policies', [el(page, 'Policy', [el(page, 'PolicyType', type), el(page, 'Status', '5')])])]));
    }
    device.policyKey = String(randomInt(1, 2 ** 31));
    device.temporaryKey = undefined;
    return wbxmlReply(base, el(page, 'Provision', [el(page, 'Status', '1'), el(page, 'Policies', [el(page, 'Policy', [el(page, 'PolicyType', type), el(page, 'Status', '1'), el(page, 'PolicyKey', device.policyKey)])])]));
  }
  // Phase 1: the policy document and a temporary key.
  device.temporaryKey = String(randomInt(1, 2 ** 31));
  const data = type === 'MS-WAP-Provisioning-XML' ? el(page, 'Data', WAP_POLICY) : el(page, 'Data', [easProvisionDoc()]);
  const children: WbxmlElement[] = [];
  if (deviceInformation) children.push(el('Settings', 'DeviceInformation', [el('Settings', 'Status', '1')]));
  children.push(el(page, 'Status', '1'));
  children.push(el(page, 'Policies', [el(page, 'Policy', [el(page, 'PolicyType', type), el(page, 'Status', '1'), el(page, 'PolicyKey', device.temporaryKey), data])]));
  if (behaviour.kind === 'remoteWipe') children.push(el(page, 'RemoteWipe'));
  return wbxmlReply(base, el(page, 'Provision', children));
}

/** A typical Exchange default mobile policy: PIN required, 4 digits, 15 minutes to lock. Modelled values. */
function easProvisionDoc(): WbxmlElement {
  const p = 'Provision';
  const settings: Array<[string, string]> = [
    ['DevicePasswordEnabled', '1'],
    ['AlphanumericDevicePasswordRequired', '0'],
    ['PasswordRecoveryEnabled', '0'],
    ['RequireStorageCardEncryption', '0'],
    ['AttachmentsEnabled', '1'],
    ['MinDevicePasswordLength', '4'],
    ['MaxInactivityTimeDeviceLock', '900'],
    ['MaxDevicePasswordFailedAttempts', '8'],
    ['AllowSimpleDevicePassword', '1'],
    ['DevicePasswordHistory', '0'],
    ['AllowStorageCard', '1'],
    ['AllowCamera', '1'],
    ['RequireDeviceEncryption', '0'],
    ['AllowWiFi', '1'],
    ['AllowHTMLEmail', '1'],
    ['MaxEmailAgeFilter', '0'],
    ['AllowBrowser', '1'],
    ['AllowConsumerEmail', '1'],
  ];
  return el(p, 'EASProvisionDoc', settings.map(([name, value]) => el(p, name, value)));
}

/** Protocol 2.5 policies travel as Windows Mobile provisioning XML inside Data (MS-ASPROV 2.2.2.24.2). Modelled values. */
const WAP_POLICY =
  '<wap-provisioningdoc><characteristic type="SecurityPolicy"><parm name="4131" value="0"/></characteristic>' +
  '<characteristic type="Registry"><characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\{50C13377-C66D-400C-889E-C316FC4AB374}">' +
  '<parm name="AEFrequencyType" value="1"/><parm name="AEFrequencyValue" value="15"/></characteristic>' +
  '<characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD"><parm name="DeviceWipeThreshold" value="8"/></characteristic>' +
  '<characteristic type="HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw"><parm name="MinimumPasswordLength" value="4"/></characteristic>' +
  '</characteristic></wap-provisioningdoc>';

function folderSync(base: HeaderList, device: LabDevice, body: WbxmlElement | undefined): CommandReply {
  const page = 'FolderHierarchy';
  const key = textAt(body, 'SyncKey');
  // Exchange answers a malformed FolderSync with Status 10 (facts §5).
  if (!body || body.tag !== 'FolderSync' || key === undefined) return wbxmlReply(base, el(page, 'FolderSync', [el(page, 'Status', '10')]));
  if (key !== '0' && key !== device.folderSyncKey) return wbxmlReply(base, el(page, 'FolderSync', [el(page, 'Status', '9')]));
  const full = key === '0';
  device.folderSyncKey = String(Number(device.folderSyncKey ?? '0') + 1);
  const adds = full
    ? LAB_FOLDERS.map((f) => el(page, 'Add', [el(page, 'ServerId', f.serverId), el(page, 'ParentId', f.parentId), el(page, 'DisplayName', f.name), el(page, 'Type', String(f.type))]))
    : [];
  return wbxmlReply(base, el(page, 'FolderSync', [el(page, 'Status', '1'), el(page, 'SyncKey', device.folderSyncKey), el(page, 'Changes', [el(page, 'Count', String(adds.length)), ...adds])]));
}

function inboxFor(behaviour: CommandBehaviour): readonly LabMessage[] {
  return behaviour.kind === 'quarantined' ? [QUARANTINE_NOTICE] : INBOX_MESSAGES;
}

function sync(base: HeaderList, behaviour: CommandBehaviour, device: LabDevice, version: string, body: WbxmlElement | undefined): CommandReply {
  const page = 'AirSync';
  const collection = path(body, 'Collections', 'Collection');
  const id = textAt(collection, 'CollectionId');
  const key = textAt(collection, 'SyncKey');
  if (!body || body.tag !== 'Sync' || !collection || id === undefined || key === undefined) return wbxmlReply(base, el(page, 'Sync', [el(page, 'Status', '4')]));
  if (behaviour.kind === 'syncBackEnd500' && id === INBOX_ID) {
    // Modelled on reports of a mailbox back end failing mid-answer: the status line and a few
    // bytes of WBXML arrive, then nothing more (Content-Length says more was coming).
    const full = wbxmlReply(base, el(page, 'Sync', [el(page, 'Collections', [el(page, 'Collection', [el(page, 'SyncKey', '1'), el(page, 'CollectionId', id), el(page, 'Status', '1')])])]));
    const cut = (full.body as Uint8Array).subarray(0, 9);
    return { status: 500, headers: [...base, ['Content-Type', WBXML_TYPE], ['Content-Length', String(cut.length)]], body: cut };
  }
  const folder = LAB_FOLDERS.find((f) => f.serverId === id);
  const reply = (status: string, extra: WbxmlElement[] = []) =>
    wbxmlReply(base, el(page, 'Sync', [el(page, 'Collections', [el(page, 'Collection', [el(page, 'SyncKey', device.syncKeys.get(id) ?? '0'), el(page, 'CollectionId', id), el(page, 'Status', status), ...extra])])]));
  if (!folder) return reply('8');
  const getChanges = child(collection, 'GetChanges');
  const getChangesOn = getChanges !== undefined && textOf(getChanges) !== '0';
  if (key === '0') {
    // GetChanges with SyncKey 0 is a protocol error (MS-ASCMD R5554–R5556).
    if (getChangesOn) return reply('4');
    // SyncKey 0 starts the collection's sync state over.
    device.syncKeys.set(id, '1');
    device.sent.set(id, 0);
    return reply('1');
  }
  if (key !== device.syncKeys.get(id)) return reply('3');
  const all = folder.type === 2 ? inboxFor(behaviour) : [];
  const windowText = textAt(collection, 'WindowSize');
  const requested = windowText === undefined ? 100 : Number(windowText);
  const windowSize = !Number.isInteger(requested) || requested <= 0 || requested > 512 ? 512 : requested;
  const served = device.sent.get(id) ?? 0;
  const batch = all.slice(served, served + windowSize);
  device.syncKeys.set(id, String(Number(key) + 1));
  device.sent.set(id, served + batch.length);
  const more = served + batch.length < all.length;
  const adds = batch.map((m, i) =>
    el(page, 'Add', [
      el(page, 'ServerId', `${id}:${served + i + 1}`),
      el(page, 'ApplicationData', [
        el('Email', 'To', '"Lab User" <labuser@contoso.example>'),
        el('Email', 'From', m.from),
        el('Email', 'Subject', m.subject),
        el('Email', 'DateReceived', m.received),
        el('Email', 'Read', m.read ? '1' : '0'),
        el('Email', 'MessageClass', 'IPM.Note'),
        Number.parseFloat(version) >= 12 ? el('AirSyncBase', 'Body', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'EstimatedDataSize', '120'), el('AirSyncBase', 'Truncated', '1')]) : undefined,
      ]),
    ]),
  );
  return reply('1', [...(more ? [el(page, 'MoreAvailable')] : []), ...(adds.length ? [el(page, 'Commands', adds)] : [])]);
}

function getItemEstimate(base: HeaderList, behaviour: CommandBehaviour, device: LabDevice, body: WbxmlElement | undefined): CommandReply {
  const page = 'GetItemEstimate';
  const collection = path(body, 'Collections', 'Collection');
  const id = textAt(collection, 'CollectionId');
  if (!body || !collection || id === undefined) return wbxmlReply(base, el(page, 'GetItemEstimate', [el(page, 'Status', '2')]));
  const folder = LAB_FOLDERS.find((f) => f.serverId === id);
  const response = (status: string, estimate?: number) =>
    wbxmlReply(base, el(page, 'GetItemEstimate', [el(page, 'Response', [el(page, 'Status', status), el(page, 'Collection', [el(page, 'CollectionId', id), estimate === undefined ? undefined : el(page, 'Estimate', String(estimate))])])]));
  if (!folder) return response('2');
  // The folder must be primed with a Sync at SyncKey 0 first (MS-ASCMD R4140).
  if (!device.syncKeys.has(id)) return response('3');
  const total = folder.type === 2 ? inboxFor(behaviour).length : 0;
  return response('1', Math.max(0, total - (device.sent.get(id) ?? 0)));
}

/** Ping: heartbeat bounds 60–3540 s are modelled (Exchange's own limits are unverified). */
function ping(base: HeaderList, body: WbxmlElement | undefined): CommandReply {
  const page = 'Ping';
  const interval = Number(textAt(body, 'HeartbeatInterval'));
  const folders = childrenNamed(path(body, 'Folders'), 'Folder');
  if (!body || folders.length === 0) return wbxmlReply(base, el(page, 'Ping', [el(page, 'Status', '3')]));
  if (!Number.isInteger(interval) || interval < 60 || interval > 3540) {
    return wbxmlReply(base, el(page, 'Ping', [el(page, 'Status', '5'), el(page, 'HeartbeatInterval', interval < 60 ? '60' : '3540')]));
  }
  // Modelled: a new message reaches the Inbox a second into the heartbeat, so the Ping returns
  // Status 2 naming the folder instead of holding the connection for the whole interval.
  const watched = folders.map((f) => textAt(f, 'Id')).filter((id): id is string => id !== undefined);
  if (watched.includes(INBOX_ID)) {
    return { ...wbxmlReply(base, el(page, 'Ping', [el(page, 'Status', '2'), el(page, 'Folders', [el(page, 'Folder', INBOX_ID)])])), holdMs: 1000 };
  }
  return { ...wbxmlReply(base, el(page, 'Ping', [el(page, 'Status', '1')])), holdMs: interval * 1000 };
}

function errorReply(base: HeaderList, command: string, version: string, status: number, httpStatus: number): CommandReply {
  // 14.0+ carries the status in the command's body; older versions get the bare HTTP status (facts §3).
  if (usesInBodyStatus(version) && COMMAND_PAGES[command]) return wbxmlReply(base, el(COMMAND_PAGES[command], command, [el(COMMAND_PAGES[command], 'Status', String(status))]));
  return { status: httpStatus, headers: [...base, ['Content-Length', '0']] };
}

function wbxmlReply(base: HeaderList, root: WbxmlElement): CommandReply {
  const body = encodeWbxml(root);
  return { status: 200, headers: [...base, ['Content-Type', WBXML_TYPE], ['Content-Length', String(body.length)]], body };
}

function headerOf(headers: CommandRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
