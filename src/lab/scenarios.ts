// The lab's scenarios: one simulated server each, with what a correct probe run against it must
// report. Ids are stable: tests, the CLI (`lab --list`) and the VS Code lab command use them.
// Lab accounts are fake (see labAccounts.ts): CONTOSO\labuser or labuser@contoso.example, and the
// Office 365 style labuser@contoso.onmicrosoft.example, all with the password Lab-Passw0rd!.
import type { FailureCategory, StepId } from '../probe/runModel';
import { LAB_CLOUD_UPN, LAB_DOWN_LEVEL, LAB_PASSWORD, LAB_UPN, LAB_USER, type LabAccountKind } from './labAccounts';
import type { ServerProfileId } from './exchangeResponses';
import type { CommandBehaviour } from './labCommands';
import type { WindowsAuthMode } from './labNtlm';
import type { LabTenantPolicy } from './labOAuthAuthority';
import type { LabAutodiscover } from './labAutodiscover';

/** Which certificate (and TLS version) the scenario's listener presents. */
export type LabTlsMode = 'lab' | 'selfSigned' | 'expired' | 'wrongName' | 'tls10Only';

/** How the Microsoft-Server-ActiveSync directory treats requests, beyond the server's identity. */
export type EasBehaviour =
  /** Anonymous → 401, right credentials → 200 with the MS-AS headers. */
  | { kind: 'healthy' }
  /** Anonymous OPTIONS already answers 200 with the MS-AS headers (authentication switched off). */
  | { kind: 'anonymousAllowed' }
  /** 401 even for the right password: the front end cannot pass the request on to the back end. */
  | { kind: 'backEndRejects' }
  /** Basic is retired: every request gets a 401 that offers only Bearer. */
  | { kind: 'bearerOnly' }
  /** Authenticated OPTIONS answers this status (anonymous still gets 401). */
  | { kind: 'status'; status: 403 | 451 | 456 | 457 | 500 | 503 }
  /** Authenticated 200 but the MS-AS headers never arrive. */
  | { kind: 'headersStripped' }
  /** No such virtual directory: 404 whoever asks. */
  | { kind: 'notFound' }
  /**
   * OAuth: a Bearer token is checked against the lab authority (see `oauth`). On Exchange Online
   * Basic is retired; a hybrid on-premises server still offers it beside Bearer.
   */
  | { kind: 'oauth' };

/** For OAuth scenarios: the tenant the lab authority issues tokens for, and how the server treats them. */
export interface LabOAuthSetup {
  /** A made-up tenant id, one per scenario, so each scenario's tokens can differ. */
  tenantId: string;
  /** The audience the server accepts: Exchange Online's resource, or (hybrid) its own URL. */
  audience: 'exchangeOnline' | 'ownUrl';
  /** What the authority puts in the token, or how it refuses the sign-in. Default: a good token. */
  tenant?: Pick<LabTenantPolicy, 'grantedScopes' | 'audienceOverride' | 'lifetimeSeconds' | 'refuseSignIn'>;
  /** The token is fine but the mailbox may not use ActiveSync (no licence, or ActiveSync switched off): 403. */
  mailbox?: 'activeSyncDisabled';
  /** A hybrid server whose OAuth set-up is missing: every token is refused with oauth_not_available. */
  serverRefusesOAuth?: boolean;
}

