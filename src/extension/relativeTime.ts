// "3 min ago"-style times for the History view. Pure (no vscode), so plain Node tests cover it.

const UNITS: Array<[limitSeconds: number, divisorSeconds: number, unit: string]> = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [7 * 86_400, 86_400, 'd'],
];

/** Short relative time of an ISO timestamp against `now`; falls back to the date for older runs. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown time';
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 0) return 'just now'; // clocks of two windows can disagree by a little
  if (seconds < 10) return 'just now';
  for (const [limit, divisor, unit] of UNITS) {
    if (seconds < limit) return `${Math.floor(seconds / divisor)} ${unit} ago`;
  }
  return new Date(then).toISOString().slice(0, 10);
}

/** Elapsed milliseconds as a tree description: "87 ms", "1.4 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
