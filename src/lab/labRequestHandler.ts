// Answers HTTP requests for one lab scenario the way the simulated server would: the ActiveSync
// directory (OPTIONS above all), and EWS and Autodiscover, which the probe's credential
// cross-check calls. Anything else gets the server's own 404 page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { offeredSchemes, parseWwwAuthenticate } from '../protocol/authChallenges';
import { checkLabAuthorization, type LabAuthResult } from './labAuth';
import { checkBearerToken, oauthNotAvailableDiagnostics } from './labBearerCheck';
import { EXCHANGE_ONLINE_RESOURCE, type LabAuthority } from './labOAuthAuthority';
import { handleWindowsAuth, type LabWindowsHost } from './labNtlm';
import { emailAddressFor, LAB_DISPLAY_NAME } from './labAccounts';
import {
  EXCHANGE_BEARER_CHALLENGE,
  REASON_PHRASES,
  SERVER_PROFILES,
  STATUS_PAGES,
  type HeaderList,
  type ServerProfile,
} from './exchangeResponses';
import { answerCommand, type LabDevice } from './labCommands';
import { answerFor, frameworkError, readMobileSyncRequest, WEB_SITE_PREFIX } from './labAutodiscover';
import type { LabScenario } from './scenarios';

/** One answered request, for tests and logging. Never carries a password. */
export interface LabRequestInfo {
  scenarioId: string;
  method: string;
  path: string;
  statusCode: number;
  /** How the request authenticated; the user name only when credentials were sent. */
  auth: LabAuthResult['kind'];
  userName?: string;
  /** The scheme that carried the credentials (Basic, NTLM, Negotiate). */
  scheme?: string;
  /** For NTLM/Negotiate: 'challenge' when this request was leg 1 and got the server's challenge. */
  windowsLeg?: 'challenge';
  /** For an ActiveSync POST: the Cmd query parameter. */
  command?: string;
}

export interface LabRequestContext {
  scenario: LabScenario;
  /** This scenario's own ActiveSync URL (Autodiscover hands it out). */
  selfUrl: string;
  /** URLs of the other running scenarios (451 points at one). */
  urlFor(id: string): string;
  onRequest?(info: LabRequestInfo): void;
  /** Holds every answer back this long, as a WAN round trip would (tests and benchmarks); default 0. */
  latencyMs?: number;
  /** The lab's OAuth authority, running when an OAuth scenario is. */
  authority?: LabAuthority;
}

const PASSWORD_CHANGE_URL = 'https://passwordreset.contoso.example/';
const MAX_BODY_BYTES = 256 * 1024;

type Reply = { status: number; headers: HeaderList; body?: string | Uint8Array; chunked?: boolean; holdMs?: number };

export function createLabRequestHandler(ctx: LabRequestContext): (req: IncomingMessage, res: ServerResponse) => void {
  // The server's memory of devices (policy keys, sync keys), by DeviceId, for this scenario.
  const devices = new Map<string, LabDevice>();
  return (req, res) => {
    readBody(req)
      .then((body) => {
        const path = pathOf(req.url);
        const { auth, challenge } = authenticate(ctx, req);
        const reply = challenge ?? route(ctx, req, path, auth, body, devices);
        const answer = () => {
          send(req, res, reply);
          report(ctx, req, path, reply, auth, challenge);
        };
        // Decided now (NTLM state lives on the socket), only the first bytes wait.
        const wait = (ctx.latencyMs ?? 0) + (reply.holdMs ?? 0);
        if (wait > 0) {
          // A held answer (latency, a Ping's heartbeat) is dropped if the client goes away first.
          const onClose = () => clearTimeout(timer);
          const timer = setTimeout(() => {
            req.socket.removeListener('close', onClose);
            answer();
          }, wait);
          req.socket.once('close', onClose);
        } else answer();
      })
      .catch(() => res.destroy());
  };
}

