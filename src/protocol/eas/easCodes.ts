// ActiveSync numbers shared by the probe and the lab: protocol versions, the common status codes
// any command can carry in its body (MS-ASCMD 2.2.2), FolderSync folder types (2.2.3.186.3) and
// the commands' own status values. See ../shared/reference/eas-command-facts.md §3, §5–§8.

/** Versions the probe speaks, lowest first. 16.x changes the schema and needs cookies, so the probe stops at 14.1. */
export const PROBE_VERSIONS = ['2.5', '12.0', '12.1', '14.0', '14.1'] as const;

/** The highest version both sides support (MS-ASHTTP 3.1.3), or undefined when none is shared. */
export function chooseProtocolVersion(serverVersions: readonly string[], override?: string): string | undefined {
  if (override) return serverVersions.length === 0 || serverVersions.includes(override) ? override : undefined;
  const shared = PROBE_VERSIONS.filter((v) => serverVersions.includes(v));
  return shared[shared.length - 1];
}

/** 14.0 and later carry errors as an in-body Status; 2.5–12.1 as an HTTP status (MS-ASCMD 2.2.2). */
export function usesInBodyStatus(version: string): boolean {
  return Number.parseFloat(version) >= 14;
}

export interface CommonStatus {
  name: string;
  meaning: string;
}

/** Common status codes: the ones a first contact can meet, with their spec names. */
export const COMMON_STATUS: Readonly<Record<number, CommonStatus>> = {
  101: { name: 'InvalidContent', meaning: 'the request body is invalid' },
  102: { name: 'InvalidWBXML', meaning: 'the server could not decode the request' },
  103: { name: 'InvalidXML', meaning: 'the request breaks the protocol rules' },
  108: { name: 'DeviceIdMissingOrInvalid', meaning: 'the DeviceId is missing or invalid' },
  109: { name: 'DeviceTypeMissingOrInvalid', meaning: 'the DeviceType is missing or invalid' },
  110: { name: 'ServerError', meaning: 'the server failed (do not retry)' },
  111: { name: 'ServerErrorRetryLater', meaning: 'the server failed for now (retry later)' },
  112: { name: 'ActiveDirectoryAccessDenied', meaning: 'the server could not read the directory' },
  113: { name: 'MailboxQuotaExceeded', meaning: 'the mailbox is over its quota' },
  114: { name: 'MailboxServerOffline', meaning: 'the mailbox server is offline' },
  123: { name: 'UserHasNoMailbox', meaning: 'the user has no mailbox' },
  124: { name: 'UserCannotBeAnonymous', meaning: 'no credentials reached the server' },
  125: { name: 'UserPrincipalCouldNotBeFound', meaning: 'the directory does not know the user' },
  126: { name: 'UserDisabledForSync', meaning: 'the user is not enabled for ActiveSync' },
  127: { name: 'UserOnNewMailboxCannotSync', meaning: 'the mailbox is on a newer server this one cannot serve' },
  128: { name: 'UserOnLegacyMailboxCannotSync', meaning: 'the mailbox is on an older server this one cannot serve' },
  129: { name: 'DeviceIsBlockedForThisUser', meaning: 'the device is blocked for this user' },
  130: { name: 'AccessDenied', meaning: 'access is denied' },
  131: { name: 'AccountDisabled', meaning: 'the account is disabled' },
  132: { name: 'SyncStateNotFound', meaning: 'the server lost its sync state for the device' },
  137: { name: 'CommandNotSupported', meaning: 'the command is not supported' },
  138: { name: 'VersionNotSupported', meaning: 'the protocol version is not supported' },
  139: { name: 'DeviceNotFullyProvisionable', meaning: 'the device cannot apply the whole policy' },
  140: { name: 'RemoteWipeRequested', meaning: 'a remote wipe is pending for the device' },
  141: { name: 'LegacyDeviceOnStrictPolicy', meaning: 'the policy does not allow devices that cannot provision' },
  142: { name: 'DeviceNotProvisioned', meaning: 'the device must provision first' },
  143: { name: 'PolicyRefresh', meaning: 'the device must fetch the policy again' },
  144: { name: 'InvalidPolicyKey', meaning: 'the policy key is not the current one' },
  145: { name: 'ExternallyManagedDevicesNotAllowed', meaning: 'externally managed devices are not allowed' },
  165: { name: 'DeviceInformationRequired', meaning: 'the Provision request lacked DeviceInformation' },
  177: { name: 'MaximumDevicesReached', meaning: 'the user has reached the maximum number of device partnerships' },
};

