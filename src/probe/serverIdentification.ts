// One identification of the ActiveSync server per run, from every answer the run received, not
// from one header. Each clue is kept with what it says, so the report can show why; when the clues
// do not name a product, or contradict each other, the answer is "unknown" with the reason.
//
// The rules, in the order they decide:
//  1. Z-Push's own marks (X-Z-Push-Version, realm "ZPush") → Z-Push; its MS-Server-ActiveSync is
//     the highest protocol version it speaks (6.5.7638.1 when configured for 2.5), not a build.
//  2. Exchange Online's marks (back-end target under outlook.com, build line 15.20) → Exchange Online.
//  3. MS-Server-ActiveSync shaped like an Exchange build → that Exchange. Exchange 2003's
//     6.5.7638.1 is also what imitating servers announce, so it needs Microsoft-stack support
//     (IIS, ASP.NET, NTLM/Negotiate, a Windows NTLM challenge) when a non-Microsoft web server
//     answered, and PHP rules it out.
//  4. X-OWA-Version / X-EWS-Version (only Exchange sends them) → that Exchange.
//  5. MS-Server-ActiveSync equal to a protocol version ("14.0") → a non-Microsoft server: unknown,
//     the value shown as a protocol version.
//  6. Anything else → unknown, with the clues seen.
// A non-Microsoft Server header in front of an identified Exchange is recorded as its front end.
import { parseWwwAuthenticate } from '../protocol/authChallenges';
import type { IdentityClue, ProbeStep, ServerIdentity, ServerProduct, StepEvidence } from './runModel';
import { headerValue, headerValues, productFromBuild, productName, type HeaderList } from './serverIdentity';

/** The answers of one step, as the identification reads them. */
export interface IdentityObservation {
  stepId: string;
  headers: HeaderList;
  ntlmChallenge?: StepEvidence['ntlmChallenge'];
}

/** Protocol versions MS-ASHTTP defines: a value equal to one of them is not an Exchange build. */
const PROTOCOL_VERSIONS = new Set(['1.0', '2.0', '2.1', '2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1']);
const ONLINE_BACK_END = /\.(prod\.)?outlook\.com\.?$/i;
const EXCHANGE_2013_PLUS_HEADERS = ['x-feserver', 'x-beserver', 'x-calculatedbetarget'];

interface Located {
  stepId: string;
  value: string;
}

function first(observations: readonly IdentityObservation[], name: string): Located | undefined {
  for (const o of observations) {
    const value = headerValue(o.headers, name)?.trim();
    if (value) return { stepId: o.stepId, value: value.slice(0, 200) };
  }
  return undefined;
}

function all(observations: readonly IdentityObservation[], name: string): Located[] {
  return observations.flatMap((o) => headerValues(o.headers, name).map((value) => ({ stepId: o.stepId, value: value.trim().slice(0, 200) })));
}

function isExchangeProduct(product: ServerProduct): boolean {
  return product !== 'zpush' && product !== 'unknown';
}

