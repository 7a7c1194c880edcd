// The comparison page inside the webview: two runs side by side, drawn from the extension's
// `showComparison` message with DOM APIs only (createElement + textContent), so server text is
// never parsed as HTML. Status is shown by icon and word, never by colour alone; changed rows and
// values are marked for screen readers too. It keeps its last message with setState.
import type { FactChange, RunComparison, RunSideSummary, StatusChange, StepComparison, StepSide } from '../../src/compare/runComparison';
import { formatMs, noiseRule, sideText, STATUS_CHANGE_LABELS, stepTitle as title, testedBoth, unchangedSteps } from '../../src/compare/comparisonWords';
import type { ComparisonToHostMessage, ComparisonViewState, ShowComparisonMessage } from '../../src/webview/comparisonProtocol';
import { button, el, icon, STATUS_ICON, STATUS_TEXT } from './pageDom';
import { pageRoot, vscodeApi } from './vscodeApi';

const vscode = vscodeApi<ComparisonToHostMessage, ComparisonViewState>();
const root = pageRoot();

const CHANGE_ICON: Partial<Record<StatusChange, string>> = { improved: 'arrow-up', regressed: 'arrow-down', nowTested: 'add', noLongerTested: 'remove' };

function render(message: ShowComparisonMessage): void {
  const c = message.comparison;
  const page = document.createDocumentFragment();
  // What was done between the runs comes before what changed, as the admin did it.
  page.append(renderHeader(c), renderRuns(c));
  const ticks = renderTicks(c);
  if (ticks) page.append(ticks);
  page.append(renderSteps(c), renderEvidence(c));
  const timings = renderTimings(c);
  if (timings) page.append(timings);
  if (c.testChanges.length) page.append(renderTestChanges(c.testChanges));
  root.replaceChildren(page);
  root.setAttribute('aria-busy', 'false');
  vscode.setState({ show: message });
}

function renderHeader(c: RunComparison): HTMLElement {
  const header = el('header', { className: 'page-header' });
  header.append(el('h1', { text: c.sameServer ? 'What changed between two runs' : 'Two runs of different servers' }));
  if (!c.sameServer) header.append(el('p', { className: 'note', role: 'note' }, icon('info'), ' These runs tested two different servers: the table shows them side by side, not a before-and-after.'));
  header.append(el('p', { className: `verdict ${c.regressed ? 'verdict-worse' : c.improved ? 'verdict-better' : ''}`, 'data-testid': 'verdict', role: 'status' },
    icon(c.regressed ? 'arrow-down' : c.improved ? 'arrow-up' : 'dash'), ' ', el('span', { text: c.verdict })));
  header.append(el('div', { className: 'actions' }, button('Copy as Markdown', 'copy', () => vscode.postMessage({ type: 'copyMarkdown' }))));
  return header;
}

function renderRuns(c: RunComparison): HTMLElement {
  const table = el('table', { className: 'runs' }, el('caption', { className: 'visually-hidden', text: 'The two runs' }));
  table.append(el('thead', {}, el('tr', {}, el('td'), el('th', { scope: 'col', text: 'Earlier run' }), el('th', { scope: 'col', text: 'Later run' }))));
  const body = el('tbody');
  const row = (label: string, cell: (s: RunSideSummary) => Node | string) => body.append(el('tr', {}, el('th', { scope: 'row', text: label }), el('td', {}, cell(c.before)), el('td', {}, cell(c.after))));
  row('Tested', (s) => new Date(s.startedAt).toLocaleString());
  row('Outcome', (s) => el('span', { className: `status status-${s.outcome}` }, icon(STATUS_ICON[s.outcome] ?? 'question'), ' ', STATUS_TEXT[s.outcome] ?? s.outcome));
  if (!c.sameServer) row('Server', (s) => s.target);
  row('User', (s) => s.userName ?? '(none)');
  if (c.before.labScenario || c.after.labScenario) row('Lab scenario', (s) => s.labScenario ?? '');
  row('', (s) => button(s === c.before ? 'Open earlier run' : 'Open later run', 'go-to-file', () => vscode.postMessage({ type: 'openRun', runId: s.id })));
  table.append(body);
  return el('section', { 'aria-labelledby': 'runs-heading' }, el('h2', { id: 'runs-heading', text: c.sameServer ? `Runs of ${c.after.target}` : 'Runs' }), table);
}