export interface LabScenario {
  id: string;
  title: string;
  /** What a real administrator would see, in one or two sentences. */
  description: string;
  /** What a run against this scenario should use. For wrong-password and office365-needs-upn they are deliberately wrong. */
  credentials: { userName: string; password: string };
  expected: {
    outcome: 'passed' | 'warning' | 'failed';
    /** The first top-level step that fails (undefined unless the outcome is 'failed'). */
    failedStep?: StepId;
    /** For a 'warning' outcome: the first step that warns. */
    warningStep?: StepId;
    /** The failure category of that step. */
    category?: FailureCategory;
  };
  tls: LabTlsMode;
  /** 'silent' accepts TCP connections and never sends a byte (no TLS handshake either). */
  transport: 'https' | 'silent';
  /** Whose headers the answers carry. */
  server: ServerProfileId;
  /** Whose names the server accepts. */
  accounts: LabAccountKind;
  eas: EasBehaviour;
  /** How commands (Provision, FolderSync, Sync…) behave once OPTIONS works. Default: a healthy mailbox. */
  commands?: CommandBehaviour;
  /** Exchange identity shown on EWS/Autodiscover when it differs from the ActiveSync answers (coexistence). */
  crossCheckServer?: ServerProfileId;
  /** For 451: the scenario whose URL goes in X-MS-Location (started along with this one). */
  redirectTo?: string;
  /** Needs a platform capability the lab checks at start (TLS 1.0 in Node's OpenSSL). */
  requires?: 'tls10';
  /**
   * How NTLM and Negotiate (wherever the server offers them) treat a handshake. Default 'verify':
   * a real NTLMv2 check of the lab password. The expectations above are for Basic runs.
   */
  windowsAuth?: WindowsAuthMode;
  /** How a correct run signs in: Basic with `credentials` (default) or OAuth with a token from the lab authority. */
  signIn?: 'oauth';
  oauth?: LabOAuthSetup;
  /**
   * Autodiscover scenarios: a run starts from the account's e-mail address and finds this
   * server through Autodiscover (labAutodiscover.ts says how it answers and where devices look).
   */
  autodiscover?: LabAutodiscover;
}

const ON_PREM = { userName: LAB_UPN, password: LAB_PASSWORD };
const PASSED = { outcome: 'passed' } as const;

function failsAt(failedStep: StepId, category: FailureCategory): LabScenario['expected'] {
  return { outcome: 'failed', failedStep, category };
}

function healthy2016(
  id: string,
  title: string,
  description: string,
  overrides: Partial<LabScenario> & Pick<LabScenario, 'expected'>,
): LabScenario {
  return {
    id,
    title,
    description,
    credentials: ON_PREM,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2016',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
    ...overrides,
  };
}

/** Delegated permissions a tenant normally consents to for a mail client (modelled). */
const EXCHANGE_SCOPES = ['EAS.AccessAsUser.All', 'EWS.AccessAsUser.All'];

/** Exchange Online with OAuth: the user is the cloud account, no password; the token comes from the lab authority. */
function exchangeOnlineOAuth(id: string, title: string, description: string, tenantId: string, oauth: Omit<LabOAuthSetup, 'tenantId' | 'audience'>, expected: LabScenario['expected']): LabScenario {
  return {
    id,
    title,
    description,
    credentials: { userName: LAB_CLOUD_UPN, password: '' },
    expected,
    tls: 'lab',
    transport: 'https',
    server: 'exchangeOnline',
    accounts: 'office365',
    eas: { kind: 'oauth' },
    signIn: 'oauth',
    oauth: { tenantId, audience: 'exchangeOnline', ...oauth },
  };
}

/** On-premises Exchange 2019 with Hybrid Modern Authentication: Bearer beside Basic, tokens for the server's own URL. */
function hybridOAuth(id: string, title: string, description: string, tenantId: string, oauth: Omit<LabOAuthSetup, 'tenantId' | 'audience' | 'tenant'>, expected: LabScenario['expected']): LabScenario {
  return {
    id,
    title,
    description,
    credentials: { userName: LAB_UPN, password: '' },
    expected,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2019',
    accounts: 'onPremises',
    eas: { kind: 'oauth' },
    signIn: 'oauth',
    oauth: { tenantId, audience: 'ownUrl', tenant: { grantedScopes: EXCHANGE_SCOPES }, ...oauth },
  };
}

/**
 * OAuth scenarios (appended, so the fixed-port numbering above stays). Their expectations are
 * those of a run with `--auth oauth`; every tenant id is made up.
 */
