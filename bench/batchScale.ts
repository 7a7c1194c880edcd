// Figure 6: a batch of 200 lab endpoints (the healthy scenarios, repeated) at concurrency 16,
// against the slowest single probe of the same scenarios measured in the same repetition. Also
// the speed-up over running the 200 one after another, and the process's peak memory. The lab
// runs in its own process so the probes, not the lab's half of each handshake, own this one.
import { findScenario } from '../src/lab/scenarios';
import { runBatch, type BatchTarget } from '../src/probe/batch';
import { runProbe } from '../src/probe/probe';
import { startLabInChild } from './labProcess';
import { median, round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '6 batch';
const HEALTHY = ['exchange2010-healthy', 'exchange2016-healthy', 'exchange2003-healthy', 'exchange2019-healthy', 'zpush-healthy'];
const TARGETS = 200;
const CONCURRENCY = 16;
const REPETITIONS = 3;
const SINGLES_PER_SCENARIO = 2;

export async function batchScale(): Promise<BenchRow[]> {
  const lab = await startLabInChild(HEALTHY);
  const urlFor = (id: string) => lab.urls[id];
  try {
    const targets: BatchTarget[] = Array.from({ length: TARGETS }, (_, i) => {
      const id = HEALTHY[i % HEALTHY.length];
      return { target: urlFor(id), ...findScenario(id)!.credentials };
    });
    const single = async (id: string) => {
      const { userName, password } = findScenario(id)!.credentials;
      const { ms, value } = await timed(() => runProbe({ target: urlFor(id), userName, password, extraCaPem: lab.caPem }));
      if (value.outcome !== 'passed') throw new Error(`${id} did not pass: ${value.outcome}`);
      return ms;
    };
    for (const id of HEALTHY) await single(id); // warm-up

    const batchMs: number[] = [];
    const slowestMs: number[] = [];
    const singleMs: number[] = [];
    const slowestRunInBatch: number[] = [];
    let peakRss = 0;
    for (let r = 0; r < REPETITIONS; r++) {
      const singles: number[] = [];
      for (let k = 0; k < SINGLES_PER_SCENARIO; k++) for (const id of HEALTHY) singles.push(await single(id));
      slowestMs.push(Math.max(...singles));
      singleMs.push(...singles);
      await settle(20);
      const { ms, value: result } = await timed(() => runBatch(targets, { concurrency: CONCURRENCY, extraCaPem: lab.caPem }));
      if (result.passed !== TARGETS) throw new Error(`only ${result.passed} of ${TARGETS} batch runs passed (${result.failed} failed)`);
      batchMs.push(ms);
      slowestRunInBatch.push(Math.max(...result.runs.map((run) => run.durationMs)));
      peakRss = Math.max(peakRss, result.peakRssBytes ?? 0);
      await settle(50);
    }
    const ratios = batchMs.map((ms, i) => ms / slowestMs[i]);
    const medianSingle = median(singleMs);
    return [
      {
        ...row(
          {
            figure: FIGURE,
            label: `${TARGETS} probes at concurrency ${CONCURRENCY}, wall time ÷ slowest single probe`,
            unit: 'ratio',
            goal: { max: 2, of: 'value' },
            note: `batch ${round(median(batchMs))} ms vs slowest single ${round(median(slowestMs))} ms (medians over ${REPETITIONS} repetitions)`,
          },
          ratios,
        ),
      },
      row({ figure: FIGURE, label: `${TARGETS}-probe batch wall time`, unit: 'ms', baseline: round(median(slowestMs)), baselineLabel: 'slowest single probe' }, batchMs),
      {
        ...row({ figure: FIGURE, label: `speed-up over ${TARGETS} probes one after another`, unit: 'ratio' }, batchMs.map((ms) => (TARGETS * medianSingle) / ms)),
        note: `${TARGETS} × median single probe (${round(medianSingle)} ms) ÷ batch wall time`,
      },
      row({ figure: FIGURE, label: 'slowest run inside the batch (queueing for CPU included)', unit: 'ms' }, slowestRunInBatch),
      { ...row({ figure: FIGURE, label: 'peak RSS of the probing process during the batch', unit: 'MB' }, peakRss / 1024 / 1024) },
    ];
  } finally {
    await lab.close();
  }
}
