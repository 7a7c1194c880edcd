// What each kind of server puts in its answers: identity headers, the MS-AS* headers of a
// healthy OPTIONS, the WWW-Authenticate lines of its 401, and its error pages. Values come from
// the public captures collected in the project's protocol notes wherever one exists; every value
// that is modelled rather than captured says so beside it.
import { randomUUID } from 'node:crypto';
import type { LabWindowsHost } from './labNtlm';

export type ServerProfileId =
  | 'exchange2003'
  | 'exchange2003rtm'
  | 'exchange2003iwa'
  | 'exchange2010negotiate'
  | 'exchange2010'
  | 'exchange2010sp3'
  | 'exchange2010to2003'
  | 'exchange2016'
  | 'exchange2019'
  | 'exchangeOnline'
  | 'zpush'
  | 'reverseProxy'
  | 'plainIis'
  | 'exchange2007'
  | 'exchange2013'
  | 'exchange2003BehindApache'
  | 'exchange2010BehindNginx'
  | 'unnamedPhpServer';

export type HeaderList = Array<[string, string]>;

export interface EasIdentity {
  /** MS-Server-ActiveSync. */
  build: string;
  /** MS-ASProtocolVersions. */
  versions: string;
  /** MS-ASProtocolCommands. */
  commands: string;
  /** Set when the server labels its empty 200 (Exchange Online: WBXML; Z-Push: text/html). */
  contentType?: string;
  /** Z-Push (PHP) answers with a chunked, empty body instead of Content-Length: 0. */
  chunkedEmptyBody?: boolean;
}

export interface ErrorPage {
  contentType: string;
  body: string;
}

export interface ServerProfile {
  id: ServerProfileId;
  productName: string;
  /** Server, X-Powered-By, X-AspNet-Version…: sent on every answer. */
  identityHeaders: HeaderList;
  /** Front-end/back-end diagnostics of Exchange 2013 and later, fresh per answer (request-id changes). */
  diagnosticHeaders?: (backEndStatus: number) => HeaderList;
  /** Undefined when the server never answers OPTIONS with the MS-AS headers (a proxy that strips them, a plain site). */
  eas?: EasIdentity;
  /** WWW-Authenticate values of the 401 to a request without credentials, one array entry per header line. */
  anonymousChallenges: string[];
  /** When a wrong user or password gets a different 401 than an anonymous request (Exchange Online does). */
  rejectedChallenges?: string[];
  /** Extra headers of that 401 (Exchange Online's back-end status headers). */
  rejectedHeaders?: (userExists: boolean) => HeaderList;
  unauthorizedPage: ErrorPage;
  notFoundPage: ErrorPage;
  /** X-OWA-Version on EWS/Autodiscover answers, where a server sends it. */
  owaVersion?: string;
  /** Exchange 2003 had neither EWS nor Autodiscover; Z-Push and a plain IIS site neither. */
  hasEwsAndAutodiscover: boolean;
  /** The Windows machine its NTLM challenge names (for profiles that offer NTLM or Negotiate). */
  windowsHost?: LabWindowsHost;
}

// ---- protocol versions and command lists -------------------------------------------------

/** Exchange 2003 SP2 (and servers that imitate it, such as Z-Push 1.x and Horde): 21 commands up to 2.5. */
const COMMANDS_2_5 =
  'Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,CreateCollection,DeleteCollection,MoveCollection,' +
  'FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,ResolveRecipients,' +
  'ValidateCert,Provision,Search,Ping';

/** The 23 commands of Microsoft's MS-ASHTTP example (Exchange 2010), also what Exchange 2013 builds. */
const COMMANDS_EXCHANGE =
  'Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,CreateCollection,DeleteCollection,MoveCollection,' +
  'FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,Search,Settings,Ping,' +
  'ItemOperations,Provision,ResolveRecipients,ValidateCert';

/** Recent Exchange Online lists add Find (protocol 16.1). */
const COMMANDS_EXCHANGE_ONLINE = `${COMMANDS_EXCHANGE},Find`;

