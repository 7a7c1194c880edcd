// The hostile test bed: `startHostileServer(kind)` starts one loopback server that misbehaves in
// one named way (silent, garbage instead of TLS, headers one byte at a time, an endless body,
// megabytes of headers, broken status lines, markup and terminal escapes in header values,
// redirect loops and downgrades…). Each behaviour is one small function over the raw server in
// hostileServer.ts, so a test reads as "this server does X; the probe must end in category Y".
import type { Socket } from 'node:net';
import { EAS_PATH, startRawServer, writeResponse, type HostileServer, type HostileServerOptions, type RecordedRequest } from './hostileServer';

export type HostileKind =
  | 'silentTcp'
  | 'garbageHello'
  | 'tlsSilentHttp'
  | 'slowHeaders'
  | 'endlessBody'
  | 'slowBody'
  | 'ntlmChallenge'
  | 'hugeHeader'
  | 'manyHeaders'
  | 'badStatusLine'
  | 'noStatusLine'
  | 'resetMidHeaders'
  | 'closeMidHeaders'
  | 'exchange'
  | 'redirect451'
  | 'redirect302'
  | 'smtpBanner'
  | 'echoCredentials'
  | 'countingTcp';

export interface HostileOptions {
  /** Plain TCP instead of TLS for the HTTP behaviours (an http:// target). */
  plain?: boolean;
  host?: string;
  /** TLS behaviours: the lab certificate to present (default the trusted one), or one per connection. */
  certificate?: HostileServerOptions['certificate'];
  /** exchange: answer requests without credentials with `Connection: close` and hang up, so the next request needs a new connection. */
  closeAfterAnonymous?: boolean;
  /** exchange: answer requests with credentials with `Connection: close` and hang up too, so every command after OPTIONS needs a new connection. */
  closeAfterAuthenticated?: boolean;
  /** badStatusLine: the status line to send. */
  statusLine?: string | Buffer;
  /** slowHeaders / slowBody: milliseconds between bytes (default 100, faster than any sane headersMs or bodyMs). */
  byteIntervalMs?: number;
  /** ntlmChallenge: the WWW-Authenticate value of the answer to the NTLM negotiate message (leg 1). */
  ntlmChallenge?: string | Buffer;
  /** slowBody: which answer drips (default the anonymous OPTIONS). */
  drip?: 'anonymous' | 'authenticated' | 'commands';
  /** exchange: extra raw header lines (strings or raw bytes) on every response. */
  extraHeaders?: Array<string | Buffer>;
  /** exchange: the realm in the Basic challenge of the anonymous 401. */
  realm?: string | Buffer;
  /** exchange: status for the request with credentials (default 200 with ActiveSync headers). */
  authenticatedStatus?: 200 | 401;
  /** redirect451 / redirect302: where to point; a function so two servers (or two paths) can point at each other. */
  location?: (request: RecordedRequest) => string;
  /** exchange: a response body for every answer. */
  body?: string;
  /** exchange: the status line of the 401 answers (the reason phrase is free text to a parser). */
  challengeStatusLine?: string | Buffer;
  /** exchange: the MS-Server-ActiveSync value of the 200 answer (default 15.1). */
  easBuild?: string | Buffer;
}

/** The healthy headers of an Exchange 2016 OPTIONS reply. */
export const EAS_HEADERS = [
  'MS-Server-ActiveSync: 15.1',
  'MS-ASProtocolVersions: 2.5,12.0,12.1,14.0,14.1,16.0,16.1',
  'MS-ASProtocolCommands: Sync,SendMail,SmartForward,SmartReply,GetAttachment,FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,ValidateCert',
];

const easHeaders = (build: string | Buffer | undefined): Array<string | Buffer> =>
  build === undefined ? EAS_HEADERS : [Buffer.concat([Buffer.from('MS-Server-ActiveSync: '), Buffer.isBuffer(build) ? build : Buffer.from(build, 'utf8')]), ...EAS_HEADERS.slice(1)];

const anonymousChallenge = (realm: string | Buffer = '127.0.0.1'): Array<string | Buffer> => [
  Buffer.concat([Buffer.from('WWW-Authenticate: Basic realm="'), Buffer.isBuffer(realm) ? realm : Buffer.from(realm, 'utf8'), Buffer.from('"')]),
];