/** Tells the caller's onRequest what was answered (never a password). */
function report(ctx: LabRequestContext, req: IncomingMessage, path: string, reply: Reply, auth: LabAuthResult, challenge: Reply | undefined): void {
  ctx.onRequest?.({
    scenarioId: ctx.scenario.id,
    method: req.method ?? '',
    path,
    statusCode: reply.status,
    auth: auth.kind,
    userName: 'userName' in auth && auth.userName ? auth.userName : undefined,
    scheme: auth.kind === 'accepted' || auth.kind === 'rejected' ? (auth.scheme ?? 'Basic') : auth.kind === 'unsupported' ? auth.scheme : undefined,
    windowsLeg: challenge ? 'challenge' : undefined,
    command: req.method === 'POST' ? (new URL(req.url ?? '/', 'https://lab.invalid').searchParams.get('Cmd') ?? undefined) : undefined,
  });
}

/** Connections that completed a Windows sign-in, and as whom. */
const windowsSignedIn = new WeakMap<object, { userName: string; scheme: 'NTLM' | 'Negotiate' }>();

/** A machine name for profiles that name none (their challenge still needs one). */
const DEFAULT_WINDOWS_HOST: LabWindowsHost = { netbiosComputer: 'LAB-IIS', dnsComputer: 'lab-iis.contoso.example', version: [10, 0, 17763] };

/**
 * Who is calling: Basic through labAuth.ts, NTLM and Negotiate through labNtlm.ts, each only when
 * the server offers that scheme (a scheme switched off on the directory is refused, as IIS does).
 * Leg 1 of a Windows handshake gets its 401 challenge here, before any routing.
 */
function authenticate(ctx: LabRequestContext, req: IncomingMessage): { auth: LabAuthResult; challenge?: Reply } {
  const profile = SERVER_PROFILES[ctx.scenario.server];
  const offered = offeredSchemes(parseWwwAuthenticate(profile.anonymousChallenges));
  const header = (req.headers.authorization ?? '').trim();
  const bearer = /^bearer\s+(\S+)$/i.exec(header);
  if (bearer && ctx.scenario.eas.kind === 'oauth') return authenticateBearer(ctx, profile, bearer[1]);
  const windows = /^(ntlm|negotiate)\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (windows && offered.includes(windows[1].toLowerCase())) {
    const scheme = windows[1].toLowerCase() === 'ntlm' ? 'NTLM' : 'Negotiate';
    const outcome = handleWindowsAuth({
      scheme,
      token: windows[2],
      socket: req.socket,
      mode: ctx.scenario.windowsAuth ?? 'verify',
      accounts: ctx.scenario.accounts,
      host: profile.windowsHost ?? DEFAULT_WINDOWS_HOST,
    });
    if (outcome.kind === 'challenge') {
      const headers: HeaderList = [
        ['Content-Type', profile.unauthorizedPage.contentType],
        ...profile.identityHeaders,
        ['WWW-Authenticate', outcome.wwwAuthenticate],
      ];
      if (outcome.closeConnection) headers.push(['Connection', 'close']);
      return { auth: { kind: 'anonymous' }, challenge: withBody(401, headers, profile.unauthorizedPage.body) };
    }
    if (outcome.kind === 'accepted') {
      windowsSignedIn.set(req.socket, { userName: outcome.userName, scheme });
      return { auth: { kind: 'accepted', userName: outcome.userName, scheme } };
    }
    return { auth: { kind: 'rejected', userName: outcome.userName ?? '', reason: outcome.reason, scheme } };
  }
  // IIS keeps an NTLM/Negotiate sign-in for the rest of the kept-alive connection: later requests
  // on it need no Authorization header (the default authPersistSingleRequest=false).
  const signedIn = windowsSignedIn.get(req.socket);
  if (!header && signedIn) return { auth: { kind: 'accepted', userName: signedIn.userName, scheme: signedIn.scheme } };
  const auth = checkLabAuthorization(req, ctx.scenario.accounts);
  if ((auth.kind === 'accepted' || auth.kind === 'rejected') && offered.length > 0 && !offered.includes('basic')) {
    return { auth: { kind: 'rejected', userName: auth.userName, reason: 'schemeNotEnabled' } };
  }
  return { auth };
}

