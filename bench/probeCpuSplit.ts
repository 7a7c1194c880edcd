// Where figure 1's CPU goes, part by part: runProbe against the lab's healthy Exchange 2016 and
// the hand-rolled client with undici (figure 1's floor), interleaved, the lab in its own process
// so only the client's CPU is counted. Process CPU is read after each part (for runProbe: each
// step it finishes), so a part holds everything the process did for it: the step's judging, its
// evidence and the event loop's work for its I/O. Not one of `npm run bench`'s figures: a tool for
// finding the engine's own work, and for comparing two builds in one process.
//
//   node out/bench/probeCpuSplit.js [probes, default 600] [--against OTHER_BUILD/dist/engine.js]
//
// runProbe is the shipped bundle, dist/engine.js, as in figure 1. --against loads runProbe from
// another module (another build's dist/engine.js, e.g. of main before a change) as a third side,
// so before and after meet the same load.
import { resolve as resolvePath } from 'node:path';
import { loadavg } from 'node:os';
import * as tls from 'node:tls';
import { findScenario } from '../src/lab/scenarios';
import type { ProbeOptions } from '../src/probe/probeOptions';
import type { ProbeRun } from '../src/probe/runModel';
import { basicAuthorization } from '../src/probe/requestAuthorization';
import { handRolledWithUndici } from './handRolledProbe';
import { startLabInChild } from './labProcess';
import { round, shippedEngine } from './stats';

const SCENARIO = 'exchange2016-healthy';
const WARM_UP = 40;
/** The undici side's parts, in its order; runProbe's steps map onto them, the rest are its own. */
const SHARED_PARTS = ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'end'];

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

type Split = Map<string, number>;

/** Charges the CPU used since the last call to `part`. */
function meter(split: Split): (part: string) => void {
  let last = cpuMs();
  return (part) => {
    const now = cpuMs();
    split.set(part, (split.get(part) ?? 0) + now - last);
    last = now;
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const probes = Number(args.find((a) => /^\d+$/.test(a)) ?? 600);
  const againstAt = args.indexOf('--against');
  const lab = await startLabInChild([SCENARIO]);
  try {
    const url = lab.urls[SCENARIO];
    const { userName, password } = findScenario(SCENARIO)!.credentials;
    const context = tls.createSecureContext({ ca: lab.caPem });
    const authorization = basicAuthorization(userName, password);

    const engineSide = (probe: (options: ProbeOptions) => Promise<ProbeRun>) => async (split: Split) => {
      const mark = meter(split);
      // Everything from the call (options, target, run record) up to the input step's end is 'input';
      // after that each step is charged the CPU since the previous step ended (openHttpConnection
      // goes with the anonymous OPTIONS, as undici's Client creation does on the other side).
      const run = await probe({
        target: url, userName, password, extraCaPem: lab.caPem, mode: 'options',
        onStepFinished: (step) => mark(SHARED_PARTS.includes(step.id) ? step.id : 'skipped steps (recorded as such)'),
      });
      // The connection's close completes after runProbe returns: wait for it, as the other side waits for destroy().
      await new Promise((resolve) => setImmediate(resolve));
      mark('end');
      if (run.outcome !== 'passed') throw new Error(`the probe did not pass: ${run.outcome}`);
    };
    const sides: Array<[string, (split: Split) => Promise<void>]> = [['runProbe', engineSide(shippedEngine().runProbe)]];
    if (againstAt >= 0) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const other = require(resolvePath(args[againstAt + 1])) as ReturnType<typeof shippedEngine>;
      sides.push(['runProbe (--against)', engineSide(other.runProbe)]);
    }
    sides.push([
      'undici floor',
      async (split) => {
        const mark = meter(split);
        mark('input');
        const { statuses } = await handRolledWithUndici(url, context, authorization, mark);
        await new Promise((resolve) => setImmediate(resolve));
        mark('end');
        if (statuses.join() !== '401,200') throw new Error(`the hand-rolled client got ${statuses.join()}`);
      },
    ]);

    const splits = new Map(sides.map(([name]) => [name, new Map() as Split]));
    for (let i = 0; i < WARM_UP; i++) for (const [, work] of sides) await work(new Map());
    for (let i = 0; i < probes; i++) {
      for (const [name, work] of i % 2 === 0 ? sides : [...sides].reverse()) {
        await work(splits.get(name)!);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }

    const parts = [...new Set([...SHARED_PARTS, ...[...splits.values()].flatMap((s) => [...s.keys()])])];
    const perProbe = (name: string, part: string) => (splits.get(name)!.get(part) ?? 0) / probes;
    const total = (name: string) => [...splits.get(name)!.values()].reduce((a, b) => a + b, 0) / probes;
    const width = Math.max(...sides.map(([name]) => name.length), 10);
    const line = (label: string, cells: string[]) => `${label.padEnd(34)}${cells.map((c) => c.padStart(width + 2)).join('')}`;
    process.stdout.write(`CPU per probe (ms), ${probes} probes per side, interleaved; load average ${loadavg()[0].toFixed(2)}\n`);
    process.stdout.write(`${line('part', sides.map(([name]) => name))}\n`);
    for (const part of parts) process.stdout.write(`${line(part, sides.map(([name]) => round(perProbe(name, part), 3).toFixed(3)))}\n`);
    process.stdout.write(`${line('total', sides.map(([name]) => round(total(name), 3).toFixed(3)))}\n`);
  } finally {
    await lab.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
