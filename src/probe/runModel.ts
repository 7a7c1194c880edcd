// The one result model. A probe produces a ProbeRun; the tree, history, webview, CLI and
// exports all read this same shape. It is plain JSON (no classes, no Dates) so it can be
// stored, sent to a webview and exported as it is. It never holds a password.

export const RUN_SCHEMA_VERSION = 1;

export type StepStatus = 'passed' | 'failed' | 'warning' | 'skipped';
export type RunOutcome = 'passed' | 'warning' | 'failed' | 'cancelled';

/**
 * The top-level steps, in the order the probe runs them, with the title a step has when it does
 * not say more (a skipped step, a run that never started). The one table: ids, order and titles
 * come from here, and the probe's orchestrator demands one runner per row. `commands` marks the
 * device-session steps, which run only past a working authenticated OPTIONS.
 */
export const PROBE_STEPS = [
  { id: 'input', title: 'Check the server address and user name' },
  // From an e-mail address to the ActiveSync URL, as a device finds it; only when asked for.
  { id: 'autodiscover', title: 'Find the ActiveSync URL with Autodiscover' },
  { id: 'dns', title: 'Resolve the host name in DNS' },
  { id: 'tcp', title: 'Open a TCP connection' },
  { id: 'tls', title: 'Negotiate TLS and check the certificate' },
  { id: 'optionsAnonymous', title: 'Send OPTIONS without credentials to learn the authentication methods' },
  { id: 'optionsAuthenticated', title: 'Send the OPTIONS command with credentials' },
  { id: 'crossCheck', title: 'Cross-check the credentials against EWS and Autodiscover' },
  // Two-phase Provision: policy, temporary key, acknowledgment, final key.
  { id: 'provision', title: 'Provision the device (policy and policy key)', commands: true },
  // FolderSync with SyncKey 0: the folder list.
  { id: 'folderSync', title: 'List the folders (FolderSync)', commands: true },
  // A read-only first Sync of the Inbox and a GetItemEstimate.
  { id: 'sync', title: 'Sync the Inbox read-only and estimate its items', commands: true },
  // A short Ping on the Inbox: the push channel.
  { id: 'ping', title: 'Ping: wait for a change on the Inbox (push)', commands: true },
] as const;

/** Stable ids of the top-level steps. */
export type StepId = (typeof PROBE_STEPS)[number]['id'];

/** The table's title for a top-level step. */
export function defaultStepTitle(id: StepId): string {
  return PROBE_STEPS.find((s) => s.id === id)?.title ?? id;
}

/**
 * Why a step failed or warned, precise enough for the diagnosis to pick a cause without
 * re-reading prose. `http.<status>` is used for any HTTP status the steps treat as a failure.
 */
