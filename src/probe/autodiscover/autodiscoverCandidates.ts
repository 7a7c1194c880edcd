// Which Autodiscover places may get the credentials (those the user named), where Exchange
// Online is asked instead, and how each place is described. Pure.
import type { AutodiscoverCandidate, CandidateSource } from '../../protocol/autodiscoverPlaces';
import { isExchangeOnlineHost } from '../targetInput';

/** scheme://host:port of a URL, lower-case, default port explicit; '' when it is not a URL. */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return `${u.protocol}//${u.hostname.toLowerCase()}:${port}`;
  } catch {
    return '';
  }
}

/**
 * The origins whose names came from the user: the e-mail domain and autodiscover.<domain> (or
 * the --autodiscover-url). Only these may receive the credentials, and only over a connection
 * the credential gate verified; a server named by a redirect, the http GET or an SRV record is
 * asked without them, as the credential rule says for anything a server points at.
 */
export function userNamedOrigins(candidates: readonly AutodiscoverCandidate[]): Set<string> {
  return new Set(candidates.filter((c) => c.source === 'domain' || c.source === 'autodiscoverHost' || c.source === 'given').map((c) => originOf(c.url)).filter(Boolean));
}

/**
 * Exchange Online answers devices through its JSON Autodiscover (v2), without credentials; the
 * POX endpoint there wants modern authentication. A redirect or SRV record naming an Exchange
 * Online host is therefore asked at that endpoint instead (not in the Open Specifications: the
 * form is the one Microsoft's own scripts use).
 */
export function exchangeOnlineJsonUrl(url: string, emailAddress: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (!isExchangeOnlineHost(host)) return undefined;
  // autodiscover-s.outlook.com and the like hand over to the worldwide front door.
  const front = host === 'outlook.office365.us' || host === 'partner.outlook.cn' ? host : 'outlook.office365.com';
  return `https://${front}/autodiscover/autodiscover.json/v1.0/${encodeURIComponent(emailAddress)}?Protocol=ActiveSync`;
}

export function describeSource(source: CandidateSource | 'redirect' | 'exchangeOnline'): string {
  switch (source) {
    case 'domain':
      return 'the e-mail domain';
    case 'autodiscoverHost':
      return 'autodiscover.<domain>';
    case 'httpRedirect':
      return 'the http redirect';
    case 'srv':
      return 'the DNS SRV record';
    case 'given':
      return 'the Autodiscover URL given';
    case 'redirect':
      return 'a redirect';
    case 'exchangeOnline':
      return 'Exchange Online';
  }
}
