// Times one step and assembles its ProbeStep, so every step reports the same way.
import type { FailureCategory, ProbeStep, StepDetail, StepEvidence, StepStatus } from './runModel';

/**
 * Milliseconds on a monotonic clock: process.hrtime, the clock performance.now() reads, without
 * loading perf_hooks (a few milliseconds of every CLI run's start-up).
 */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class StepBuilder {
  readonly details: StepDetail[] = [];
  readonly evidence: StepEvidence = {};
  readonly children: ProbeStep[] = [];
  private readonly startedAt = new Date().toISOString();
  private readonly t0 = monotonicMs();

  constructor(readonly id: string, readonly title: string) {}

  detail(label: string, value: string | number | boolean | undefined): this {
    if (value !== undefined && value !== '') this.details.push({ label, value: String(value) });
    return this;
  }

  child(step: ProbeStep): this {
    this.children.push(step);
    return this;
  }

  elapsedMs(): number {
    return monotonicMs() - this.t0;
  }

  finish(status: StepStatus, summary: string, failure?: { category: FailureCategory; message?: string }): ProbeStep {
    return {
      id: this.id,
      title: this.title,
      status,
      summary,
      startedAt: this.startedAt,
      durationMs: Math.round(this.elapsedMs() * 10) / 10,
      details: this.details,
      evidence: this.evidence,
      failure: failure ? { category: failure.category, message: failure.message ?? summary } : undefined,
      children: this.children,
    };
  }
}

export function skippedStep(id: string, title: string, reason: string): ProbeStep {
  return { id, title, status: 'skipped', summary: reason, startedAt: new Date().toISOString(), durationMs: 0, details: [], evidence: {}, children: [] };
}

/** A leaf child step for "additional details" that has its own verdict. */
export function childStep(id: string, title: string, status: StepStatus, summary: string, details: StepDetail[] = []): ProbeStep {
  return { id, title, status, summary, startedAt: new Date().toISOString(), durationMs: 0, details, evidence: {}, children: [] };
}
