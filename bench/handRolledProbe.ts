// The baseline for figure 1: the same network work as the probe, done by hand with nothing
// else — look up localhost, connect, TLS handshake against the lab CA, then the anonymous and
// the authenticated OPTIONS on one connection, each response read to its end. No judging, no
// evidence, no run model: whatever the probe takes beyond this is its own overhead.
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Client as UndiciClientType } from 'undici';

type UndiciRequest = (this: UndiciClientType, options: Parameters<UndiciClientType['request']>[0]) => ReturnType<UndiciClientType['request']>;
let undiciModules: { Client: typeof UndiciClientType; request: UndiciRequest } | undefined;
/**
 * The same entry the engine uses (src/probe/httpConnection.ts): undici's HTTP/1 client alone, and
 * the request() API its package root attaches to every dispatcher. Required on first use, not at
 * load: handRolledProcess.ts (figure 2's floor) loads this file and must not pay for undici. Kept
 * after that, as the engine keeps its own: two require() calls per probe were about 0.1 ms of the
 * floor's CPU.
 */
function undici(): { Client: typeof UndiciClientType; request: UndiciRequest } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return (undiciModules ??= { Client: require('undici/lib/dispatcher/client'), request: require('undici/lib/api/api-request') });
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export interface HandRolledResult {
  statuses: number[];
}

/** Called after each part of the work with its name, for a caller that splits the CPU by part (probeCpuSplit.ts). */
export type PartMark = (part: 'dns' | 'tcp' | 'tls' | 'optionsAnonymous' | 'optionsAuthenticated') => void;

/** Lookup, TCP and a verified TLS handshake, by hand: the network work both baselines share. */
async function openVerifiedSocket(target: URL, port: number, context: tls.SecureContext, mark?: PartMark): Promise<tls.TLSSocket> {
  const { address } = await lookup(target.hostname);
  mark?.('dns');
  const raw = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: address, port }, () => resolve(s));
    s.once('error', reject);
  });
  mark?.('tcp');
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw, secureContext: context, servername: target.hostname }, () => {
      if (!s.authorized) reject(new Error(`untrusted: ${String(s.authorizationError)}`));
      else resolve(s);
    });
    s.once('error', reject);
  });
}

export async function handRolledProbe(url: string, context: tls.SecureContext, authorization: string): Promise<HandRolledResult> {
  const target = new URL(url);
  const port = Number(target.port || 443);
  const socket = await openVerifiedSocket(target, port, context);
  try {
    const reader = new ResponseReader(socket);
    const host = `${target.hostname}:${port}`;
    const statuses: number[] = [];
    for (const auth of [undefined, authorization]) {
      socket.write(`OPTIONS ${target.pathname} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: bench\r\nContent-Length: 0\r\n${auth ? `Authorization: ${auth}\r\n` : ''}\r\n`);
      statuses.push(await reader.next());
    }
    return { statuses };
  } finally {
    socket.destroy();
  }
}

/** Reads HTTP/1.1 responses one after another from a socket: headers, then a Content-Length or chunked body. */
class ResponseReader {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    const fail = (error?: Error) => {
      this.failure = error ?? new Error('connection closed');
      this.waiter?.();
    };
    socket.once('error', fail);
    socket.once('end', () => fail());
  }

  async next(): Promise<number> {
    let headerEnd: number;
    while ((headerEnd = this.buffer.indexOf('\r\n\r\n')) < 0) await this.more();
    const head = this.buffer.subarray(0, headerEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyStart = headerEnd + 4;
    if (length) {
      const end = bodyStart + Number(length[1]);
      while (this.buffer.length < end) await this.more();
      this.buffer = this.buffer.subarray(end);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      let terminator: number;
      while ((terminator = this.buffer.indexOf('0\r\n\r\n', bodyStart)) < 0) await this.more();
      this.buffer = this.buffer.subarray(terminator + 5);
    } else {
      this.buffer = this.buffer.subarray(bodyStart);
    }
    return status;
  }

  private more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = () => {
        this.waiter = undefined;
        if (this.failure) reject(this.failure);
        else resolve();
      };
    });
  }
}

/**
 * The floor with the HTTP library the engine must use: the same hand-made connection and
 * handshake, then both OPTIONS through undici's HTTP/1 client (its llhttp parser, its request
 * bookkeeping) with nothing else: no judging, no evidence. What runProbe takes beyond this is
 * the engine's own; what this takes beyond handRolledProbe is undici's.
 */
export async function handRolledWithUndici(url: string, context: tls.SecureContext, authorization: string, mark?: PartMark): Promise<HandRolledResult> {
  const target = new URL(url);
  const socket = await openVerifiedSocket(target, Number(target.port || 443), context, mark);
  mark?.('tls');
  const { Client: UndiciClient, request: undiciRequest } = undici();
  const client = new UndiciClient(target.origin, { connect: (_options, callback) => void setImmediate(() => callback(null, socket)), pipelining: 1 });
  try {
    const statuses: number[] = [];
    for (const auth of [undefined, authorization]) {
      const response = await undiciRequest.call(client, { method: 'OPTIONS', path: target.pathname, headers: { 'User-Agent': 'bench', ...(auth ? { Authorization: auth } : {}) } });
      await response.body.dump();
      statuses.push(response.statusCode);
      mark?.(auth ? 'optionsAuthenticated' : 'optionsAnonymous');
    }
    return { statuses };
  } finally {
    await client.destroy();
  }
}
