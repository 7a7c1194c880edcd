// Plain-text listing of a running lab: what `activesync-doctor lab --list` and the lab start
// banner print. Every scenario with its URL, the credentials to try and the expected result.
import { LAB_CLOUD_UPN, LAB_DOWN_LEVEL, LAB_PASSWORD, LAB_UPN } from './labAccounts';
import type { RunningLab } from './labServer';
import type { LabScenario } from './scenarios';

export function formatLabListing(lab: Pick<RunningLab, 'endpoints' | 'unavailable' | 'caFile'>): string {
  const lines: string[] = [];
  lines.push(`ActiveSync Doctor lab: ${lab.endpoints.length} scenario(s) on loopback. Lab CA: ${lab.caFile}`);
  lines.push(
    `Lab accounts are fake: ${LAB_DOWN_LEVEL} or ${LAB_UPN} (Office 365 style: ${LAB_CLOUD_UPN}), password ${LAB_PASSWORD}.`,
  );
  lines.push('');
  for (const { scenario, url } of lab.endpoints) {
    lines.push(`${scenario.id}`);
    lines.push(`  url:      ${url}`);
    lines.push(`  user:     ${scenario.credentials.userName}`);
    if (scenario.signIn === 'oauth') lines.push('  sign-in:  OAuth (--auth oauth): device code at the lab authority, approved automatically');
    else lines.push(`  password: ${scenario.credentials.password}`);
    lines.push(`  expect:   ${describeExpected(scenario)}`);
    lines.push(`  ${scenario.description}`);
  }
  for (const { scenario, reason } of lab.unavailable) {
    lines.push(`${scenario.id}`);
    lines.push(`  not available here: ${reason}`);
  }
  return lines.join('\n') + '\n';
}

function describeExpected(scenario: LabScenario): string {
  const { outcome, failedStep, warningStep, category } = scenario.expected;
  const step = failedStep ?? warningStep;
  if (!step) return outcome;
  return `${outcome} at ${step}${category ? ` (${category})` : ''}`;
}
