// Decides when a scrape really probes. Three guards stand between scrapers and the servers:
// - a concurrency cap, with a bounded queue (a scrape waits for a slot only within its own timeout);
// - per-target rate limiting: a (module, target) is probed at most once per minIntervalSeconds,
//   and after a refused sign-in not again for signInFailureBackoffSeconds, so however many
//   Prometheus servers scrape (HA pairs, a storm after a restart) the test account sees a bounded
//   number of failed sign-ins and is not locked out. Scrapes in between get the last result,
//   marked as cached;
// - shared flights: scrapes of the same (module, target) arriving while a probe runs wait for that
//   probe; when every scraper waiting on it has disconnected, the probe is cancelled.
import { isEmailAddress } from '../probe/emailTarget';
import type { ProbeOptions } from '../probe/probeOptions';
import type { ProbeRun } from '../probe/runModel';
import type { ExporterModule } from './exporterConfig';

export type ProbeRunner = (options: ProbeOptions) => Promise<ProbeRun>;

export interface ScrapeRequest {
  module: ExporterModule;
  /** The allowed target: a normalised ActiveSync URL, or an e-mail address (the probe starts with Autodiscover). */
  target: string;
  /** The scrape's whole budget (module timeout, capped by the scraper's own timeout). */
  timeoutMs: number;
  /** Aborted when the scraper disconnects. */
  signal: AbortSignal;
}

export type ScrapeOutcome =
  | { kind: 'run'; run: ProbeRun; cached: boolean; ageSeconds: number }
  /** No probe slot within the scrape's timeout, or the queue is full, or the exporter is stopping. */
  | { kind: 'busy'; reason: string }
  /** The scraper went away before an answer was ready. */
  | { kind: 'cancelled' };

interface Flight {
  promise: Promise<ProbeRun | undefined>;
  controller: AbortController;
  waiters: number;
}

interface TargetState {
  last?: { run: ProbeRun; finishedAt: number };
  nextProbeAt: number;
  flight?: Flight;
}

interface Waiter {
  resolve(granted: boolean): void;
}

export interface SchedulerOptions {
  maxConcurrentProbes: number;
  maxQueuedProbes: number;
  runProbe: ProbeRunner;
  /** Environment for the probe (proxy variables). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
  /** Called when a probe really runs and when it ends (for the exporter's own metrics). */
  onProbeStarted?(module: ExporterModule): void;
  onProbeFinished?(module: ExporterModule, run: ProbeRun | undefined): void;
}

/** A refused sign-in counts against the account's lockout threshold. */
export function refusedSignIn(run: ProbeRun): boolean {
  return run.steps.some((s) => {
    const category = s.failure?.category ?? '';
    // Autodiscover checking the password and refusing it counts as much as ActiveSync doing so.
    return (s.status === 'failed' || s.status === 'warning') && (category === 'http.401' || category === 'crossCheck.rejected' || category === 'autodiscover.unauthorized' || category.startsWith('auth.'));
  });
}

export class ProbeScheduler {
  private readonly targets = new Map<string, TargetState>();
  private readonly queue: Waiter[] = [];
  private running = 0;
  private stopping = false;
  private readonly flights = new Set<Flight>();
  private readonly now: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  async scrape(request: ScrapeRequest): Promise<ScrapeOutcome> {
    if (this.stopping) return { kind: 'busy', reason: 'the exporter is shutting down' };
    const key = `${request.module.name}\u0000${request.target}`;
    let state = this.targets.get(key);
    if (!state) {
      state = { nextProbeAt: 0 };
      this.targets.set(key, state);
    }
    if (!state.flight && state.last && this.now() < state.nextProbeAt) {
      return { kind: 'run', run: state.last.run, cached: true, ageSeconds: (this.now() - state.last.finishedAt) / 1000 };
    }
    const flight = state.flight ?? this.startFlight(state, request);
    if (typeof flight === 'string') return { kind: 'busy', reason: flight };
    return this.await(flight, state, request.signal);
  }

