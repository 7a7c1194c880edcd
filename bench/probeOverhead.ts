// Figure 1: the engine's full probe against the lab's healthy Exchange 2016 versus a hand-rolled
// client doing the same network work in the same process. Interleaved (A B A B …) after a warm-up
// so drift in the machine's load hits both sides alike.
import * as tls from 'node:tls';
import { startLab } from '../src/lab/labServer';
import { findScenario } from '../src/lab/scenarios';
import { basicAuthorization } from '../src/probe/requestAuthorization';
import { handRolledProbe, handRolledWithUndici } from './handRolledProbe';
import { median, round, row, settle, shippedEngine, timed, type BenchRow } from './stats';

const SCENARIO = 'exchange2016-healthy';
const WARM_UP = 8;
const ITERATIONS = 40;

export async function probeOverhead(): Promise<BenchRow[]> {
  const { runProbe } = shippedEngine();
  const lab = await startLab({ scenarios: [SCENARIO] });
  try {
    const url = lab.urlFor(SCENARIO);
    const { userName, password } = findScenario(SCENARIO)!.credentials;
    const context = tls.createSecureContext({ ca: lab.caPem });
    const authorization = basicAuthorization(userName, password);

    const stepMs = new Map<string, number[]>();
    const engine = async () => {
      // OPTIONS only, like the hand-rolled client; figure 7 measures the command steps.
      const run = await runProbe({ target: url, userName, password, extraCaPem: lab.caPem, mode: 'options' });
      if (run.outcome !== 'passed') throw new Error(`the probe did not pass against ${SCENARIO}: ${run.outcome}`);
      for (const step of run.steps) stepMs.set(step.id, [...(stepMs.get(step.id) ?? []), step.durationMs]);
    };
    const baseline = async () => {
      const { statuses } = await handRolledProbe(url, context, authorization);
      if (statuses.join() !== '401,200') throw new Error(`the hand-rolled client got ${statuses.join()}`);
    };
    const withUndici = async () => {
      const { statuses } = await handRolledWithUndici(url, context, authorization);
      if (statuses.join() !== '401,200') throw new Error(`the hand-rolled client with undici got ${statuses.join()}`);
    };

    for (let i = 0; i < WARM_UP; i++) {
      await engine();
      await baseline();
      await withUndici();
    }
    stepMs.clear();
    const samples = new Map<() => Promise<void>, number[]>([
      [engine, []],
      [baseline, []],
      [withUndici, []],
    ]);
    // Process CPU time per probe: far less sensitive to other work on the machine than wall time.
    // The lab answers in this process, so each side's CPU includes the same server work.
    const cpuSamples = new Map<() => Promise<void>, number[]>([...samples.keys()].map((work) => [work, []]));
    for (let i = 0; i < ITERATIONS; i++) {
      // Alternate the order, so no side always follows another's garbage.
      const order = i % 2 === 0 ? [engine, baseline, withUndici] : [withUndici, baseline, engine];
      for (const work of order) {
        const cpuBefore = process.cpuUsage();
        const { ms } = await timed(work);
        const cpu = process.cpuUsage(cpuBefore);
        samples.get(work)!.push(ms);
        cpuSamples.get(work)!.push((cpu.user + cpu.system) / 1000);
        await settle(2);
      }
    }
    const cpuMedian = (work: () => Promise<void>) => median(cpuSamples.get(work)!);
    const engineMs = samples.get(engine)!;
    const baselineRow = row({ figure: '1 probe overhead', label: 'hand-rolled DNS+TCP+TLS+2×OPTIONS', unit: 'ms' }, samples.get(baseline)!);
    const undiciRow = row(
      {
        figure: '1 probe overhead',
        label: 'the same with undici for the two requests (floor with the engine\'s HTTP library)',
        unit: 'ms',
        baseline: baselineRow.median,
        baselineLabel: 'hand-rolled client, same process',
        note: 'what undici alone adds; runProbe over this is the engine\'s own work',
      },
      samples.get(withUndici)!,
    );
    return [
      row(
        {
          figure: '1 probe overhead',
          label: `runProbe against ${SCENARIO} (loopback TLS)`,
          unit: 'ms',
          baseline: baselineRow.median,
          baselineLabel: 'hand-rolled client, same process',
          goal: { max: 1.15, of: 'ratio' },
          // Where the engine's time goes, so a missed goal points at a step.
          note: `median per step: ${[...stepMs].filter(([, v]) => median(v) > 0).map(([id, v]) => `${id} ${round(median(v))}`).join(', ')} ms`,
        },
        engineMs,
      ),
      baselineRow,
      undiciRow,
      row(
        {
          figure: '1 probe overhead',
          label: 'process CPU per runProbe (client and the in-process lab)',
          unit: 'ms',
          baseline: round(cpuMedian(withUndici)),
          baselineLabel: 'the same for the hand-rolled client with undici',
          note: `hand-rolled client ${round(cpuMedian(baseline))} ms; runProbe − undici floor ${round(cpuMedian(engine) - cpuMedian(withUndici))} ms is the engine's own CPU`,
        },
        cpuSamples.get(engine)!,
      ),
    ];
  } finally {
    await lab.close();
  }
}