const VERSIONS_2003 = '1.0,2.0,2.1,2.5';
const VERSIONS_2007_SP1 = '2.0,2.1,2.5,12.0,12.1';
const VERSIONS_2010 = '2.0,2.1,2.5,12.0,12.1,14.0';
const VERSIONS_2010_SP1 = '2.0,2.1,2.5,12.0,12.1,14.0,14.1';
const VERSIONS_16 = '2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1';

// ---- Exchange Online OAuth challenge ------------------------------------------------------

/** The lab tenant: a made-up GUID, never a real directory. */
export const LAB_TENANT_ID = '5a1ab000-0000-4000-8000-00000000c0de';

/** The Bearer challenge as Exchange Online and hybrid modern auth send it (client_id is Exchange's well-known app id). */
export const EXCHANGE_BEARER_CHALLENGE =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", ' +
  `trusted_issuers="00000001-0000-0000-c000-000000000000@${LAB_TENANT_ID}", ` +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", ' +
  'authorization_uri="https://login.windows.net/common/oauth2/authorize"';

// ---- error pages --------------------------------------------------------------------------

function iisPage(title: string, detail: string): ErrorPage {
  return {
    contentType: 'text/html',
    body:
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n' +
      `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>${title}</title></head>\r\n` +
      `<body><div id="header"><h1>Server Error</h1></div><div id="content"><h2>${title}</h2><h3>${detail}</h3></div></body></html>\r\n`,
  };
}

/** IIS 7 and later (the captured 401 carries `text/html; charset=utf-8`). */
const IIS7_UNAUTHORIZED: ErrorPage = {
  ...iisPage('401 - Unauthorized: Access is denied due to invalid credentials.', 'The credentials supplied do not give access to this directory.'),
  contentType: 'text/html; charset=utf-8',
};
const IIS7_NOT_FOUND = iisPage('404 - File or directory not found.', 'The resource you are looking for might have been removed or renamed.');

/** IIS 6 pages: modelled (no capture of an Exchange 2003 401 exists in the notes). */
const IIS6_UNAUTHORIZED: ErrorPage = {
  contentType: 'text/html',
  body: '<html><head><title>You are not authorized to view this page</title></head><body><h2>HTTP Error 401.1 - Unauthorized: Access is denied due to invalid credentials.</h2></body></html>\r\n',
};
const IIS6_NOT_FOUND: ErrorPage = {
  contentType: 'text/html',
  body: '<html><head><title>The page cannot be found</title></head><body><h2>HTTP Error 404 - File or directory not found.</h2></body></html>\r\n',
};

/** Apache pages for Z-Push: modelled. */
const APACHE_NOT_FOUND: ErrorPage = {
  contentType: 'text/html; charset=iso-8859-1',
  body: '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n',
};

export const STATUS_PAGES: Record<number, ErrorPage> = {
  403: iisPage('403 - Forbidden: Access is denied.', 'The account is not allowed to use this resource.'),
  500: iisPage('500 - Internal server error.', 'There is a problem with the resource you are looking for, and it cannot be displayed.'),
  503: { contentType: 'text/html; charset=us-ascii', body: '<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></BODY></HTML>\r\n' },
};

/**
 * Reason phrases. 449's is Exchange's own (from its code); Node would otherwise send its generic
 * text, e.g. "Unavailable For Legal Reasons" for 451. The 451/456/457 phrases are modelled:
 * no capture of their status line was found.
 */
export const REASON_PHRASES: Record<number, string> = {
  449: 'Retry after sending a PROVISION command',
  451: 'Redirect',
  456: 'Blocked',
  457: 'Password Expired',
};

// ---- diagnostic headers of Exchange 2013 and later ----------------------------------------

function onPremisesDiagnostics(server: string, fqdn: string): (status: number) => HeaderList {
  // Modelled on the Exchange Online capture (same header names); single-server lab, so FE == BE.
  return (status) => [
    ['request-id', randomUUID()],
    ['X-CalculatedBETarget', fqdn],
    ['X-BackEndHttpStatus', String(status)],
    ['X-DiagInfo', server],
    ['X-BEServer', server],
    ['X-FEServer', server],
  ];
}

