// The Markdown report of a run, with this server's checklist ticks: one builder for Copy Details,
// Export Report and the diagnosis panel's "Copy as Markdown", so the three never differ.
import type { Diagnosis } from '../diagnosis/diagnosisModel';
import type { ProbeRun } from '../probe/runModel';
import { loadEngine } from './engineLoader';
import type { PersistentState } from './persistentState';
import { serverKeyOf } from './serverKey';

export function runReportMarkdown(run: ProbeRun, state: PersistentState, diagnosis?: Diagnosis): string {
  const engine = loadEngine();
  const diagnosed = diagnosis ?? engine.diagnose(run);
  const checklistIds = engine.checklistsOfDiagnosis(diagnosed).map((c) => c.id);
  return engine.renderRunMarkdown(run, diagnosed, state.ticksFor(serverKeyOf(run), checklistIds));
}
