// Figure 6: a batch of 200 lab endpoints (the healthy scenarios, repeated) against the slowest
// single probe of the same scenarios, measured in the same repetition against the same lab.
// The lab runs in its own process so its half of every handshake does not share the probes' CPU.
// The goal is about real batches, which wait on the network: the lab plays a distant server
// (latencyMs: the handshake and every answer wait one round trip), probed at concurrency 64
// (runBatch's maximum) and with all 200 in flight. The old loopback row (no latency, so pure
// CPU) stays, labelled as such, together with the speed-up over probing one after another.
// The runs are the light probe (OPTIONS only): 40 copies of one scenario sharing a DeviceId would
// trample each other's provisioning, as they would on a real server; figure 7 measures commands.
import { findScenario } from '../src/lab/scenarios';
import { MAX_BATCH_CONCURRENCY, runBatch, type BatchResult, type BatchTarget } from '../src/probe/batch';
import { runProbe } from '../src/probe/probe';
import { startLabInChild, type LabInChild } from './labProcess';
import { median, round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '6 batch';
const HEALTHY = ['exchange2010-healthy', 'exchange2016-healthy', 'exchange2003-healthy', 'exchange2019-healthy', 'zpush-healthy'];
const TARGETS = 200;
const LATENCY_MS = 50;
const LOOPBACK_CONCURRENCY = 16;
const REPETITIONS = 3;
const SINGLES_PER_SCENARIO = 2;
const GOAL = { max: 2, of: 'ratio' } as const;
const MB = 1024 * 1024;

/** How one batch configuration is run: a name for the rows and the call that runs the 200. */
interface BatchShape {
  label: string;
  run(targets: BatchTarget[], caPem: string): Promise<BatchResult[]>;
}

const atConcurrency = (concurrency: number): BatchShape => ({
  label: `concurrency ${concurrency}`,
  run: async (targets, caPem) => [await runBatch(targets, { concurrency, extraCaPem: caPem, mode: 'options' })],
});

/** runBatch refuses more than 64 at once, so 200 in flight are four 50-wide batches side by side. */
const allInFlight: BatchShape = {
  label: `all ${TARGETS} in flight`,
  run: (targets, caPem) => {
    const width = TARGETS / 4;
    const chunks = [0, 1, 2, 3].map((i) => targets.slice(i * width, (i + 1) * width));
    return Promise.all(chunks.map((chunk) => runBatch(chunk, { concurrency: width, extraCaPem: caPem, mode: 'options' })));
  },
};

interface Samples {
  batchMs: number[];
  slowestSingleMs: number[];
  singleMs: number[];
  slowestInBatchMs: number[];
  peakRssBytes: number;
}

export async function batchScale(): Promise<BenchRow[]> {
  const restingRss = process.memoryUsage.rss();
  const latencyShapes = [atConcurrency(MAX_BATCH_CONCURRENCY), allInFlight];
  const wan = await withLab(LATENCY_MS, (lab) => measure(lab, latencyShapes));
  const [loopback] = await withLab(0, (lab) => measure(lab, [atConcurrency(LOOPBACK_CONCURRENCY)]));

  const rows: BenchRow[] = [];
  latencyShapes.forEach((shape, i) => {
    const s = wan[i];
    rows.push(
      ratioRow(`${TARGETS} probes, ${LATENCY_MS} ms round trip, ${shape.label}`, s),
      row({ figure: FIGURE, label: `peak RSS of the probing process, ${LATENCY_MS} ms round trip, ${shape.label}`, unit: 'MB', note: `${round(restingRss / MB, 1)} MB before the first batch; RSS seldom shrinks, so a later row includes earlier batches' heap` }, s.peakRssBytes / MB),
    );
  });
  rows.push(
    ratioRow(`CPU-bound, loopback, no latency: ${TARGETS} probes at concurrency ${LOOPBACK_CONCURRENCY}`, loopback),
    row({ figure: FIGURE, label: `CPU-bound, loopback, no latency: peak RSS of the probing process`, unit: 'MB' }, loopback.peakRssBytes / MB),
  );
  return rows;
}

async function withLab<T>(latencyMs: number, work: (lab: LabInChild) => Promise<T>): Promise<T> {
  const lab = await startLabInChild(HEALTHY, { latencyMs });
  try {
    return await work(lab);
  } finally {
    await lab.close();
  }
}

/** Per repetition: the singles (the baseline), then each shape's batch once. */
async function measure(lab: LabInChild, shapes: BatchShape[]): Promise<Samples[]> {
  const targets: BatchTarget[] = Array.from({ length: TARGETS }, (_, i) => {
    const id = HEALTHY[i % HEALTHY.length];
    return { target: lab.urls[id], ...findScenario(id)!.credentials };
  });
  const single = async (id: string) => {
    const { userName, password } = findScenario(id)!.credentials;
    const { ms, value } = await timed(() => runProbe({ target: lab.urls[id], userName, password, extraCaPem: lab.caPem, mode: 'options' }));
    if (value.outcome !== 'passed') throw new Error(`${id} did not pass: ${value.outcome}`);
    return ms;
  };
  for (const id of HEALTHY) await single(id); // warm-up

  const samples: Samples[] = shapes.map(() => ({ batchMs: [], slowestSingleMs: [], singleMs: [], slowestInBatchMs: [], peakRssBytes: 0 }));
  for (let r = 0; r < REPETITIONS; r++) {
    const singles: number[] = [];
    for (let k = 0; k < SINGLES_PER_SCENARIO; k++) for (const id of HEALTHY) singles.push(await single(id));
    for (const [i, shape] of shapes.entries()) {
      await settle(50);
      const { ms, value: results } = await timed(() => shape.run(targets, lab.caPem));
      const runs = results.flatMap((result) => result.runs);
      const passed = runs.filter((run) => run.outcome === 'passed').length;
      if (passed !== TARGETS) throw new Error(`${shape.label}: only ${passed} of ${TARGETS} batch runs passed`);
      const s = samples[i];
      s.batchMs.push(ms);
      s.slowestSingleMs.push(Math.max(...singles));
      s.singleMs.push(...singles);
      s.slowestInBatchMs.push(Math.max(...runs.map((run) => run.durationMs)));
      s.peakRssBytes = Math.max(s.peakRssBytes, ...results.map((result) => result.peakRssBytes ?? 0));
    }
  }
  return samples;
}

/** The batch's wall time against the slowest single probe of the same repetition. */
function ratioRow(label: string, s: Samples): BenchRow {
  const medianSingle = median(s.singleMs);
  const speedUp = (TARGETS * medianSingle) / median(s.batchMs);
  return row(
    {
      figure: FIGURE,
      label,
      unit: 'ms',
      baseline: round(median(s.slowestSingleMs)),
      baselineLabel: 'slowest single probe',
      goal: GOAL,
      note:
        `median single probe ${round(medianSingle, 1)} ms; slowest run inside the batch ${round(median(s.slowestInBatchMs))} ms; ` +
        `${round(speedUp, 1)}× faster than ${TARGETS} probes one after another; ${REPETITIONS} repetitions`,
    },
    s.batchMs,
  );
}
