// Autodiscover as the lab's Autodiscover scenarios play it: the mobilesync POX exchange of
// [MS-ASCMD] §2.2.1.1 with the namespaces of its schemas (the outer Autodiscover element in
// …/autodiscover/responseschema/2006, the Response in …/mobilesync/responseschema/2006; errors
// of the framework, 600 and 601, in the outer namespace, [MS-OXDSCLI] §2.2.4), behind the same
// Basic/NTLM sign-in as the rest of the server. The request is read with fast-xml-parser.
//
// The lab has no DNS for contoso.example, so each scenario also says where the places devices
// look ([MS-OXDISCO] §3.1.5) lead: labDiscovery() maps them onto this lab's listeners and onto a
// loopback port where nothing listens. Real runs never use it.
import { XMLParser } from 'fast-xml-parser';
import type { AutodiscoverCandidate, AutodiscoverDiscovery } from '../protocol/autodiscoverPlaces';
import { LAB_DISPLAY_NAME, LAB_UPN } from './labAccounts';

export const MOBILESYNC_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
export const MOBILESYNC_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
export const AUTODISCOVER_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

/** Another address of the lab user (the primary one an Autodiscover Redirect names). */
export const LAB_ALIAS = 'lab.user@contoso.example';

/** How a scenario's Autodiscover answers, and so where its search ends. */
export type LabAutodiscover =
  /** Autodiscover at autodiscover.<domain> hands out `handsOut`'s ActiveSync URL (this server's when absent). */
  | { kind: 'settings'; handsOut?: string }
  /**
   * The web site at <domain> answers 302 to autodiscover.<domain>, which redirects the address to
   * LAB_ALIAS; asked for that, it hands out this server. (Modelled: in the lab both names are
   * one listener, the web site under /site.)
   */
  | { kind: 'redirect' }
  /** Each address redirects to the other: a loop a device must stop. */
  | { kind: 'redirectLoop' }
  /** Every request gets the framework's error 600 (invalid request). */
  | { kind: 'error600' }
  /** Nothing answers anywhere devices look. */
  | { kind: 'noneReachable' }
  /**
   * autodiscover.<domain> has Basic turned off and only Windows authentication on: a request
   * without a Windows sign-in (Basic included) gets IIS's 401 offering Negotiate and NTLM; a
   * Windows sign-in gets this server's settings.
   */
  | { kind: 'windowsAuthOnly' };

export const WEB_SITE_PREFIX = '/site';

const requestParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true, processEntities: true, htmlEntities: false });

/** The request's address and schema; undefined when the body is not a mobilesync request. */
export function readMobileSyncRequest(body: string): { emailAddress: string; schema: string } | undefined {
  let doc: unknown;
  try {
    doc = requestParser.parse(body.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  const request = (doc as { Autodiscover?: { Request?: { EMailAddress?: unknown; AcceptableResponseSchema?: unknown } } })?.Autodiscover?.Request;
  if (!request || typeof request.EMailAddress !== 'string' || !request.EMailAddress) return undefined;
  return { emailAddress: request.EMailAddress, schema: typeof request.AcceptableResponseSchema === 'string' ? request.AcceptableResponseSchema : '' };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

function mobileSyncDocument(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_NS}"><Response xmlns="${MOBILESYNC_RESPONSE_NS}">${inner}</Response></Autodiscover>`;
}

export function settingsAnswer(emailAddress: string, easUrl: string): string {
  return mobileSyncDocument(
    `<Culture>en:us</Culture><User><DisplayName>${LAB_DISPLAY_NAME}</DisplayName><EMailAddress>${escapeXml(emailAddress)}</EMailAddress></User>` +
      `<Action><Settings><Server><Type>MobileSync</Type><Url>${escapeXml(easUrl)}</Url><Name>${escapeXml(easUrl)}</Name></Server></Settings></Action>`,
  );
}

export function redirectAnswer(emailAddress: string, to: string): string {
  return mobileSyncDocument(`<Culture>en:us</Culture><User><EMailAddress>${escapeXml(emailAddress)}</EMailAddress></User><Action><Redirect>${escapeXml(to)}</Redirect></Action>`);
}

/** The framework's error (600 invalid request, 601 no provider for the schema), in the outer namespace. */
export function frameworkError(code: '600' | '601'): string {
  const message = code === '600' ? 'Invalid Request' : 'Provider is not available';
  return `<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_NS}"><Response><Error Time="00:00:00.0000000" Id="2477272013"><ErrorCode>${code}</ErrorCode><Message>${message}</Message><DebugData /></Error></Response></Autodiscover>`;
}

/** The body a scenario's Autodiscover answers a well-formed POST with. */
export function answerFor(behaviour: LabAutodiscover, request: { emailAddress: string; schema: string } | undefined, easUrl: string): string {
  if (!request || behaviour.kind === 'error600') return frameworkError('600');
  if (request.schema !== MOBILESYNC_RESPONSE_NS) return frameworkError('601');
  const address = request.emailAddress.toLowerCase();
  if (behaviour.kind === 'redirectLoop') return redirectAnswer(request.emailAddress, address === LAB_ALIAS ? LAB_UPN : LAB_ALIAS);
  if (behaviour.kind === 'redirect' && address !== LAB_ALIAS) return redirectAnswer(request.emailAddress, LAB_ALIAS);
  return settingsAnswer(request.emailAddress, easUrl);
}

/**
 * Where the places devices look lead, for one scenario: `origin` is its listener
 * (https://localhost:PORT), `closedPort` a loopback port where nothing listens.
 */
export function labDiscovery(behaviour: LabAutodiscover, origin: string, closedPort: number): AutodiscoverDiscovery {
  const nowhere = `localhost:${closedPort}`;
  const path = '/autodiscover/autodiscover.xml';
  const reachable = behaviour.kind !== 'noneReachable';
  const candidates: AutodiscoverCandidate[] = [
    // <domain>: no web site answers on 443, except in the redirect scenario, whose site sends devices on.
    { source: 'domain', url: behaviour.kind === 'redirect' ? `${origin}${WEB_SITE_PREFIX}${path}` : `https://${nowhere}${path}` },
    { source: 'autodiscoverHost', url: reachable ? `${origin}${path}` : `https://127.0.0.1:${closedPort}${path}` },
    { source: 'httpRedirect', url: `http://${nowhere}${path}` },
    { source: 'srv', url: '_autodiscover._tcp.contoso.example' },
  ];
  return {
    candidates: () => candidates,
    // No SRV record: what DNS answers for a name that does not exist.
    resolveSrv: () => Promise.reject(Object.assign(new Error('queryNoSuchName'), { code: 'ENOTFOUND' })),
  };
}
