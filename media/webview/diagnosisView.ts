// The diagnosis page inside the webview. It draws everything from the extension's `show` message
// with DOM APIs (createElement + textContent), so server text is never parsed as HTML. It never
// imports vscode: it talks to the extension only through postMessage, and keeps its last message
// with setState so the page comes back at once when the panel is shown again or VS Code reloads.
import type { Checklist, ChecklistCommand, ChecklistStep, DiagnosisCause, EvidenceRef, Link } from '../../src/diagnosis/diagnosisModel';
import { findStep, type ProbeRun } from '../../src/probe/runModel';
import { allStepIds, parseFindings, type DiagnosisViewState, type HostToWebviewMessage, type PanelFinding, type ShowMessage, type WebviewToHostMessage } from '../../src/webview/webviewProtocol';
import { button, el, icon, STATUS_ICON, STATUS_TEXT } from './pageDom';
import { pageRoot, vscodeApi } from './vscodeApi';

const vscode = vscodeApi<WebviewToHostMessage, DiagnosisViewState>();
const root = pageRoot();

let shown: ShowMessage | undefined;
/** Ticked step ids per checklist id, mirrored to the extension on every change. */
const ticks = new Map<string, Set<string>>();
/** The "n of m done" line of each checklist, kept so progress updates before the page is attached too. */
const progressNodes = new Map<string, HTMLElement>();

// ---- small DOM helpers: text always goes through textContent ----

/** DOM ids from data ids: only [A-Za-z0-9_-], so ids from the data can't break selectors. */
function domId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)).join('--');
}

// ---- rendering ----

/** `source` says whether the page is the saved copy drawn at load or the extension's current content. */
function render(message: ShowMessage, source: 'saved' | 'extension'): void {
  shown = message;
  ticks.clear();
  progressNodes.clear();
  for (const [id, stepIds] of Object.entries(message.ticks)) ticks.set(id, new Set(stepIds));
  const page = document.createDocumentFragment();
  page.append(renderHeader(message));
  const findings = parseFindings(message.findings);
  if (message.run && findings.length) page.append(renderFindings(message.run, findings));
  if (message.run && message.diagnosis) page.append(renderCauses(message.run, message.diagnosis.causes, message.diagnosis.question));
  if (message.run) page.append(renderSteps(message.run));
  page.append(renderChecklists(message));
  root.replaceChildren(page);
  root.setAttribute('aria-busy', 'false');
  root.dataset.source = source;
  saveState();
}

function renderHeader(message: ShowMessage): HTMLElement {
  const header = el('header', { className: 'page-header' });
  header.append(el('h1', { text: message.run ? 'ActiveSync diagnosis' : 'ActiveSync remediation guidance' }));
  if (message.note) header.append(el('p', { className: 'note', role: 'note' }, icon('info'), ' ', message.note));
  const run = message.run;
  if (!run) return header;
  const outcome = el('p', { className: `outcome outcome-${run.outcome}`, 'data-testid': 'outcome', 'data-outcome': run.outcome },
    icon(STATUS_ICON[run.outcome]), ' ', el('span', { text: STATUS_TEXT[run.outcome] }));
  header.append(outcome);
  if (message.diagnosis?.headline) header.append(el('p', { className: 'headline', text: message.diagnosis.headline }));
  const facts = el('dl', { className: 'run-facts' });
  const fact = (term: string, value: string | undefined): void => {
    if (!value) return;
    facts.append(el('dt', { text: term }), el('dd', { text: value }));
  };
  fact('Server', run.target.url || run.target.input);
  fact('User', run.userName);
  fact('Lab scenario', run.labScenario);
  fact('Tested', new Date(run.startedAt).toLocaleString());
  fact('Took', `${(run.durationMs / 1000).toFixed(1)} s`);
  header.append(facts);
  const actions = el('div', { className: 'actions' },
    button('Re-run Test', 'debug-rerun', () => post({ type: 'rerun' })),
    button('Copy Report as Markdown', 'copy', () => post({ type: 'copyMarkdown' })));
  header.append(actions);
  return header;
}

