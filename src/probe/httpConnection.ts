// HTTP requests over the connection the probe already opened and judged. undici does the HTTP
// parsing (strict, bounded header size, header and body timeouts); our `connect` hands it the
// TLS socket from the TLS step, so both OPTIONS requests share one connection like a device's,
// and a new one is opened only if the server closes it. Every exchange is kept as evidence with
// the Authorization value redacted, and the body is read only up to a bound.
import type { Socket } from 'node:net';
import type { Client as UndiciClient } from 'undici';
import { abortReason } from './abortable';
import { checkConnection, checkOrigin, CredentialGateError, type GateRefusal, type VerifiedEndpoint } from './credentialGate';
import type { FailureCategory, HttpExchange } from './runModel';
import { redactUrlUserInfo } from './urlUserInfo';

// Only undici's HTTP/1 client is needed; its package root would also bundle fetch, WebSocket
// and friends (twice the size in dist/engine.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client: typeof UndiciClient = require('undici/lib/dispatcher/client');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ClientDestroyedError } = require('undici/lib/core/errors') as { ClientDestroyedError: new () => Error };

/**
 * What a finished run destroys its connection with: the error undici would make itself, made once.
 * Node reads the stack of the error a socket is destroyed with, and formatting a fresh one per
 * connection was about 0.05 ms of every probe's CPU; this one's stack is formatted here, once.
 */
const CONNECTION_CLOSED = new ClientDestroyedError();
void CONNECTION_CLOSED.stack;

export interface HttpLimits {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /**
   * When the run's overall limit ends (epoch ms), if the connection belongs to a run: a body still
   * arriving then is cut a moment before, so the step reading it fails with its own reason.
   */
  runEndsAt?: number;
}

/** How long before the run's end a body still arriving is cut: time for the step to finish with its own reason. */
const RUN_END_MARGIN_MS = 250;
/** The code of a body that kept arriving, each part within bodyTimeoutMs, past the whole answer's limit. */
const BODY_TOO_SLOW = 'BODY_TOO_SLOW';

export interface HttpRequest {
  method: 'OPTIONS' | 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Human label for the log, e.g. "anonymous". */
  label: string;
  /**
   * Keep the whole body (up to maxBodyBytes) in HttpResult.body and no text snippet in the
   * evidence: for ActiveSync commands, whose bodies hold mail and are recorded decoded and reduced.
   */
  binaryBody?: boolean;
  /** Wait this long for the headers instead of the connection's limit (Ping holds its answer for the heartbeat). */
  headersTimeoutMs?: number;
}

export interface HttpResult {
  exchange: HttpExchange;
  statusCode?: number;
  headers: Array<[string, string]>;
  error?: HttpError;
  /** The body, when the request asked for it (binaryBody), cut at maxBodyBytes. */
  body?: Buffer;
  /** The server announced more body than arrived (Content-Length larger than the bytes read, or the read stopped). */
  bodyIncomplete?: boolean;
}

export interface HttpError {
  code: string;
  category: FailureCategory;
  message: string;
  /** Set when the credential gate refused the connection: what it saw, for the step's evidence. */
  refusal?: GateRefusal;
}

const SNIPPET_BYTES = 4096;
export const USER_AGENT = 'ActiveSyncDoctor/1.0 (connectivity probe)';

export function redactHeaders(headers: Record<string, string>): Array<[string, string]> {
  return Object.entries(headers).map(([name, value]) => {
    if (/^(proxy-)?authorization$/i.test(name)) return [name, `${value.split(' ')[0]} [redacted]`];
    // A policy key identifies the device's partnership; "0" (none yet) says nothing.
    if (/^x-ms-policykey$/i.test(name) && value !== '0') return [name, '[redacted]'];
    return [name, value];
  });
}

/**
 * The secret parts of an Authorization value: the token and, for Basic, the decoded
 * "user:password" and the password. A hostile or debugging server may echo them back.
 */
export function credentialSecrets(authorization: string): string[] {
  const [scheme, token = ''] = authorization.split(' ', 2);
  const secrets = [token];
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    secrets.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
  }
  // Very short values would blank out ordinary text and hide nothing worth hiding.
  return secrets.filter((s) => s.length >= 4);
}