function exchangeOnlineDiagnostics(status: number): HeaderList {
  // Header names and the back-off value as captured; the server names are made up.
  return [
    ['request-id', randomUUID()],
    ['X-CalculatedBETarget', 'LAB0PR00MB0001.namprd00.prod.outlook.com'],
    ['X-BackEndHttpStatus', String(status)],
    ['X-RUM-Validated', '1'],
    ['X-MS-BackOffDuration', 'L/-469'],
    ['X-DiagInfo', 'LAB0PR00MB0001'],
    ['X-BEServer', 'LAB0PR00MB0001'],
    ['X-FEServer', 'LAB0PR00CA0001'],
  ];
}

// ---- the profiles ---------------------------------------------------------------------------

const IIS_CHALLENGES_EMPTY_REALM = ['Negotiate', 'NTLM', 'Basic realm=""'];

// Exchange 2003 SP2 on IIS 6. Build and versions as published; the command list is the one
// Exchange-2003-compatible servers copy. No capture of a real 2003 OPTIONS exists: the rest is modelled.
const EXCHANGE_2003_SP2: ServerProfile = {
  id: 'exchange2003',
  windowsHost: { netbiosComputer: 'EX2003', dnsComputer: 'ex2003.contoso.example', version: [5, 2, 3790] },
  productName: 'Exchange Server 2003 SP2',
  identityHeaders: [
    ['Server', 'Microsoft-IIS/6.0'],
    ['X-Powered-By', 'ASP.NET'],
  ],
  eas: { build: '6.5.7638.1', versions: VERSIONS_2003, commands: COMMANDS_2_5 },
  anonymousChallenges: ['Negotiate', 'NTLM', 'Basic realm="mail.contoso.example"'],
  unauthorizedPage: IIS6_UNAUTHORIZED,
  notFoundPage: IIS6_NOT_FOUND,
  hasEwsAndAutodiscover: false,
};

// Exchange 2010 SP3 Client Access server (the coexistence front end). 14.3.123.4 is the public
// SP3 build; the EAS build string follows the captured 2010 format. Modelled, not captured.
const EXCHANGE_2010_SP3: ServerProfile = {
  id: 'exchange2010sp3',
  windowsHost: { netbiosComputer: 'CAS2010', dnsComputer: 'cas2010.contoso.example', version: [6, 1, 7601] },
  productName: 'Exchange Server 2010 SP3',
  identityHeaders: [
    ['Server', 'Microsoft-IIS/7.5'],
    ['X-Powered-By', 'ASP.NET'],
    ['X-AspNet-Version', '2.0.50727'],
  ],
  eas: { build: '14.03.0123.004', versions: VERSIONS_2010_SP1, commands: COMMANDS_EXCHANGE },
  anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
  unauthorizedPage: IIS7_UNAUTHORIZED,
  notFoundPage: IIS7_NOT_FOUND,
  owaVersion: '14.3.123.4',
  hasEwsAndAutodiscover: true,
};

/**
 * The same Exchange published through a reverse proxy that replaces the Server header (and may
 * answer unknown paths itself) and passes everything else through.
 */
function behindProxy(base: ServerProfile, proxy: { id: ServerProfileId; productName: string; server: string; notFoundPage?: ErrorPage }): ServerProfile {
  return {
    ...base,
    id: proxy.id,
    productName: proxy.productName,
    identityHeaders: base.identityHeaders.map(([name, value]) => [name, name === 'Server' ? proxy.server : value]),
    notFoundPage: proxy.notFoundPage ?? base.notFoundPage,
  };
}

