// The engine's public face for the extension, which loads this bundle lazily (dist/engine.js)
// the first time a command needs it, so VS Code start-up pays nothing for the probe, the lab or undici.
export { runProbe } from '../probe/probe';
export { runBatch } from '../probe/batch';
export type { BatchTarget, BatchOptions, BatchResult } from '../probe/batch';
export { parseBatchTargets, MAX_BATCH_TARGETS } from '../probe/batchTargets';
export type { BatchTargetLine, BatchTargetError, ParsedBatchTargets } from '../probe/batchTargets';
export type { ProbeOptions, ProbeTimeouts } from '../probe/probeOptions';
export { DEFAULT_TIMEOUTS } from '../probe/probeOptions';
export * from '../probe/runModel';
export { diagnose } from '../diagnosis/diagnose';
export { verifiedChecklistSteps, authFindings } from '../diagnosis/iwaVerification';
export * from '../diagnosis/diagnosisModel';
export { CHECKLISTS, getChecklist, checklistsFor, checklistsOfDiagnosis, verificationScripts } from '../diagnosis/checklists';
export { renderRunMarkdown, renderDiagnosisText } from '../diagnosis/markdownReport';
export { HistoryStore } from '../history/historyStore';
export type { RunSummary, ServerGroup, HistoryStoreOptions } from '../history/historyStore';
export { exportRunJson } from '../history/runExport';
export { startLab, formatLabListing } from '../lab/labEntry';
export type { RunningLab } from '../lab/labEntry';
export { LAB_SCENARIOS, findScenario } from '../lab/scenarios';
export type { LabScenario } from '../lab/scenarios';
export { ENGINE_VERSION } from '../common/engineVersion';
export { compareRuns, comparisonServerKey, oldestFirst } from '../compare/compareRuns';
export { renderComparisonMarkdown } from '../compare/comparisonMarkdown';
export type { RunComparison, StepComparison, FactChange, TickBetweenRuns } from '../compare/runComparison';
