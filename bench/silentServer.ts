// Figure 4: a server that accepts the TCP connection and never answers (the lab's `silent`
// scenario). What matters to an admin is that the probe gives up when told to: the time until
// the run is reported, as a ratio to the configured limit, both for the whole-run limit (what
// the CLI's --timeout sets) and for the TLS step's own limit.
import { startLab } from '../src/lab/labServer';
import { runProbe } from '../src/probe/probe';
import type { ProbeTimeouts } from '../src/probe/probeOptions';
import { row, timed, type BenchRow } from './stats';

const FIGURE = '4 silent server';
const LIMIT_MS = 1000;
const ITERATIONS = 5;

export async function silentServer(): Promise<BenchRow[]> {
  const lab = await startLab({ scenarios: ['silent'] });
  try {
    const url = lab.urlFor('silent');
    const variants: Array<{ label: string; timeouts: Partial<ProbeTimeouts> }> = [
      { label: `overall limit ${LIMIT_MS} ms (--timeout)`, timeouts: { overallMs: LIMIT_MS } },
      { label: `TLS step limit ${LIMIT_MS} ms`, timeouts: { tlsMs: LIMIT_MS } },
    ];
    const samples = variants.map(() => [] as number[]);
    const categories = variants.map(() => new Set<string>());
    for (let i = 0; i < ITERATIONS; i++) {
      // The two variants only wait, so running them side by side costs neither any accuracy.
      await Promise.all(
        variants.map(async (v, k) => {
          const { ms, value: run } = await timed(() => runProbe({ target: url, extraCaPem: lab.caPem, timeouts: v.timeouts }));
          samples[k].push(ms);
          const failed = run.steps.find((s) => s.status === 'failed');
          categories[k].add(`${run.outcome}/${failed?.id ?? '-'}/${failed?.failure?.category ?? '-'}`);
        }),
      );
    }
    return variants.map((v, k) =>
      row(
        {
          figure: FIGURE,
          label: `time to report, ${v.label}`,
          unit: 'ms',
          baseline: LIMIT_MS,
          baselineLabel: 'configured limit',
          goal: { max: 1.1, of: 'ratio' },
          note: `reported as ${[...categories[k]].join(', ')}`,
        },
        samples[k],
      ),
    );
  } finally {
    await lab.close();
  }
}
