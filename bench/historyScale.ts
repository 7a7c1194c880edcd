// Figure 5: the history store with 10,000 runs. Runs are real (probed from the lab: healthy, 401,
// TLS failures, status errors) and cloned with new ids, times and host names, then stored with the
// store's own append. Measured: a fresh store loading and producing the History tree's first level
// (goal ≤ 50 ms), appending one run (goal ≤ 5 ms), and bytes on disk per run. Baseline for the
// load: the same runs as one JSON array, read with readFileSync and JSON.parse.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../src/history/historyStore';
import { startLab } from '../src/lab/labServer';
import { findScenario } from '../src/lab/scenarios';
import { runProbe } from '../src/probe/probe';
import type { ProbeRun } from '../src/probe/runModel';
import { round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '5 history at scale';
const RUN_COUNT = 10_000;
const HOSTS = 40;
const LOAD_ITERATIONS = 10;
const BASELINE_ITERATIONS = 5;
const APPEND_ITERATIONS = 30;
const SOURCE_SCENARIOS = [
  'exchange2016-healthy',
  'exchange2010-healthy',
  'coexistence-2003-basic-only',
  'office365-needs-upn',
  'tls-self-signed',
  'tls-expired',
  'status-503',
  'exchange-online-bearer-only',
];

async function realRuns(): Promise<ProbeRun[]> {
  const lab = await startLab({ scenarios: SOURCE_SCENARIOS });
  try {
    const runs: ProbeRun[] = [];
    for (const id of SOURCE_SCENARIOS) {
      const { userName, password } = findScenario(id)!.credentials;
      runs.push(await runProbe({ target: lab.urlFor(id), userName, password, extraCaPem: lab.caPem, labScenario: id }));
    }
    return runs;
  } finally {
    await lab.close();
  }
}

function clone(source: ProbeRun, index: number): ProbeRun {
  const run = JSON.parse(JSON.stringify(source)) as ProbeRun;
  const host = `mail${index % HOSTS}.contoso.example`;
  const startedAt = new Date(Date.UTC(2025, 0, 1) + index * 60_000);
  run.id = randomUUID();
  run.target = { ...run.target, host, url: run.target.url.replace('localhost', host), input: run.target.input.replace('localhost', host) };
  run.startedAt = startedAt.toISOString();
  run.finishedAt = new Date(startedAt.getTime() + run.durationMs).toISOString();
  return run;
}

function folderBytes(dir: string): { apparent: number; allocated: number; files: number } {
  let apparent = 0;
  let allocated = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderBytes(full);
      apparent += inner.apparent;
      allocated += inner.allocated;
      files += inner.files;
    } else {
      const s = statSync(full);
      apparent += s.size;
      allocated += s.blocks * 512;
      files++;
    }
  }
  return { apparent, allocated, files };
}

/**
 * Stores the 10,000 runs and writes them as one array for the baseline. The runs are garbage once
 * this returns: a window opening the history does not hold 10,000 full runs in its heap, and
 * holding them made every collection during the load samples mark a few hundred MB.
 */
async function fillStore(sources: ProbeRun[], storeDir: string, arrayFile: string): Promise<{ filled: { ms: number }; arrayBytes: number }> {
  const runs = Array.from({ length: RUN_COUNT }, (_, i) => clone(sources[i % sources.length], i));
  const writer = new HistoryStore(storeDir, { maxRuns: RUN_COUNT });
  const filled = await timed(async () => {
    for (const run of runs) await writer.append(run);
    await writer.whenIdle();
  });
  writeFileSync(arrayFile, JSON.stringify(runs));
  return { filled, arrayBytes: statSync(arrayFile).size };
}

export async function historyScale(): Promise<BenchRow[]> {
  const sources = await realRuns();
  const dir = mkdtempSync(join(tmpdir(), 'activesync-doctor-bench-history-'));
  try {
    const storeDir = join(dir, 'history');
    const arrayFile = join(dir, 'all-runs.json');
    const { filled, arrayBytes } = await fillStore(sources, storeDir, arrayFile);

    // A fresh store instance per sample, as a newly opened VS Code window has; one warm-up first.
    const loadMs: number[] = [];
    const idleMs: number[] = [];
    let groups = 0;
    for (let i = 0; i <= LOAD_ITERATIONS; i++) {
      const store = new HistoryStore(storeDir, { maxRuns: RUN_COUNT });
      const load = await timed(() => store.groupByServer());
      const idle = await timed(() => store.whenIdle());
      if (i === 0) continue;
      loadMs.push(load.ms);
      idleMs.push(idle.ms);
      groups = load.value.length;
      await settle(10);
    }
    // The baseline afterwards, not interleaved: each of its samples leaves ~80 MB of garbage behind.
    const baselineMs: number[] = [];
    for (let i = 0; i < BASELINE_ITERATIONS; i++) {
      const parsed = await timed(async () => (JSON.parse(readFileSync(arrayFile, 'utf8')) as ProbeRun[]).length);
      if (parsed.value !== RUN_COUNT) throw new Error('baseline parsed the wrong number of runs');
      baselineMs.push(parsed.ms);
      await settle(10);
    }
    const summaries = await new HistoryStore(storeDir, { maxRuns: RUN_COUNT }).summaries();
    if (summaries.length !== RUN_COUNT) throw new Error(`the store holds ${summaries.length} runs, not ${RUN_COUNT}`);

    const appender = new HistoryStore(storeDir, { maxRuns: RUN_COUNT });
    await appender.summaries();
    await appender.whenIdle();
    const appendMs: number[] = [];
    for (let i = 0; i < APPEND_ITERATIONS; i++) {
      const run = clone(sources[i % sources.length], RUN_COUNT + i);
      appendMs.push((await timed(() => appender.append(run))).ms);
      // Retention and compaction happen in the background; let them finish outside the timing.
      await appender.whenIdle();
    }

    const disk = folderBytes(storeDir);
    const kept = (await appender.summaries()).length;
    const index = statSync(join(storeDir, 'index.jsonl')).size;
    const baselineRow = row({ figure: FIGURE, label: `baseline: readFileSync + JSON.parse of ${RUN_COUNT} runs (${round(arrayBytes / 1024 / 1024, 1)} MB)`, unit: 'ms' }, baselineMs);
    return [
      row(
        {
          figure: FIGURE,
          label: `fresh store → groupByServer() with ${RUN_COUNT} runs (${groups} servers)`,
          unit: 'ms',
          baseline: baselineRow.median,
          baselineLabel: 'one-array JSON.parse',
          goal: { max: 50, of: 'value' },
        },
        loadMs,
      ),
      baselineRow,
      row({ figure: FIGURE, label: 'background check of run files after load (not on the tree\'s path)', unit: 'ms' }, idleMs),
      row({ figure: FIGURE, label: `append one run to a full store (${RUN_COUNT} kept)`, unit: 'ms', goal: { max: 5, of: 'value' } }, appendMs),
      {
        ...row({ figure: FIGURE, label: 'bytes on disk per run (file sizes)', unit: 'bytes' }, disk.apparent / kept),
        note: `index ${round(index / kept)} B/run; allocated blocks ${round(disk.allocated / kept)} B/run; one-array JSON ${round(arrayBytes / RUN_COUNT)} B/run; ${disk.files} files`,
      },
      { ...row({ figure: FIGURE, label: `filling the store: ${RUN_COUNT} appends`, unit: 'ms' }, filled.ms), note: 'set-up, for reference' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
