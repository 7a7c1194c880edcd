// Which servers the exporter may probe. A scraper names the target in the URL; the exporter
// signs in there with the module's test account, so an unchecked target would make it an open
// proxy that hands credentials to any host. Entries are `host` (port 443), `host:port`, or an
// e-mail address; a target must match one exactly after the same normalisation the probe applies.
// An address is probed as `probe` does: Autodiscover finds its server, asking only the places
// derived from the address's domain (see SECURITY.md), so listing the address is what allows them.
import { isIP } from 'node:net';
import { parseEmailTarget } from '../probe/emailTarget';
import { readProbeTarget } from '../probe/probeTarget';
import { ACTIVESYNC_PATH } from '../probe/targetInput';

export type AllowedTarget =
  | {
      kind: 'server';
      host: string;
      port: number;
      /** As written in the configuration, for messages. */
      entry: string;
    }
  | {
      kind: 'address';
      /** The e-mail address, its domain in lower-case ASCII. */
      address: string;
      entry: string;
    };

export type ScrapeTarget =
  | { ok: true; url: string; host: string; port: number }
  /** An e-mail address: the probe starts with Autodiscover. */
  | { ok: true; address: string }
  | { ok: false; reason: string };

/** An address is one mailbox whatever the case it is typed in. */
function canonicalAddress(address: string): string {
  return address.toLowerCase();
}

function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** An allow-list entry, or the reason it is not one. */
export function parseAllowedTarget(entry: string): AllowedTarget | string {
  const text = entry.trim();
  const email = parseEmailTarget(text);
  if (email) return { kind: 'address', address: canonicalAddress(email.address), entry: text };
  if (!text || /[\s/?#@]/.test(text) || text.includes('://')) {
    return `allowed target "${text.slice(0, 60)}" must be a host name or host:port, or an e-mail address (no scheme, path or password).`;
  }
  let url: URL;
  try {
    url = new URL(`https://${isIP(text) === 6 ? `[${text}]` : text}`);
  } catch {
    return `allowed target "${text.slice(0, 60)}" is not a valid host or host:port.`;
  }
  if (url.pathname !== '/' || url.search || url.hash) return `allowed target "${text.slice(0, 60)}" must not carry a path.`;
  return { kind: 'server', host: canonicalHost(url.hostname), port: url.port ? Number(url.port) : 443, entry: text };
}

/**
 * What a scrape's `target` stands for, if the allow-list permits it: the ActiveSync URL of a
 * server, or an e-mail address. Credentials in the target and plain http are refused here rather
 * than tidied up. The text is read as the probe reads it (readProbeTarget).
 */
export function resolveScrapeTarget(raw: string | null, allowed: readonly AllowedTarget[]): ScrapeTarget {
  if (!raw || !raw.trim()) return { ok: false, reason: 'the target parameter is missing (e.g. target=mail.contoso.com or target=jdoe@contoso.com).' };
  const text = raw.trim();
  const { email, server } = readProbeTarget(text, { allowHttp: false });
  if (email) {
    const address = canonicalAddress(email.address);
    if (!allowed.some((a) => a.kind === 'address' && a.address === address)) return { ok: false, reason: `${address} is not in allowedTargets.` };
    return { ok: true, address };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(text) || /^[^/]*@/.test(text)) {
    return { ok: false, reason: 'the target must not carry a user name or password; credentials come from the module.' };
  }
  if (!server.ok) return { ok: false, reason: server.findings.find((f) => f.severity === 'error')?.message ?? 'the target is not a usable server address.' };
  const host = canonicalHost(server.host);
  if (new URL(server.url).pathname.toLowerCase() !== ACTIVESYNC_PATH.toLowerCase()) {
    // One URL per host:port keeps the rate limiting per server exact: no path variant escapes it.
    return { ok: false, reason: `the exporter probes ${ACTIVESYNC_PATH} at the root of the server only.` };
  }
  if (!allowed.some((a) => a.kind === 'server' && a.host === host && a.port === server.port)) {
    return { ok: false, reason: `${host}:${server.port} is not in allowedTargets.` };
  }
  return { ok: true, url: server.url, host, port: server.port };
}
