// Figure 8: a device's whole first contact (OPTIONS twice, then FolderSync, Provision ×2,
// FolderSync, Sync, GetItemEstimate, Sync) against the lab playing a distant server (every
// handshake and answer waits 50 ms), set against the sum of its round trips: what the network
// alone costs. The difference is the probe's own work (TLS, WBXML, judging, evidence). The light
// probe (OPTIONS only) is measured the same way for comparison. The lab runs in its own process.
import { findScenario } from '../src/lab/scenarios';
import { runProbe } from '../src/probe/probe';
import type { HttpExchange, ProbeRun, ProbeStep } from '../src/probe/runModel';
import { startLabInChild } from './labProcess';
import { median, round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '8 first contact';
const SCENARIO = 'exchange2016-healthy';
const LATENCY_MS = 50;
const REPETITIONS = 15;
/** Over the sum of round trips: the probe's own work must stay a small share of a session. */
const GOAL = { max: 1.25, of: 'ratio' } as const;

/** HTTP exchanges of a run, each once (a step may quote an exchange another step made). */
function exchanges(run: ProbeRun): number {
  const seen = new Set<HttpExchange>();
  const visit = (steps: ProbeStep[]) => {
    for (const s of steps) {
      for (const h of s.evidence.http ?? []) seen.add(h);
      visit(s.children);
    }
  };
  visit(run.steps);
  return seen.size;
}

export async function firstContact(): Promise<BenchRow[]> {
  const lab = await startLabInChild([SCENARIO], { latencyMs: LATENCY_MS });
  try {
    const { userName, password } = findScenario(SCENARIO)!.credentials;
    const probe = (mode: 'commands' | 'options') => runProbe({ target: lab.urls[SCENARIO], userName, password, extraCaPem: lab.caPem, proxy: '', mode, deviceId: `BenchDevice${mode}` });
    await probe('commands'); // warm-up
    await probe('options');
    const rows: BenchRow[] = [];
    for (const mode of ['commands', 'options'] as const) {
      const wall: number[] = [];
      const cpu: number[] = [];
      let roundTrips = 0;
      for (let r = 0; r < REPETITIONS; r++) {
        await settle(20);
        const before = process.cpuUsage();
        const { ms, value: run } = await timed(() => probe(mode));
        const used = process.cpuUsage(before);
        if (run.outcome !== 'passed') throw new Error(`${mode}: the run did not pass (${run.outcome})`);
        wall.push(ms);
        cpu.push((used.user + used.system) / 1000);
        // One round trip for the TLS handshake of the single connection, one per HTTP answer.
        roundTrips = 1 + exchanges(run);
      }
      const baseline = roundTrips * LATENCY_MS;
      rows.push(
        row(
          {
            figure: FIGURE,
            label: mode === 'commands' ? `full first contact (OPTIONS → Provision → FolderSync → Sync), ${LATENCY_MS} ms round trip` : `light probe (OPTIONS only), ${LATENCY_MS} ms round trip`,
            unit: 'ms',
            baseline,
            baselineLabel: `sum of its ${roundTrips} round trips`,
            goal: GOAL,
            note: `the probe's own work: ${round(median(wall) - baseline)} ms over the network's ${baseline} ms; ${REPETITIONS} runs`,
          },
          wall,
        ),
        // CPU time of the probing process alone: on a busy machine the wall time above also
        // counts waiting for a core, which this does not.
        row({ figure: FIGURE, label: `CPU time of the probing process, ${mode === 'commands' ? 'full first contact' : 'light probe'}`, unit: 'ms', note: `${roundTrips - 1} HTTP exchanges and one TLS handshake` }, cpu),
      );
    }
    return rows;
  } finally {
    await lab.close();
  }
}
