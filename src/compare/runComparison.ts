// The comparison of two runs, as one plain-JSON model: the CLI's diff, its --json and --markdown,
// and the VS Code comparison view all read this shape. It says what changed between an earlier and
// a later run and nothing more: facts a run did not record are absent, never guessed.
import type { RunOutcome, StepStatus } from '../probe/runModel';

/** One comparable fact of a step, e.g. "Offered authentication" = "Negotiate, NTLM, Basic". */
export interface StepFact {
  /** Stable key within the step, e.g. "certificate.fingerprint256" or "challenges". */
  key: string;
  label: string;
  /** The value as text (may come from a server: render escaped). */
  value: string;
  /** For facts that are sets (offered methods, commands, addresses): the members, compared as a set. */
  items?: string[];
}

export interface FactChange {
  key: string;
  label: string;
  /** Absent when the earlier run did not record the fact. */
  before?: string;
  /** Absent when the later run did not record the fact. */
  after?: string;
  /** For set-valued facts: members only the later run has, and members only the earlier one had. */
  added?: string[];
  removed?: string[];
}

/**
 * How a step's status moved. Only passed < warning < failed are ranked: a skipped or missing step
 * was not tested, so moving to or from it is neither better nor worse by itself.
 */
export type StatusChange =
  | 'same'
  | 'improved'
  | 'regressed'
  /** Skipped (or absent) before, tested now. */
  | 'nowTested'
  /** Tested before, skipped (or absent) now. */
  | 'noLongerTested';

export interface StepSide {
  status: StepStatus;
  title: string;
  summary: string;
  durationMs: number;
  failureCategory?: string;
  /** The last HTTP status the step received, when it made a request that got an answer. */
  httpStatus?: number;
}

/**
 * When a timing difference means something. Run-to-run jitter of a DNS lookup, a TCP connect or
 * an HTTP round trip is tens of milliseconds on a LAN and more over the internet, so a change
 * counts only when it is at least 250 ms AND the slower time is at least 1.5 times the faster one
 * (the ratio keeps a 20 s timeout that varies by 300 ms from being reported).
 */
export const TIMING_NOISE = { minDifferenceMs: 250, minRatio: 1.5 } as const;

export interface TimingChange {
  beforeMs: number;
  afterMs: number;
  /** True when the difference is beyond TIMING_NOISE. */
  beyondNoise: boolean;
}

export interface StepComparison {
  /** Path of ids from the top-level step, e.g. "optionsAuthenticated/optionsAuthenticated.diagnostics". */
  key: string;
  id: string;
  /** 0 for top-level steps, 1 for their children, … */
  depth: number;
  before?: StepSide;
  after?: StepSide;
  statusChange: StatusChange;
  timing?: TimingChange;
  changedFacts: FactChange[];
  /** Labels of facts both runs recorded with the same value. */
  sameFacts: string[];
}

export interface RunSideSummary {
  id: string;
  startedAt: string;
  finishedAt: string;
  outcome: RunOutcome;
  /** The run's target URL (or what was typed when the input was unusable). */
  target: string;
  userName?: string;
  labScenario?: string;
  durationMs: number;
}

/** A checklist step ticked after the earlier run started and before the later run started. */
export interface TickBetweenRuns {
  checklistId: string;
  checklistTitle: string;
  stepId: string;
  stepText: string;
  tickedAt: string;
}

export interface RunComparison {
  before: RunSideSummary;
  after: RunSideSummary;
  /** Same target URL (host compared case-insensitively). When false the comparison says so first. */
  sameServer: boolean;
  /** Differences in how the test was run (user, authentication method, trust, proxy, lab scenario…). */
  testChanges: FactChange[];
  /** Every step of either run, in run order, children after their parent. */
  steps: StepComparison[];
  /** Any top-level step got worse (passed → warning/failed, warning → failed). Decides the CLI's exit code. */
  regressed: boolean;
  /** Any top-level step got better. */
  improved: boolean;
  /** Ticks done between the two runs, when the caller knows them (VS Code does; exported files don't). */
  ticksBetween?: TickBetweenRuns[];
  /** The noise floor the timings were judged by (TIMING_NOISE), so every reader can state it. */
  timingNoise: { minDifferenceMs: number; minRatio: number };
  /** One line saying what changed, built only from the facts above. */
  verdict: string;
}