/**
 * Replaces each secret, longest first (`secretsLongestFirst` is sorted by the caller, once per
 * new secret rather than once per header), so evidence can quote a reply without quoting the password.
 */
export function scrubSecrets(text: string, secretsLongestFirst: readonly string[]): string {
  let out = text;
  for (const secret of secretsLongestFirst) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

function decodeRawHeaders(raw: Buffer[] | string[] | null | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    out.push([String(raw[i].toString()), raw[i + 1].toString()]);
  }
  return out;
}

export function classifyHttpError(error: unknown, limits: HttpLimits): HttpError {
  if (error instanceof CredentialGateError) return { code: error.code, category: 'tls.unverifiedConnection', message: error.message, refusal: error.refusal };
  const e = error as { code?: string; message?: string; name?: string };
  const code = e.code ?? e.name ?? 'UNKNOWN';
  const message = e.message ?? String(error);
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { code, category: 'http.timeout', message: `The server did not finish sending response headers within ${limits.headersTimeoutMs} ms.` };
    case BODY_TOO_SLOW:
      return { code, category: 'http.timeout', message };
    case 'UND_ERR_BODY_TIMEOUT':
      return { code, category: 'http.timeout', message: `The server stopped sending the response body for ${limits.bodyTimeoutMs} ms.` };
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { code, category: 'http.tooLarge', message: `The response headers exceed ${Math.round(limits.maxHeaderBytes / 1024)} KB; no real ActiveSync server sends that much.` };
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return { code, category: 'http.tooLarge', message: 'The response body is larger than the probe reads.' };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ECONNRESET':
    case 'EPIPE':
      return { code, category: 'http.connectionClosed', message: `The server closed the connection before a complete response (${message}).` };
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_CR_EXPECTED':
    case 'HPE_LF_EXPECTED':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_STRICT':
    case 'UND_ERR_INFO':
    case 'HTTPParserError':
      return { code, category: 'http.malformed', message: `The server's reply is not valid HTTP (${message}).` };
    default:
      if (/^HPE_/.test(code) || e.name === 'HTTPParserError') {
        return { code, category: 'http.malformed', message: `The server's reply is not valid HTTP (${message}).` };
      }
      return { code, category: 'http.connectionClosed', message: `The request failed: ${message}` };
  }
}

export interface ConnectionOptions {
  /** scheme://host:port the requests go to. */
  origin: string;
  /** The connection already opened (and, for https, judged by the TLS step). */
  socket: Socket;
  /** Opens a new connection when the server closed the last one. */
  reopen: () => Promise<Socket>;
  /**
   * The endpoint the run verified. Every socket of this connection must pass the credential gate
   * for it; without one, the connection is anonymous-only and refuses any Authorization header.
   */
  endpoint?: VerifiedEndpoint;
  limits: HttpLimits;
  log: (line: string) => void;
}

export class ProbeHttpConnection {
  private readonly client: UndiciClient;
  private pending: Socket | undefined;
  /** Credentials this connection has sent, longest first: scrubbed from every reply it records or logs. */
  private secrets: string[] = [];
  readonly origin: string;
  readonly limits: HttpLimits;
  readonly endpoint: VerifiedEndpoint | undefined;
  private readonly log: (line: string) => void;
  connections = 0;

  constructor(options: ConnectionOptions) {
    this.origin = options.origin;
    this.limits = options.limits;
    this.log = options.log;
    this.endpoint = options.endpoint;
    const endpoint = options.endpoint;
    if (endpoint) {
      const verdict = checkOrigin(endpoint, options.origin);
      if (!verdict.ok) throw new Error(`A connection to ${options.origin} cannot carry credentials verified for another endpoint.`);
    }
    this.pending = options.socket;
    const limits = options.limits;
    this.client = new Client(options.origin, {
      connect: (_options, callback) => {
        const ready = this.pending;
        this.pending = undefined;
        const when = this.connections++ === 0 ? 'on the first connection' : 'on reconnect';
        // Nothing is written to a socket before the gate has judged it.
        const hand = (socket: Socket) => {
          const verdict = endpoint ? checkConnection(endpoint, socket, when) : { ok: true as const };
          if (!verdict.ok) {
            socket.destroy();
            this.log(`✗ ${verdict.message}`);
            callback(new CredentialGateError(verdict), null);
            return;
          }
          callback(null, socket);
        };
        if (ready && !ready.destroyed) {
          // undici expects the callback after connect() returns; a synchronous call stalls it.
          setImmediate(() => hand(ready));
          return;
        }
        this.log('… the server closed the connection; opening a new one');
        options.reopen().then(hand, (err: Error) => callback(err, null));
      },
      pipelining: 1,
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      keepAliveTimeout: 10_000,
    });
  }