export type FailureCategory =
  | 'input.invalidUrl'
  | 'input.unsupportedScheme'
  | 'input.plainHttpNotAllowed'
  | 'input.plainHttp'
  | 'input.invalidPort'
  | 'input.invalidHost'
  | 'input.credentialsInUrl'
  | 'input.unexpectedPath'
  | 'input.userNameForm'
  | 'input.missingUser'
  | 'input.deviceIdentity'
  | 'dns.notFound'
  | 'dns.timeout'
  | 'dns.serverFailure'
  | 'dns.error'
  | 'tcp.refused'
  | 'tcp.timeout'
  | 'tcp.unreachable'
  | 'tcp.error'
  | 'proxy.error'
  | 'tls.handshakeTimeout'
  | 'tls.handshakeFailed'
  | 'tls.oldProtocol'
  | 'tls.nameMismatch'
  | 'tls.selfSigned'
  | 'tls.untrusted'
  | 'tls.missingIntermediate'
  | 'tls.expired'
  | 'tls.notYetValid'
  | 'tls.expiresSoon'
  /** A connection that would carry credentials failed the credential gate (another certificate on reconnect…). */
  | 'tls.unverifiedConnection'
  | 'http.timeout'
  | 'http.malformed'
  | 'http.connectionClosed'
  | 'http.tooLarge'
  | 'http.anonymousAccess'
  | 'http.noChallenge'
  | 'http.schemeNotOffered'
  | 'http.redirect'
  | 'http.redirectLoop'
  | 'http.redirectDowngrade'
  | 'http.redirectOtherHost'
  | 'http.401'
  | 'http.403'
  | 'http.404'
  | 'http.449'
  | 'http.451'
  | 'http.456'
  | 'http.457'
  | 'http.500'
  | 'http.503'
  | 'http.otherStatus'
  | 'eas.missingHeaders'
  | 'eas.noUsableVersion'
  | 'eas.missingCommands'
  /** Provision failed: a Provision or Policy status other than success. */
  | 'eas.provisionFailed'
  /** The server asks the device to wipe itself: the probe stops and never acknowledges it. */
  | 'eas.remoteWipe'
  /** Status 129, or a 403 carrying X-MS-ASThrottle: blocked by Allow/Block/Quarantine. */
  | 'eas.deviceBlocked'
  /** The Inbox shows only Exchange's quarantine notice. */
  | 'eas.deviceQuarantined'
  /** Status 126: the mailbox is not enabled for ActiveSync. */
  | 'eas.userDisabled'
  /** Status 177: too many device partnerships. */
  | 'eas.maxDevices'
  /** Any other in-body status on a command. */
  | 'eas.commandStatus'
  /** A command's body could not be decoded (truncated or not WBXML). */
  | 'eas.badResponse'
  /** FolderSync listed no Inbox. */
  | 'eas.noInbox'
  /** The server closed the connection between the NTLM handshake's legs. */
  | 'auth.connectionDropped'
  /** Negotiate is offered but NTLM inside it is refused: only Kerberos would work. */
  | 'auth.kerberosOnly'
  /** The server answered the NTLM negotiate message without a challenge. */
  | 'auth.handshakeRefused'
  /** The server's NTLM challenge (type 2) or its SPNEGO wrapping is malformed. */
  | 'auth.badChallenge'
  /** Automatic sign-in: NTLM/Negotiate was refused but Basic then worked. */
  | 'auth.windowsRefused'
  /** OAuth: the sign-in at the authority failed, so no token was sent. */
  | 'oauth.signInFailed'
  /** Autodiscover refused the credentials (HTTP 401): not the ActiveSync 401. */
  | 'autodiscover.unauthorized'
  /** Autodiscover's 401 offers neither Basic nor OAuth (Windows authentication only, say): phones cannot sign in there. */
  | 'autodiscover.basicNotOffered'
  /** Autodiscover's 401 offers only OAuth (Bearer) while a password was sent: the password was not checked. */
  | 'autodiscover.oauthOnly'
  /** Autodiscover answered with its own error (ErrorCode 600 invalid request, 601, or Action/Error). */
  | 'autodiscover.error'
  /** A redirect (address or URL) came back to where it had been, or exceeded the limit. */
  | 'autodiscover.redirectLoop'
  /** The only answer came from a server named by a redirect or DNS, where the credentials are not sent. */
  | 'autodiscover.credentialsWithheld'
  /** A 200 that is not an Autodiscover answer, or one naming no MobileSync server (or an unusable URL). */
  | 'autodiscover.invalidAnswer'
  /** Every Autodiscover candidate whose certificate was checked failed the check. */
  | 'autodiscover.certificate'
  /** Servers answered, but none of them is an Autodiscover service (404 and the like). */
  | 'autodiscover.notFound'
  /** No candidate could be reached at all (DNS, TCP). */
  | 'autodiscover.noneReachable'
  /** Autodiscover hands devices another ActiveSync URL than the one given. */
  | 'autodiscover.mismatch'
  | 'crossCheck.accepted'
  | 'crossCheck.rejected'
  | 'run.cancelled'
  | 'run.timeout'
  | 'internal';