/** Identifies the server from the answers of a run's steps; undefined when nothing was answered. */
export function identifyServer(observations: readonly IdentityObservation[]): ServerIdentity | undefined {
  const withHeaders = observations.filter((o) => o.headers.length > 0);
  if (withHeaders.length === 0) return undefined;
  const clues: IdentityClue[] = [];
  const clue = (at: Located, source: string, reading: string) => {
    if (!clues.some((c) => c.source === source && c.value === at.value)) clues.push({ stepId: at.stepId, source, value: at.value, reading });
    return at;
  };

  // ---- gather -----------------------------------------------------------------------------
  const eas = first(withHeaders, 'ms-server-activesync');
  const easValues = [...new Set(all(withHeaders, 'ms-server-activesync').map((v) => v.value))];
  const easIsProtocolVersion = eas ? PROTOCOL_VERSIONS.has(eas.value) : false;
  const easProduct = eas && !easIsProtocolVersion ? productFromBuild(eas.value) : 'unknown';
  const easIs2003Build = easProduct === 'exchange2003';

  const zpushVersion = first(withHeaders, 'x-z-push-version');
  if (zpushVersion) clue(zpushVersion, 'X-Z-Push-Version', 'sent only by Z-Push');
  const zpushRealm = all(withHeaders, 'www-authenticate')
    .flatMap((h) => parseWwwAuthenticate([h.value]).map((c) => ({ stepId: h.stepId, value: c.params.realm ?? '' })))
    .find((r) => /^z-?push$/i.test(r.value));
  if (zpushRealm) clue(zpushRealm, 'WWW-Authenticate realm', 'Z-Push\'s sign-in realm');

  const beTarget = first(withHeaders, 'x-calculatedbetarget') ?? first(withHeaders, 'x-beserver');
  const onlineTarget = beTarget && ONLINE_BACK_END.test(beTarget.value) ? beTarget : undefined;
  if (onlineTarget) clue(onlineTarget, 'X-CalculatedBETarget', 'a mailbox server of Exchange Online');

  const owa = first(withHeaders, 'x-owa-version');
  const ews = first(withHeaders, 'x-ews-version');
  const owaLike = owa ? { at: owa, source: 'X-OWA-Version' } : ews ? { at: ews, source: 'X-EWS-Version' } : undefined;
  const owaProduct = owaLike ? productFromBuild(owaLike.at.value) : 'unknown';
  if (owaLike) clue(owaLike.at, owaLike.source, owaProduct === 'unknown' ? 'an Exchange header, build line not recognised' : `Exchange header, build line of ${productName(owaProduct)}`);

  const server = first(withHeaders, 'server');
  const iis = server && /microsoft-iis|microsoft-httpapi/i.test(server.value) ? server : undefined;
  const foreignServer = server && !/microsoft/i.test(server.value) ? server : undefined;
  if (iis) clue(iis, 'Server', 'Microsoft IIS');
  if (foreignServer) clue(foreignServer, 'Server', 'a non-Microsoft web server');
  const aspNet = all(withHeaders, 'x-powered-by').find((h) => /asp\.net/i.test(h.value)) ?? first(withHeaders, 'x-aspnet-version');
  if (aspNet) clue(aspNet, aspNet.value.match(/^\d/) ? 'X-AspNet-Version' : 'X-Powered-By', 'ASP.NET, the stack Exchange runs on');
  const php = all(withHeaders, 'x-powered-by').find((h) => /php/i.test(h.value));
  if (php) clue(php, 'X-Powered-By', 'PHP, which Exchange never runs on');
  const windowsSchemes = all(withHeaders, 'www-authenticate').find((h) => /^\s*(ntlm|negotiate)\b/i.test(h.value) || /,\s*(ntlm|negotiate)\b/i.test(h.value));
  if (windowsSchemes) clue(windowsSchemes, 'WWW-Authenticate', 'Windows sign-in (NTLM/Negotiate) offered, as IIS does');
  const ntlm = observations.find((o) => o.ntlmChallenge?.windowsVersion || o.ntlmChallenge?.dnsComputer);
  if (ntlm?.ntlmChallenge) {
    const c = ntlm.ntlmChallenge;
    clue({ stepId: ntlm.stepId, value: [c.windowsRelease ?? c.windowsVersion, c.dnsComputer || c.netbiosComputer].filter(Boolean).join(', ') }, 'NTLM challenge', 'a Windows server answered the sign-in');
  }
  const modernFrontEnd = EXCHANGE_2013_PLUS_HEADERS.map((h) => first(withHeaders, h)).find((h) => h !== undefined);
  if (modernFrontEnd && !onlineTarget) clue(modernFrontEnd, 'Exchange front-end headers', 'Exchange 2013 or later (X-FEServer, X-BEServer, X-CalculatedBETarget)');
  const microsoftStack = Boolean(iis || aspNet || windowsSchemes || ntlm || owaLike || modernFrontEnd);

  if (eas) {
    const reading = easIsProtocolVersion
      ? 'a protocol version, not an Exchange build'
      : easIs2003Build
        ? 'Exchange 2003\'s build number (servers imitating Exchange 2003 send it too)'
        : easProduct === 'unknown'
          ? 'not a build number of any Exchange release this tool knows'
          : `build line of ${productName(easProduct)}`;
    clue(eas, 'MS-Server-ActiveSync', reading);
  }

  const make = (product: ServerProduct, source: string, extra: Partial<ServerIdentity> = {}): ServerIdentity => {
    const identity: ServerIdentity = { product, productName: productName(product), build: '', source, clues, ...extra };
    if (isExchangeProduct(product) && foreignServer) identity.frontEnd = foreignServer.value;
    if (easValues.length > 1) identity.note = [identity.note, `The answers carried different MS-Server-ActiveSync values (${easValues.join(', ')}): more than one server answered.`].filter(Boolean).join(' ');
    return identity;
  };

  // ---- decide -----------------------------------------------------------------------------
  const zpushMark = zpushVersion ?? zpushRealm;
  const exchangeOnly = (eas && !easIsProtocolVersion && !easIs2003Build && easProduct !== 'unknown') || owaLike || onlineTarget;
  if (zpushMark) {
    if (exchangeOnly) {
      return make('unknown', 'conflicting clues', { note: 'Z-Push\'s marks and Exchange\'s own headers both appear in the answers: the clues contradict each other.' });
    }
    const protocolVersion = eas ? (easIs2003Build ? '2.5' : easIsProtocolVersion ? eas.value : undefined) : undefined;
    return make('zpush', zpushVersion ? 'X-Z-Push-Version' : 'WWW-Authenticate realm', { build: zpushVersion?.value ?? '', protocolVersion });
  }
  if (onlineTarget || (eas && easProduct === 'exchangeOnline') || owaProduct === 'exchangeOnline') {
    const source = onlineTarget ? 'X-CalculatedBETarget' : eas && easProduct === 'exchangeOnline' ? 'MS-Server-ActiveSync' : (owaLike?.source ?? 'X-OWA-Version');
    return make('exchangeOnline', source, { build: eas && !easIsProtocolVersion ? eas.value : (owaLike?.at.value ?? '') });
  }
  if (eas && !easIsProtocolVersion && easProduct !== 'unknown') {
    if (easIs2003Build) {
      if (php) {
        return make('unknown', 'MS-Server-ActiveSync', { build: eas.value, note: 'It announces Exchange 2003\'s build number but runs on PHP: a server that imitates Exchange 2003, not Exchange itself. Its answers do not name the product.' });
      }
      if (foreignServer && !microsoftStack) {
        return make('unknown', 'MS-Server-ActiveSync', {
          build: eas.value,
          note: `It announces Exchange 2003's build number, but the web server is ${foreignServer.value} and nothing else points at a Microsoft server: this is either Exchange 2003 behind a reverse proxy or a server that imitates it.`,
        });
      }
    }
    return make(easProduct, 'MS-Server-ActiveSync', { build: eas.value });
  }
  if (owaLike && owaProduct !== 'unknown') return make(owaProduct, owaLike.source, { build: owaLike.at.value });
  if (eas && easIsProtocolVersion) {
    return make('unknown', 'MS-Server-ActiveSync', {
      protocolVersion: eas.value,
      note: `MS-Server-ActiveSync carries the protocol version ${eas.value} instead of a build number, which Exchange does not do${php ? ', and the server runs on PHP' : ''}: a non-Microsoft ActiveSync server whose answers do not name the product.`,
    });
  }
  if (eas) return make('unknown', 'MS-Server-ActiveSync', { build: eas.value, note: `MS-Server-ActiveSync "${eas.value}" is not the build of any Exchange release this tool knows.` });
  if (modernFrontEnd) return make('unknown', 'Exchange front-end headers', { note: 'Exchange 2013 or later answered (front-end headers), but no answer gave its version.' });
  return make('unknown', 'none', { note: 'Nothing in the answers names the product (no MS-Server-ActiveSync, X-OWA-Version or product header).' });
}

