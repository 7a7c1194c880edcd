// Most failures map one-to-one onto a cause: this turns a table of such mappings into a rule,
// so each rules file reads as a list of "this category means this, check that, fix with this".
import type { FailureCategory } from '../../probe/runModel';
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { failureRef, hasFailure, type LocatedFailure, type RunFacts } from '../runFacts';

export interface CategoryCauseSpec {
  categories: FailureCategory[];
  id: string;
  title: string;
  score: number;
  explanation: string;
  checks: string[];
  checklistIds?: string[];
  searchTerms?: string[];
  /** More evidence from the run, beyond the failure itself. */
  evidence?: (facts: RunFacts, failure: LocatedFailure) => Array<EvidenceRef | undefined>;
  /** Adjust the score from the facts (e.g. a warning weighs less than a failure). */
  adjustScore?: (score: number, facts: RunFacts, failure: LocatedFailure) => number;
}

/** Warnings rank below failures of the same kind: they did not stop the run. */
const WARNING_PENALTY = 25;

export function categoryRule(specs: CategoryCauseSpec[]): DiagnosisRule {
  return (facts) => {
    const causes: DiagnosisCause[] = [];
    for (const spec of specs) {
      const failure = hasFailure(facts, ...spec.categories);
      if (!failure) continue;
      let score = spec.adjustScore ? spec.adjustScore(spec.score, facts, failure) : spec.score;
      if (failure.status === 'warning') score -= WARNING_PENALTY;
      const extra = (spec.evidence?.(facts, failure) ?? []).filter((e): e is EvidenceRef => e !== undefined && e.value !== '');
      causes.push(
        makeCause({
          id: spec.id,
          title: spec.title,
          score,
          explanation: spec.explanation,
          supporting: [failureRef(failure), ...extra],
          checks: spec.checks,
          checklistIds: spec.checklistIds,
          searchTerms: spec.searchTerms,
        }),
      );
    }
    return causes;
  };
}