export interface StepDetail {
  /** Short label, e.g. "Addresses" or "MS-Server-ActiveSync". */
  label: string;
  /** The value as text. May come from the server: render escaped. */
  value: string;
}

/** One HTTP exchange as evidence. Authorization values are always redacted before they get here. */
export interface HttpExchange {
  method: string;
  url: string;
  requestHeaders: Array<[string, string]>;
  response?: {
    statusCode: number;
    statusText: string;
    /** Raw header lines in order, repeated names kept (WWW-Authenticate often repeats). */
    headers: Array<[string, string]>;
    bodyBytes: number;
    /** At most a few KB of the body, as text, for evidence. */
    bodySnippet: string;
    bodyTruncated: boolean;
  };
  error?: { code: string; message: string };
}

export interface AuthChallenge {
  /** Scheme as sent (case kept), e.g. "Basic", "NTLM", "Negotiate", "Bearer". */
  scheme: string;
  /** Auth parameters, names lower-cased (realm, client_id, trusted_issuers, authorization_uri, error…). */
  params: Record<string, string>;
  /** token68 payload (NTLM/Negotiate continuation) when present. */
  token?: string;
  /**
   * NTLM/Negotiate only: what followed the scheme when it is not a token68 (not Base64), as sent
   * (cut at 256 characters). The scheme's challenge is then malformed, never a second scheme.
   */
  malformedToken?: string;
}

export type ServerProduct =
  | 'exchange2003'
  | 'exchange2007'
  | 'exchange2010'
  | 'exchange2013'
  | 'exchange2016'
  | 'exchange2019'
  | 'exchangeOnline'
  | 'zpush'
  | 'unknown';

/** One fact the server identification used, and what it says. */
export interface IdentityClue {
  /** The step whose answer carried it. */
  stepId: string;
  /** Where it came from, e.g. "MS-Server-ActiveSync", "WWW-Authenticate realm", "NTLM challenge". */
  source: string;
  /** The value as received. May come from the server: render escaped. */
  value: string;
  /** What it says about the server, in words. */
  reading: string;
}

/** The run's one identification of the ActiveSync server (src/probe/serverIdentification.ts). */
export interface ServerIdentity {
  /** 'unknown' when the clues name no product or contradict each other. */
  product: ServerProduct;
  /** Human name, e.g. "Exchange Server 2010". */
  productName: string;
  /** The Exchange build (MS-Server-ActiveSync or X-OWA-Version), or Z-Push's own version; '' when none was seen. */
  build: string;
  /** The clue that decided, e.g. "MS-Server-ActiveSync" or "X-OWA-Version". */
  source: string;
  /** When MS-Server-ActiveSync carried a protocol version (Z-Push's "14.0") rather than a build. */
  protocolVersion?: string;
  /** A non-Microsoft web server answering in front of an identified Exchange (a reverse proxy), e.g. "nginx". */
  frontEnd?: string;
  /** Every clue the identification read, with what it says. */
  clues?: IdentityClue[];
  /** Why the answer is unknown, or what else the clues show. */
  note?: string;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  validFrom: string;
  validTo: string;
  daysToExpiry: number;
  fingerprint256: string;
  serialNumber: string;
  selfSigned: boolean;
  /** Chain as presented by the server, leaf first (subjects only). */
  chainSubjects: string[];
}

