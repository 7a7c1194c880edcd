// MS-ASWBXML code pages as data: for each page its number, its name (the XML namespace prefix)
// and its tag tokens. Tokens are listed from 0x05 on, one name per token; an empty string marks
// a token the current specification leaves reserved. Where the current table omits tokens that
// older servers still send (protocol 2.5), the names Z-Push gives them are used, so those bodies
// decode. Source: [MS-ASWBXML] section 2.1.2.1.x; see ../shared/reference/eas-command-facts.md §1.
//
// Only the pages a read-only probe and the lab need are here; a page not listed decodes as an
// unknown page (an error in strict mode, a placeholder name in lenient mode).

export interface CodePage {
  number: number;
  name: string;
  /** tags[i] is the name of token 0x05 + i; '' for a reserved token. */
  tags: readonly string[];
}

/** The first tag token of every page: 0x00–0x04 are WBXML global tokens. */
export const FIRST_TAG_TOKEN = 0x05;

/** Every page listed here, in page-number order. */
export const CODE_PAGES: readonly CodePage[] = [
  {
    number: 0,
    name: 'AirSync',
    tags: [
      'Sync', 'Responses', 'Add', 'Change', 'Delete', 'Fetch', 'SyncKey', 'ClientId', 'ServerId', 'Status', // 05–0E
      'Collection', 'Class', 'Version', 'CollectionId', 'GetChanges', 'MoreAvailable', 'WindowSize', 'Commands', // 0F–16
      'Options', 'FilterType', 'Truncation', 'RtfTruncation', 'Conflict', 'Collections', 'ApplicationData', // 17–1D
      'DeletesAsMoves', 'NotifyGUID', 'Supported', 'SoftDelete', 'MIMESupport', 'MIMETruncation', 'Wait', 'Limit', // 1E–25
      'Partial', 'ConversationMode', 'MaxItems', 'HeartbeatInterval', // 26–29
    ],
  },
  {
    // Contacts is not read by the probe; it is here so the specification's own example (a
    // contact in a Sync response, MS-ASWBXML section 4) decodes and round-trips.
    number: 1,
    name: 'Contacts',
    tags: [
      'Anniversary', 'AssistantName', 'AssistantPhoneNumber', 'Birthday', 'Body', 'BodySize', 'BodyTruncated', // 05–0B
      'Business2PhoneNumber', 'BusinessAddressCity', 'BusinessAddressCountry', 'BusinessAddressPostalCode', // 0C–0F
      'BusinessAddressState', 'BusinessAddressStreet', 'BusinessFaxNumber', 'BusinessPhoneNumber', 'CarPhoneNumber', // 10–14
      'Categories', 'Category', 'Children', 'Child', 'CompanyName', 'Department', 'Email1Address', 'Email2Address', // 15–1C
      'Email3Address', 'FileAs', 'FirstName', 'Home2PhoneNumber', 'HomeAddressCity', 'HomeAddressCountry', // 1D–22
      'HomeAddressPostalCode', 'HomeAddressState', 'HomeAddressStreet', 'HomeFaxNumber', 'HomePhoneNumber', 'JobTitle', // 23–28
      'LastName', 'MiddleName', 'MobilePhoneNumber', 'OfficeLocation', 'OtherAddressCity', 'OtherAddressCountry', // 29–2E
      'OtherAddressPostalCode', 'OtherAddressState', 'OtherAddressStreet', 'PagerNumber', 'RadioPhoneNumber', 'Spouse', // 2F–34
      'Suffix', 'Title', 'WebPage', 'YomiCompanyName', 'YomiFirstName', 'YomiLastName', 'CompressedRTF', 'Picture', // 35–3C
      'Alias', 'WeightedRank', // 3D–3E
    ],
  },
  {
    number: 2,
    name: 'Email',
    tags: [
      'Attachment', 'Attachments', 'AttName', 'AttSize', 'Att0Id', 'AttMethod', 'AttRemoved', 'Body', 'BodySize', 'BodyTruncated', // 05–0E (2.5)
      'DateReceived', 'DisplayName', 'DisplayTo', 'Importance', 'MessageClass', 'Subject', 'Read', 'To', 'Cc', 'From', 'ReplyTo', // 0F–19
      'AllDayEvent', 'Categories', 'Category', 'DtStamp', 'EndTime', 'InstanceType', 'BusyStatus', 'Location', 'MeetingRequest', // 1A–22
      'Organizer', 'RecurrenceId', 'Reminder', 'ResponseRequested', 'Recurrences', 'Recurrence', 'Recurrence_Type', // 23–29
      'Recurrence_Until', 'Recurrence_Occurrences', 'Recurrence_Interval', 'Recurrence_DayOfWeek', 'Recurrence_DayOfMonth', // 2A–2E
      'Recurrence_WeekOfMonth', 'Recurrence_MonthOfYear', 'StartTime', 'Sensitivity', 'TimeZone', 'GlobalObjId', 'ThreadTopic', // 2F–35
      'MIMEData', 'MIMETruncated', 'MIMESize', 'InternetCPID', 'Flag', 'Status', 'ContentClass', 'FlagType', 'CompleteTime', // 36–3E
      'DisallowNewTimeProposal', // 3F
    ],
  },
  {
    number: 6,
    name: 'GetItemEstimate',
    tags: ['GetItemEstimate', 'Version', 'Collections', 'Collection', 'Class', 'CollectionId', 'DateTime', 'Estimate', 'Response', 'Status'],
  },
  {
    number: 7,
    name: 'FolderHierarchy',
    tags: [
      'Folders', 'Folder', 'DisplayName', 'ServerId', 'ParentId', 'Type', 'Response', 'Status', 'ContentClass', 'Changes', // 05–0E
      'Add', 'Delete', 'Update', 'SyncKey', 'FolderCreate', 'FolderDelete', 'FolderUpdate', 'FolderSync', 'Count', // 0F–17
    ],
  },
  {
    number: 13,
    name: 'Ping',
    tags: ['Ping', 'AutdState', 'Status', 'HeartbeatInterval', 'Folders', 'Folder', 'Id', 'Class', 'MaxFolders'],
  },
  {
    number: 14,
    name: 'Provision',
    tags: [
      'Provision', 'Policies', 'Policy', 'PolicyType', 'PolicyKey', 'Data', 'Status', 'RemoteWipe', 'EASProvisionDoc', // 05–0D
      'DevicePasswordEnabled', 'AlphanumericDevicePasswordRequired', 'RequireStorageCardEncryption', 'PasswordRecoveryEnabled', // 0E–11
      'DocumentBrowseEnabled', 'AttachmentsEnabled', 'MinDevicePasswordLength', 'MaxInactivityTimeDeviceLock', // 12–15
      'MaxDevicePasswordFailedAttempts', 'MaxAttachmentSize', 'AllowSimpleDevicePassword', 'DevicePasswordExpiration', // 16–19
      'DevicePasswordHistory', 'AllowStorageCard', 'AllowCamera', 'RequireDeviceEncryption', 'AllowUnsignedApplications', // 1A–1E
      'AllowUnsignedInstallationPackages', 'MinDevicePasswordComplexCharacters', 'AllowWiFi', 'AllowTextMessaging', // 1F–22
      'AllowPOPIMAPEmail', 'AllowBluetooth', 'AllowIrDA', 'RequireManualSyncWhenRoaming', 'AllowDesktopSync', // 23–27
      'MaxCalendarAgeFilter', 'AllowHTMLEmail', 'MaxEmailAgeFilter', 'MaxEmailBodyTruncationSize', 'MaxEmailHTMLBodyTruncationSize', // 28–2C
      'RequireSignedSMIMEMessages', 'RequireEncryptedSMIMEMessages', 'RequireSignedSMIMEAlgorithm', 'RequireEncryptionSMIMEAlgorithm', // 2D–30
      'AllowSMIMEEncryptionAlgorithmNegotiation', 'AllowSMIMESoftCerts', 'AllowBrowser', 'AllowConsumerEmail', 'AllowRemoteDesktop', // 31–35
      'AllowInternetSharing', 'UnapprovedInROMApplicationList', 'ApplicationName', 'ApprovedApplicationList', 'Hash', // 36–3A
      'AccountOnlyRemoteWipe', // 3B
    ],
  },
  {
    number: 17,
    name: 'AirSyncBase',
    tags: [
      'BodyPreference', 'Type', 'TruncationSize', 'AllOrNone', '', 'Body', 'Data', 'EstimatedDataSize', 'Truncated', // 05–0D
      'Attachments', 'Attachment', 'DisplayName', 'FileReference', 'Method', 'ContentId', 'ContentLocation', 'IsInline', // 0E–15
      'NativeBodyType', 'ContentType', 'Preview', 'BodyPartPreference', 'BodyPart', 'Status', // 16–1B
    ],
  },
  {
    number: 18,
    name: 'Settings',
    tags: [
      'Settings', 'Status', 'Get', 'Set', 'Oof', 'OofState', 'StartTime', 'EndTime', 'OofMessage', 'AppliesToInternal', // 05–0E
      'AppliesToExternalKnown', 'AppliesToExternalUnknown', 'Enabled', 'ReplyMessage', 'BodyType', 'DevicePassword', // 0F–14
      'Password', 'DeviceInformation', 'Model', 'IMEI', 'FriendlyName', 'OS', 'OSLanguage', 'PhoneNumber', 'UserInformation', // 15–1D
      'EmailAddresses', 'SMTPAddress', 'UserAgent', 'EnableOutboundSMS', 'MobileOperator', 'PrimarySmtpAddress', 'Accounts', // 1E–24
      'Account', 'AccountId', 'AccountName', 'UserDisplayName', 'SendDisabled', '', 'RightsManagementInformation', // 25–2B
    ],
  },
  {
    number: 22,
    name: 'Email2',
    tags: [
      'UmCallerID', 'UmUserNotes', 'UmAttDuration', 'UmAttOrder', 'ConversationId', 'ConversationIndex', 'LastVerbExecuted', // 05–0B
      'LastVerbExecutionTime', 'ReceivedAsBcc', 'Sender', 'CalendarType', 'IsLeapMonth', 'AccountId', 'FirstDayOfWeek', // 0C–12
      'MeetingMessageType', // 13
    ],
  },
];