/** Exchange Online's resource in each form a client may ask for it; its well-known application id too. */
const EXCHANGE_ONLINE_AUDIENCES = [EXCHANGE_ONLINE_RESOURCE, 'https://outlook.office.com', '00000002-0000-0ff1-ce00-000000000000'];

/** Judges a Bearer token as the resource server the scenario plays; a refusal is answered right here. */
function authenticateBearer(ctx: LabRequestContext, profile: ServerProfile, token: string): { auth: LabAuthResult; challenge?: Reply } {
  const setup = ctx.scenario.oauth;
  const rejected: LabAuthResult = { kind: 'rejected', userName: '', reason: 'invalidToken', scheme: 'Bearer' };
  if (!setup || !ctx.authority || setup.serverRefusesOAuth) {
    return { auth: rejected, challenge: bearerRefusal(ctx, profile, 'invalid_token', oauthNotAvailableDiagnostics()) };
  }
  const own = new URL(ctx.selfUrl);
  const audiences = setup.audience === 'exchangeOnline' ? EXCHANGE_ONLINE_AUDIENCES : [`https://${own.hostname}`, own.origin, EXCHANGE_ONLINE_AUDIENCES[2]];
  const verdict = checkBearerToken(token, { publicKey: (kid) => ctx.authority?.publicKey(kid), issuer: ctx.authority.accessTokenIssuer(setup.tenantId), audiences });
  if (!verdict.ok) return { auth: rejected, challenge: bearerRefusal(ctx, profile, verdict.error, verdict.diagnostics) };
  return { auth: { kind: 'accepted', userName: verdict.userPrincipalName, scheme: 'Bearer' } };
}

/** The Bearer challenge of an OAuth scenario: its own tenant, and the lab authority as authorization_uri. */
function scenarioBearerChallenge(ctx: LabRequestContext, error?: string): string {
  const tenantId = ctx.scenario.oauth?.tenantId ?? '';
  const authorizationUri = ctx.authority ? `${ctx.authority.origin}/common/oauth2/authorize` : 'https://login.windows.net/common/oauth2/authorize';
  return (
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", ' +
    `trusted_issuers="00000001-0000-0000-c000-000000000000@${tenantId}", ` +
    'token_types="app_asserted_user_v1 service_asserted_app_v1", ' +
    `authorization_uri="${authorizationUri}"${error ? `, error="${error}"` : ''}`
  );
}

/** Challenges of an OAuth scenario's 401: Bearer alone on Exchange Online, Bearer then the others on premises. */
function oauthChallenges(ctx: LabRequestContext, profile: ServerProfile, error?: string): string[] {
  const bearer = scenarioBearerChallenge(ctx, error);
  if (profile.id === 'exchangeOnline') return [bearer];
  return [bearer, ...profile.anonymousChallenges.filter((c) => !/^bearer\b/i.test(c))];
}

function bearerRefusal(ctx: LabRequestContext, profile: ServerProfile, error: string, diagnostics: string): Reply {
  const headers: HeaderList = [
    ['Content-Type', 'text/html'],
    ...profile.identityHeaders,
    ...(profile.diagnosticHeaders?.(401) ?? []),
    ['x-ms-diagnostics', diagnostics],
    ...oauthChallenges(ctx, profile, error).map((c): [string, string] => ['WWW-Authenticate', c]),
  ];
  return withBody(401, headers, '');
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'https://lab.invalid').pathname;
  } catch {
    return url ?? '/';
  }
}

function route(ctx: LabRequestContext, req: IncomingMessage, path: string, auth: LabAuthResult, body: Buffer, devices: Map<string, LabDevice>): Reply {
  const profile = SERVER_PROFILES[ctx.scenario.server];
  const normalised = path.toLowerCase().replace(/\/+$/, '');
  if (normalised === '/microsoft-server-activesync') return activeSync(ctx, profile, req, auth, body, devices);
  if (normalised === '/ews/exchange.asmx') return ews(ctx, req.method ?? '', auth);
  if (ctx.scenario.autodiscover) {
    const answer = autodiscoverScenario(ctx, profile, normalised, req.method ?? '', auth, body.toString('utf8'));
    if (answer) return answer;
  }
  if (normalised === '/autodiscover/autodiscover.xml') return autodiscover(ctx, req.method ?? '', auth, body.toString('utf8'));
  return notFound(profile);
}

