// How the ActiveSync URL Autodiscover hands out differs from the one given with the run: a
// different host (an old server, an internal name), scheme, port or path is what sends phones
// elsewhere while a test of the given URL passes. Pure.

export type UrlPart = 'scheme' | 'host' | 'port' | 'path';

function parts(url: string): { scheme: string; host: string; port: string; path: string } | undefined {
  try {
    const u = new URL(url);
    return {
      scheme: u.protocol.replace(/:$/, ''),
      host: u.hostname.toLowerCase().replace(/\.$/, ''),
      port: u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : ''),
      // IIS paths are case-insensitive, and a trailing slash names the same directory.
      path: u.pathname.replace(/\/+$/, '').toLowerCase(),
    };
  } catch {
    return undefined;
  }
}

/** The parts in which `a` and `b` differ; every part when either is not a URL. */
export function urlDifferences(a: string, b: string): UrlPart[] {
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return ['scheme', 'host', 'port', 'path'];
  return (['scheme', 'host', 'port', 'path'] as const).filter((k) => x[k] !== y[k]);
}
