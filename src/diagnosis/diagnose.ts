// PLACEHOLDER: replaced by its owner.
import type { ProbeRun } from '../probe/runModel'; import type { Diagnosis } from './diagnosisModel'; export function diagnose(_r: ProbeRun): Diagnosis { return { causes: [] }; }
