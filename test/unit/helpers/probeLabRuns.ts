// Shared plumbing for the probe tests: run the real probe against a running lab scenario with
// its test account, find steps by id with a readable failure when one is missing, and list the
// forms a password could leak in (plain, Base64 alone, and inside a Basic Authorization value).
import assert from 'node:assert/strict';
import type { RunningLab } from '../../../src/lab/labServer';
import { findScenario } from '../../../src/lab/scenarios';
import { runProbe } from '../../../src/probe/probe';
import type { ProbeOptions } from '../../../src/probe/probeOptions';
import type { ProbeRun, ProbeStep } from '../../../src/probe/runModel';

/** No proxy variables: a developer's HTTPS_PROXY must never reroute a loopback test. */
export const NO_PROXY_ENV: NodeJS.ProcessEnv = Object.freeze({});

/** Runs the probe against one lab scenario with the scenario's own credentials unless overridden. */
export function probeLabScenario(lab: RunningLab, id: string, overrides: Partial<ProbeOptions> = {}): Promise<ProbeRun> {
  const scenario = findScenario(id);
  assert.ok(scenario, `no lab scenario ${id}`);
  return runProbe({
    target: lab.urlFor(id),
    userName: scenario.credentials.userName,
    password: scenario.credentials.password,
    extraCaPem: lab.caPem,
    env: NO_PROXY_ENV,
    labScenario: id,
    ...overrides,
  });
}

/** The top-level step with this id; fails the test (listing what exists) when there is none. */
export function stepOf(run: Pick<ProbeRun, 'steps'>, id: string): ProbeStep {
  const step = run.steps.find((s) => s.id === id);
  assert.ok(step, `no step ${id}; steps are ${run.steps.map((s) => s.id).join(', ')}`);
  return step;
}

/** Status of every top-level step, in order, for one-line comparisons. */
export function statuses(run: Pick<ProbeRun, 'steps'>): Array<[string, string]> {
  return run.steps.map((s) => [String(s.id), s.status]);
}

/** The step a reader is led to: the first failed one, else the first warning. */
export function leadingStep(run: Pick<ProbeRun, 'steps'>): ProbeStep | undefined {
  return run.steps.find((s) => s.status === 'failed') ?? run.steps.find((s) => s.status === 'warning');
}

/** Every form in which a password could leak into stored or printed text. */
export function secretForms(userName: string, password: string): string[] {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [...new Set([password, b64(password), b64(`${userName}:${password}`), encodeURIComponent(password)])];
}

export function assertNoSecret(text: string, forms: readonly string[], where: string): void {
  for (const form of forms) {
    assert.ok(!text.includes(form), `${where} contains the secret form ${JSON.stringify(form)}`);
  }
}