  /** Stop taking scrapes; let running probes finish for up to graceMs, then cancel them. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const waiter of this.queue.splice(0)) waiter.resolve(false);
    const all = Promise.all([...this.flights].map((f) => f.promise));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([all, expired]);
    clearTimeout(timer);
    for (const flight of this.flights) flight.controller.abort();
    await all;
  }

  private startFlight(state: TargetState, request: ScrapeRequest): Flight | string {
    if (this.running >= this.options.maxConcurrentProbes && this.queue.length >= this.options.maxQueuedProbes) {
      return `${this.running} probes running and ${this.queue.length} waiting (maxConcurrentProbes, maxQueuedProbes)`;
    }
    const controller = new AbortController();
    const deadline = this.now() + request.timeoutMs;
    const flight: Flight = { controller, waiters: 0, promise: Promise.resolve(undefined) };
    flight.promise = (async () => {
      const granted = await this.acquire(controller.signal, request.timeoutMs);
      if (!granted) return undefined;
      this.options.onProbeStarted?.(request.module);
      let run: ProbeRun | undefined;
      try {
        run = await this.options.runProbe(probeOptionsFor(request.module, request.target, Math.max(1, deadline - this.now()), controller.signal, this.options.env));
        return run;
      } finally {
        this.release();
        this.options.onProbeFinished?.(request.module, run);
      }
    })().then(
      (run) => {
        state.flight = undefined;
        this.flights.delete(flight);
        if (run && run.outcome !== 'cancelled') {
          const finishedAt = this.now();
          state.last = { run, finishedAt };
          const waitSeconds = refusedSignIn(run) ? Math.max(request.module.signInFailureBackoffSeconds, request.module.minIntervalSeconds) : request.module.minIntervalSeconds;
          state.nextProbeAt = finishedAt + waitSeconds * 1000;
        }
        return run;
      },
      (error: unknown) => {
        state.flight = undefined;
        this.flights.delete(flight);
        throw error;
      },
    );
    state.flight = flight;
    this.flights.add(flight);
    return flight;
  }

  private async await(flight: Flight, state: TargetState, signal: AbortSignal): Promise<ScrapeOutcome> {
    flight.waiters++;
    let onAbort: (() => void) | undefined;
    const disconnected = new Promise<'gone'>((resolve) => {
      onAbort = () => resolve('gone');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([flight.promise, disconnected]);
      if (result === 'gone') return { kind: 'cancelled' };
      if (!result) return { kind: 'busy', reason: this.stopping ? 'the exporter is shutting down' : 'no probe slot became free within the scrape timeout' };
      if (result.outcome === 'cancelled' && signal.aborted) return { kind: 'cancelled' };
      const finishedAt = state.last?.run === result ? state.last.finishedAt : this.now();
      return { kind: 'run', run: result, cached: false, ageSeconds: (this.now() - finishedAt) / 1000 };
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      flight.waiters--;
      // Nobody is waiting for this probe any more: stop it rather than finish work no one reads.
      if (flight.waiters === 0 && this.flights.has(flight)) flight.controller.abort();
    }
  }

  /** A probe slot, or false when the wait outlives the scrape's budget or the flight is cancelled. */
  private acquire(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    if (signal.aborted || this.stopping) return Promise.resolve(false);
    if (this.running < this.options.maxConcurrentProbes) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve: (granted) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      const leave = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        waiter.resolve(false);
      };
      const onAbort = () => leave();
      const timer = setTimeout(leave, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (next) next.resolve(true);
    else this.running--;
  }
}

/** The probe a module asks for. `steps` picks options-only or the full session where the engine offers it. */
export function probeOptionsFor(module: ExporterModule, target: string, timeoutMs: number, signal: AbortSignal, env?: NodeJS.ProcessEnv): ProbeOptions {
  return {
    target,
    // Only an address asks Autodiscover; a server target is tested as named.
    autodiscoverUrl: isEmailAddress(target) ? module.autodiscoverUrl : undefined,
    userName: module.userName,
    password: module.password,
    auth: module.auth,
    domain: module.domain,
    extraCaPem: module.caPem,
    crossCheck: module.crossCheck,
    // 'commands', not 'full': Ping would hold every scrape for a heartbeat.
    mode: module.steps === 'options-only' ? 'options' : 'commands',
    deviceId: module.deviceId,
    deviceType: module.deviceType,
    timeouts: { overallMs: timeoutMs },
    env,
    signal,
  };
}
