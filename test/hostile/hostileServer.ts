// A loopback server that does exactly what a test tells it, byte for byte: the base of the hostile
// test bed. It counts connections, records every request head it could read (so a test can prove
// what was, or was not, sent to it: above all Authorization) and hands each connection or request
// to a behaviour. Plain TCP or TLS with the lab's certificate (trusted through the lab CA).
import * as net from 'node:net';
import * as tls from 'node:tls';
import { labCertificates } from '../../src/lab/labCertificates';

export type LabCertificateKind = 'lab' | 'expired' | 'selfSigned' | 'wrongName';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Array<[string, string]>;
  /** The Authorization header as received, if any. */
  authorization?: string;
  body: string;
}

/** What a behaviour may do with one accepted connection. */
export interface HostileConnection {
  socket: net.Socket;
  /** Index of this connection on the server, from 0. */
  index: number;
}

export interface HostileServerOptions {
  /** Wrap connections in TLS with the lab certificate (names localhost, 127.0.0.1, ::1). */
  tls: boolean;
  /**
   * Which lab certificate to present; default the trusted one. A function picks one per TCP
   * connection (by index from 0), for a server that swaps its certificate on reconnect.
   */
  certificate?: LabCertificateKind | ((connectionIndex: number) => LabCertificateKind);
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** Scheme of `url`; default https for TLS servers, http otherwise (raw TCP servers posing as HTTPS say https). */
  urlScheme?: 'https' | 'http';
  /** Takes over a raw connection (no HTTP parsing). Used for servers that misbehave below HTTP. */
  onConnection?(connection: HostileConnection): void;
  /** Answers one parsed request; called in order for each request on a connection. */
  onRequest?(request: RecordedRequest, socket: net.Socket, index: number): void;
}

export interface HostileServer {
  /** https://127.0.0.1:PORT/Microsoft-Server-ActiveSync (or http:// for plain servers). */
  url: string;
  origin: string;
  host: string;
  port: number;
  /** TCP connections accepted so far (counted before any TLS). */
  connections: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const EAS_PATH = '/Microsoft-Server-ActiveSync';
const MAX_HEAD_BYTES = 256 * 1024;

export function hostileCaPem(): string {
  return labCertificates().caPem;
}

export async function startRawServer(options: HostileServerOptions): Promise<HostileServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const requests: RecordedRequest[] = [];
  let connections = 0;
  let requestIndex = 0;

  const handle = (socket: net.Socket, index: number) => {
    socket.on('error', () => undefined); // a probe that hangs up is not a test failure
    if (options.onConnection) {
      options.onConnection({ socket, index });
      return;
    }
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (pending.length > MAX_HEAD_BYTES) socket.destroy();
          return;
        }
        const head = pending.subarray(0, end).toString('latin1');
        const request = parseHead(head);
        const length = Number(headerOf(request.headers, 'content-length') ?? 0);
        if (pending.length < end + 4 + length) return;
        request.body = pending.subarray(end + 4, end + 4 + length).toString('utf8');
        pending = pending.subarray(end + 4 + length);
        requests.push(request);
        options.onRequest?.(request, socket, requestIndex++);
      }
    });
  };

  const contexts = new Map<LabCertificateKind, tls.SecureContext>();
  const contextFor = (kind: LabCertificateKind) => {
    let context = contexts.get(kind);
    if (!context) contexts.set(kind, (context = tls.createSecureContext({ cert: labCertificates()[kind].certPem, key: labCertificates()[kind].keyPem })));
    return context;
  };
  // TLS is layered on each accepted TCP socket by hand, so each connection can get its own certificate.
  // TCP connections are counted before any TLS, so a probe that stops after the handshake still shows up.
  const server = net.createServer((s) => {
    const index = connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (!options.tls) return handle(s, index);
    const kind = typeof options.certificate === 'function' ? options.certificate(index) : options.certificate ?? 'lab';
    const secure = new tls.TLSSocket(s, { isServer: true, secureContext: contextFor(kind) });
    secure.on('error', () => undefined); // a client that refuses the certificate is not a test failure
    secure.once('secure', () => handle(secure, index));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = net.isIP(host) === 6 ? `[${host}]` : host;
  const origin = `${options.urlScheme ?? (options.tls ? 'https' : 'http')}://${urlHost}:${port}`;
  return {
    url: `${origin}${EAS_PATH}`,
    origin,
    host,
    port,
    get connections() {
      return connections;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseHead(head: string): RecordedRequest {
  const [requestLine, ...lines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { method, path, headers, authorization: headerOf(headers, 'authorization'), body: '' };
}

export function headerOf(headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/** Writes a complete response; `headers` are raw lines so a test can send what no library would. */
export function writeResponse(socket: net.Socket, statusLine: string | Buffer, headers: Array<string | Buffer>, body: string | Buffer = ''): void {
  const bodyBuffer = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const parts: Buffer[] = [Buffer.isBuffer(statusLine) ? statusLine : Buffer.from(statusLine, 'latin1'), Buffer.from('\r\n')];
  for (const h of headers) parts.push(Buffer.isBuffer(h) ? h : Buffer.from(h, 'utf8'), Buffer.from('\r\n'));
  parts.push(Buffer.from(`Content-Length: ${bodyBuffer.length}\r\n\r\n`), bodyBuffer);
  socket.write(Buffer.concat(parts));
}