/** Steps whose answers come from the ActiveSync host (Autodiscover may be another server). */
function isActiveSyncHostStep(id: string): boolean {
  return !id.startsWith('autodiscover');
}

function isHeaderPair(h: unknown): h is [string, string] {
  return Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string';
}

/** The observations of a run's steps, children included, in tree order. */
export function observationsOf(steps: readonly ProbeStep[]): IdentityObservation[] {
  const out: IdentityObservation[] = [];
  const visit = (list: readonly ProbeStep[] | undefined) => {
    for (const s of list ?? []) {
      if (!s || !isActiveSyncHostStep(String(s.id))) continue;
      const exchanges = s.evidence?.http ?? [];
      const only = exchanges.length === 1 ? exchanges[0]?.response?.headers : undefined;
      let headers: HeaderList;
      if (only && only.every(isHeaderPair)) {
        // One well-formed answer (every live step with one request): read it as recorded, so the
        // look-ups reuse the header index the step's own judging built.
        headers = only;
      } else {
        const copied: Array<[string, string]> = [];
        for (const ex of exchanges) {
          for (const h of ex?.response?.headers ?? []) if (Array.isArray(h) && h.length >= 2) copied.push([String(h[0]), String(h[1])]);
        }
        headers = copied;
      }
      out.push({ stepId: String(s.id), headers, ntlmChallenge: s.evidence?.ntlmChallenge });
      visit(s.children);
    }
  };
  visit(steps);
  return out;
}

/** The run's one identification: the stored one, or (older runs) worked out from its evidence. */
export function runServerIdentity(run: { server?: ServerIdentity; steps?: readonly ProbeStep[] }): ServerIdentity | undefined {
  if (run?.server && typeof run.server.product === 'string') return run.server;
  return identifyServer(observationsOf(Array.isArray(run?.steps) ? run.steps : []));
}

/** One line naming the server the way every report shows it, e.g. "Exchange Server 2010 (build 14.3.123.4) behind nginx". */
export function describeServer(identity: ServerIdentity): string {
  if (identity.product === 'unknown') {
    const shown = identity.protocolVersion ? `protocol version ${identity.protocolVersion}` : identity.build ? `MS-Server-ActiveSync ${identity.build}` : '';
    return `Unknown server${shown ? ` (${shown})` : ''}`;
  }
  const parts = [identity.productName];
  if (identity.product === 'zpush') {
    if (identity.build) parts.push(`version ${identity.build}`);
    if (identity.protocolVersion) parts.push(`protocol version ${identity.protocolVersion}`);
  } else if (identity.build) {
    parts.push(`build ${identity.build}`);
  }
  const head = parts.length > 1 ? `${parts[0]} (${parts.slice(1).join(', ')})` : parts[0];
  return identity.frontEnd ? `${head} behind ${identity.frontEnd}` : head;
}

/** One clue as a line of evidence: "MS-Server-ActiveSync 14.0: a protocol version, not an Exchange build". */
export function describeClue(clue: IdentityClue): string {
  return `${clue.source} ${clue.value}: ${clue.reading}`;
}