/** Structured facts a step found. Every field is optional; each step fills what it learns. */
export interface StepEvidence {
  addresses?: string[];
  resolvedVia?: 'dns' | 'literal' | 'override';
  remoteAddress?: string;
  remotePort?: number;
  proxy?: string;
  tlsProtocol?: string;
  tlsCipher?: string;
  certificate?: CertificateInfo;
  /** OpenSSL-style code of a trust or handshake failure, e.g. CERT_HAS_EXPIRED. */
  tlsErrorCode?: string;
  trustIgnored?: boolean;
  /** The credential gate refused a connection: why, and the fingerprint judged by the TLS step against the one presented. */
  credentialGate?: { reason: string; expectedFingerprint?: string; presentedFingerprint?: string };
  http?: HttpExchange[];
  challenges?: AuthChallenge[];
  /** Scheme the authenticated request used, e.g. "Basic". */
  authScheme?: string;
  protocolVersions?: string[];
  protocolCommands?: string[];
  /** Exchange diagnostic headers worth keeping (X-FEServer, X-BEServer, X-DiagInfo, …). */
  diagnosticHeaders?: Array<[string, string]>;
  redirectLocation?: string;
  retryAfter?: string;
  credentialServiceUrl?: string;
  /** Autodiscover: the address asked for, each attempt, and the ActiveSync URL it handed out. */
  autodiscover?: AutodiscoverEvidence;
  /** For the cross-check: which endpoint accepted or refused the credentials. */
  crossCheck?: Array<{ endpoint: 'ews' | 'autodiscover'; url: string; statusCode?: number; accepted: boolean; error?: string }>;
  userNameForm?: 'upn' | 'downLevel' | 'bare' | 'none';
  /** The server's NTLM challenge (type 2), decoded: it often names the server that answered. */
  ntlmChallenge?: {
    targetName: string;
    netbiosDomain: string;
    netbiosComputer: string;
    dnsDomain: string;
    dnsComputer: string;
    dnsTree?: string;
    /** major.minor.build of the Windows version field. */
    windowsVersion?: string;
    /** The Windows release that version most likely is, e.g. "Windows Server 2003". */
    windowsRelease?: string;
    /** Negotiate flags in hex with their names. */
    flags?: string;
    /** Oddities of the message that did not stop the decoding. */
    warnings?: string[];
  };
  /** The NTLM user and domain the authenticate message carried (never the password). */
  ntlmUser?: { user: string; domain: string; domainSource: 'userName' | 'upn' | 'option' | 'challenge' | 'none' };
  /** Exchange's x-ms-diagnostics on an OAuth refusal, parsed (code, reason, error_category). */
  msDiagnostics?: { code: string; reason?: string; category?: string };
  /** OAuth: the access token's non-secret claims (never the token itself). */
  oauthToken?: OAuthTokenEvidence;
  /** OAuth: the sign-in, where the token came from or why there is none. */
  oauthSignIn?: { source: string; resource?: string; account?: string; error?: string; errorCodes?: number[]; message?: string };
  /** Automatic sign-in: each method tried, in order, and how it went. */
  authAttempts?: Array<{ scheme: string; statusCode?: number; ok: boolean; error?: string }>;
  /** ActiveSync commands: the protocol version used and each command's decoded exchange. */
  eas?: EasEvidence;
}

/** One Autodiscover request (or look-up) and how it ended. */
export interface AutodiscoverAttemptEvidence {
  /** What was asked: 'POST' (mobilesync XML), 'GET' (the http redirect or the JSON endpoint), 'SRV' (a DNS look-up). */
  method: 'POST' | 'GET' | 'SRV';
  /** The URL, or for SRV the record name. */
  url: string;
  /** Where the URL came from. */
  source: 'domain' | 'autodiscoverHost' | 'httpRedirect' | 'srv' | 'given' | 'redirect' | 'exchangeOnline';
  /** The e-mail address the request asked for. */
  emailAddress: string;
  outcome: 'settings' | 'redirectAddress' | 'redirectUrl' | 'error' | 'unauthorized' | 'invalid' | 'notAutodiscover' | 'unreachable' | 'certificate' | 'notFollowed' | 'loop';
  statusCode?: number;
  /** Whether the Authorization header went with it (only to a verified server you named). */
  credentialsSent: boolean;
  /** For a 401: the sign-in methods its WWW-Authenticate headers offered, as the server named them. */
  offeredSchemes?: string[];
  durationMs: number;
}