// ---- Microsoft-Server-ActiveSync -----------------------------------------------------------

function activeSync(ctx: LabRequestContext, profile: ServerProfile, req: IncomingMessage, auth: LabAuthResult, body: Buffer, devices: Map<string, LabDevice>): Reply {
  const method = req.method ?? '';
  const behaviour = ctx.scenario.eas;
  if (behaviour.kind === 'notFound') return notFound(profile);
  if (behaviour.kind === 'bearerOnly') return bearerOnly(profile);
  if (behaviour.kind === 'oauth') {
    // Basic on Exchange Online is retired; on premises it is checked as usual.
    const basicAllowed = profile.id !== 'exchangeOnline';
    if (auth.kind !== 'accepted' || (auth.scheme !== 'Bearer' && !basicAllowed)) {
      const headers: HeaderList = [
        ['Content-Type', profile.id === 'exchangeOnline' ? 'text/html' : profile.unauthorizedPage.contentType],
        ...profile.identityHeaders,
        ...(profile.diagnosticHeaders?.(401) ?? []),
        ...oauthChallenges(ctx, profile).map((c): [string, string] => ['WWW-Authenticate', c]),
      ];
      return withBody(401, headers, profile.id === 'exchangeOnline' ? '' : profile.unauthorizedPage.body);
    }
    if (auth.scheme === 'Bearer' && ctx.scenario.oauth?.mailbox === 'activeSyncDisabled' && (method === 'OPTIONS' || method === 'POST')) return easStatus(ctx, profile, 403);
  }
  // With anonymous access on, IIS still checks credentials that are sent, and refuses wrong ones.
  const anonymousLetIn = behaviour.kind === 'anonymousAllowed' && auth.kind === 'anonymous';
  if (auth.kind !== 'accepted' && !anonymousLetIn) return unauthorized(profile, auth);
  // The front end accepted the password but the back end refuses the hand-over: the client
  // sees the same 401 as without credentials.
  if (behaviour.kind === 'backEndRejects') return unauthorized(profile, { kind: 'anonymous' });

  if (method === 'OPTIONS' || method === 'POST') {
    if (behaviour.kind === 'status') return easStatus(ctx, profile, behaviour.status);
  }
  if (method === 'OPTIONS') {
    return behaviour.kind === 'headersStripped' ? strippedOptions(profile) : healthyOptions(profile);
  }
  if (method === 'POST') {
    const query = new URL(req.url ?? '/', 'https://lab.invalid').searchParams;
    const redirectUrl = ctx.scenario.redirectTo ? ctx.urlFor(ctx.scenario.redirectTo) : undefined;
    return answerCommand(profile, easHandlerHeaders(profile, 200), ctx.scenario.commands ?? { kind: 'normal' }, devices, { query, headers: req.headers, body, redirectUrl });
  }
  // Only OPTIONS and POST are defined for this directory; Exchange rejects a browser's GET (modelled as 501).
  return { status: 501, headers: [...easHandlerHeaders(profile, 501), ['Content-Length', '0']] };
}

function healthyOptions(profile: ServerProfile): Reply {
  const eas = profile.eas;
  if (!eas) return strippedOptions(profile);
  const headers: HeaderList = [['Cache-Control', 'private']];
  if (!eas.chunkedEmptyBody) headers.push(['Allow', 'OPTIONS,POST']);
  if (eas.contentType) headers.push(['Content-Type', eas.contentType]);
  headers.push(...profile.identityHeaders);
  headers.push(
    ['MS-Server-ActiveSync', eas.build],
    ['MS-ASProtocolVersions', eas.versions],
    ['MS-ASProtocolCommands', eas.commands],
  );
  if (!eas.chunkedEmptyBody) headers.push(['Public', 'OPTIONS,POST']);
  headers.push(...(profile.diagnosticHeaders?.(200) ?? []));
  if (eas.chunkedEmptyBody) return { status: 200, headers, chunked: true };
  headers.push(['Content-Length', '0']);
  return { status: 200, headers };
}

