// What the history accepts from disk. Files can be edited by hand, damaged, or written by a newer
// version of the extension: anything that is not a run (or summary) this version understands is
// turned into a reason string for a warning instead of an exception.
import { RUN_SCHEMA_VERSION, type ProbeRun, type RunOutcome } from '../probe/runModel';
import type { RunSummary } from './runSummary';

const OUTCOMES: ReadonlySet<string> = new Set<RunOutcome>(['passed', 'warning', 'failed', 'cancelled']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The run, or why it is not one this version can show. */
export function validateRun(value: unknown): ProbeRun | string {
  if (!isObject(value)) return 'not a JSON object';
  if (value.schemaVersion !== RUN_SCHEMA_VERSION) {
    return `unknown schemaVersion ${JSON.stringify(value.schemaVersion)} (this version reads ${RUN_SCHEMA_VERSION})`;
  }
  if (!isString(value.id) || value.id === '') return 'missing id';
  const target = value.target;
  if (!isObject(target) || !isString(target.host) || !isString(target.url) || !isString(target.input)) return 'missing target';
  if (!isString(value.startedAt) || !isString(value.finishedAt)) return 'missing start or finish time';
  if (!isNumber(value.durationMs)) return 'missing duration';
  if (!isString(value.outcome) || !OUTCOMES.has(value.outcome)) return `unknown outcome ${JSON.stringify(value.outcome)}`;
  if (!Array.isArray(value.steps) || !value.steps.every(isObject)) return 'missing steps';
  if (!isObject(value.settings)) return 'missing settings';
  if (!isOptionalString(value.userName) || !isOptionalString(value.labScenario)) return 'malformed user name or lab scenario';
  return value as unknown as ProbeRun;
}

/**
 * A summary from the index, or why it is not usable. Checked in place rather than copied: loading
 * 10,000 of them is on the path of showing the History tree.
 */
export function validateSummary(value: unknown): RunSummary | string {
  if (!isObject(value)) return 'not a run summary';
  if (!isString(value.id) || value.id === '') return 'missing id';
  if (!isString(value.host) || !isString(value.url)) return 'missing host or url';
  if (!isString(value.outcome) || !OUTCOMES.has(value.outcome)) return `unknown outcome ${JSON.stringify(value.outcome)}`;
  if (!isString(value.startedAt) || !isNumber(value.durationMs)) return 'missing start time or duration';
  if (!isOptionalString(value.userName) || !isOptionalString(value.labScenario) || !isOptionalString(value.failedStepId) || !isOptionalString(value.failedSummary)) {
    return 'malformed optional field';
  }
  return value as unknown as RunSummary;
}
