// Which servers the exporter may probe. A scraper names the target in the URL; the exporter
// signs in there with the module's test account, so an unchecked target would make it an open
// proxy that hands credentials to any host. Entries are `host` (port 443) or `host:port`, and a
// target must match one exactly after the same normalisation the probe applies.
import { isIP } from 'node:net';
import { ACTIVESYNC_PATH, normalizeTarget } from '../probe/targetInput';

export interface AllowedTarget {
  host: string;
  port: number;
  /** As written in the configuration, for messages. */
  entry: string;
}

export type ScrapeTarget = { ok: true; url: string; host: string; port: number } | { ok: false; reason: string };

function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** An allow-list entry, or the reason it is not one. */
export function parseAllowedTarget(entry: string): AllowedTarget | string {
  const text = entry.trim();
  if (!text || /[\s/?#@]/.test(text) || text.includes('://')) {
    return `allowed target "${text.slice(0, 60)}" must be a host name or host:port (no scheme, path or user).`;
  }
  let url: URL;
  try {
    url = new URL(`https://${isIP(text) === 6 ? `[${text}]` : text}`);
  } catch {
    return `allowed target "${text.slice(0, 60)}" is not a valid host or host:port.`;
  }
  if (url.pathname !== '/' || url.search || url.hash) return `allowed target "${text.slice(0, 60)}" must not carry a path.`;
  return { host: canonicalHost(url.hostname), port: url.port ? Number(url.port) : 443, entry: text };
}

/**
 * The ActiveSync URL a scrape's `target` stands for, if the allow-list permits it. Credentials in
 * the target, plain http and e-mail addresses are refused here rather than tidied up.
 */
export function resolveScrapeTarget(raw: string | null, allowed: readonly AllowedTarget[]): ScrapeTarget {
  if (!raw || !raw.trim()) return { ok: false, reason: 'the target parameter is missing (e.g. target=mail.contoso.com).' };
  const text = raw.trim();
  if (/^[^/:@\s]+@[^/:@\s]+$/.test(text)) {
    // An e-mail address needs Autodiscover to find its server; guessing the domain's host would be a guess.
    return { ok: false, reason: 'an e-mail address is not a target yet: give the ActiveSync server (host or URL).' };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(text) || /^[^/]*@/.test(text)) {
    return { ok: false, reason: 'the target must not carry a user name or password; credentials come from the module.' };
  }
  const target = normalizeTarget(text, { allowHttp: false });
  if (!target.ok) return { ok: false, reason: target.findings.find((f) => f.severity === 'error')?.message ?? 'the target is not a usable server address.' };
  const host = canonicalHost(target.host);
  if (new URL(target.url).pathname.toLowerCase() !== ACTIVESYNC_PATH.toLowerCase()) {
    // One URL per host:port keeps the rate limiting per server exact: no path variant escapes it.
    return { ok: false, reason: `the exporter probes ${ACTIVESYNC_PATH} at the root of the server only.` };
  }
  if (!allowed.some((a) => a.host === host && a.port === target.port)) {
    return { ok: false, reason: `${host}:${target.port} is not in allowedTargets.` };
  }
  return { ok: true, url: target.url, host, port: target.port };
}