export interface AutodiscoverEvidence {
  /** The address the run started from, and the one the last request asked for (after Redirect). */
  emailAddress: string;
  finalEmailAddress: string;
  /** --autodiscover-url, when the candidates were skipped. */
  autodiscoverUrl?: string;
  attempts: AutodiscoverAttemptEvidence[];
  /** The ActiveSync URL Autodiscover handed out, and the Autodiscover URL that said so. */
  activeSyncUrl?: string;
  answeredBy?: string;
  /** The ActiveSync URL given with the run, when there was one, and how the two differ. */
  givenUrl?: string;
  differences?: Array<'scheme' | 'host' | 'port' | 'path'>;
  /** The answer's Autodiscover error, when that is how it ended. */
  error?: { code?: string; status?: string; message?: string };
}

/** One ActiveSync command as evidence: no message content, no policy key. */
export interface EasCommandEvidence {
  command: string;
  /** HTTP status, when an answer arrived. */
  statusCode?: number;
  /** The command's Status element, when the body had one. */
  status?: number;
  bodyBytes: number;
  /** The request and the response as XML text, policy key redacted, message content reduced to counts. */
  requestXml?: string;
  responseXml?: string;
  /** Where decoding stopped, for a body that did not decode. */
  decodeError?: { code: string; offset: number; message: string };
}

export interface EasEvidence {
  protocolVersion: string;
  deviceId: string;
  deviceType: string;
  commands: EasCommandEvidence[];
  /** Provision: the policy summarised. */
  policy?: Array<{ name: string; value: string }>;
  /** FolderSync: the folders (name, type). */
  folders?: Array<{ serverId: string; parentId: string; name: string; type: number; typeName: string }>;
  /** Sync: the Inbox's item counts. */
  inbox?: { serverId: string; name: string; itemsReceived: number; estimate?: number; moreAvailable: boolean };
}

/** What an OAuth access token says about itself, read without trusting it. Times are ISO 8601. */
export interface OAuthTokenEvidence {
  /** 'opaque' when the token is not a JWT, so nothing could be read from it. */
  format: 'jwt' | 'opaque';
  audience?: string;
  /** Delegated permissions (scp). */
  scopes?: string[];
  /** Application permissions (roles), for an app-only token. */
  roles?: string[];
  tenantId?: string;
  issuer?: string;
  /** The application the token was issued to (appid or azp). */
  appId?: string;
  userPrincipalName?: string;
  issuedAt?: string;
  notBefore?: string;
  expiresAt?: string;
}

export interface ProbeStep {
  id: StepId | string;
  /** What the step does, e.g. "Resolve mail.contoso.com in DNS". */
  title: string;
  status: StepStatus;
  /** One line saying what happened. */
  summary: string;
  /** ISO time the step started. */
  startedAt: string;
  durationMs: number;
  details: StepDetail[];
  evidence: StepEvidence;
  failure?: { category: FailureCategory; message: string };
  children: ProbeStep[];
}