function statusCell(side: StepSide | undefined): HTMLElement {
  if (!side) return el('td', { className: 'absent', text: sideText(side) });
  return el('td', {}, el('span', { className: `status status-${side.status}` }, icon(STATUS_ICON[side.status] ?? 'question'), ' ', sideText(side)));
}

function renderSteps(c: RunComparison): HTMLElement {
  const table = el('table', { className: 'steps', 'data-testid': 'steps-table' }, el('caption', { className: 'visually-hidden', text: 'Steps of both runs' }));
  table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Step' }), el('th', { scope: 'col', text: 'Earlier' }), el('th', { scope: 'col', text: 'Later' }), el('th', { scope: 'col', text: 'Change' }))));
  const body = el('tbody');
  const folded = foldedSubSteps(c.steps);
  for (const s of c.steps) {
    if (folded.hiddenUnder.has(s.key)) continue;
    const changed = s.statusChange !== 'same' || s.changedFacts.length > 0;
    const tr = el('tr', { className: `step-row depth-${Math.min(s.depth, 3)} change-${s.statusChange}${changed ? ' changed' : ''}`, 'data-step-key': s.key, 'data-change': s.statusChange });
    tr.append(el('th', { scope: 'row', className: 'step-title' }, title(s)));
    tr.append(statusCell(s.before), statusCell(s.after));
    const words: string[] = [];
    if (STATUS_CHANGE_LABELS[s.statusChange]) words.push(STATUS_CHANGE_LABELS[s.statusChange]);
    // A step only one run tested has facts, not changes: the evidence section says where to read them.
    if (s.changedFacts.length && testedBoth(s)) words.push(`${s.changedFacts.length} evidence change${s.changedFacts.length === 1 ? '' : 's'}`);
    const hidden = folded.countUnder.get(s.key);
    if (hidden) words.push(`${hidden} sub-step${hidden === 1 ? '' : 's'}`);
    const change = el('td', { className: 'change' });
    if (CHANGE_ICON[s.statusChange]) change.append(icon(CHANGE_ICON[s.statusChange] as string), ' ');
    change.append(words.join(', '));
    tr.append(change);
    body.append(tr);
  }
  table.append(body);
  return el('section', { 'aria-labelledby': 'steps-heading' }, el('h2', { id: 'steps-heading', text: 'Steps' }), table);
}

/**
 * Sub-steps of a step that only one run tested compare nothing (all "now tested" or all "no longer
 * tested"): the view folds them into a count on that step's row, so the rows that did change stay
 * in sight. The CLI and Markdown reports still list them; "Open … run" shows them.
 */
function foldedSubSteps(steps: readonly StepComparison[]): { hiddenUnder: Map<string, string>; countUnder: Map<string, number> } {
  const oneSided = new Set(steps.filter((s) => !testedBoth(s)).map((s) => s.key));
  const hiddenUnder = new Map<string, string>();
  const countUnder = new Map<string, number>();
  for (const s of steps) {
    const parts = s.key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join('/');
      if (!oneSided.has(ancestor)) continue;
      hiddenUnder.set(s.key, ancestor);
      countUnder.set(ancestor, (countUnder.get(ancestor) ?? 0) + 1);
      break;
    }
  }
  return { hiddenUnder, countUnder };
}