/** Status values that ask the device to provision (again). */
export const PROVISION_CUES: readonly number[] = [142, 143, 144];

export function describeCommonStatus(status: number): string {
  const known = COMMON_STATUS[status];
  return known ? `${status} ${known.name}: ${known.meaning}` : `${status}`;
}

/** FolderSync folder types (MS-ASCMD 2.2.3.186.3). */
export const FOLDER_TYPES: Readonly<Record<number, string>> = {
  1: 'User-created folder',
  2: 'Inbox',
  3: 'Drafts',
  4: 'Deleted Items',
  5: 'Sent Items',
  6: 'Outbox',
  7: 'Tasks',
  8: 'Calendar',
  9: 'Contacts',
  10: 'Notes',
  11: 'Journal',
  12: 'User-created mail folder',
  13: 'User-created calendar',
  14: 'User-created contacts',
  15: 'User-created tasks',
  16: 'User-created journal',
  17: 'User-created notes',
  18: 'Unknown folder',
  19: 'Recipient information cache',
};

export const INBOX_FOLDER_TYPE = 2;

/** Command-level Status values (MS-ASCMD 2.2.3.177.x) for the commands the probe sends. */
export const COMMAND_STATUS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  Provision: { 1: 'success', 2: 'protocol error', 3: 'general server error' },
  Policy: { 1: 'success', 2: 'no policy for this client', 3: 'unknown policy type', 4: 'policy data corrupt on the server', 5: 'the acknowledged policy key is wrong' },
  FolderSync: { 1: 'success', 6: 'server error', 9: 'bad or mismatched sync key', 10: 'malformed request', 11: 'unknown error', 12: 'code unknown' },
  Sync: {
    1: 'success',
    3: 'invalid sync key',
    4: 'protocol error',
    5: 'server error',
    6: 'conversion error',
    7: 'conflict',
    8: 'object not found',
    9: 'cannot complete',
    12: 'folder hierarchy changed',
    13: 'incomplete request',
    14: 'wait or heartbeat out of range',
    15: 'too many collections',
    16: 'retry',
  },
  GetItemEstimate: { 1: 'success', 2: 'invalid collection', 3: 'sync state not primed', 4: 'invalid sync key' },
  Ping: { 1: 'heartbeat expired, no changes', 2: 'changes found', 3: 'parameters missing', 4: 'syntax error', 5: 'heartbeat out of range', 6: 'too many folders', 7: 'hierarchy changed', 8: 'server error' },
};

export function describeCommandStatus(command: string, status: number): string {
  if (status >= 100) return describeCommonStatus(status);
  const text = COMMAND_STATUS[command]?.[status];
  return text ? `${status} (${text})` : `${status}`;
}

/** The policy type each protocol generation provisions with (MS-ASPROV 2.2.2.43). */
export function policyTypeFor(version: string): string {
  return version === '2.5' ? 'MS-WAP-Provisioning-XML' : 'MS-EAS-Provisioning-WBXML';
}

/** The WBXML code page holding each command's root element. */
export const COMMAND_PAGES: Readonly<Record<string, string>> = {
  Provision: 'Provision',
  FolderSync: 'FolderHierarchy',
  Sync: 'AirSync',
  GetItemEstimate: 'GetItemEstimate',
  Ping: 'Ping',
  Settings: 'Settings',
};