/** How a run signs in; the settings, the CLI's --auth and the targets file take these words. */
export const AUTH_METHODS = ['basic', 'ntlm', 'negotiate', 'auto', 'oauth'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type ProbeMode = 'options' | 'commands' | 'full';

/** The steps that only run past OPTIONS, in order. */
export const COMMAND_STEP_IDS: readonly StepId[] = PROBE_STEPS.filter((s) => 'commands' in s).map((s) => s.id);

export interface ProbeTarget {
  /** What the user typed (credentials in it are stripped before it is stored). */
  input: string;
  /** Normalised URL, e.g. https://mail.contoso.com/Microsoft-Server-ActiveSync. Empty when the input was unusable. */
  url: string;
  host: string;
  port: number;
}

export interface ProbeRun {
  schemaVersion: typeof RUN_SCHEMA_VERSION;
  id: string;
  engineVersion: string;
  target: ProbeTarget;
  /** The user name as given; never the password. */
  userName?: string;
  settings: {
    auth: AuthMethod;
    /** Domain used for bare user names with NTLM/Negotiate, when one was given. */
    domain?: string;
    crossCheck: boolean;
    ignoreTrust: boolean;
    allowHttp: boolean;
    timeoutMs: number;
    proxy?: string;
    /**
     * How far the run goes: 'options' stops after OPTIONS (the light probe), 'commands' goes on to
     * Provision, FolderSync and Sync, 'full' adds a Ping. Runs stored before commands existed have none: read as 'options'.
     */
    mode?: ProbeMode;
    /** Autodiscover ran first: from the e-mail address's candidates, or from this Autodiscover URL. */
    autodiscover?: boolean;
    autodiscoverUrl?: string;
    /** The device identity the commands used. */
    deviceId?: string;
    deviceType?: string;
  };
  /** Set when the run targeted a built-in lab scenario. */
  labScenario?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  steps: ProbeStep[];
  /** The one identification of the ActiveSync server, from every answer of the run; absent when nothing answered. */
  server?: ServerIdentity;
}

/** The worst status wins: failed > warning > passed; skipped never decides. */
export function worstStatus(statuses: StepStatus[]): StepStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('warning')) return 'warning';
  if (statuses.some((s) => s === 'passed')) return 'passed';
  return 'skipped';
}

export function runOutcome(steps: ProbeStep[], cancelled: boolean): RunOutcome {
  if (cancelled) return 'cancelled';
  const worst = worstStatus(steps.map((s) => s.status));
  return worst === 'skipped' ? 'failed' : worst;
}

/** Depth-first search for a step by id, children included. */
export function findStep(run: Pick<ProbeRun, 'steps'>, id: string): ProbeStep | undefined {
  const visit = (steps: ProbeStep[]): ProbeStep | undefined => {
    for (const s of steps) {
      if (s.id === id) return s;
      const hit = visit(s.children);
      if (hit) return hit;
    }
    return undefined;
  };
  return visit(run.steps);
}

/** The first failed top-level step, which is what the diagnosis and the UI lead with. */
export function firstFailedStep(run: Pick<ProbeRun, 'steps'>): ProbeStep | undefined {
  return run.steps.find((s) => s.status === 'failed');
}

/** The server's leaf certificate as the TLS step recorded it (also when the step failed on it). */
export function leafCertificate(run: Pick<ProbeRun, 'steps'>): CertificateInfo | undefined {
  return run.steps.find((s) => s.id === 'tls')?.evidence.certificate;
}

/** The step a reader should look at first: the first failed one, else the first with a warning. */
export function attentionStep(run: Pick<ProbeRun, 'steps'>): ProbeStep | undefined {
  return firstFailedStep(run) ?? run.steps.find((s) => s.status === 'warning');
}

/** What a run with nothing to look at came to: the authenticated (or, without a user, the anonymous) OPTIONS answer. */
export function cleanRunSummary(run: Pick<ProbeRun, 'steps'>): string {
  const answer = [findStep(run, 'optionsAuthenticated'), findStep(run, 'optionsAnonymous')].find((s) => s?.status === 'passed');
  return answer?.summary ?? 'every step passed.';
}

export interface OutcomeCounts {
  passed: number;
  warnings: number;
  failed: number;
  cancelled: number;
}

/** How many runs ended each way (a batch's summary). */
export function countOutcomes(runs: readonly Pick<ProbeRun, 'outcome'>[]): OutcomeCounts {
  const count = (outcome: RunOutcome) => runs.filter((r) => r.outcome === outcome).length;
  return { passed: count('passed'), warnings: count('warning'), failed: count('failed'), cancelled: count('cancelled') };
}