function renderEvidence(run: ProbeRun, title: string, refs: EvidenceRef[], kind: 'supporting' | 'against'): HTMLElement | undefined {
  if (refs.length === 0) return undefined;
  const list = el('ul', { className: `evidence evidence-${kind}` });
  for (const ref of refs) {
    const from = findStep(run, ref.stepId)?.title;
    list.append(el('li', {},
      icon(kind === 'supporting' ? 'arrow-right' : 'arrow-left'),
      ' ', el('span', { className: 'evidence-label', text: `${ref.label}: ` }),
      el('code', { text: ref.value }),
      from ? el('span', { className: 'evidence-step', text: ` (${from})` }) : undefined));
  }
  return el('div', {}, el('h4', { text: title }), list);
}

function renderCauses(run: ProbeRun, causes: DiagnosisCause[], question: string | undefined): HTMLElement {
  const section = el('section', { className: 'causes', 'aria-labelledby': 'causes-heading' }, el('h2', { id: 'causes-heading', text: 'Likely causes' }));
  if (causes.length === 0) {
    section.append(el('p', { text: run.outcome === 'passed' ? 'No problem found: the server answered OPTIONS as an ActiveSync server should.' : 'No known cause matches this run. The test steps below show what happened.' }));
    return section;
  }
  const list = el('ol', { className: 'cause-list' });
  causes.forEach((cause, rank) => {
    const item = el('li', { className: 'cause', 'data-testid': 'cause', 'data-cause-id': cause.id });
    const headingId = domId('cause', cause.id);
    item.append(el('h3', { id: headingId },
      el('span', { className: 'rank', text: `${rank + 1}. ` }),
      el('span', { text: cause.title }),
      ' ', el('span', { className: `confidence confidence-${cause.confidence}`, text: `${cause.confidence} confidence` })));
    item.setAttribute('aria-labelledby', headingId);
    item.append(el('p', { className: 'explanation', text: cause.explanation }));
    const evidence = [renderEvidence(run, 'Points to this', cause.supporting, 'supporting'), renderEvidence(run, 'Points away from this', cause.against, 'against')];
    if (evidence.some(Boolean)) item.append(el('details', { open: rank === 0 ? '' : undefined }, el('summary', { text: 'Evidence' }), ...evidence));
    if (cause.checks.length) {
      item.append(el('h4', { text: 'What to check' }), el('ul', { className: 'checks' }, ...cause.checks.map((c) => el('li', { text: c }))));
    }
    const fixes = cause.checklistIds.map((id) => shown?.checklists.find((c) => c.id === id)).filter((c): c is Checklist => Boolean(c));
    if (fixes.length) {
      item.append(el('p', { className: 'fixes' }, el('span', { text: 'Fix with: ' }),
        ...fixes.map((c) => button(c.title, 'checklist', () => focusChecklist(c.id), { className: 'link-button' }))));
    }
    if (cause.searchTerms?.length) item.append(el('p', { className: 'search-terms', text: `Also reported as: ${cause.searchTerms.join(' · ')}` }));
    list.append(item);
  });
  section.append(list);
  if (question) section.append(el('aside', { className: 'question', role: 'note' }, icon('question'), ' ', el('strong', { text: 'To tell these apart: ' }), question));
  return section;
}

/** What a run that passed proves (e.g. the Exchange 2003 fix is verified), with the evidence for it. */
function renderFindings(run: ProbeRun, findings: PanelFinding[]): HTMLElement {
  const section = el('section', { className: 'findings', 'aria-labelledby': 'findings-heading' }, el('h2', { id: 'findings-heading', text: 'Findings' }));
  const list = el('ul', { className: 'finding-list' });
  for (const finding of findings) {
    const headingId = domId('finding', finding.id);
    const item = el('li', { className: 'finding', 'data-testid': 'finding', 'data-finding-id': finding.id, 'aria-labelledby': headingId });
    item.append(el('h3', { id: headingId }, icon(/Verified$/.test(finding.id) ? 'verified' : 'info'), ' ', el('span', { text: finding.title })));
    item.append(el('p', { className: 'explanation', text: finding.explanation }));
    if (finding.evidence.length) {
      const evidence = el('ul', { className: 'evidence evidence-finding' });
      for (const ref of finding.evidence) {
        const from = ref.stepId ? findStep(run, ref.stepId)?.title : undefined;
        evidence.append(el('li', {},
          el('span', { className: 'evidence-label', text: `${ref.label}: ` }),
          el('code', { text: ref.value }),
          from ? el('span', { className: 'evidence-step', text: ` (${from})` }) : undefined));
      }
      item.append(evidence);
    }
    list.append(item);
  }
  section.append(list);
  return section;
}

