// Batch probing: many servers (or many users on one server) tested with the same settings, a
// bounded number at a time. A small worker pool pulls the next target when one finishes, so a
// slow or silent server holds one slot, never the queue. Each run is independent: one failing
// (or, for a bug of ours, throwing) never stops the others, and one cancel stops them all.
import { setMaxListeners } from 'node:events';
import { runProbe } from './probe';
import type { ProbeOptions } from './probeOptions';
import { countOutcomes, defaultStepTitle, type OutcomeCounts, type ProbeRun } from './runModel';
import { newRunShell } from './runShell';
import { skippedStep } from './stepBuilder';
import { readProbeTarget } from './probeTarget';

export const DEFAULT_BATCH_CONCURRENCY = 8;
/**
 * A bound, not a target: a batch waits on round trips, so it is done in about one probe's time
 * only when every target is in flight (at 64, 200 WAN targets took four probes' time). Each run
 * holds one socket at a time, well inside the descriptor limit Node raises to at start-up, and
 * about 0.3 MB at its peak (TLS state, buffers, evidence); past a few hundred, the client's CPU
 * (one handshake after another) is the limit, not the servers.
 */
export const MAX_BATCH_CONCURRENCY = 256;

export interface BatchTarget {
  target: string;
  userName?: string;
  /** Held in memory for the run only, like ProbeOptions.password. */
  password?: string;
  /** For an e-mail target: the Autodiscover endpoint to ask instead of the places devices look. */
  autodiscoverUrl?: string;
}

/** Settings shared by every run of the batch: a probe's options without the per-target ones. */
export type SharedProbeOptions = Omit<ProbeOptions, 'target' | 'userName' | 'password' | 'signal'>;

export interface BatchOptions extends SharedProbeOptions {
  /** Runs in flight at once, 1 to MAX_BATCH_CONCURRENCY. Default 8. */
  concurrency?: number;
  /** A run is about to start (for progress, or to count runs in flight). */
  onRunStarted?(index: number, target: BatchTarget): void;
  /** A run finished; `index` is its position in the targets array. */
  onRunFinished?(run: ProbeRun, index: number): void;
  /** Cancels every run in flight; runs not yet started end as cancelled without network traffic. */
  signal?: AbortSignal;
}

export interface BatchResult extends OutcomeCounts {
  /** One run per target, in input order. */
  runs: ProbeRun[];
  durationMs: number;
  /** Highest resident set size sampled while the batch ran (this whole process). */
  peakRssBytes?: number;
}

// On the timer only: reading the RSS (a read of /proc on Linux) blocked the event loop for 1–3 ms
// a call with 200 probes in flight, and once per finished run that was 0.2–0.6 s per batch of 200.
const RSS_SAMPLE_MS = 50;

export async function runBatch(targets: readonly BatchTarget[], options: BatchOptions = {}): Promise<BatchResult> {
  const { concurrency = DEFAULT_BATCH_CONCURRENCY, onRunStarted, onRunFinished, signal, ...shared } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BATCH_CONCURRENCY) {
    throw new RangeError(`Batch concurrency must be a whole number from 1 to ${MAX_BATCH_CONCURRENCY} (got ${concurrency}).`);
  }
  const started = performance.now();
  let peakRssBytes = process.memoryUsage.rss();
  const sampleRss = () => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  };
  const sampler = setInterval(sampleRss, RSS_SAMPLE_MS);
  sampler.unref();

  // Each run in flight listens to the signal once (runProbe): past Node's default of 10 listeners
  // it would warn of a leak on standard error. The runs share a signal of the batch's own instead,
  // allowed one listener per run in flight, and the caller's gets a single listener.
  const batchAbort = new AbortController();
  setMaxListeners(concurrency, batchAbort.signal);
  const forwardAbort = () => batchAbort.abort(signal?.reason);
  if (signal?.aborted) forwardAbort();
  else signal?.addEventListener('abort', forwardAbort, { once: true });
  const runSignal = signal ? batchAbort.signal : undefined;

  const runs: ProbeRun[] = new Array(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const item = targets[index];
      let run: ProbeRun;
      if (runSignal?.aborted) {
        // Cancelled before its turn: say so without opening a connection.
        run = runWithoutProbe(item, shared, 'run.cancelled', 'Cancelled before this test started.');
      } else {
        onRunStarted?.(index, item);
        try {
          run = await runProbe({ ...shared, target: item.target, userName: item.userName, password: item.password, autodiscoverUrl: item.autodiscoverUrl ?? shared.autodiscoverUrl, signal: runSignal });
        } catch (error) {
          run = runWithoutProbe(item, shared, 'internal', `Internal error: ${(error as Error)?.message ?? String(error)}`);
        }
      }
      runs[index] = run;
      onRunFinished?.(run, index);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  } finally {
    signal?.removeEventListener('abort', forwardAbort);
    clearInterval(sampler);
    sampleRss();
  }

  return {
    runs,
    ...countOutcomes(runs),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    peakRssBytes,
  };
}

/**
 * The batch owes the caller one run per target, in the same model, even when the probe never
 * ran: the batch was cancelled before the target's turn, or runProbe threw (a bug of ours: it
 * turns everything a server or a user can do into a step).
 */
function runWithoutProbe(item: BatchTarget, shared: SharedProbeOptions, category: 'run.cancelled' | 'internal', message: string): ProbeRun {
  const now = new Date();
  const target = readProbeTarget(item.target, { allowHttp: shared.allowHttp }).server;
  const run = newRunShell({ ...shared, target: item.target, userName: item.userName }, target, now);
  const input = skippedStep('input', defaultStepTitle('input'), message);
  run.finishedAt = run.startedAt;
  run.outcome = category === 'run.cancelled' ? 'cancelled' : 'failed';
  run.steps = [{ ...input, status: 'failed', failure: { category, message } }];
  return run;
}