const OAUTH_SCENARIOS: LabScenario[] = [
  exchangeOnlineOAuth('exchange-online-oauth', 'Exchange Online with OAuth (modern authentication)', 'Exchange Online with Basic retired: the device code sign-in at the lab authority gives a token for https://outlook.office365.com with EAS.AccessAsUser.All, and the OPTIONS with that Bearer token gets 200 with the Exchange Online headers.', '5a1ab000-0000-4000-8000-00000000c0de', { tenant: { grantedScopes: EXCHANGE_SCOPES } }, PASSED),
  exchangeOnlineOAuth('exchange-online-oauth-wrong-audience', 'Exchange Online: token for another API (wrong audience)', 'The token is for Microsoft Graph (aud https://graph.microsoft.com), as an app registration asking for the wrong resource or a token copied from another tool gives; Exchange Online refuses it with 401 invalid_token.', '5a1ab000-0000-4000-8000-0000000000a2', { tenant: { grantedScopes: ['Mail.Read', 'User.Read'], audienceOverride: 'https://graph.microsoft.com' } }, failsAt('optionsAuthenticated', 'http.401')),
  exchangeOnlineOAuth('exchange-online-oauth-missing-scope', 'Exchange Online: token without EAS.AccessAsUser.All', 'The tenant consented only EWS.AccessAsUser.All for the app, so the token lacks the ActiveSync permission; Exchange Online refuses it with 401 insufficient_scope.', '5a1ab000-0000-4000-8000-0000000000a3', { tenant: { grantedScopes: ['EWS.AccessAsUser.All'] } }, failsAt('optionsAuthenticated', 'http.401')),
  exchangeOnlineOAuth('exchange-online-oauth-expired', 'Exchange Online: expired token', 'The token was past its expiry when it was sent (a stale cached token, or a clock far off); Exchange Online refuses it with 401 invalid_token.', '5a1ab000-0000-4000-8000-0000000000a4', { tenant: { grantedScopes: EXCHANGE_SCOPES, lifetimeSeconds: -1200 } }, failsAt('optionsAuthenticated', 'http.401')),
  exchangeOnlineOAuth('exchange-online-oauth-eas-disabled', 'Exchange Online: mailbox without ActiveSync (licence or CAS setting)', 'The token is valid, but the user has no Exchange Online licence or ActiveSync is switched off for the mailbox (Set-CASMailbox -ActiveSyncEnabled $false); Exchange Online answers 403.', '5a1ab000-0000-4000-8000-0000000000a5', { tenant: { grantedScopes: EXCHANGE_SCOPES }, mailbox: 'activeSyncDisabled' }, failsAt('optionsAuthenticated', 'http.403')),
  exchangeOnlineOAuth('exchange-online-oauth-conditional-access', 'Exchange Online: Conditional Access blocks the sign-in', 'A Conditional Access policy requires a compliant device: the authority refuses the device code sign-in with AADSTS53000, so no token reaches Exchange.', '5a1ab000-0000-4000-8000-0000000000a6', { tenant: { grantedScopes: EXCHANGE_SCOPES, refuseSignIn: 'conditionalAccess' } }, failsAt('optionsAuthenticated', 'oauth.signInFailed')),
  hybridOAuth('hybrid-modern-auth', 'Exchange 2019 with Hybrid Modern Authentication', 'An on-premises Exchange 2019 whose 401 offers Bearer with authorization_uri (Hybrid Modern Authentication) beside Basic; a token from the lab authority for the server\'s own URL signs in.', '5a1ab000-0000-4000-8000-0000000000b1', {}, PASSED),
  hybridOAuth('hybrid-modern-auth-not-configured', 'Exchange 2019 offering Bearer without a working OAuth set-up', 'An on-premises Exchange 2019 offers Bearer, but has no working authorization server for Entra ID tokens (Get-AuthServer, OAuth2ClientProfileEnabled): every token gets 401 with x-ms-diagnostics error_category oauth_not_available.', '5a1ab000-0000-4000-8000-0000000000b2', { serverRefusesOAuth: true }, failsAt('optionsAuthenticated', 'http.401')),
];
export const LAB_SCENARIOS: readonly LabScenario[] = [
  {
    id: 'exchange2010-healthy',
    title: 'Exchange 2010, healthy',
    description: 'Exchange 2010 on IIS 7 answering exactly like the protocol documentation example: 401 offering Negotiate, NTLM and Basic, then 200 with protocol versions up to 14.0.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  healthy2016('exchange2016-healthy', 'Exchange 2016, healthy', 'Exchange 2016 on IIS 10 with front-end/back-end diagnostic headers and protocol versions up to 16.1.', {
    expected: PASSED,
  }),
  {
    id: 'exchange2003-healthy',
    title: 'Exchange 2003 SP2, healthy',
    description: 'A standalone Exchange 2003 SP2 server on IIS 6 (build 6.5.7638.1) offering protocol versions 1.0 to 2.5; no EWS or Autodiscover exists on this generation.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2003',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'exchange2019-healthy',
    title: 'Exchange 2019, healthy',
    description: 'Exchange 2019 CU14 with hybrid modern auth: the 401 offers Bearer and Basic, Basic with the right password gets 200 with versions up to 16.1.',
    credentials: ON_PREM,
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2019',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'zpush-healthy',
    title: 'Z-Push, healthy',
    description: 'The open-source Z-Push server: 401 with realm "ZPush", then a chunked empty 200 announcing build 14.0 and versions 12.0 to 14.0.',
    credentials: { userName: LAB_USER, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'zpush',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  // Modelled, not captured: no public capture of this 401 exists. The front end's identity
  // (IIS 7.5, X-OWA-Version 14.3.x on EWS) and its challenges follow the captured IIS 7 401.
  {
    id: 'coexistence-2003-basic-only',
    title: 'Exchange 2010 in front of an Exchange 2003 mailbox (Basic only on the back end)',
    description: 'The classic OPTIONS 401: the 2010 Client Access server cannot hand the request to the 2003 back end, whose ActiveSync directory allows only Basic, so even the right password gets 401 while EWS and Autodiscover accept it.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: failsAt('optionsAuthenticated', 'http.401'),
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010sp3',
    accounts: 'onPremises',
    eas: { kind: 'backEndRejects' },
    crossCheckServer: 'exchange2010sp3',
  },
  {
    id: 'office365-needs-upn',
    title: 'Office 365: bare user name instead of the UPN',
    description: 'An Exchange Online style endpoint that only knows the full UPN (labuser@contoso.onmicrosoft.example); the suggested bare user name gets 401, the UPN with the same password gets 200.',
    credentials: { userName: LAB_USER, password: LAB_PASSWORD },
    expected: failsAt('optionsAuthenticated', 'http.401'),
    tls: 'lab',
    transport: 'https',
    server: 'exchangeOnline',
    accounts: 'office365',
    eas: { kind: 'healthy' },
  },
  {
    id: 'exchange-online-bearer-only',
    title: 'Exchange Online: Basic authentication retired',
    description: 'The 401 offers only an OAuth Bearer challenge, so no user name and password can work; the client needs modern authentication.',
    credentials: { userName: LAB_CLOUD_UPN, password: LAB_PASSWORD },
    // A correct probe sees no scheme it can use in the anonymous 401 (Bearer only).
    expected: failsAt('optionsAnonymous', 'http.schemeNotOffered'),
    tls: 'lab',
    transport: 'https',
    server: 'exchangeOnline',
    accounts: 'office365',
    eas: { kind: 'bearerOnly' },
  },
  healthy2016('wrong-password', 'Wrong password', 'A healthy Exchange 2016 server; the suggested password is wrong, so the authenticated OPTIONS gets 401 (the right one is Lab-Passw0rd!).', {
    credentials: { userName: LAB_UPN, password: 'Wrong-Passw0rd!' },
    expected: failsAt('optionsAuthenticated', 'http.401'),
  }),
  healthy2016('anonymous-access', 'Anonymous access allowed', 'The ActiveSync directory has anonymous access switched on: OPTIONS without credentials already gets 200 with the MS-AS headers.', {
    eas: { kind: 'anonymousAllowed' },
    expected: { outcome: 'warning', warningStep: 'optionsAnonymous', category: 'http.anonymousAccess' },
  }),
  healthy2016('status-403', 'HTTP 403 Forbidden', 'The credentials are right but the mailbox is not enabled for ActiveSync: the authenticated OPTIONS gets 403.', {
    eas: { kind: 'status', status: 403 },
    expected: failsAt('optionsAuthenticated', 'http.403'),
  }),
  {
    id: 'status-404-not-eas',
    title: 'HTTP 404: not an ActiveSync server',
    description: 'The host is a plain IIS web site without the Microsoft-Server-ActiveSync virtual directory: every request gets 404.',
    credentials: ON_PREM,
    expected: failsAt('optionsAnonymous', 'http.404'),
    tls: 'lab',
    transport: 'https',
    server: 'plainIis',
    accounts: 'onPremises',
    eas: { kind: 'notFound' },
  },
  // OPTIONS is never policy-checked on a real server: the 449 comes on the first command.
  {
    id: 'status-449',
    title: 'HTTP 449 that never ends: the policy key is not accepted',
    description: 'A Z-Push server (which answers 449 on every protocol version) hands out its policy and final key, yet keeps answering 449 to FolderSync as if the device had never provisioned.',
    credentials: { userName: LAB_USER, password: LAB_PASSWORD },
    expected: failsAt('folderSync', 'http.449'),
    tls: 'lab',
    transport: 'https',
    server: 'zpush',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
    commands: { kind: 'provisionLoop' },
  },
  healthy2016('status-451-redirect', 'HTTP 451: mailbox lives elsewhere', 'The authenticated OPTIONS gets 451 with X-MS-Location naming another, healthy server (the exchange2016-healthy scenario).', {
    eas: { kind: 'status', status: 451 },
    redirectTo: 'exchange2016-healthy',
    expected: { outcome: 'warning', warningStep: 'optionsAuthenticated', category: 'http.451' },
  }),
  healthy2016('status-456', 'HTTP 456: account blocked', 'The credentials are right but the account is blocked for ActiveSync: the authenticated OPTIONS gets 456.', {
    eas: { kind: 'status', status: 456 },
    expected: failsAt('optionsAuthenticated', 'http.456'),
  }),
  healthy2016('status-457', 'HTTP 457: password expired', 'The password has expired: the authenticated OPTIONS gets 457 with X-MS-Credential-Service-Url naming the password change site.', {
    eas: { kind: 'status', status: 457 },
    expected: failsAt('optionsAuthenticated', 'http.457'),
  }),
  healthy2016('status-500', 'HTTP 500: server error', 'The authenticated OPTIONS gets 500 Internal Server Error.', {
    eas: { kind: 'status', status: 500 },
    expected: failsAt('optionsAuthenticated', 'http.500'),
  }),
  healthy2016('status-503', 'HTTP 503: service unavailable', 'The mailbox database is offline: the authenticated OPTIONS gets 503 with Retry-After: 120.', {
    eas: { kind: 'status', status: 503 },
    expected: failsAt('optionsAuthenticated', 'http.503'),
  }),
  healthy2016('proxy-stripped-headers', 'Reverse proxy strips the MS-AS headers', 'An nginx reverse proxy in front of Exchange passes the 200 on but drops MS-Server-ActiveSync, MS-ASProtocolVersions and MS-ASProtocolCommands.', {
    server: 'reverseProxy',
    eas: { kind: 'headersStripped' },
    expected: failsAt('optionsAuthenticated', 'eas.missingHeaders'),
  }),
  {
    id: 'versions-too-old',
    title: 'Only protocol versions 1.0 and 2.0',
    description: 'An Exchange 2003 server before SP1 offering only protocol versions 1.0 and 2.0, neither of which current clients speak.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: failsAt('optionsAuthenticated', 'eas.noUsableVersion'),
    tls: 'lab',
    transport: 'https',
    server: 'exchange2003rtm',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  healthy2016('tls-self-signed', 'Self-signed certificate', 'The server presents the self-signed certificate Exchange creates at setup instead of one from a trusted authority.', {
    tls: 'selfSigned',
    expected: failsAt('tls', 'tls.selfSigned'),
  }),
  healthy2016('tls-expired', 'Expired certificate', 'The certificate was issued by the lab CA but its validity ended in the past.', {
    tls: 'expired',
    expected: failsAt('tls', 'tls.expired'),
  }),
  healthy2016('tls-wrong-name', 'Certificate for another name', 'The certificate is trusted but issued for mail.wrong-name.example, not the host the client connects to.', {
    tls: 'wrongName',
    expected: failsAt('tls', 'tls.nameMismatch'),
  }),
  {
    id: 'tls10-only',
    title: 'Only TLS 1.0',
    description: 'An old Exchange 2010 server that only speaks TLS 1.0, which current clients refuse.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: failsAt('tls', 'tls.oldProtocol'),
    tls: 'tls10Only',
    transport: 'https',
    server: 'exchange2010',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
    requires: 'tls10',
  },
  healthy2016('silent', 'Silent server', 'Something accepts the TCP connection but never answers, not even the TLS handshake (a dead load balancer pool or a firewall that swallows traffic).', {
    transport: 'silent',
    expected: failsAt('tls', 'tls.handshakeTimeout'),
  }),
  // Integrated Windows authentication (appended, so the fixed-port numbering above stays). The
  // expectations are those of a Basic run; NTLM and Negotiate runs are asserted by the tests.
  {
    id: 'iwa-only-2003',
    title: 'Exchange 2003 back end with Integrated Windows authentication only',
    description: 'An Exchange 2003 SP2 back end (build 6.5.7638.1) whose ActiveSync directory allows only Integrated Windows authentication: the 401 offers Negotiate and NTLM, no Basic. An NTLM or Negotiate run signs in (the lab checks NTLMv2 against the lab password); a Basic run finds no method it may use.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: failsAt('optionsAnonymous', 'http.schemeNotOffered'),
    tls: 'lab',
    transport: 'https',
    server: 'exchange2003iwa',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'iwa-and-basic',
    title: 'Exchange 2003 back end with Basic and Integrated Windows authentication',
    description: 'The Exchange 2003 back end as the ESM checklist leaves it: Basic and Integrated Windows authentication both ticked, so Negotiate, NTLM and Basic are offered and each signs in with the right password.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2003',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'negotiate-only',
    title: 'Windows authentication offered only as Negotiate',
    description: 'An Exchange 2010 server whose Windows authentication providers are cut down to Negotiate: the 401 offers Negotiate alone. NTLM inside Negotiate (SPNEGO) signs in; Basic and a separate NTLM are not offered.',
    credentials: { userName: LAB_UPN, password: LAB_PASSWORD },
    expected: failsAt('optionsAnonymous', 'http.schemeNotOffered'),
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010negotiate',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  // Appended, so the fixed-port numbering above stays. Modelled, not captured: the same 2010 SP3
  // front end as coexistence-2003-basic-only after Integrated Windows authentication was ticked on
  // the 2003 back end's ActiveSync directory (the ESM checklist), so the Client Access server can
  // hand the request over with Kerberos and the right password gets 200 with the MS-AS headers.
  {
    id: 'coexistence-2003-iwa-enabled',
    title: 'Exchange 2010 in front of an Exchange 2003 mailbox, after the fix',
    description: 'The coexistence server after Integrated Windows authentication was enabled on the 2003 back end with Exchange System Manager: the 2010 Client Access server now hands the request over and the authenticated OPTIONS gets 200 and a device provisions, lists its folders and syncs.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010sp3',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
    // Commands pass through the front end to the back end, which now accepts the hand-off.
    commands: { kind: 'coexistence2003', backEnd: 'accepts' },
  },
  // Past OPTIONS (appended, so the fixed-port numbering above stays): healthy answers to OPTIONS
  // and sign-in, then a failure on a command, as real servers fail.
  healthy2016('device-quarantined', 'Device quarantined by Allow/Block/Quarantine', 'Exchange 2016 with ABQ set to quarantine unknown devices: Provision and FolderSync work, but the Inbox shows only the notice Exchange sends while the device waits for approval.', {
    commands: { kind: 'quarantined' },
    expected: { outcome: 'warning', warningStep: 'sync', category: 'eas.deviceQuarantined' },
  }),
  // Modelled order: the access check comes before the policy check, so the device's first command is refused.
  healthy2016('device-blocked', 'Device blocked by Allow/Block/Quarantine', 'An ABQ rule blocks the device type: OPTIONS and sign-in work, then the first FolderSync gets status 129 (DeviceIsBlockedForThisUser) with X-MS-ASThrottle.', {
    commands: { kind: 'blocked' },
    expected: failsAt('provision', 'eas.deviceBlocked'),
  }),
  healthy2016('user-disabled-for-eas', 'Mailbox not enabled for ActiveSync', 'OPTIONS and sign-in work, but ActiveSync is switched off for the mailbox: the first command gets status 126 (UserDisabledForSync).', {
    commands: { kind: 'userDisabled' },
    expected: failsAt('provision', 'eas.userDisabled'),
  }),
  healthy2016('sync-backend-500', 'Back end fails the Inbox Sync with HTTP 500', 'Everything up to FolderSync works; the first Sync of the Inbox gets HTTP 500 with a WBXML body cut short, as when the mailbox back end fails mid-answer.', {
    commands: { kind: 'syncBackEnd500' },
    expected: failsAt('sync', 'http.500'),
  }),
  healthy2016('foldersync-451', 'FolderSync answered 451: mailbox moved', 'OPTIONS and Provision work on this server, but FolderSync gets 451 with X-MS-Location naming the server that now holds the mailbox (the exchange2016-healthy scenario).', {
    commands: { kind: 'folderSync451' },
    redirectTo: 'exchange2016-healthy',
    expected: failsAt('folderSync', 'http.451'),
  }),
  healthy2016('remote-wipe-pending', 'Remote wipe requested for the device', 'An administrator asked for a remote wipe of this DeviceId: commands get status 140 (RemoteWipeRequested) and a Provision would carry the wipe order. The probe stops at the 140 and never acknowledges anything.', {
    commands: { kind: 'remoteWipe' },
    expected: failsAt('provision', 'eas.remoteWipe'),
  }),
  healthy2016('maximum-devices', 'Too many devices for the user', 'The user already has the maximum number of device partnerships: Provision gets status 177 (MaximumDevicesReached).', {
    commands: { kind: 'maxDevices' },
    expected: failsAt('provision', 'eas.maxDevices'),
  }),
  // Modelled, not captured: the 2010 front end hands OPTIONS and commands to the Exchange 2003
  // back end, which answers with its own ActiveSync headers (2.5) through the front end's IIS.
  {
    id: 'coexistence-2003-exchange-vdir',
    title: 'Exchange 2010 in front of an Exchange 2003 mailbox: /Exchange refuses the hand-off',
    description: 'OPTIONS through the 2010 front end works, but the 2003 back end reads the mailbox through its /Exchange directory, which lacks Integrated Windows authentication: the device\'s first FolderSync gets HTTP 500.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: failsAt('provision', 'http.500'),
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010to2003',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
    commands: { kind: 'coexistence2003', backEnd: 'refuses' },
    crossCheckServer: 'exchange2010sp3',
  },
  // Server identification (appended, so the fixed-port numbering above stays): one scenario per
  // identification rule the earlier scenarios do not already cover.
  {
    id: 'exchange2007-healthy',
    title: 'Exchange 2007 SP1, healthy',
    description: 'Exchange 2007 SP1 on IIS 6 announcing build 8.0 and protocol versions up to 12.1.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2007',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  healthy2016('exchange2013-healthy', 'Exchange 2013, healthy', 'Exchange 2013 on IIS 8.5 announcing 15.0, with front-end/back-end diagnostic headers and protocol versions up to 14.1.', {
    server: 'exchange2013',
    expected: PASSED,
  }),
  {
    id: 'exchange2003-behind-apache',
    title: 'Exchange 2003 behind an Apache reverse proxy',
    description: 'An Exchange 2003 SP2 server published through Apache: the Server header says Apache, but ASP.NET and the Windows sign-in challenges come through from IIS behind it.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2003BehindApache',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'exchange2010-behind-nginx',
    title: 'Exchange 2010 behind an nginx reverse proxy',
    description: 'An Exchange 2010 SP3 Client Access server published through nginx, which passes every header on except Server.',
    credentials: { userName: LAB_DOWN_LEVEL, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'exchange2010BehindNginx',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  {
    id: 'unnamed-activesync-server',
    title: 'An ActiveSync server that does not name itself',
    description: 'A PHP ActiveSync server behind nginx whose MS-Server-ActiveSync is the protocol version 14.1 and whose realm is "Mail": nothing names the product, so the run must say unknown.',
    credentials: { userName: LAB_USER, password: LAB_PASSWORD },
    expected: PASSED,
    tls: 'lab',
    transport: 'https',
    server: 'unnamedPhpServer',
    accounts: 'onPremises',
    eas: { kind: 'healthy' },
  },
  ...OAUTH_SCENARIOS,
  // Autodiscover (appended, so the fixed-port numbering above stays): each run starts from the
  // e-mail address labuser@contoso.example; contoso.example itself has no HTTPS site unless said.
  healthy2016('autodiscover-healthy', 'Autodiscover: a good answer', 'Starting from labuser@contoso.example: contoso.example has no HTTPS site, autodiscover.contoso.example answers the mobilesync request with this Exchange 2016 server\'s ActiveSync URL, and the device session there works.', {
    autodiscover: { kind: 'settings' },
    expected: PASSED,
  }),
  healthy2016('autodiscover-redirect', 'Autodiscover: redirected by URL and by address', 'The web site at contoso.example redirects Autodiscover (HTTP 302) to autodiscover.contoso.example, which redirects labuser@contoso.example to the primary address lab.user@contoso.example; asked again for that address, it hands out this server.', {
    autodiscover: { kind: 'redirect' },
    expected: PASSED,
  }),
  healthy2016('autodiscover-redirect-loop', 'Autodiscover: a redirect loop', 'Autodiscover redirects labuser@contoso.example to lab.user@contoso.example and that address back again, as when two mail-enabled objects point at each other; a device must stop rather than loop.', {
    autodiscover: { kind: 'redirectLoop' },
    expected: failsAt('autodiscover', 'autodiscover.redirectLoop'),
  }),
  healthy2016('autodiscover-old-server', 'Autodiscover hands out an old server', 'Autodiscover still hands devices the URL of a retired Exchange 2003 server (the versions-too-old scenario), which offers only protocol versions 1.0 and 2.0: OPTIONS there gets no version a device can use.', {
    autodiscover: { kind: 'settings', handsOut: 'versions-too-old' },
    expected: failsAt('optionsAuthenticated', 'eas.noUsableVersion'),
  }),
  // Modelled: no public capture shows why a server answers 600 to a well-formed request; a
  // front end that passes the request on without its body is one way to get there.
  healthy2016('autodiscover-error-600', 'Autodiscover answers error 600', 'autodiscover.contoso.example signs the user in but answers every request with the Autodiscover error 600 (Invalid Request), so devices get no ActiveSync URL.', {
    autodiscover: { kind: 'error600' },
    expected: failsAt('autodiscover', 'autodiscover.error'),
  }),
  healthy2016('autodiscover-none-reachable', 'Autodiscover: nothing reachable', 'Neither contoso.example nor autodiscover.contoso.example accepts a connection, plain HTTP does not either, and there is no _autodiscover._tcp SRV record: devices cannot find the server.', {
    autodiscover: { kind: 'noneReachable' },
    expected: failsAt('autodiscover', 'autodiscover.noneReachable'),
  }),
  // Modelled on IIS's answer when a directory's Basic authentication is off (the header lines as in
  // the captured IIS 7 401, without the Basic line); ActiveSync itself still offers Basic.
  healthy2016('autodiscover-windows-auth-only', 'Autodiscover: Windows authentication only', 'The Autodiscover virtual directory has Basic authentication turned off and only Windows authentication (Negotiate, NTLM) on, while ActiveSync still accepts Basic: a phone that signs in to Autodiscover with Basic gets 401 and cannot be set up from the address.', {
    autodiscover: { kind: 'windowsAuthOnly' },
    expected: failsAt('autodiscover', 'autodiscover.basicNotOffered'),
  }),
];


export function findScenario(id: string): LabScenario | undefined {
  return LAB_SCENARIOS.find((s) => s.id === id);
}