export const SERVER_PROFILES: Record<ServerProfileId, ServerProfile> = {
  exchange2003: EXCHANGE_2003_SP2,
  // An Exchange 2003 server before SP1 that only speaks 1.0 and 2.0. 6.5.6944 is the RTM build
  // number; the pairing with these headers is modelled.
  exchange2003rtm: {
    id: 'exchange2003rtm',
    windowsHost: { netbiosComputer: 'EX2003RTM', dnsComputer: 'ex2003rtm.contoso.example', version: [5, 2, 3790] },
    productName: 'Exchange Server 2003 (RTM)',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/6.0'],
      ['X-Powered-By', 'ASP.NET'],
    ],
    eas: { build: '6.5.6944.0', versions: '1.0,2.0', commands: COMMANDS_2_5 },
    anonymousChallenges: ['Negotiate', 'NTLM', 'Basic realm="mail.contoso.example"'],
    unauthorizedPage: IIS6_UNAUTHORIZED,
    notFoundPage: IIS6_NOT_FOUND,
    hasEwsAndAutodiscover: false,
  },
  // An Exchange 2003 SP2 back end whose ActiveSync directory allows only Integrated Windows
  // authentication (Basic unticked): IIS 6 then offers Negotiate and NTLM and nothing else. Modelled.
  exchange2003iwa: {
    id: 'exchange2003iwa',
    productName: 'Exchange Server 2003 SP2',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/6.0'],
      ['X-Powered-By', 'ASP.NET'],
    ],
    eas: { build: '6.5.7638.1', versions: VERSIONS_2003, commands: COMMANDS_2_5 },
    anonymousChallenges: ['Negotiate', 'NTLM'],
    unauthorizedPage: IIS6_UNAUTHORIZED,
    notFoundPage: IIS6_NOT_FOUND,
    hasEwsAndAutodiscover: false,
    windowsHost: { netbiosComputer: 'EX2003', dnsComputer: 'ex2003.contoso.example', version: [5, 2, 3790] },
  },
  // Exchange 2010 SP3 with Windows authentication only and its provider list cut down to
  // Negotiate (IIS 7.5 allows that): the 401 offers Negotiate alone. Modelled.
  exchange2010negotiate: {
    ...EXCHANGE_2010_SP3,
    id: 'exchange2010negotiate',
    windowsHost: { netbiosComputer: 'EX2010', dnsComputer: 'ex2010.contoso.example', version: [6, 1, 7601] },
    anonymousChallenges: ['Negotiate'],
  },
  // Exchange 2010: exactly Microsoft's MS-ASHTTP example response; the 401 is the captured IIS 7 one.
  exchange2010: {
    id: 'exchange2010',
    windowsHost: { netbiosComputer: 'EX2010', dnsComputer: 'ex2010.contoso.example', version: [6, 0, 6002] },
    productName: 'Exchange Server 2010',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/7.0'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '2.0.50727'],
    ],
    eas: { build: '14.00.0536.000', versions: VERSIONS_2010, commands: COMMANDS_EXCHANGE },
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    hasEwsAndAutodiscover: true,
  },
  exchange2010sp3: EXCHANGE_2010_SP3,
  // The 2010 SP3 front end handing everything to an Exchange 2003 SP2 back end: the front end's
  // IIS headers with the back end's ActiveSync headers (2.5). Modelled, not captured.
  exchange2010to2003: {
    id: 'exchange2010to2003',
    windowsHost: { netbiosComputer: 'CAS2010', dnsComputer: 'cas2010.contoso.example', version: [6, 1, 7601] },
    productName: 'Exchange Server 2010 SP3 (front end) with an Exchange 2003 SP2 mailbox',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/7.5'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '2.0.50727'],
    ],
    eas: { build: '6.5.7638.1', versions: VERSIONS_2003, commands: COMMANDS_2_5 },
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    owaVersion: '14.3.123.4',
    hasEwsAndAutodiscover: true,
  },
  // Exchange 2016: `15.1` as noted; IIS 10 and ASP.NET 4 as on Exchange 2019. The diagnostic
  // headers copy the Exchange Online capture's names; their on-premises values are modelled.
  exchange2016: {
    id: 'exchange2016',
    windowsHost: { netbiosComputer: 'LAB-EX16', dnsComputer: 'lab-ex16.contoso.example', version: [10, 0, 14393] },
    productName: 'Exchange Server 2016',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/10.0'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '4.0.30319'],
    ],
    diagnosticHeaders: onPremisesDiagnostics('LAB-EX16', 'lab-ex16.contoso.example'),
    eas: { build: '15.1', versions: VERSIONS_16, commands: COMMANDS_EXCHANGE },
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    hasEwsAndAutodiscover: true,
  },
  // Exchange 2019 CU14: the captured 401 offered Bearer (hybrid modern auth) and Basic with the
  // host as realm, with X-OWA-Version 15.2.1544.11. The MS-Server-ActiveSync value `15.2` is
  // modelled from the "15.2x" family noted for 2019.
  exchange2019: {
    id: 'exchange2019',
    windowsHost: { netbiosComputer: 'LAB-EX19', dnsComputer: 'lab-ex19.contoso.example', version: [10, 0, 17763] },
    productName: 'Exchange Server 2019',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/10.0 Microsoft-HTTPAPI/2.0'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '4.0.30319'],
      ['X-OWA-Version', '15.2.1544.11'],
    ],
    diagnosticHeaders: onPremisesDiagnostics('LAB-EX19', 'lab-ex19.contoso.example'),
    eas: { build: '15.2', versions: VERSIONS_16, commands: COMMANDS_EXCHANGE },
    anonymousChallenges: [EXCHANGE_BEARER_CHALLENGE, 'Basic realm="mail.contoso.example"'],
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    owaVersion: '15.2.1544.11',
    hasEwsAndAutodiscover: true,
  },
  // Exchange Online: the 200 and the wrong-password 401 as captured. The anonymous 401 uses the
  // folded single-line form (Bearer, then Basic and Negotiate) that clients must also parse.
  exchangeOnline: {
    id: 'exchangeOnline',
    windowsHost: { netbiosComputer: 'LAB0PR00MB0001', dnsComputer: 'LAB0PR00MB0001.namprd00.prod.outlook.com', version: [10, 0, 20348] },
    productName: 'Exchange Online',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/10.0'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '4.0.30319'],
    ],
    diagnosticHeaders: exchangeOnlineDiagnostics,
    eas: { build: '15.20', versions: VERSIONS_16, commands: COMMANDS_EXCHANGE_ONLINE, contentType: 'application/vnd.ms-sync.wbxml' },
    anonymousChallenges: [`${EXCHANGE_BEARER_CHALLENGE},Basic Realm="",Negotiate`],
    rejectedChallenges: ['Basic Realm="",Negotiate'],
    rejectedHeaders: (userExists) => [
      ['X-CalculatedBETarget', 'LAB0PR00MB0001.namprd00.prod.outlook.com'],
      ['X-BackEndHttpStatus', '401'],
      ['X-Proxy-BackendServerStatus', '401'],
      // Exchange Online only reveals a mailbox GUID when the user name resolved (made-up GUID).
      ...(userExists ? ([['X-MailboxGuid', '0b5e55ed-1ab0-4000-8000-00000000beef']] as HeaderList) : []),
    ],
    unauthorizedPage: { contentType: 'text/html', body: '' },
    notFoundPage: IIS7_NOT_FOUND,
    owaVersion: '15.20.8000.12',
    hasEwsAndAutodiscover: true,
  },
  // Z-Push 2.x (PHP): the MS-AS values, the chunked empty text/html 200 and the ZPush realm as
  // noted. The command list and `Server: Apache` are modelled.
  zpush: {
    id: 'zpush',
    productName: 'Z-Push',
    identityHeaders: [['Server', 'Apache']],
    eas: { build: '14.0', versions: '12.0,12.1,14.0', commands: COMMANDS_EXCHANGE, contentType: 'text/html', chunkedEmptyBody: true },
    anonymousChallenges: ['Basic realm="ZPush"'],
    unauthorizedPage: { contentType: 'text/html', body: 'Access denied. Username or password incorrect.' },
    notFoundPage: APACHE_NOT_FOUND,
    hasEwsAndAutodiscover: false,
  },
  // A reverse proxy in front of Exchange 2016 that filters response headers it does not know
  // (an ISA/TMG or nginx rule set of the kind the Remote Connectivity Analyzer blames). Modelled.
  reverseProxy: {
    id: 'reverseProxy',
    windowsHost: { netbiosComputer: 'LAB-EX16', dnsComputer: 'lab-ex16.contoso.example', version: [10, 0, 14393] },
    productName: 'Reverse proxy (nginx) in front of Exchange',
    identityHeaders: [['Server', 'nginx']],
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    hasEwsAndAutodiscover: true,
  },
  // Exchange 2007 SP1 on IIS 6: `8.0` with IIS 6 was seen on a 2007 POST answer; the rest (SP1's
  // versions up to 12.1, the Exchange 2010 command list without Settings' later additions) is modelled.
  exchange2007: {
    id: 'exchange2007',
    windowsHost: { netbiosComputer: 'EX2007', dnsComputer: 'ex2007.contoso.example', version: [5, 2, 3790] },
    productName: 'Exchange Server 2007 SP1',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/6.0'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '2.0.50727'],
    ],
    eas: { build: '8.0', versions: VERSIONS_2007_SP1, commands: COMMANDS_EXCHANGE },
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS6_NOT_FOUND,
    owaVersion: '8.3.83.6',
    hasEwsAndAutodiscover: true,
  },
  // Exchange 2013 on IIS 8.5: `15.0` follows the two-part form captured for 2016 and Online; the
  // versions (up to 14.1) and IIS 8.5 are modelled.
  exchange2013: {
    id: 'exchange2013',
    windowsHost: { netbiosComputer: 'LAB-EX13', dnsComputer: 'lab-ex13.contoso.example', version: [6, 3, 9600] },
    productName: 'Exchange Server 2013',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/8.5'],
      ['X-Powered-By', 'ASP.NET'],
      ['X-AspNet-Version', '4.0.30319'],
    ],
    diagnosticHeaders: onPremisesDiagnostics('LAB-EX13', 'lab-ex13.contoso.example'),
    eas: { build: '15.0', versions: VERSIONS_2010_SP1, commands: COMMANDS_EXCHANGE },
    anonymousChallenges: IIS_CHALLENGES_EMPTY_REALM,
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    hasEwsAndAutodiscover: true,
  },
  // Exchange 2003 SP2 published through an Apache reverse proxy (mod_proxy): Apache replaces the
  // Server header but passes IIS's X-Powered-By and the Windows challenges through. Modelled.
  exchange2003BehindApache: behindProxy(EXCHANGE_2003_SP2, {
    id: 'exchange2003BehindApache',
    productName: 'Exchange Server 2003 SP2 behind Apache',
    server: 'Apache/2.4.62 (Debian)',
    notFoundPage: APACHE_NOT_FOUND,
  }),
  // Exchange 2010 SP3 behind an nginx reverse proxy that passes every header on except Server. Modelled.
  exchange2010BehindNginx: behindProxy(EXCHANGE_2010_SP3, { id: 'exchange2010BehindNginx', productName: 'Exchange Server 2010 SP3 behind nginx', server: 'nginx/1.24.0' }),
  // A PHP ActiveSync server that names itself nowhere: protocol version 14.1 as MS-Server-ActiveSync
  // and a realm of its own. Modelled: it stands for any server whose answers name no product.
  unnamedPhpServer: {
    id: 'unnamedPhpServer',
    productName: 'ActiveSync server that does not name itself',
    identityHeaders: [
      ['Server', 'nginx'],
      ['X-Powered-By', 'PHP/8.2.26'],
    ],
    eas: { build: '14.1', versions: '12.0,12.1,14.0,14.1', commands: COMMANDS_EXCHANGE, contentType: 'application/vnd.ms-sync.wbxml' },
    anonymousChallenges: ['Basic realm="Mail"'],
    unauthorizedPage: { contentType: 'text/html; charset=UTF-8', body: '' },
    notFoundPage: APACHE_NOT_FOUND,
    hasEwsAndAutodiscover: false,
  },
  // A plain IIS 10 web site with no Exchange virtual directories (the URL points at the wrong server).
  plainIis: {
    id: 'plainIis',
    productName: 'IIS web site without Exchange',
    identityHeaders: [
      ['Server', 'Microsoft-IIS/10.0'],
      ['X-Powered-By', 'ASP.NET'],
    ],
    anonymousChallenges: [],
    unauthorizedPage: IIS7_UNAUTHORIZED,
    notFoundPage: IIS7_NOT_FOUND,
    hasEwsAndAutodiscover: false,
  },
};