function renderEvidence(c: RunComparison): HTMLElement {
  const section = el('section', { 'aria-labelledby': 'evidence-heading' }, el('h2', { id: 'evidence-heading', text: 'Evidence that changed' }));
  const changed = c.steps.filter((s) => s.changedFacts.length > 0);
  if (changed.length === 0) section.append(el('p', { text: 'No evidence changed.' }));
  for (const s of changed) {
    section.append(el('h3', { text: title(s) }));
    if (!testedBoth(s)) {
      section.append(el('p', { className: 'note', text: `Tested only in the ${s.after && s.after.status !== 'skipped' ? 'later' : 'earlier'} run; open that run for its ${s.changedFacts.length} facts.` }));
      continue;
    }
    const table = el('table', { className: 'evidence' });
    table.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Evidence' }), el('th', { scope: 'col', text: 'Earlier' }), el('th', { scope: 'col', text: 'Later' }))));
    const body = el('tbody');
    for (const f of s.changedFacts) body.append(factRow(f));
    table.append(body);
    section.append(table);
  }
  const same = unchangedSteps(c.steps).filter((s) => s.depth === 0);
  section.append(el('h3', { text: 'Unchanged' }), el('p', { 'data-testid': 'unchanged', text: same.length ? same.map(title).join('; ') : 'No top-level step is entirely unchanged.' }));
  return section;
}

function factRow(f: FactChange): HTMLElement {
  const value = (text: string | undefined, changedItems: string[] | undefined, kind: 'added' | 'removed') => {
    const td = el('td', { className: text === undefined ? 'absent' : `changed-value side-${kind === 'removed' ? 'before' : 'after'}` });
    if (text === undefined) {
      td.textContent = 'not recorded';
      return td;
    }
    td.append(el('span', { className: 'visually-hidden', text: 'changed: ' }), text);
    if (changedItems?.length && f.before !== undefined && f.after !== undefined) {
      const list = el('span', { className: `items items-${kind}` });
      for (const item of changedItems) list.append(el('span', { className: 'item', text: `${kind === 'added' ? '+' : '−'}${item}` }));
      td.append(' ', list);
    }
    return td;
  };
  return el('tr', {}, el('th', { scope: 'row', text: f.label }), value(f.before, f.removed, 'removed'), value(f.after, f.added, 'added'));
}

function renderTicks(c: RunComparison): HTMLElement | undefined {
  if (!c.ticksBetween) return undefined;
  const section = el('section', { 'aria-labelledby': 'ticks-heading' }, el('h2', { id: 'ticks-heading', text: 'Checklist steps ticked between the runs' }));
  if (c.ticksBetween.length === 0) {
    section.append(el('p', { text: 'None: no checklist step of this server was ticked between the two runs.' }));
    return section;
  }
  const list = el('ul', { className: 'ticks', 'data-testid': 'ticks-between' });
  for (const t of c.ticksBetween) {
    list.append(el('li', {}, icon('check'), el('span', { text: t.stepText }),
      el('span', { className: 'tick-context', text: `${t.checklistTitle}: ticked ${new Date(t.tickedAt).toLocaleString()}` })));
  }
  section.append(list);
  return section;
}

function renderTimings(c: RunComparison): HTMLElement | undefined {
  const slow = c.steps.filter((s) => s.timing?.beyondNoise);
  const section = el('section', { 'aria-labelledby': 'timings-heading' }, el('h2', { id: 'timings-heading', text: 'Timings' }));
  section.append(el('p', { className: 'note', text: `Shown only beyond run-to-run noise: ${noiseRule(c)}.` }));
  if (slow.length === 0) section.append(el('p', { text: 'No timing changed beyond noise.' }));
  else {
    const list = el('ul');
    for (const s of slow) list.append(el('li', { text: `${title(s)}: ${formatMs(s.timing?.beforeMs ?? 0)} → ${formatMs(s.timing?.afterMs ?? 0)}` }));
    section.append(list);
  }
  return section;
}

function renderTestChanges(changes: FactChange[]): HTMLElement {
  const list = el('ul');
  for (const t of changes) list.append(el('li', { text: `${t.label}: ${t.before ?? '(none)'} → ${t.after ?? '(none)'}` }));
  return el('section', { 'aria-labelledby': 'test-heading' }, el('h2', { id: 'test-heading', text: 'How the test differed' }), list);
}

window.addEventListener('message', (event: MessageEvent<ShowComparisonMessage>) => {
  const message = event.data;
  if (message && typeof message === 'object' && message.type === 'showComparison' && message.comparison) render(message);
});

const saved = vscode.getState();
if (saved?.show?.comparison) render(saved.show);
vscode.postMessage({ type: 'ready' });