function renderSteps(run: ProbeRun): HTMLElement {
  const section = el('section', { className: 'steps', 'aria-labelledby': 'steps-heading' }, el('h2', { id: 'steps-heading', text: 'Test steps' }));
  const list = el('ol', { className: 'step-list' });
  for (const step of run.steps) {
    list.append(el('li', { className: `step step-${step.status}`, 'data-testid': 'test-step', 'data-step-id': step.id },
      icon(STATUS_ICON[step.status], STATUS_TEXT[step.status]), ' ',
      el('span', { className: 'step-title', text: step.title }), ' — ',
      el('span', { className: 'step-summary', text: step.summary })));
  }
  section.append(list);
  return section;
}

function renderChecklists(message: ShowMessage): HTMLElement {
  const section = el('section', { className: 'checklists', 'aria-labelledby': 'checklists-heading' }, el('h2', { id: 'checklists-heading', text: 'Remediation' }));
  if (message.checklists.length === 0) {
    section.append(el('p', { text: 'Nothing to fix: no remediation checklist applies to this run.' }));
    return section;
  }
  for (const checklist of message.checklists) section.append(renderChecklist(checklist, message.canInsert));
  return section;
}

function renderChecklist(checklist: Checklist, canInsert: boolean): HTMLElement {
  const headingId = domId('checklist', checklist.id);
  const section = el('section', { className: 'checklist', id: domId('section', checklist.id), 'data-testid': 'checklist', 'data-checklist-id': checklist.id, 'aria-labelledby': headingId });
  section.append(el('h3', { id: headingId, tabindex: '-1', text: checklist.title }));
  section.append(el('p', { className: 'why', text: checklist.why }));
  for (const warning of checklist.warnings) section.append(el('p', { className: 'warning', role: 'note' }, icon('warning'), ' ', warning));
  const progress = el('p', { className: 'progress', 'data-testid': 'progress', 'aria-live': 'polite' });
  progressNodes.set(checklist.id, progress);
  section.append(el('div', { className: 'checklist-toolbar' }, progress,
    button('Reset', 'discard', () => resetChecklist(checklist.id), { 'aria-label': `Reset ticks of ${checklist.title}` }),
    button('Copy as Markdown', 'copy', () => post({ type: 'copyMarkdown', checklistId: checklist.id }), { 'aria-label': `Copy ${checklist.title} as Markdown` })));
  section.append(renderStepList(checklist, checklist.steps, canInsert));
  if (checklist.links.length) section.append(el('h4', { text: 'Further reading' }), renderLinks(checklist.links));
  updateProgress(checklist.id);
  return section;
}

function renderStepList(checklist: Checklist, steps: ChecklistStep[], canInsert: boolean): HTMLElement {
  const list = el('ol', { className: 'checklist-steps' });
  for (const step of steps) list.append(renderStep(checklist, step, canInsert));
  return list;
}

function renderStep(checklist: Checklist, step: ChecklistStep, canInsert: boolean): HTMLElement {
  const item = el('li', { className: 'checklist-step', 'data-testid': 'checklist-step', 'data-step-id': step.id });
  const boxId = domId('tick', checklist.id, step.id);
  const box = el('input', { type: 'checkbox', id: boxId, 'data-checklist-id': checklist.id, 'data-step-id': step.id });
  box.checked = ticks.get(checklist.id)?.has(step.id) ?? false;
  box.addEventListener('change', () => setTick(checklist.id, step.id, box.checked));
  item.append(el('div', { className: 'step-row' }, box, el('label', { for: boxId, text: step.text })));
  const body = el('div', { className: 'step-body' });
  if (step.detail) body.append(el('p', { className: 'detail', text: step.detail }));
  if (step.warning) body.append(el('p', { className: 'warning', role: 'note' }, icon('warning'), ' ', step.warning));
  (step.commands ?? []).forEach((command, index) => body.append(renderCommand(checklist.id, step.id, command, index, canInsert)));
  if (step.expected) body.append(el('p', { className: 'expected' }, el('strong', { text: 'Expected: ' }), step.expected));
  if (step.links?.length) body.append(renderLinks(step.links));
  if (step.substeps?.length) body.append(renderStepList(checklist, step.substeps, canInsert));
  if (body.childNodes.length) item.append(body);
  return item;
}

