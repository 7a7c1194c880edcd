// "The same server before and after a change", staged with the lab: the earlier scenario is
// probed, stopped, and the later scenario started on the very same port, so both runs have the
// same target URL as they would when an admin fixes a server and runs the test again.
import { startLab } from '../../../src/lab/labServer';
import type { ProbeOptions } from '../../../src/probe/probeOptions';
import type { ProbeRun } from '../../../src/probe/runModel';
import { probeLabScenario } from './probeLabRuns';

export async function probeBeforeAndAfter(beforeId: string, afterId: string, overrides: Partial<ProbeOptions> = {}): Promise<[ProbeRun, ProbeRun]> {
  const first = await startLab({ scenarios: [beforeId] });
  let before: ProbeRun;
  let port: number;
  try {
    before = await probeLabScenario(first, beforeId, overrides);
    port = Number(new URL(first.urlFor(beforeId)).port);
  } finally {
    await first.close();
  }
  const second = await startLab({ scenarios: [afterId], ports: { [afterId]: port } });
  try {
    return [before, await probeLabScenario(second, afterId, overrides)];
  } finally {
    await second.close();
  }
}
