// Words the comparison's renderers share (CLI text, Markdown, the VS Code view), so the three say
// the same thing the same way.
export { formatMs } from '../common/durationText';
import type { RunComparison, StatusChange, StepComparison, StepSide } from './runComparison';

export const STATUS_CHANGE_WORDS: Record<StatusChange, string> = {
  same: '',
  improved: 'better',
  regressed: 'worse',
  nowTested: 'now tested',
  noLongerTested: 'no longer tested',
};

/** A step's result for a table cell: status plus the HTTP status or failure category behind it. */
export function sideText(side: StepSide | undefined): string {
  if (!side) return 'not in this run';
  const why = side.httpStatus !== undefined ? String(side.httpStatus) : side.failureCategory;
  return why ? `${side.status} (${why})` : side.status;
}

export function stepTitle(step: StepComparison): string {
  return (step.after ?? step.before)?.title ?? step.id;
}

/** The comparison's own noise floor in words, e.g. "a change of at least 250 ms and 1.5×". */
export function noiseRule(c: Pick<RunComparison, 'timingNoise'>): string {
  return `a change of at least ${c.timingNoise.minDifferenceMs} ms and ${c.timingNoise.minRatio}×`;
}

/** Status changes in words for the view, capitalised. */
export const STATUS_CHANGE_LABELS = Object.fromEntries(
  Object.entries(STATUS_CHANGE_WORDS).map(([change, words]) => [change, words.charAt(0).toUpperCase() + words.slice(1)]),
) as Record<StatusChange, string>;

/** Steps with the same status and no changed evidence: what stayed the same, by title. */
export function unchangedSteps(steps: readonly StepComparison[]): StepComparison[] {
  return steps.filter((s) => s.before && s.after && s.statusChange === 'same' && s.before.status === s.after.status && s.changedFacts.length === 0 && !s.timing?.beyondNoise);
}

/** Both runs tested the step (neither skipped nor absent): only then is a fact's absence a change. */
export function testedBoth(s: StepComparison): boolean {
  return Boolean(s.before && s.after && s.before.status !== 'skipped' && s.after.status !== 'skipped');
}
