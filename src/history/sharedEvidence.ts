// How a run file stores the ActiveSync session evidence once. The probe keeps one EasEvidence
// object (protocol version, device, every command's decoded exchange) and hangs it on each command
// step (Provision, FolderSync, Sync, Ping), so JSON would write the same ~9 KB once per step:
// about a third of a healthy run's file. The file writes it in the first of those steps and lists
// the steps that share it in `easEvidenceSharedBy` (indexes into `steps`, the first one holding
// it); reading puts the one object back on each of them, as the probe had it. Files without the
// list (every file written before it existed) are read as they are. A version that predates the
// list reads such a file with that evidence on the first command step only.
import type { ProbeRun, ProbeStep } from '../probe/runModel';

/** The property of a stored run file that lists the steps sharing one evidence.eas. */
export const SHARED_EAS_KEY = 'easEvidenceSharedBy';

type StoredRun = ProbeRun & { [SHARED_EAS_KEY]?: number[] };

/** What to write for `run`: the same run, with evidence.eas written once for the steps sharing it. */
export function runForStorage(run: ProbeRun): ProbeRun | StoredRun {
  const sharing: number[] = [];
  let shared: unknown;
  let sharedJson: string | undefined;
  run.steps.forEach((step, index) => {
    const eas = step.evidence?.eas;
    if (eas === undefined) return;
    if (shared === undefined) {
      shared = eas;
      sharing.push(index);
      return;
    }
    // The same object, or (a run that went through JSON) an identical copy of it.
    if (eas === shared || JSON.stringify(eas) === (sharedJson ??= JSON.stringify(shared))) sharing.push(index);
  });
  if (sharing.length < 2) return run;
  const later = new Set(sharing.slice(1));
  const steps = run.steps.map((step, index): ProbeStep => (later.has(index) ? { ...step, evidence: { ...step.evidence, eas: undefined } } : step));
  return { ...run, steps, [SHARED_EAS_KEY]: sharing };
}

/**
 * Puts shared evidence back on the steps a stored run lists, and removes the list. Returns why the
 * list cannot be followed when it is malformed (the file was edited or damaged).
 */
export function restoreSharedEvidence(run: StoredRun): string | undefined {
  const sharing = run[SHARED_EAS_KEY];
  if (sharing === undefined) return undefined;
  delete run[SHARED_EAS_KEY];
  const valid =
    Array.isArray(sharing) && sharing.length > 1 && sharing.every((i) => Number.isInteger(i) && i >= 0 && i < run.steps.length) && new Set(sharing).size === sharing.length;
  const eas = valid ? run.steps[sharing[0]].evidence?.eas : undefined;
  if (typeof eas !== 'object' || eas === null) return 'malformed shared ActiveSync evidence';
  for (const index of sharing.slice(1)) {
    const step = run.steps[index];
    if (step.evidence?.eas !== undefined) return 'malformed shared ActiveSync evidence';
    step.evidence = { ...step.evidence, eas };
  }
  return undefined;
}
