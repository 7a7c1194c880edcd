// Builds DiagnosisCause objects so every rule fills them the same way, and ties confidence to
// score in one place: a rule can't say "high" with a score that ranks it below a "medium".
import type { Confidence, DiagnosisCause, EvidenceRef } from './diagnosisModel';
import type { RunFacts } from './runFacts';

/** A rule looks at the facts of one run and proposes the causes it knows about (possibly none). */
export type DiagnosisRule = (facts: RunFacts) => DiagnosisCause[];

/** Score bands: 70+ high, 40–69 medium, below 40 low. */
export function confidenceFor(score: number): Confidence {
  if (score >= 70) return 'high';
  if (score >= 40) return 'medium';
  return 'low';
}

export interface CauseInput {
  id: string;
  title: string;
  score: number;
  explanation: string;
  supporting?: EvidenceRef[];
  against?: EvidenceRef[];
  checks?: string[];
  checklistIds?: string[];
  searchTerms?: string[];
}

export function makeCause(input: CauseInput): DiagnosisCause {
  const score = Math.max(0, Math.min(100, Math.round(input.score)));
  const cause: DiagnosisCause = {
    id: input.id,
    title: input.title,
    confidence: confidenceFor(score),
    score,
    explanation: input.explanation,
    supporting: dedupeRefs(input.supporting ?? []),
    against: dedupeRefs(input.against ?? []),
    checks: input.checks ?? [],
    checklistIds: input.checklistIds ?? [],
  };
  if (input.searchTerms && input.searchTerms.length > 0) cause.searchTerms = input.searchTerms;
  return cause;
}

function dedupeRefs(refs: EvidenceRef[]): EvidenceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.stepId}\u0000${r.label}\u0000${r.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
