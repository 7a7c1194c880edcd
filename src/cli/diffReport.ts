// The CLI's human rendering of a comparison: the verdict first, then the steps side by side with
// ✓ ✗ ! – marks, the evidence that changed, timings beyond noise and what stayed the same.
// Everything that came from a server or a file goes through terminalSafe.
import { terminalSafe } from '../common/textSafety';
import type { RunComparison, RunSideSummary, StepSide } from '../compare/runComparison';
import { formatMs, noiseRule, sideText, STATUS_CHANGE_WORDS, stepTitle, testedBoth, unchangedSteps } from '../compare/comparisonWords';
import { markFor, type Style } from './terminalStyle';

export function renderComparisonText(c: RunComparison, style: Style, width: number): string {
  const out: string[] = [];
  const t = terminalSafe;
  out.push(style.bold(c.sameServer ? `Comparison of two runs of ${t(c.after.target || '(no server)')}` : 'Comparison of runs of two different servers'));
  const line = (label: string, s: RunSideSummary) =>
    `  ${label} ${t(s.startedAt)}  ${outcomeWord(s.outcome, style)}${c.sameServer ? '' : `  ${t(s.target)}`}${s.labScenario ? style.dim(`  lab scenario ${t(s.labScenario)}`) : ''}`;
  out.push(line('earlier', c.before), line('later  ', c.after), '');
  out.push(`${style.bold('Verdict:')} ${t(c.verdict)}`, '');

  const titleWidth = Math.max(24, Math.min(48, width - 46));
  out.push(style.dim(`  ${'Step'.padEnd(titleWidth)} ${'earlier'.padEnd(20)} later`));
  for (const s of c.steps) {
    const indent = '  '.repeat(s.depth);
    let name = `${indent}${t(stepTitle(s))}`;
    if (name.length > titleWidth) name = `${name.slice(0, titleWidth - 1)}…`;
    const change = STATUS_CHANGE_WORDS[s.statusChange];
    const shownChange = s.statusChange === 'regressed' ? style.red(change) : s.statusChange === 'improved' ? style.green(change) : style.dim(change);
    out.push(`  ${name.padEnd(titleWidth)} ${cell(s.before, style, 20)} ${cell(s.after, style, 20)} ${shownChange}`.trimEnd());
  }

  out.push('', style.bold('Evidence that changed'));
  const changed = c.steps.filter((s) => s.changedFacts.length > 0);
  if (changed.length === 0) out.push('  none');
  for (const s of changed) {
    if (!testedBoth(s)) {
      out.push(`  ${t(stepTitle(s))}: ${style.dim(`tested only in the ${s.after && s.after.status !== 'skipped' ? 'later' : 'earlier'} run (${s.changedFacts.length} fact${s.changedFacts.length === 1 ? '' : 's'} recorded)`)}`);
      continue;
    }
    out.push(`  ${t(stepTitle(s))}`);
    for (const f of s.changedFacts) {
      const both = f.before !== undefined && f.after !== undefined;
      const delta = both && (f.added?.length || f.removed?.length) ? style.dim(`  (${[...(f.added ?? []).map((i) => `+${i}`), ...(f.removed ?? []).map((i) => `−${i}`)].map(t).join(' ')})`) : '';
      out.push(`    ${t(f.label)}: ${t(shorten(f.before ?? '(not recorded)'))} → ${t(shorten(f.after ?? '(not recorded)'))}${delta}`);
    }
  }

  const slow = c.steps.filter((s) => s.timing?.beyondNoise);
  out.push('', `${style.bold('Timings')} ${style.dim(`(beyond noise: ${noiseRule(c)})`)}`);
  if (slow.length === 0) out.push(`  no change beyond noise (whole run ${formatMs(c.before.durationMs)} → ${formatMs(c.after.durationMs)})`);
  for (const s of slow) out.push(`  ${t(stepTitle(s))}: ${formatMs(s.timing?.beforeMs ?? 0)} → ${formatMs(s.timing?.afterMs ?? 0)}`);

  if (c.testChanges.length) {
    out.push('', style.bold('How the test differed'));
    for (const f of c.testChanges) out.push(`  ${t(f.label)}: ${t(f.before ?? '(none)')} → ${t(f.after ?? '(none)')}`);
  }
  if (c.ticksBetween?.length) {
    out.push('', style.bold('Checklist steps ticked between the runs'));
    for (const tick of c.ticksBetween) out.push(`  ✓ ${t(tick.stepText)} ${style.dim(`(${t(tick.checklistTitle)})`)}`);
  }
  const same = unchangedSteps(c.steps).filter((s) => s.depth === 0);
  out.push('', `${style.bold('Unchanged:')} ${same.length ? same.map((s) => t(stepTitle(s))).join('; ') : 'no top-level step is entirely unchanged'}`);
  return `${out.join('\n')}\n`;
}

/** Long lists (all protocol commands) are cut for the terminal; --json has them whole. */
function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function cell(side: StepSide | undefined, style: Style, width: number): string {
  if (!side) return style.dim('–'.padEnd(width));
  const text = terminalSafe(sideText(side));
  const shown = text.length > width - 2 ? `${text.slice(0, width - 3)}…` : text;
  return `${markFor(side.status, style)} ${shown.padEnd(width - 2)}`;
}

function outcomeWord(outcome: string, style: Style): string {
  switch (outcome) {
    case 'passed':
      return style.green('PASSED');
    case 'warning':
      return style.yellow('PASSED WITH WARNINGS');
    case 'failed':
      return style.red('FAILED');
    default:
      return style.yellow(outcome.toUpperCase());
  }
}
