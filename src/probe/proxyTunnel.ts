// HTTPS through a forward proxy: which proxy applies (an explicit option, or HTTPS_PROXY /
// NO_PROXY from the environment) and the CONNECT tunnel itself, kept by hand so the probe still
// times TCP and TLS separately and sees the server's own certificate.
import type { Socket } from 'node:net';
import { abortReason } from './abortable';
import { connectOnce } from './tcpStep';

export function proxyFor(host: string, port: number, explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit !== undefined) return explicit.trim() || undefined;
  const value = env.HTTPS_PROXY ?? env.https_proxy ?? env.ALL_PROXY ?? env.all_proxy;
  if (!value) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const h = host.toLowerCase();
  for (const entry of noProxy) {
    if (entry === '*') return undefined;
    const [name, entryPort] = entry.split(':');
    if (entryPort && Number(entryPort) !== port) continue;
    const bare = name.replace(/^\*?\./, '');
    if (h === bare || h.endsWith(`.${bare}`)) return undefined;
  }
  return value;
}

export interface ProxyEndpoint {
  host: string;
  port: number;
  authorization?: string;
  display: string;
}

export function parseProxy(url: string): ProxyEndpoint {
  const u = new URL(url.includes('://') ? url : `http://${url}`);
  if (u.protocol !== 'http:') throw new Error(`Only http:// proxies are supported (got ${u.protocol}).`);
  const authorization = u.username ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : 8080, authorization, display: `${u.hostname}${u.port ? `:${u.port}` : ''}` };
}

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw tunnelled socket. */
export async function openTunnel(proxy: ProxyEndpoint, host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<{ socket: Socket; status: string }> {
  const socket = await connectOnce(proxy.host, proxy.port, timeoutMs, signal);
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxy.authorization) lines.push(`Proxy-Authorization: ${proxy.authorization}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => fail(Object.assign(new Error(`The proxy did not answer CONNECT within ${timeoutMs} ms.`), { code: 'ETIMEDOUT' })), timeoutMs);
    const onAbort = () => fail(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('error', fail);
    };
    function fail(error: Error) {
      done();
      socket.destroy();
      reject(error);
    }
    function onData(chunk: Buffer) {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > 16_384) fail(Object.assign(new Error('The proxy sent an oversized CONNECT reply.'), { code: 'EPROTO' }));
        return;
      }
      const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
      const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
      done();
      if (code !== 200) {
        socket.destroy();
        reject(Object.assign(new Error(`The proxy refused the tunnel: ${statusLine.slice(0, 200)}`), { code: 'EPROXY' }));
        return;
      }
      const rest = buffered.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve({ socket, status: statusLine });
    }
    socket.on('data', onData);
    socket.once('error', fail);
  });
}
