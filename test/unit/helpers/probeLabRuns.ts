// Shared plumbing for the probe tests: run the real probe against a running lab scenario with
// its test account, find steps by id with a readable failure when one is missing, and list the
// forms a password could leak in (plain, Base64 alone, and inside a Basic Authorization value).
import assert from 'node:assert/strict';
import type { RunningLab } from '../../../src/lab/labServer';
import { findScenario } from '../../../src/lab/scenarios';
import type { BearerTokenSource } from '../../../src/probe/oauthToken';
import { runProbe } from '../../../src/probe/probe';
import type { ProbeOptions } from '../../../src/probe/probeOptions';
import type { ProbeRun, ProbeStep } from '../../../src/probe/runModel';

/** No proxy variables: a developer's HTTPS_PROXY must never reroute a loopback test. */
export const NO_PROXY_ENV: NodeJS.ProcessEnv = Object.freeze({});

/** Messages the lab's device code sign-in would show a person; tests may read them. */
export const signInPrompts: string[] = [];

/** The device code sign-in at the lab authority for an OAuth scenario, as the CLI does it. */
export function labTokenSource(lab: RunningLab, id: string): BearerTokenSource {
  assert.ok(lab.oauth, 'the lab runs no OAuth authority');
  return lab.oauth.tokenSource(id, { prompt: (message) => signInPrompts.push(message) });
}

/**
 * Runs the probe against one lab scenario the way the scenario is meant to be signed in to: its
 * own user name and password, or (OAuth scenarios) a device code sign-in at the lab authority.
 * An Autodiscover scenario starts from the account's e-mail address, its places mapped onto the lab.
 */
export function probeLabScenario(lab: RunningLab, id: string, overrides: Partial<ProbeOptions> = {}): Promise<ProbeRun> {
  const scenario = findScenario(id);
  assert.ok(scenario, `no lab scenario ${id}`);
  const oauth: Partial<ProbeOptions> =
    scenario.signIn === 'oauth' && lab.oauth ? { auth: 'oauth', userName: undefined, password: undefined, bearerToken: labTokenSource(lab, id), oauthResource: lab.oauth.resourceFor(id) } : {};
  return runProbe({
    target: scenario.autodiscover ? scenario.credentials.userName : lab.urlFor(id),
    autodiscoverDiscovery: lab.autodiscoverDiscovery(id),
    userName: scenario.credentials.userName,
    password: scenario.credentials.password,
    extraCaPem: lab.caPem,
    env: NO_PROXY_ENV,
    labScenario: id,
    ...oauth,
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
