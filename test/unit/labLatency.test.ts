// The lab's latencyMs option (tests and benchmarks play a distant server with it): the TLS
// handshake and every HTTP answer each wait one simulated round trip, answers stay the same,
// and close() still ends connections that are waiting for their handshake.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { startLab, type RunningLab } from '../../src/lab/labServer';

const LATENCY_MS = 50;
// setTimeout never fires early, but clocks round: allow a millisecond or two of slack.
const AT_LEAST_MS = LATENCY_MS - 2;
const SCENARIO = 'exchange2016-healthy';

interface TimedExchange {
  status: number;
  wwwAuthenticate: string[];
  handshakeMs: number;
  answerMs: number;
}

/** One OPTIONS on a fresh connection, timing the handshake and the wait for the answer apart. */
function timedOptions(lab: RunningLab): Promise<TimedExchange> {
  const url = new URL(lab.urlFor(SCENARIO));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let secureAt = Number.NaN;
    const req = https.request(url, { method: 'OPTIONS', ca: lab.caPem, agent: false, timeout: 10_000 }, (res) => {
      const answeredAt = performance.now();
      res.resume();
      res.on('end', () => {
        const raw = res.headers['www-authenticate'];
        resolve({
          status: res.statusCode ?? 0,
          wwwAuthenticate: Array.isArray(raw) ? raw : raw ? [raw] : [],
          handshakeMs: secureAt - t0,
          answerMs: answeredAt - secureAt,
        });
      });
    });
    req.on('socket', (socket) => socket.once('secureConnect', () => (secureAt = performance.now())));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('lab latency (latencyMs)', () => {
  let lab: RunningLab | undefined;
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  it('delays the TLS handshake and the answer by latencyMs each, and answers as without it', async () => {
    const seen: number[] = [];
    lab = await startLab({ scenarios: [SCENARIO], latencyMs: LATENCY_MS, onRequest: (info) => seen.push(info.statusCode) });
    const exchange = await timedOptions(lab);
    assert.ok(exchange.handshakeMs >= AT_LEAST_MS, `handshake took ${exchange.handshakeMs} ms, expected at least ${AT_LEAST_MS}`);
    assert.ok(exchange.answerMs >= AT_LEAST_MS, `answer took ${exchange.answerMs} ms after the handshake, expected at least ${AT_LEAST_MS}`);

    const plain = await startLab({ scenarios: [SCENARIO] });
    try {
      const reference = await timedOptions(plain);
      assert.equal(exchange.status, 401);
      assert.equal(exchange.status, reference.status);
      assert.deepEqual(exchange.wwwAuthenticate, reference.wwwAuthenticate);
    } finally {
      await plain.close();
    }
    assert.deepEqual(seen, [401]);
  });

  it('refuses a negative or non-numeric latency', async () => {
    await assert.rejects(startLab({ scenarios: [SCENARIO], latencyMs: -1 }), /latency/);
    await assert.rejects(startLab({ scenarios: [SCENARIO], latencyMs: Number.NaN }), /latency/);
  });

  it('close() ends a connection still waiting for its delayed handshake', async () => {
    lab = await startLab({ scenarios: [SCENARIO], latencyMs: 5_000 });
    const { port } = new URL(lab.urlFor(SCENARIO));
    const outcome = new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: lab!.caPem });
      socket.once('secureConnect', () => resolve('handshake completed'));
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
      socket.once('close', () => resolve('closed'));
    });
    // Give the connection time to be accepted, then close the lab under it.
    await new Promise((r) => setTimeout(r, 100));
    await lab.close();
    lab = undefined;
    const result = await outcome;
    assert.notEqual(result, 'handshake completed');
  });
});
