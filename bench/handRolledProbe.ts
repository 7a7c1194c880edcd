// The baseline for figure 1: the same network work as the probe, done by hand with nothing
// else — look up localhost, connect, TLS handshake against the lab CA, then the anonymous and
// the authenticated OPTIONS on one connection, each response read to its end. No judging, no
// evidence, no run model: whatever the probe takes beyond this is its own overhead.
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface HandRolledResult {
  statuses: number[];
}

export async function handRolledProbe(url: string, context: tls.SecureContext, authorization: string): Promise<HandRolledResult> {
  const target = new URL(url);
  const port = Number(target.port || 443);
  const { address } = await lookup(target.hostname);
  const raw = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: address, port }, () => resolve(s));
    s.once('error', reject);
  });
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw, secureContext: context, servername: target.hostname }, () => {
      if (!s.authorized) reject(new Error(`untrusted: ${String(s.authorizationError)}`));
      else resolve(s);
    });
    s.once('error', reject);
  });
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
