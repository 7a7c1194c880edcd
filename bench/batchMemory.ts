// Figure 6's memory: the peak RSS of a process with 200 probes in flight, each kind of client in
// a fresh process of its own (RSS seldom shrinks, so a process that ran anything before would
// report its past), against the same lab. Three clients: runBatch at concurrency 200; the
// hand-rolled client of figure 1 (lookup, TCP, TLS, two raw OPTIONS: the floor of any Node client
// holding 200 TLS connections); the same with undici's HTTP/1 client for the requests (the floor
// with the HTTP library the engine uses). Each process loads only what its client needs, and sets
// the V8 flags it is given before loading it, as the CLI's launcher does for its command.
import { fork } from 'node:child_process';
import * as tls from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import type { BatchTarget } from '../src/probe/batch';

export type MemoryClient = 'runBatch' | 'handRolled' | 'handRolledWithUndici';

export interface MemorySample {
  /** RSS once the client's modules are loaded and a full GC ran, before the first batch. */
  restingRssMB: number;
  /** Highest RSS sampled every 5 ms over all batches. */
  peakRssMB: number;
  /** At the peak's moment: V8's heap (reserved) and the rest (OpenSSL, buffers, code, the binary). */
  heapTotalAtPeakMB: number;
  /** CPU time of the process per batch (median, ms). */
  cpuMsPerBatch: number;
}

interface Job {
  client: MemoryClient;
  targets: BatchTarget[];
  caPem: string;
  batches: number;
  v8Flags: string[];
}

const MB = 1024 * 1024;
const SAMPLE_MS = 5;

/** Runs `batches` batches of all `targets` at once in a fresh process with the given client and V8 flags. */
export function measureInFreshProcess(client: MemoryClient, targets: BatchTarget[], caPem: string, v8Flags: string[], batches = 3): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--memory-child'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The targets' passwords travel over the IPC channel, never argv or the environment.
    child.send({ client, targets, caPem, batches, v8Flags } satisfies Job);
    child.once('message', (message) => {
      const reply = message as MemorySample | { error: string };
      if ('error' in reply) reject(new Error(`${client}: ${reply.error}`));
      else resolve(reply);
      child.disconnect();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ${client} memory process exited early (${code})`)));
  });
}

async function clientFor(job: Job): Promise<() => Promise<number>> {
  if (job.client === 'runBatch') {
    const { runBatch } = await import('../src/probe/batch');
    return async () => {
      const result = await runBatch(job.targets, { concurrency: job.targets.length, extraCaPem: job.caPem, mode: 'options' });
      return result.passed;
    };
  }
  const { handRolledProbe, handRolledWithUndici } = await import('./handRolledProbe');
  const probe = job.client === 'handRolled' ? handRolledProbe : handRolledWithUndici;
  const context = tls.createSecureContext({ ca: job.caPem });
  return async () => {
    const results = await Promise.all(
      job.targets.map((t) => probe(t.target, context, `Basic ${Buffer.from(`${t.userName}:${t.password}`).toString('base64')}`)),
    );
    return results.filter((r) => r.statuses[0] === 401 && r.statuses[1] === 200).length;
  };
}

function rssNow(): number {
  return process.memoryUsage.rss();
}

async function childMain(job: Job): Promise<MemorySample> {
  for (const v8Flag of job.v8Flags) setFlagsFromString(v8Flag);
  const batch = await clientFor(job);
  (globalThis as { gc?: () => void }).gc?.();
  const restingRss = rssNow();
  let peak = { rss: restingRss, heapTotal: process.memoryUsage().heapTotal };
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    if (usage.rss > peak.rss) peak = { rss: usage.rss, heapTotal: usage.heapTotal };
  }, SAMPLE_MS);
  const cpu: number[] = [];
  try {
    for (let i = 0; i < job.batches; i++) {
      const before = process.cpuUsage();
      const passed = await batch();
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
      if (passed !== job.targets.length) throw new Error(`only ${passed} of ${job.targets.length} passed`);
    }
  } finally {
    clearInterval(sampler);
  }
  cpu.sort((a, b) => a - b);
  return {
    restingRssMB: restingRss / MB,
    peakRssMB: peak.rss / MB,
    heapTotalAtPeakMB: peak.heapTotal / MB,
    cpuMsPerBatch: cpu[Math.floor(cpu.length / 2)],
  };
}

if (process.argv.includes('--memory-child') && process.send) {
  process.once('message', (job: Job) => {
    childMain(job).then(
      (sample) => process.send?.(sample),
      (error: unknown) => process.send?.({ error: (error as Error).message ?? String(error) }),
    );
  });
  process.once('disconnect', () => process.exit(0));
}