  send(request: HttpRequest, signal: AbortSignal): Promise<HttpResult> {
    const url = `${this.origin}${request.path}`;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = String(typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.length);
    const exchange: HttpExchange = { method: request.method, url, requestHeaders: redactHeaders(headers) };
    const carriesCredentials = Object.keys(request.headers).some((name) => /^authorization$/i.test(name));
    if (carriesCredentials && !this.endpoint) {
      // A connection opened for anything but the verified endpoint (another host after a 451…).
      const message = `${this.origin} is not the endpoint the probe verified: the request with credentials was not sent.`;
      exchange.error = { code: 'CREDENTIAL_GATE', message };
      this.log(`✗ ${message}`);
      return Promise.resolve({ exchange, headers: [], error: { code: 'CREDENTIAL_GATE', category: 'tls.unverifiedConnection', message } });
    }
    for (const [name, value] of Object.entries(request.headers)) if (/^authorization$/i.test(name)) this.rememberSecrets(credentialSecrets(value));
    const secrets = this.secrets;
    const scrub = (text: string) => (secrets.length ? scrubSecrets(text, secrets) : text);
    this.log(`→ ${request.method} ${url} (${request.label})`);

    return new Promise<HttpResult>((resolve, reject) => {
      let status: number | undefined;
      let statusText = '';
      let responseHeaders: Array<[string, string]> = [];
      let bodyBytes = 0;
      const snippet: Buffer[] = [];
      let snippetBytes = 0;
      const whole: Buffer[] = [];
      let bodyIncomplete = false;
      let truncated = false;
      let abortRequest: ((reason?: Error) => void) | undefined;
      // One timer per request: first the headers limit, then (only if the body is still arriving
      // when it fires) the limit on the whole answer, headers limit plus bodyTimeoutMs from the
      // request, cut short of the run's end. undici's bodyTimeout only bounds the gap between
      // chunks, so a body dripped a byte at a time would otherwise run until the overall limit.
      let headersTimer: NodeJS.Timeout | undefined;
      let sentAt = 0;
      let settled = false;

      const onAbort = () => {
        abortRequest?.(abortReason(signal));
        finishError(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });

      const finishOk = () => {
        clearTimeout(headersTimer);
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        // responseHeaders is this request's own copy: scrubbed in place, pairs replaced only where a
        // secret or a URL's user info was.
        for (let i = 0; i < responseHeaders.length; i++) {
          const pair = responseHeaders[i];
          const name = scrub(pair[0]);
          const value = redactUrlUserInfo(scrub(pair[1]));
          if (name !== pair[0] || value !== pair[1]) responseHeaders[i] = [name, value];
        }
        exchange.response = {
          statusCode: status ?? 0,
          statusText: scrub(statusText),
          headers: responseHeaders,
          bodyBytes,
          bodySnippet: request.binaryBody ? '' : redactUrlUserInfo(scrub(Buffer.concat(snippet).toString('utf8'))),
          bodyTruncated: truncated,
        };
        this.log(`← ${status} ${exchange.response.statusText}${truncated ? ' (body cut short by the probe)' : ''}`);
        for (const [n, v] of exchange.response.headers) this.log(`   ${n}: ${v.slice(0, 500)}`);
        const result: HttpResult = { exchange, statusCode: status, headers: exchange.response.headers };
        if (request.binaryBody) result.body = Buffer.concat(whole);
        if (bodyIncomplete || truncated) result.bodyIncomplete = true;
        resolve(result);
      };
      const finishError = (error: unknown) => {
        clearTimeout(headersTimer);
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if ((error as { name?: string }).name === 'RunAbortedError') {
          reject(error);
          return;
        }
        const classified = classifyHttpError(error, this.limits);
        exchange.error = { code: classified.code, message: classified.message };
        this.log(`✗ ${classified.code}: ${classified.message}`);
        resolve({ exchange, headers: [], error: classified });
      };

      try {
        this.client.dispatch(
          { origin: this.origin, path: request.path, method: request.method, headers, body: request.body, ...(request.headersTimeoutMs ? { headersTimeout: request.headersTimeoutMs } : {}) },
          {
            onConnect: (abort: (reason?: Error) => void) => {
              abortRequest = abort;
              if (signal.aborted) abort(abortReason(signal));
              // undici's own header timer ticks in whole seconds; this one holds the probe to headersMs.
              sentAt = Date.now();
              const headersLimit = request.headersTimeoutMs ?? this.limits.headersTimeoutMs;
              const runCutAt = (this.limits.runEndsAt ?? Infinity) - RUN_END_MARGIN_MS;
              const wholeAnswerAt = Math.min(sentAt + headersLimit + this.limits.bodyTimeoutMs, runCutAt);
              const headersAt = sentAt + headersLimit;
              const onLimit = () => {
                const now = Date.now();
                if (status === undefined) {
                  // Before the headers limit, only the run's end can have fired: the overall limit speaks for it.
                  if (now < headersAt - 1) return;
                  const error = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
                  abort(error);
                  finishError(error);
                  return;
                }
                if (now < wholeAnswerAt - 1) {
                  headersTimer = setTimeout(onLimit, wholeAnswerAt - now);
                  return;
                }
                const message =
                  `The server kept sending the response body too slowly: ${bodyBytes} byte${bodyBytes === 1 ? '' : 's'} in ${now - sentAt} ms, ` +
                  `and the answer was still unfinished when the probe stopped waiting (each part came within the ${this.limits.bodyTimeoutMs} ms gap limit).`;
                const error = Object.assign(new Error(message), { code: BODY_TOO_SLOW });
                // Settle first: aborting lets undici report the cut, which would otherwise read as a merely incomplete answer.
                finishError(error);
                abort(error);
              };
              headersTimer = setTimeout(onLimit, Math.max(0, Math.min(headersAt, runCutAt) - sentAt));
            },
            onHeaders: (statusCode: number, rawHeaders: Buffer[] | string[] | null, _resume: () => void, text: string) => {
              if (statusCode < 200) return true; // 1xx interim responses: keep waiting for the real one
              status = statusCode;
              statusText = text ?? '';
              responseHeaders = decodeRawHeaders(rawHeaders);
              return true;
            },
            onData: (chunk: Buffer) => {
              bodyBytes += chunk.length;
              if (request.binaryBody && bodyBytes <= this.limits.maxBodyBytes) whole.push(chunk);
              if (snippetBytes < SNIPPET_BYTES) {
                const part = chunk.subarray(0, SNIPPET_BYTES - snippetBytes);
                snippet.push(part);
                snippetBytes += part.length;
              }
              if (bodyBytes > this.limits.maxBodyBytes) {
                // Enough: the status and headers are what matter. Stop reading an endless body.
                truncated = true;
                finishOk();
                abortRequest?.(Object.assign(new Error('body limit reached'), { code: 'BODY_LIMIT' }));
                return false;
              }
              return true;
            },
            onComplete: () => finishOk(),
            onError: (error: Error) => {
              if (truncated) return;
              // A command answer cut off mid-body still has a status worth judging, and the bytes
              // that arrived show where it stopped.
              if (request.binaryBody && status !== undefined && (error as { name?: string }).name !== 'RunAbortedError' && !signal.aborted) {
                bodyIncomplete = true;
                finishOk();
                return;
              }
              finishError(error);
            },
          } as never,
        );
      } catch (error) {
        finishError(error);
      }
    });
  }

  private rememberSecrets(found: readonly string[]): void {
    const fresh = found.filter((secret) => !this.secrets.includes(secret));
    if (fresh.length) this.secrets = [...this.secrets, ...fresh].sort((a, b) => b.length - a.length);
  }

  async close(): Promise<void> {
    this.pending?.destroy();
    await this.client.destroy(CONNECTION_CLOSED).catch(() => undefined);
  }
}