/** What gets through a proxy that drops response headers it does not know. */
function strippedOptions(profile: ServerProfile): Reply {
  return {
    status: 200,
    headers: [
      ['Cache-Control', 'private'],
      ['Allow', 'OPTIONS,POST'],
      ...profile.identityHeaders,
      ['Public', 'OPTIONS,POST'],
      ['Content-Length', '0'],
    ],
  };
}

/** Headers of an answer the ActiveSync handler itself writes (so it names its build). */
function easHandlerHeaders(profile: ServerProfile, status: number): HeaderList {
  return [
    ['Cache-Control', 'private'],
    ...profile.identityHeaders,
    ...(profile.eas ? ([['MS-Server-ActiveSync', profile.eas.build]] as HeaderList) : []),
    ...(profile.diagnosticHeaders?.(status) ?? []),
  ];
}

function easStatus(ctx: LabRequestContext, profile: ServerProfile, status: number): Reply {
  const headers = easHandlerHeaders(profile, status);
  if (status === 451 && ctx.scenario.redirectTo) headers.push(['X-MS-Location', ctx.urlFor(ctx.scenario.redirectTo)]);
  if (status === 457) headers.push(['X-MS-Credential-Service-Url', PASSWORD_CHANGE_URL]);
  if (status === 503) headers.push(['Retry-After', '120']);
  const page = STATUS_PAGES[status];
  if (page) return withBody(status, [...headers, ['Content-Type', page.contentType]], page.body);
  return { status, headers: [...headers, ['Content-Length', '0']] };
}

// ---- 401 and 404 ----------------------------------------------------------------------------

function unauthorized(profile: ServerProfile, auth: LabAuthResult): Reply {
  // A scheme the scenario does not offer (an NTLM token where only Basic is enabled, say) gets
  // the first 401 again; handshakes the scenario does offer are answered by labNtlm.ts before this.
  const rejectedCredentials = auth.kind === 'rejected' && profile.rejectedChallenges !== undefined;
  const challenges = rejectedCredentials ? profile.rejectedChallenges! : profile.anonymousChallenges;
  const extra: HeaderList =
    rejectedCredentials && profile.rejectedHeaders
      ? profile.rejectedHeaders(auth.kind === 'rejected' && auth.reason === 'wrongPassword')
      : (profile.diagnosticHeaders?.(401) ?? []);
  const headers: HeaderList = [
    ['Content-Type', profile.unauthorizedPage.contentType],
    ...profile.identityHeaders,
    ...extra,
    ...challenges.map((c): [string, string] => ['WWW-Authenticate', c]),
  ];
  return withBody(401, headers, profile.unauthorizedPage.body);
}

/**
 * A virtual directory with Basic off and Windows authentication on, as IIS answers it: Basic
 * credentials are not looked at (the Basic module is not enabled there), and the 401 (IIS's
 * 401.2, "logon failed due to server configuration") carries one WWW-Authenticate line per
 * provider, Negotiate then NTLM, the default provider order. The headers follow the captured IIS 7
 * 401; this directory's settings as a whole are modelled.
 */
function windowsOnlyUnauthorized(profile: ServerProfile): Reply {
  const headers: HeaderList = [
    ['Content-Type', profile.unauthorizedPage.contentType],
    ...profile.identityHeaders,
    ...(profile.diagnosticHeaders?.(401) ?? []),
    ['WWW-Authenticate', 'Negotiate'],
    ['WWW-Authenticate', 'NTLM'],
  ];
  return withBody(401, headers, profile.unauthorizedPage.body);
}

/** Basic retired (Exchange Online): only the OAuth challenge is offered. Modelled on the captured Bearer challenge. */
function bearerOnly(profile: ServerProfile): Reply {
  const headers: HeaderList = [
    ['Content-Type', 'text/html'],
    ...profile.identityHeaders,
    ...(profile.diagnosticHeaders?.(401) ?? []),
    ['WWW-Authenticate', EXCHANGE_BEARER_CHALLENGE],
  ];
  return withBody(401, headers, '');
}

