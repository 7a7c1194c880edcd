// Figure 6: a batch of 200 lab endpoints (the healthy scenarios, repeated) against the slowest
// single probe of the same scenarios, measured in the same repetition against the same lab.
// The lab runs in its own process so its half of every handshake does not share the probes' CPU.
// The goal is about real batches, which wait on the network: the lab plays a distant server
// (latencyMs: the handshake and every answer wait one round trip), probed with all 200 in flight
// and at concurrency 64 (runBatch's cap until it was raised: four rounds). The old loopback row
// (no latency, so pure CPU) stays, labelled as such, together with the speed-up over probing one
// after another. Each row's note gives the CPU both processes spent per batch: with the waiting
// overlapped, their sum over the machine's cores is the least time the batch can take here.
// Peak RSS is measured in fresh processes (batchMemory.ts) against hand-rolled clients.
// The runs are the light probe (OPTIONS only): 40 copies of one scenario sharing a DeviceId would
// trample each other's provisioning, as they would on a real server; figure 7 measures commands.
import { cpus } from 'node:os';
import { cliV8Flags } from '../src/cli/cliV8Flags';
import { findScenario } from '../src/lab/scenarios';
import { runBatch, type BatchResult, type BatchTarget } from '../src/probe/batch';
import { runProbe } from '../src/probe/probe';
import { measureInFreshProcess, type MemoryClient, type MemorySample } from './batchMemory';
import { startLabInChild, type LabInChild } from './labProcess';
import { median, round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '6 batch';
const HEALTHY = ['exchange2010-healthy', 'exchange2016-healthy', 'exchange2003-healthy', 'exchange2019-healthy', 'zpush-healthy'];
const TARGETS = 200;
const LATENCY_MS = 50;
const LOOPBACK_CONCURRENCY = 16;
/** runBatch's cap before it was raised; at 64, 200 targets take four rounds. */
const OLD_CAP = 64;
const MEMORY_GOAL = { max: 90, of: 'value' } as const;
const REPETITIONS = 3;
const SINGLES_PER_SCENARIO = 2;
const GOAL = { max: 2, of: 'ratio' } as const;
const MB = 1024 * 1024;
/** Fresh processes per client for peak RSS (the median is reported): one process's peak swings by a few MB. */
const MEMORY_PROCESSES = 3;

/** How one batch configuration is run: a name for the rows and the call that runs the 200. */
interface BatchShape {
  label: string;
  run(targets: BatchTarget[], caPem: string): Promise<BatchResult[]>;
}

const atConcurrency = (concurrency: number): BatchShape => ({
  label: `concurrency ${concurrency}`,
  run: async (targets, caPem) => [await runBatch(targets, { concurrency, extraCaPem: caPem, mode: 'options' })],
});

const allInFlight: BatchShape = { ...atConcurrency(TARGETS), label: `all ${TARGETS} in flight (concurrency ${TARGETS})` };

interface Samples {
  batchMs: number[];
  slowestSingleMs: number[];
  singleMs: number[];
  slowestInBatchMs: number[];
  /** CPU time per batch: this (the probing) process, and the lab's process. */
  probingCpuMs: number[];
  labCpuMs: number[];
  peakRssBytes: number;
}

export async function batchScale(): Promise<BenchRow[]> {
  const latencyShapes = [allInFlight, atConcurrency(OLD_CAP)];
  const wan = await withLab(LATENCY_MS, (lab) => measure(lab, latencyShapes));
  const memory = await withLab(LATENCY_MS, async (lab) => {
    const targets = batchTargets(lab);
    // Every client as the CLI's batch command configures V8 (the launcher's flags); runBatch also
    // with V8's defaults, as the engine runs inside VS Code's extension host, which it never reconfigures.
    const batchFlags = cliV8Flags('batch');
    const clients: Array<[string, MemoryClient, string[]]> = [
      ['runBatch', 'runBatch', batchFlags],
      ['runBatchDefaultFlags', 'runBatch', []],
      ['handRolled', 'handRolled', batchFlags],
      ['handRolledWithUndici', 'handRolledWithUndici', batchFlags],
    ];
    const samples = new Map<string, MemorySample[]>(clients.map(([name]) => [name, []]));
    // One process at a time, each with the machine (and the lab) to itself; the clients interleaved.
    for (let i = 0; i < MEMORY_PROCESSES; i++) {
      for (const [name, client, v8Flags] of clients) samples.get(name)!.push(await measureInFreshProcess(client, targets, lab.caPem, v8Flags));
    }
    const medianBy = (name: string): MemorySample => {
      const sorted = [...samples.get(name)!].sort((a, b) => a.peakRssMB - b.peakRssMB);
      return sorted[Math.floor(sorted.length / 2)];
    };
    return {
      runBatch: medianBy('runBatch'),
      runBatchDefaultFlags: medianBy('runBatchDefaultFlags'),
      handRolled: medianBy('handRolled'),
      handRolledWithUndici: medianBy('handRolledWithUndici'),
      batchFlags,
    };
  });
  const [loopback] = await withLab(0, (lab) => measure(lab, [atConcurrency(LOOPBACK_CONCURRENCY)]));

  const rows: BenchRow[] = [];
  latencyShapes.forEach((shape, i) => {
    const goal = shape === allInFlight ? GOAL : undefined;
    const why = shape === allInFlight ? '' : `four rounds at ${OLD_CAP}, so ≥ ~3.5× by arithmetic; `;
    rows.push(ratioRow(`${TARGETS} probes, ${LATENCY_MS} ms round trip, ${shape.label}`, wan[i], goal, why));
  });
  const mb = (n: number) => round(n, 1);
  const { runBatch: probe, runBatchDefaultFlags, handRolled, handRolledWithUndici, batchFlags } = memory;
  rows.push(
    row(
      {
        figure: FIGURE,
        label: `peak RSS of the probing process, ${TARGETS} in flight, V8 flags as the CLI's batch sets them (median of ${MEMORY_PROCESSES} fresh processes, 3 batches each)`,
        unit: 'MB',
        baseline: mb(handRolledWithUndici.peakRssMB),
        baselineLabel: 'hand-rolled client with undici, 200 in flight',
        goal: MEMORY_GOAL,
        note:
          `flags ${batchFlags.join(' ')}; at rest ${mb(probe.restingRssMB)} MB, V8 heap at the peak ${mb(probe.heapTotalAtPeakMB)} MB; ` +
          `with V8's defaults (the extension host) ${mb(runBatchDefaultFlags.restingRssMB)} → ${mb(runBatchDefaultFlags.peakRssMB)} MB, heap at the peak ${mb(runBatchDefaultFlags.heapTotalAtPeakMB)} MB; ` +
          `floors in fresh processes: hand-rolled ${mb(handRolled.restingRssMB)} → ${mb(handRolled.peakRssMB)} MB, ` +
          `with undici ${mb(handRolledWithUndici.restingRssMB)} → ${mb(handRolledWithUndici.peakRssMB)} MB; ` +
          `CPU per batch ${Math.round(probe.cpuMsPerBatch)} / ${Math.round(handRolled.cpuMsPerBatch)} / ${Math.round(handRolledWithUndici.cpuMsPerBatch)} ms`,
      },
      mb(probe.peakRssMB),
    ),
    ratioRow(`CPU-bound, loopback, no latency: ${TARGETS} probes at concurrency ${LOOPBACK_CONCURRENCY}`, loopback, GOAL, ''),
  );
  return rows;
}

function batchTargets(lab: LabInChild): BatchTarget[] {
  return Array.from({ length: TARGETS }, (_, i) => {
    const id = HEALTHY[i % HEALTHY.length];
    return { target: lab.urls[id], ...findScenario(id)!.credentials };
  });
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
  const targets = batchTargets(lab);
  const single = async (id: string) => {
    const { userName, password } = findScenario(id)!.credentials;
    const { ms, value } = await timed(() => runProbe({ target: lab.urls[id], userName, password, extraCaPem: lab.caPem, mode: 'options' }));
    if (value.outcome !== 'passed') throw new Error(`${id} did not pass: ${value.outcome}`);
    return ms;
  };
  for (const id of HEALTHY) await single(id); // warm-up

  const samples: Samples[] = shapes.map(() => ({ batchMs: [], slowestSingleMs: [], singleMs: [], slowestInBatchMs: [], probingCpuMs: [], labCpuMs: [], peakRssBytes: 0 }));
  for (let r = 0; r < REPETITIONS; r++) {
    const singles: number[] = [];
    for (let k = 0; k < SINGLES_PER_SCENARIO; k++) for (const id of HEALTHY) singles.push(await single(id));
    for (const [i, shape] of shapes.entries()) {
      await settle(50);
      const labCpuBefore = await lab.cpuMs();
      const cpuBefore = process.cpuUsage();
      const { ms, value: results } = await timed(() => shape.run(targets, lab.caPem));
      const cpu = process.cpuUsage(cpuBefore);
      const labCpu = (await lab.cpuMs()) - labCpuBefore;
      const runs = results.flatMap((result) => result.runs);
      const passed = runs.filter((run) => run.outcome === 'passed').length;
      if (passed !== TARGETS) throw new Error(`${shape.label}: only ${passed} of ${TARGETS} batch runs passed`);
      const s = samples[i];
      s.batchMs.push(ms);
      s.slowestSingleMs.push(Math.max(...singles));
      s.singleMs.push(...singles);
      s.slowestInBatchMs.push(Math.max(...runs.map((run) => run.durationMs)));
      s.probingCpuMs.push((cpu.user + cpu.system) / 1000);
      s.labCpuMs.push(labCpu);
      s.peakRssBytes = Math.max(s.peakRssBytes, ...results.map((result) => result.peakRssBytes ?? 0));
    }
  }
  return samples;
}

/**
 * The batch's wall time against the slowest single probe of the same repetition. The note's CPU
 * floor: with every round trip overlapped, both processes' CPU spread perfectly over all cores.
 */
function ratioRow(label: string, s: Samples, goal: typeof GOAL | undefined, why: string): BenchRow {
  const medianSingle = median(s.singleMs);
  const speedUp = (TARGETS * medianSingle) / median(s.batchMs);
  const probingCpu = median(s.probingCpuMs);
  const labCpu = median(s.labCpuMs);
  const cores = cpus().length;
  const cpuFloor = (probingCpu + labCpu) / cores;
  return row(
    {
      figure: FIGURE,
      label,
      unit: 'ms',
      baseline: round(median(s.slowestSingleMs)),
      baselineLabel: 'slowest single probe',
      goal,
      note:
        `${why}median single probe ${round(medianSingle, 1)} ms; slowest run inside the batch ${round(median(s.slowestInBatchMs))} ms; ` +
        `${round(speedUp, 1)}× faster than ${TARGETS} probes one after another; CPU per batch: probing process ${Math.round(probingCpu)} ms, ` +
        `lab ${Math.round(labCpu)} ms, so ≥ ${Math.round(cpuFloor)} ms (${round(cpuFloor / median(s.slowestSingleMs), 1)}×) on ${cores} cores; ` +
        `peak RSS ${round(s.peakRssBytes / MB, 1)} MB; ${REPETITIONS} repetitions`,
    },
    s.batchMs,
  );
}
