// A comparison as Markdown for a change ticket. Every piece of text is escaped like the run
// report's (escapeMarkdown), so nothing a server sent can become a link, image or HTML.
import { escapeMarkdown } from '../common/textSafety';
import type { RunComparison, RunSideSummary, StepComparison } from './runComparison';
import { formatMs, noiseRule, sideText, STATUS_CHANGE_WORDS, stepTitle, testedBoth, unchangedSteps } from './comparisonWords';

const md = (text: unknown): string => escapeMarkdown(String(text ?? ''));
const MARK: Record<string, string> = { passed: '✅', failed: '❌', warning: '⚠️', skipped: '⏭️' };

export function renderComparisonMarkdown(c: RunComparison): string {
  const out: string[] = [];
  out.push(`# ActiveSync Doctor comparison: ${md(c.after.target || c.before.target || 'unknown target')}`, '');
  out.push(`**Verdict:** ${md(c.verdict)}`, '');
  if (!c.sameServer) out.push('> **Note:** these runs tested two different servers.', '');
  out.push('| | Earlier run | Later run |', '|---|---|---|');
  const row = (label: string, pick: (s: RunSideSummary) => string | undefined) => out.push(`| ${label} | ${md(pick(c.before) ?? '')} | ${md(pick(c.after) ?? '')} |`);
  row('Server', (s) => s.target);
  row('Started', (s) => s.startedAt);
  row('Outcome', (s) => s.outcome);
  row('User', (s) => s.userName ?? '(none)');
  row('Run id', (s) => s.id);
  if (c.before.labScenario || c.after.labScenario) row('Lab scenario', (s) => s.labScenario);
  out.push('', '## Steps', '', '| Step | Earlier | Later | Change |', '|---|---|---|---|');
  for (const s of c.steps) {
    const indent = s.depth ? `${'&nbsp;'.repeat(s.depth * 4)}` : '';
    out.push(`| ${indent}${md(stepTitle(s))} | ${cell(s, 'before')} | ${cell(s, 'after')} | ${md(STATUS_CHANGE_WORDS[s.statusChange])} |`);
  }
  const changed = c.steps.filter((s) => s.changedFacts.length > 0);
  out.push('', '## Evidence that changed', '');
  if (changed.length === 0) out.push('None.');
  for (const s of changed) {
    if (!testedBoth(s)) {
      out.push(`### ${md(stepTitle(s))}`, '', `Tested only in the ${s.after && s.after.status !== 'skipped' ? 'later' : 'earlier'} run; see that run's report for its evidence.`, '');
      continue;
    }
    out.push(`### ${md(stepTitle(s))}`, '', '| Evidence | Earlier | Later |', '|---|---|---|');
    for (const f of s.changedFacts) out.push(`| ${md(f.label)} | ${md(f.before ?? '(not recorded)')} | ${md(f.after ?? '(not recorded)')} |`);
    out.push('');
  }
  const slow = c.steps.filter((s) => s.timing?.beyondNoise);
  out.push('', `## Timings beyond noise (${noiseRule(c)})`, '');
  if (slow.length === 0) out.push('None.');
  for (const s of slow) out.push(`- ${md(stepTitle(s))}: ${formatMs(s.timing?.beforeMs ?? 0)} → ${formatMs(s.timing?.afterMs ?? 0)}`);
  if (c.testChanges.length) {
    out.push('', '## How the test differed', '');
    for (const t of c.testChanges) out.push(`- ${md(t.label)}: ${md(t.before ?? '(none)')} → ${md(t.after ?? '(none)')}`);
  }
  if (c.ticksBetween?.length) {
    out.push('', '## Checklist steps ticked between the runs', '');
    for (const t of c.ticksBetween) out.push(`- [x] ${md(t.stepText)} (${md(t.checklistTitle)}, ${md(t.tickedAt)})`);
  }
  const same = unchangedSteps(c.steps);
  out.push('', '## Unchanged', '');
  out.push(same.length ? same.map((s) => md(stepTitle(s))).join(', ') : 'No step is entirely unchanged.');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function cell(s: StepComparison, which: 'before' | 'after'): string {
  const side = s[which];
  if (!side) return '—';
  return `${MARK[side.status] ?? ''} ${md(sideText(side))}`.trim();
}