function notFound(profile: ServerProfile): Reply {
  const page = profile.notFoundPage;
  return withBody(404, [['Content-Type', page.contentType], ...profile.identityHeaders], page.body);
}

// ---- cross-check endpoints ------------------------------------------------------------------

function crossCheckProfile(ctx: LabRequestContext): ServerProfile {
  return SERVER_PROFILES[ctx.scenario.crossCheckServer ?? ctx.scenario.server];
}

function crossCheckGate(ctx: LabRequestContext, auth: LabAuthResult): { profile: ServerProfile; refusal?: Reply } {
  const profile = crossCheckProfile(ctx);
  if (!profile.hasEwsAndAutodiscover || ctx.scenario.eas.kind === 'notFound') return { profile, refusal: notFound(profile) };
  if (ctx.scenario.eas.kind === 'bearerOnly' || (ctx.scenario.eas.kind === 'oauth' && profile.id === 'exchangeOnline')) return { profile, refusal: bearerOnly(profile) };
  if (auth.kind !== 'accepted') return { profile, refusal: unauthorized(profile, auth) };
  return { profile };
}

function identityWithOwa(profile: ServerProfile, status: number): HeaderList {
  const headers: HeaderList = [...profile.identityHeaders, ...(profile.diagnosticHeaders?.(status) ?? [])];
  if (profile.owaVersion && !headers.some(([name]) => name === 'X-OWA-Version')) headers.push(['X-OWA-Version', profile.owaVersion]);
  return headers;
}

function ews(ctx: LabRequestContext, method: string, auth: LabAuthResult): Reply {
  const { profile, refusal } = crossCheckGate(ctx, auth);
  if (refusal) return refusal;
  if (method === 'POST') {
    return withBody(200, [['Content-Type', 'text/xml; charset=utf-8'], ...identityWithOwa(profile, 200)], ewsSoapReply(profile));
  }
  const page = '<html><head><title>Exchange Web Services</title></head><body><p>Exchange Web Services endpoint (ActiveSync Doctor lab).</p></body></html>';
  return withBody(200, [['Content-Type', 'text/html; charset=utf-8'], ...identityWithOwa(profile, 200)], page);
}

/** A minimal SOAP answer carrying ServerVersionInfo (from X-OWA-Version where the profile has one). */
function ewsSoapReply(profile: ServerProfile): string {
  const parts = profile.owaVersion?.split('.') ?? [];
  const version =
    parts.length === 4
      ? `<h:ServerVersionInfo MajorVersion="${parts[0]}" MinorVersion="${parts[1]}" MajorBuildNumber="${parts[2]}" MinorBuildNumber="${parts[3]}" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/>`
      : '';
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">' +
    `<s:Header>${version}</s:Header><s:Body/></s:Envelope>`
  );
}

function autodiscover(ctx: LabRequestContext, method: string, auth: LabAuthResult, body: string): Reply {
  const { profile, refusal } = crossCheckGate(ctx, auth);
  if (refusal) return refusal;
  const headers: HeaderList = [['Content-Type', 'text/xml; charset=utf-8'], ...identityWithOwa(profile, 200)];
  const email = emailAddressFor(ctx.scenario.accounts);
  if (method !== 'POST') return withBody(200, headers, autodiscoverError());
  if (/mobilesync/i.test(body)) return withBody(200, headers, mobileSyncResponse(email, ctx.selfUrl));
  return withBody(200, headers, outlookResponse(email, ctx.selfUrl));
}

