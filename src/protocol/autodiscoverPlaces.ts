// Where a device looks for Autodiscover, in the order devices use ([MS-OXDISCO] §3.1.5): the
// e-mail domain itself, autodiscover.<domain>, the unauthenticated HTTP GET redirect on
// http://autodiscover.<domain>, then the DNS SRV record _autodiscover._tcp.<domain>. Pure. The
// probe's autodiscover step does the asking; tests and the lab replace the list through
// AutodiscoverDiscovery, because the lab's contoso.example has no DNS. Real runs use this one.

export type CandidateSource = 'domain' | 'autodiscoverHost' | 'httpRedirect' | 'srv' | 'given';

export interface AutodiscoverCandidate {
  source: CandidateSource;
  /** The https URL to POST to; for httpRedirect the http URL to GET; for srv the record name. */
  url: string;
}

/** One SRV answer, as node:dns resolveSrv gives it. */
export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** How the step finds its candidates: the real list and DNS, or (tests, lab) a stand-in for both. */
export interface AutodiscoverDiscovery {
  candidates(domain: string): AutodiscoverCandidate[];
  resolveSrv?(name: string): Promise<SrvAnswer[]>;
}

export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';
/** The Outlook POX documentation's limit on redirects; a device's discovery stops there too. */
export const MAX_AUTODISCOVER_REDIRECTS = 10;

/** Whether `text` can be an Autodiscover endpoint to ask instead of the candidates: https, with a host. */
export function isHttpsEndpoint(text: string): boolean {
  return /^https:\/\/[^/\s]+/i.test(text.trim());
}

export function defaultCandidates(domain: string): AutodiscoverCandidate[] {
  return [
    { source: 'domain', url: `https://${domain}${AUTODISCOVER_PATH}` },
    { source: 'autodiscoverHost', url: `https://autodiscover.${domain}${AUTODISCOVER_PATH}` },
    { source: 'httpRedirect', url: `http://autodiscover.${domain}${AUTODISCOVER_PATH}` },
    { source: 'srv', url: `_autodiscover._tcp.${domain}` },
  ];
}

/** The SRV record a client uses: lowest priority first, then the highest weight. */
export function chooseSrvTarget(records: readonly SrvAnswer[]): string | undefined {
  const usable = records.filter((r) => r.name && r.name !== '.' && r.port > 0 && r.port < 65536);
  if (usable.length === 0) return undefined;
  const best = [...usable].sort((a, b) => a.priority - b.priority || b.weight - a.weight)[0];
  const host = best.name.replace(/\.$/, '');
  return `https://${host}${best.port === 443 ? '' : `:${best.port}`}${AUTODISCOVER_PATH}`;
}