/** Answers 401 with a Basic challenge to requests without credentials; `withCredentials` answers the rest. */
function byCredentials(o: HostileOptions, withCredentials: (r: RecordedRequest, s: Socket) => void) {
  return (r: RecordedRequest, s: Socket) => {
    if (!r.authorization) {
      writeResponse(s, o.challengeStatusLine ?? 'HTTP/1.1 401 Unauthorized', [...anonymousChallenge(o.realm), ...(o.extraHeaders ?? []), ...(o.closeAfterAnonymous ? ['Connection: close'] : [])], o.body ?? '');
      if (o.closeAfterAnonymous) s.end();
      return;
    }
    withCredentials(r, s);
  };
}

export async function startHostileServer(kind: HostileKind, o: HostileOptions = {}): Promise<HostileServer> {
  const tls = !o.plain;
  const base = { tls, host: o.host, certificate: o.certificate };
  switch (kind) {
    case 'silentTcp':
      // Accepts the TCP connection and never says a word: the TLS handshake can only time out.
      return startRawServer({ tls: false, urlScheme: 'https', host: o.host, onConnection: () => undefined });
    case 'countingTcp':
      // Accepts and hangs up at once; tests read `connections` to prove nothing reached it.
      return startRawServer({ tls: false, host: o.host, onConnection: ({ socket }) => socket.destroy() });
    case 'garbageHello':
      // Answers the ClientHello with bytes that are not TLS.
      return startRawServer({
        tls: false,
        urlScheme: 'https',
        host: o.host,
        onConnection: ({ socket }) => socket.on('data', () => socket.end('SSH-2.0-OpenSSH_9.6 definitely not TLS\r\n\x00\xff\xfe garbage')),
      });
    case 'smtpBanner':
      // An Exchange receive connector (or any mail server) on the port meant for HTTPS: it speaks first.
      return startRawServer({
        tls: false,
        urlScheme: 'https',
        host: o.host,
        onConnection: ({ socket }) => {
          socket.write('220 mail.contoso.com Microsoft ESMTP MAIL Service ready at Wed, 2 Dec 2026 05:00:00 +0000\r\n');
          socket.on('data', () => socket.write('500 5.3.3 Unrecognized command\r\n'));
        },
      });
    case 'tlsSilentHttp':
      return startRawServer({ ...base, onRequest: () => undefined });
    case 'slowHeaders':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => {
          dripBytes(s, Buffer.from(`HTTP/1.1 401 Unauthorized\r\n${'X-Slow: dripping one byte at a time\r\n'.repeat(50)}\r\n`), o.byteIntervalMs);
        },
      });
    case 'endlessBody':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => {
          s.write(`HTTP/1.1 200 OK\r\n${EAS_HEADERS.join('\r\n')}\r\nTransfer-Encoding: chunked\r\n\r\n`);
          const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x61), Buffer.from('\r\n')]);
          const pump = () => {
            while (!s.destroyed && s.write(chunk));
            if (!s.destroyed) s.once('drain', pump);
          };
          pump();
        },
      });
    case 'slowBody': {
      // Answers at once, then drips the body a byte at a time, each byte well inside the gap limit
      // between body chunks, so only a limit on the whole answer can stop it. `drip` picks which
      // answer drips; the others are a healthy Exchange's (401 Basic challenge, then 200).
      const dripping = (r: RecordedRequest, s: Socket) => {
        const body = Buffer.alloc(4096, 0x61);
        const contentType = r.method === 'POST' ? 'application/vnd.ms-sync.wbxml' : 'text/html';
        const status = r.authorization ? 'HTTP/1.1 200 OK' : 'HTTP/1.1 401 Unauthorized';
        const lines = r.authorization ? EAS_HEADERS : anonymousChallenge(o.realm);
        s.write(`${status}\r\n${lines.join('\r\n')}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
        dripBytes(s, body, o.byteIntervalMs);
      };
      const drip = o.drip ?? 'anonymous';
      return startRawServer({
        ...base,
        onRequest: (r, s) => {
          const drips = drip === 'anonymous' ? !r.authorization : drip === 'authenticated' ? Boolean(r.authorization) && r.method === 'OPTIONS' : r.method === 'POST';
          if (drips) return dripping(r, s);
          if (!r.authorization) return writeResponse(s, 'HTTP/1.1 401 Unauthorized', anonymousChallenge(o.realm));
          writeResponse(s, 'HTTP/1.1 200 OK', EAS_HEADERS);
        },
      });
    }
    case 'ntlmChallenge':
      // Offers only NTLM (an IIS directory with Windows authentication alone), and answers the
      // negotiate message with the challenge the test gives, on the same kept-alive connection.
      return startRawServer({
        ...base,
        onRequest: (r, s) => {
          const value = r.authorization?.startsWith('NTLM ') ? (o.ntlmChallenge ?? 'NTLM') : 'NTLM';
          writeResponse(s, 'HTTP/1.1 401 Unauthorized', [Buffer.concat([Buffer.from('WWW-Authenticate: '), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')])]);
        },
      });
    case 'hugeHeader':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => writeResponse(s, 'HTTP/1.1 401 Unauthorized', ['WWW-Authenticate: Basic realm="x"', `X-Huge: ${'A'.repeat(3 * 1024 * 1024)}`]),
      });
    case 'manyHeaders':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => writeResponse(s, 'HTTP/1.1 401 Unauthorized', ['WWW-Authenticate: Basic realm="x"', ...Array.from({ length: 10_000 }, (_, i) => `X-H${i}: ${i}`)]),
      });
    case 'badStatusLine':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => writeResponse(s, o.statusLine ?? 'HTTP/1.1 banana', ['WWW-Authenticate: Basic realm="x"']),
      });
    case 'noStatusLine':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => s.write('WWW-Authenticate: Basic realm="x"\r\nContent-Length: 0\r\n\r\n'),
      });
    case 'resetMidHeaders':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => {
          s.write('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic re', () => setTimeout(() => resetConnection(s), 20));
        },
      });
    case 'closeMidHeaders':
      return startRawServer({
        ...base,
        onRequest: (_r, s) => {
          s.write('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic re', () => setTimeout(() => s.destroy(), 20));
        },
      });
    case 'exchange':
      return startRawServer({
        ...base,
        onRequest: byCredentials(o, (_r, s) =>
          o.authenticatedStatus === 401
            ? writeResponse(s, o.challengeStatusLine ?? 'HTTP/1.1 401 Unauthorized', [...anonymousChallenge(o.realm), ...(o.extraHeaders ?? [])], o.body ?? '')
            : writeResponse(s, 'HTTP/1.1 200 OK', [...easHeaders(o.easBuild), ...(o.extraHeaders ?? []), ...(o.closeAfterAuthenticated ? ['Connection: close'] : [])], o.body ?? ''),
        ),
      });
    case 'redirect451':
      return startRawServer({
        ...base,
        onRequest: byCredentials(o, (r, s) => writeResponse(s, 'HTTP/1.1 451 Unavailable For Legal Reasons', [`X-MS-Location: ${o.location?.(r) ?? ''}`])),
      });
    case 'redirect302':
      return startRawServer({
        ...base,
        onRequest: byCredentials(o, (r, s) => writeResponse(s, 'HTTP/1.1 302 Found', [`Location: ${o.location?.(r) ?? ''}`])),
      });
    case 'echoCredentials':
      // A debugging proxy that reflects the request, Authorization included, in its reply.
      return startRawServer({
        ...base,
        onRequest: (r, s) => {
          const echo = r.authorization ?? 'none';
          const lines = [...anonymousChallenge(), `X-Echo-Authorization: ${echo}`, `X-FEServer: ${echo}`];
          writeResponse(s, 'HTTP/1.1 401 Unauthorized', lines, `You sent: Authorization: ${echo}\r\n${r.body}`);
        },
      });
  }
}

/** Writes `bytes` one at a time, `intervalMs` apart (default 100), until done or the socket closes. */
function dripBytes(socket: Socket, bytes: Buffer, intervalMs = 100): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(i, ++i));
  }, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

/** A TCP reset (RST), not a polite close; falls back to destroy where the socket can't reset. */
function resetConnection(socket: Socket): void {
  const raw = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  try {
    raw.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export { EAS_PATH };
export type { HostileServer, RecordedRequest };

/**
 * For a mocha suite: a `start` that tracks every hostile server it opens, and closes them all
 * after each test (call inside `describe`).
 */
export function useHostileServers(): (...args: Parameters<typeof startHostileServer>) => Promise<HostileServer> {
  const servers: HostileServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (...args) => {
    const s = await startHostileServer(...args);
    servers.push(s);
    return s;
  };
}
