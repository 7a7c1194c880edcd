// PLACEHOLDER: replaced by its owner.
import type { ProbeOptions } from './probeOptions'; import type { ProbeRun } from './runModel'; export async function runProbe(_o: ProbeOptions): Promise<ProbeRun> { throw new Error('not yet'); }
