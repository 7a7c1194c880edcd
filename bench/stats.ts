// Shared pieces of the benchmarks: the row every figure reports, medians, timing helpers and
// the machine description. A row carries its own goal so a missed goal is written, not hidden.
import { existsSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Goal {
  /** The measured value (or ratio) must be at most this. */
  max: number;
  /** What `max` applies to. */
  of: 'ratio' | 'value';
}

export interface BenchRow {
  /** Which figure (1–8) and what was measured. */
  figure: string;
  label: string;
  unit: 'ms' | 'bytes' | 'KB' | 'MB' | 'ratio';
  median?: number;
  baseline?: number;
  baselineLabel?: string;
  /** median / baseline. */
  ratio?: number;
  goal?: Goal;
  /** Whether the goal was met; absent when there is no goal or nothing was measured. */
  met?: boolean;
  /** By how much the goal was missed, as a fraction of the goal (0.25 = 25 % over). */
  missedBy?: number;
  samples?: number;
  /** Spread of the samples (p10–p90), when repeated. */
  p10?: number;
  p90?: number;
  note?: string;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await work();
  return { ms: performance.now() - t0, value };
}

/** A row from repeated samples, judged against its goal. */
export function row(
  base: Omit<BenchRow, 'median' | 'ratio' | 'met' | 'missedBy' | 'samples' | 'p10' | 'p90'>,
  samples: readonly number[] | number,
): BenchRow {
  const list = typeof samples === 'number' ? [samples] : samples;
  const value = median(list);
  const result: BenchRow = { ...base, median: round(value), samples: list.length };
  if (list.length > 2) {
    result.p10 = round(percentile(list, 10));
    result.p90 = round(percentile(list, 90));
  }
  if (base.baseline !== undefined && base.baseline > 0) result.ratio = round(value / base.baseline, 3);
  return judge(result);
}

export function judge(r: BenchRow): BenchRow {
  if (!r.goal) return r;
  const measured = r.goal.of === 'ratio' ? r.ratio : r.median;
  if (measured === undefined || Number.isNaN(measured)) return r;
  r.met = measured <= r.goal.max;
  if (!r.met) r.missedBy = round((measured - r.goal.max) / r.goal.max, 3);
  return r;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  os: string;
  totalMemoryMB: number;
  /** 1-minute load average when the bench started: above the core count, other work was competing. */
  loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    os: `${platform()} ${release()}`,
    totalMemoryMB: Math.round(totalmem() / 1024 / 1024),
    loadAverage1m: round(loadavg()[0]),
  };
}

/** Lets sockets close and timers run between measurements, so one sample's tail is not the next one's cost. */
/**
 * The engine as it ships: dist/engine.js, one bundle, the code the CLI, the extension and the
 * exporter run. Its modules share one scope; in out/src/ each module is transpiled on its own and
 * every call into another module goes through an export getter, which cost about 0.3 ms of CPU per
 * probe that no user pays (2026-12-02, figure 1's runProbe, interleaved).
 */
export function shippedEngine(): typeof import('../src/engine/index') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(REPO_ROOT, 'dist', 'engine.js'));
}

export function settle(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The repository root (this file runs from out/bench/). */
export const REPO_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
