// Which JSON documents hold one run to compare: the run itself (the History's JSON export) or
// `{ run, diagnosis }` (what `probe --json` prints). Anything else gets a reason, not a guess.
import type { ProbeRun } from '../probe/runModel';
import { validateRun } from '../history/runValidation';

export function runFromDocument(value: unknown): ProbeRun | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return Array.isArray(value) ? 'it is a JSON array, not one run' : 'it is not a JSON object';
  }
  const doc = value as Record<string, unknown>;
  if (Array.isArray(doc.runs)) return 'it holds several runs (a batch result); export the one run to compare';
  const candidate = 'schemaVersion' in doc || !('run' in doc) ? doc : doc.run;
  const run = validateRun(candidate);
  return typeof run === 'string' ? `it is not a run this version reads (${run})` : run;
}