interface PageIndex {
  byNumber: ReadonlyMap<number, CodePage>;
  byName: ReadonlyMap<string, CodePage>;
  tokens: ReadonlyMap<string, number>;
}

// Built on first use, not at load: a run that never encodes or decodes WBXML (the OPTIONS-only
// probe, most CLI commands) loads this module through the probe's imports and should not pay
// for indexing every page at start-up.
let index: PageIndex | undefined;
function pageIndex(): PageIndex {
  index ??= {
    byNumber: new Map(CODE_PAGES.map((p) => [p.number, p])),
    byName: new Map(CODE_PAGES.map((p) => [p.name, p])),
    tokens: new Map(CODE_PAGES.flatMap((p) => p.tags.map((tag, i): [string, number] => [`${p.name}:${tag}`, FIRST_TAG_TOKEN + i]).filter(([key]) => !key.endsWith(':')))),
  };
  return index;
}

/** The page with this number, or undefined when it is not one of the pages listed here. */
export function codePage(page: number): CodePage | undefined {
  return pageIndex().byNumber.get(page);
}

export function pageByName(name: string): CodePage | undefined {
  return pageIndex().byName.get(name);
}

/** The tag name of a token on a page, or undefined when the page or token is not known. */
export function tagName(page: number, token: number): string | undefined {
  const tag = codePage(page)?.tags[token - FIRST_TAG_TOKEN];
  return tag ? tag : undefined;
}

/** The token of a tag on a named page, or undefined. */
export function tagToken(pageName: string, tag: string): number | undefined {
  return pageIndex().tokens.get(`${pageName}:${tag}`);
}