/** An Autodiscover scenario's own answers (labAutodiscover.ts); undefined for paths it does not own. */
function autodiscoverScenario(ctx: LabRequestContext, profile: ServerProfile, path: string, method: string, auth: LabAuthResult, body: string): Reply | undefined {
  const behaviour = ctx.scenario.autodiscover;
  if (!behaviour) return undefined;
  const origin = new URL(ctx.selfUrl).origin;
  if (behaviour.kind === 'redirect' && path === `${WEB_SITE_PREFIX}/autodiscover/autodiscover.xml`) {
    // The company web site's IIS redirects before any sign-in, with its classic "Object Moved" page.
    const to = `${origin}/autodiscover/autodiscover.xml`;
    return withBody(302, [['Location', to], ['Content-Type', 'text/html; charset=UTF-8'], ...profile.identityHeaders], `<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found <a HREF="${to}">here</a></body>`);
  }
  if (path !== '/autodiscover/autodiscover.xml') return undefined;
  if (behaviour.kind === 'windowsAuthOnly' && !(auth.kind === 'accepted' && (auth.scheme === 'NTLM' || auth.scheme === 'Negotiate'))) {
    return windowsOnlyUnauthorized(profile);
  }
  if (auth.kind !== 'accepted') return unauthorized(profile, auth);
  const headers: HeaderList = [['Content-Type', 'text/xml; charset=utf-8'], ...identityWithOwa(profile, 200)];
  // Autodiscover answers a GET with its invalid-request document.
  if (method !== 'POST') return withBody(200, headers, frameworkError('600'));
  const easUrl = behaviour.kind === 'settings' && behaviour.handsOut ? ctx.urlFor(behaviour.handsOut) : ctx.selfUrl;
  return withBody(200, headers, answerFor(behaviour, readMobileSyncRequest(body), easUrl));
}

function autodiscoverError(): string {
  // Autodiscover answers a GET with its "invalid request" error document (error 600).
  return (
    '<?xml version="1.0" encoding="utf-8"?>\r\n' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">' +
    '<Response><Error Id="0" Time="00:00:00.0000000"><ErrorCode>600</ErrorCode><Message>Invalid Request</Message><DebugData /></Error></Response>' +
    '</Autodiscover>'
  );
}

function mobileSyncResponse(email: string, easUrl: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\r\n' +
    '<Autodiscover xmlns:autodiscover="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">' +
    '<autodiscover:Response><autodiscover:Culture>en:us</autodiscover:Culture>' +
    `<autodiscover:User><autodiscover:DisplayName>${LAB_DISPLAY_NAME}</autodiscover:DisplayName><autodiscover:EMailAddress>${email}</autodiscover:EMailAddress></autodiscover:User>` +
    '<autodiscover:Action><autodiscover:Settings><autodiscover:Server><autodiscover:Type>MobileSync</autodiscover:Type>' +
    `<autodiscover:Url>${easUrl}</autodiscover:Url><autodiscover:Name>${easUrl}</autodiscover:Name>` +
    '</autodiscover:Server></autodiscover:Settings></autodiscover:Action></autodiscover:Response></Autodiscover>'
  );
}

function outlookResponse(email: string, easUrl: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\r\n' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">' +
    '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">' +
    `<User><DisplayName>${LAB_DISPLAY_NAME}</DisplayName><AutoDiscoverSMTPAddress>${email}</AutoDiscoverSMTPAddress></User>` +
    '<Account><AccountType>email</AccountType><Action>settings</Action>' +
    `<Protocol><Type>MobileSync</Type><Server>${easUrl}</Server></Protocol>` +
    '</Account></Response></Autodiscover>'
  );
}

// ---- plumbing -------------------------------------------------------------------------------

function withBody(status: number, headers: HeaderList, body: string): Reply {
  return { status, headers: [...headers, ['Content-Length', String(Buffer.byteLength(body))]], body };
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const flat: string[] = [];
  for (const [name, value] of reply.headers) flat.push(name, value);
  // PHP behind Apache streams its (empty) answer chunked; only HTTP/1.1 has chunked encoding.
  if (reply.chunked && req.httpVersion === '1.1') flat.push('Transfer-Encoding', 'chunked');
  const reason = REASON_PHRASES[reply.status];
  if (reason) res.writeHead(reply.status, reason, flat);
  else res.writeHead(reply.status, flat);
  if (req.method === 'HEAD' || !reply.body) res.end();
  else res.end(reply.body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      // Keep reading past the cap (so the connection stays usable) but stop storing.
      if (size < MAX_BODY_BYTES) {
        chunks.push(chunk);
        size += chunk.length;
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES)));
    req.on('error', reject);
  });
}