function renderCommand(checklistId: string, stepId: string, command: ChecklistCommand, index: number, canInsert: boolean): HTMLElement {
  const figure = el('figure', { className: 'command', 'data-language': command.language });
  const caption = el('figcaption', {}, el('span', { className: 'command-label', text: `${command.label} (${command.language})` }));
  caption.append(el('span', { className: 'command-actions' },
    button('Copy', 'copy', () => post({ type: 'copyCommand', checklistId, stepId, index }), { 'aria-label': `Copy: ${command.label}` }),
    button('Insert into Active Editor', 'insert', () => post({ type: 'insertCommand', checklistId, stepId, index }), {
      'aria-label': `Insert into the active editor: ${command.label}`,
      disabled: canInsert ? undefined : '',
      title: canInsert ? undefined : 'Open a text editor first',
    })));
  figure.append(caption, el('pre', {}, el('code', { text: command.code })));
  return figure;
}

function renderLinks(links: Link[]): HTMLElement {
  const list = el('ul', { className: 'links' });
  for (const link of links) {
    // Shown as a link, but a click only asks the extension to open it (https only, checked there).
    const anchor = el('a', { href: link.url, title: link.url, text: link.title });
    anchor.addEventListener('click', (event) => {
      event.preventDefault();
      post({ type: 'openLink', url: link.url });
    });
    list.append(el('li', {}, icon('link-external'), ' ', anchor));
  }
  return list;
}

// ---- ticks ----

function updateProgress(checklistId: string): void {
  const checklist = shown?.checklists.find((c) => c.id === checklistId);
  if (!checklist) return;
  const ids = allStepIds(checklist);
  const ticked = ticks.get(checklistId);
  // Only ids that exist count: a tick kept from an older version of the checklist must not inflate "done".
  const total = ids.length;
  const done = ids.filter((id) => ticked?.has(id)).length;
  const text = `${done} of ${total} done`;
  const node = progressNodes.get(checklistId);
  if (node) {
    node.textContent = text;
    node.dataset.done = String(done);
    node.dataset.total = String(total);
  }
}

function setTick(checklistId: string, stepId: string, checked: boolean): void {
  const set = ticks.get(checklistId) ?? new Set<string>();
  if (checked) set.add(stepId);
  else set.delete(stepId);
  ticks.set(checklistId, set);
  updateProgress(checklistId);
  saveState();
  post({ type: 'tick', checklistId, stepId, checked });
}

function applyTicks(checklistId: string, stepIds: string[]): void {
  ticks.set(checklistId, new Set(stepIds));
  for (const box of Array.from(document.querySelectorAll<HTMLInputElement>('input[type="checkbox"][data-checklist-id]'))) {
    if (box.dataset.checklistId === checklistId) box.checked = stepIds.includes(box.dataset.stepId ?? '');
  }
  updateProgress(checklistId);
  saveState();
}

function resetChecklist(checklistId: string): void {
  applyTicks(checklistId, []);
  post({ type: 'reset', checklistId });
}

function focusChecklist(checklistId: string): void {
  const heading = document.getElementById(domId('checklist', checklistId));
  heading?.scrollIntoView({ block: 'start' });
  heading?.focus();
}

// ---- messaging and state ----

function post(message: WebviewToHostMessage): void {
  vscode.postMessage(message);
}

function saveState(): void {
  if (!shown) return;
  const currentTicks: Record<string, string[]> = {};
  for (const [id, set] of ticks) currentTicks[id] = [...set];
  vscode.setState({ runId: shown.run?.id, show: { ...shown, ticks: currentTicks } });
}

window.addEventListener('message', (event: MessageEvent<HostToWebviewMessage>) => {
  const message = event.data;
  if (!message || typeof message !== 'object') return;
  switch (message.type) {
    case 'show':
      render(message, 'extension');
      break;
    case 'ticks':
      applyTicks(message.checklistId, message.stepIds);
      break;
  }
});

// Draw the last known page at once (after a reload or when the panel becomes visible again),
// then ask the extension for the current content.
const saved = vscode.getState();
if (saved?.show) render(saved.show, 'saved');
post({ type: 'ready' });
