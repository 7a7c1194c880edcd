// `npm run bench`: runs every figure (or `--only 1,5`), prints one table and writes
// bench/results/latest.json with each row's median, the baseline measured in the same run, the
// ratio, the goal and by how much it was missed, plus the machine. A missed goal is reported,
// never a reason to skip writing; a figure that crashes is reported as such and the rest go on.
// Each figure runs in its own Node process, so one figure's garbage, heap growth and sockets
// (10,000 runs in memory for figure 5) never show up in another's timings or peak RSS.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineInfo, REPO_ROOT, round, type BenchRow } from './stats';

// Each figure's module is loaded only in the process that runs it: the modules of the other
// figures (the lab server, the history store, the exporter) would otherwise sit in every
// figure's memory, and figure 6 reports the probing process's RSS.
const FIGURES: Array<{ id: number; name: string; run: () => Promise<BenchRow[]> }> = [
  { id: 1, name: 'probe overhead', run: async () => (await import('./probeOverhead')).probeOverhead() },
  { id: 2, name: 'CLI vs curl', run: async () => (await import('./cliVsCurl')).cliVsCurl() },
  { id: 3, name: 'start-up', run: async () => (await import('./extensionStartup')).extensionStartup() },
  { id: 4, name: 'silent server', run: async () => (await import('./silentServer')).silentServer() },
  { id: 5, name: 'history at scale', run: async () => (await import('./historyScale')).historyScale() },
  { id: 6, name: 'batch', run: async () => (await import('./batchScale')).batchScale() },
  { id: 7, name: 'exporter under scrape load', run: async () => (await import('./exporterLoad')).exporterLoad() },
  { id: 8, name: 'first contact', run: async () => (await import('./firstContact')).firstContact() },
];

function selectedFigures(argv: string[]): typeof FIGURES {
  const at = argv.indexOf('--only');
  if (at < 0) return FIGURES;
  const wanted = new Set((argv[at + 1] ?? '').split(',').map(Number));
  const chosen = FIGURES.filter((f) => wanted.has(f.id));
  if (chosen.length === 0) throw new Error(`--only takes figure numbers 1–${FIGURES.length}, e.g. --only 1,5`);
  return chosen;
}

function formatValue(value: number | undefined, unit: BenchRow['unit']): string {
  if (value === undefined || Number.isNaN(value)) return '';
  if (unit === 'ratio') return `${round(value, 2)}×`;
  if (unit === 'bytes') return `${Math.round(value)} B`;
  return `${value >= 100 ? Math.round(value) : round(value, 1)} ${unit}`;
}

function verdict(r: BenchRow): string {
  if (!r.goal) return '';
  const goal = `≤ ${r.goal.max}${r.goal.of === 'ratio' || r.unit === 'ratio' ? '×' : ` ${r.unit}`}`;
  if (r.met === undefined) return `${goal}: not measured`;
  return r.met ? `${goal}: met` : `${goal}: MISSED by ${Math.round((r.missedBy ?? 0) * 100)}%`;
}

function table(rows: BenchRow[]): string {
  const header = ['Figure', 'Measure', 'Median', 'p10–p90', 'Baseline', 'Ratio', 'Goal'];
  const cells = rows.map((r) => [
    r.figure,
    r.label,
    r.median === undefined ? (r.note ?? '') : formatValue(r.median, r.unit),
    r.p10 !== undefined ? `${formatValue(r.p10, r.unit)}–${formatValue(r.p90, r.unit)}` : '',
    r.baseline !== undefined ? formatValue(r.baseline, r.unit === 'ratio' ? 'ms' : r.unit) : '',
    r.ratio !== undefined ? `${r.ratio}×` : '',
    verdict(r),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c])).join(' │ ').trimEnd();
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─')];
  rows.forEach((r, i) => {
    out.push(line(cells[i]));
    if (r.note && r.median !== undefined) out.push(line(['', `  ↳ ${r.note}`, '', '', '', '', '']));
  });
  return out.join('\n');
}

async function main(): Promise<number> {
  const figures = selectedFigures(process.argv.slice(2));
  const machine = machineInfo();
  const started = performance.now();
  process.stdout.write(`ActiveSync Doctor benchmarks on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}, ${machine.os}\n`);
  process.stdout.write(`load average at start: ${machine.loadAverage1m}${machine.loadAverage1m > machine.cores ? ' (other work is competing for the CPU: expect noisy figures)' : ''}\n\n`);
  const rows: BenchRow[] = [];
  const errors: Array<{ figure: string; error: string }> = [];
  const durations: Record<string, number> = {};
  for (const figure of figures) {
    process.stdout.write(`running ${figure.id}. ${figure.name}…\n`);
    const t0 = performance.now();
    const outcome = await runInChild(figure.id);
    if ('rows' in outcome) {
      rows.push(...outcome.rows);
    } else {
      errors.push({ figure: `${figure.id} ${figure.name}`, error: outcome.error });
      rows.push({ figure: `${figure.id} ${figure.name}`, label: 'FAILED TO RUN', unit: 'ms', note: outcome.error.split('\n')[0] });
    }
    durations[`${figure.id} ${figure.name}`] = round((performance.now() - t0) / 1000, 1);
  }
  const totalSeconds = round((performance.now() - started) / 1000, 1);
  const loadAverageAtEnd = round(loadavg()[0]);
  process.stdout.write(`\n${table(rows)}\n\n`);

  const missed = rows.filter((r) => r.met === false);
  const summary = `${rows.filter((r) => r.met === true).length} goals met, ${missed.length} missed${errors.length ? `, ${errors.length} figure(s) failed to run` : ''}; ${totalSeconds} s in all.`;
  process.stdout.write(`${summary}\n`);
  for (const r of missed) process.stdout.write(`  missed: ${r.figure} / ${r.label}: ${formatValue(r.goal?.of === 'ratio' ? r.ratio : r.median, r.goal?.of === 'ratio' ? 'ratio' : r.unit)} against ${verdict(r).split(':')[0]}\n`);

  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, figures.length === FIGURES.length ? 'latest.json' : 'latest-partial.json');
  writeFileSync(file, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, loadAverageAtEnd, totalSeconds, secondsPerFigure: durations, summary, rows, errors }, null, 2)}\n`);
  process.stdout.write(`results written to ${relative(process.cwd(), file)}\n`);
  for (const e of errors) process.stderr.write(`\n${e.figure} failed:\n${e.error}\n`);
  return errors.length ? 1 : 0;
}

type ChildOutcome = { rows: BenchRow[] } | { error: string };

function runInChild(id: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--figure', String(id)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let outcome: ChildOutcome | undefined;
    child.on('message', (message) => {
      outcome = message as ChildOutcome;
    });
    child.on('error', (error) => resolve({ error: error.stack ?? String(error) }));
    child.on('exit', (code, signal) => resolve(outcome ?? { error: `the figure's process exited with ${signal ?? code} before reporting` }));
  });
}

/** In the child: run one figure and send its rows (or its error) to the parent. */
async function childMain(id: number): Promise<void> {
  const figure = FIGURES.find((f) => f.id === id);
  let outcome: ChildOutcome;
  try {
    if (!figure) throw new Error(`no figure ${id}`);
    outcome = { rows: await figure.run() };
  } catch (error) {
    outcome = { error: (error as Error).stack ?? String(error) };
  }
  process.send?.(outcome, () => process.disconnect());
}

const figureArg = process.argv.indexOf('--figure');
if (figureArg >= 0) {
  void childMain(Number(process.argv[figureArg + 1]));
} else main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
