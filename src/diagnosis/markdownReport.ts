// The run as a Markdown report for change tickets: target, outcome, the step tree with timings and
// details, the ranked diagnosis, the applicable checklists as task lists, then the HTTP evidence.
// Every piece of text goes through escapeMarkdown (or, for code and raw bodies, a fence longer
// than any backtick run inside), so server or user text can't become links, images or HTML.
import { escapeMarkdown, fenceFor, stripControlCharacters } from '../common/textSafety';
import type { HttpExchange, ProbeRun, ProbeStep, ServerIdentity, StepStatus } from '../probe/runModel';
import { describeClue, describeServer } from '../probe/serverIdentification';
import { checklistsFor, checklistsOfDiagnosis } from './checklists';
import type { Checklist, ChecklistCommand, ChecklistStep, ChecklistTicks, Diagnosis, DiagnosisCause, EvidenceRef, Link } from './diagnosisModel';

export { renderDiagnosisText } from './diagnosisText';

const STATUS_MARK: Record<StepStatus, string> = { passed: '✅ passed', failed: '❌ failed', warning: '⚠️ warning', skipped: '⏭️ skipped' };
const OUTCOME_LABEL: Record<string, string> = { passed: '✅ Passed', warning: '⚠️ Passed with warnings', failed: '❌ Failed', cancelled: '⏹️ Cancelled' };
/** Body snippets are evidence, not the point of the report: keep tickets readable. */
const MAX_BODY_CHARS = 2000;

const md = (text: unknown): string => escapeMarkdown(String(text ?? ''));

export function renderRunMarkdown(run: ProbeRun, diagnosis?: Diagnosis, ticks: ChecklistTicks = {}): string {
  const out: string[] = [];
  out.push(`# ActiveSync Doctor report: ${md(run?.target?.host || run?.target?.input || 'unknown target')}`, '');
  out.push(...summaryTable(run), '');
  if (run?.server) out.push(...serverSection(run.server), '');
  out.push('## Steps', '');
  for (const step of run?.steps ?? []) out.push(...stepLines(step, 0));
  out.push('');
  if (diagnosis) {
    out.push(...diagnosisSection(diagnosis), '');
    const checklists = checklistsOfDiagnosis(diagnosis);
    if (checklists.length > 0) {
      out.push('## Remediation checklists', '');
      for (const c of checklists) out.push(...checklistLines(c, ticks[c.id] ?? []), '');
    }
  }
  // The raw exchanges last: an appendix for whoever needs to see exactly what the server sent.
  const evidence = httpEvidenceSection(run);
  if (evidence.length > 0) out.push(...evidence, '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function summaryTable(run: ProbeRun): string[] {
  const rows: Array<[string, string]> = [
    ['Target', run?.target?.url || run?.target?.input || ''],
    ['User', run?.userName ?? '(none)'],
    ['Started', run?.startedAt ?? ''],
    ['Finished', run?.finishedAt ?? ''],
    ['Duration', `${run?.durationMs ?? 0} ms`],
    ['Outcome', String(run?.outcome ?? '')],
    ['Authentication', run?.settings?.auth ?? ''],
    ['Cross-check', run?.settings ? (run.settings.crossCheck ? 'on' : 'off') : ''],
    ['Engine', run?.engineVersion ?? ''],
    ['Run id', run?.id ?? ''],
  ];
  if (run?.settings?.ignoreTrust) rows.push(['Certificate trust', 'ignored (trust failures reported as warnings)']);
  if (run?.settings?.proxy) rows.push(['Proxy', run.settings.proxy]);
  if (run?.labScenario) rows.push(['Lab scenario', run.labScenario]);
  // Known outcomes get our own label (with an emoji); everything else may come from the user or server.
  const cell = (k: string, v: string) => (k === 'Outcome' && OUTCOME_LABEL[v] ? OUTCOME_LABEL[v] : md(v));
  return ['| Field | Value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(k, v)} |`)];
}

function serverSection(server: ServerIdentity): string[] {
  const lines = ['## Server', '', md(describeServer(server))];
  if (server.note) lines.push('', md(server.note));
  const clues = (server.clues ?? []).map((c) => `- ${md(describeClue(c))} (step ${md(c.stepId)})`);
  if (clues.length) lines.push('', 'Identified from:', '', ...clues);
  return lines;
}

function stepLines(step: ProbeStep, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const mark = STATUS_MARK[step?.status] ?? md(step?.status);
  const lines = [`${pad}- ${mark} **${md(step?.title || step?.id)}** (${Number(step?.durationMs ?? 0)} ms)`];
  if (step?.summary) lines.push(`${pad}  ${md(step.summary)}`);
  if (step?.failure) lines.push(`${pad}  - ${step.status === 'warning' ? 'Warning' : 'Failure'}: ${md(step.failure.category)}: ${md(step.failure.message)}`);
  for (const d of step?.details ?? []) lines.push(`${pad}  - ${md(d.label)}: ${md(d.value)}`);
  for (const child of step?.children ?? []) lines.push(...stepLines(child, depth + 1));
  return lines;
}

function httpEvidenceSection(run: ProbeRun): string[] {
  const out: string[] = [];
  const visit = (steps: ProbeStep[] | undefined) => {
    for (const s of steps ?? []) {
      for (const ex of s?.evidence?.http ?? []) out.push(...exchangeLines(String(s.id), ex));
      visit(s?.children);
    }
  };
  visit(run?.steps);
  return out.length > 0 ? ['## HTTP evidence', '', ...out] : [];
}

function exchangeLines(stepId: string, ex: HttpExchange): string[] {
  const out = [`### ${md(ex?.method)} ${md(ex?.url)} (step ${md(stepId)})`, ''];
  if (ex?.requestHeaders?.length) out.push('Request headers:', '', ...headerTable(ex.requestHeaders), '');
  if (ex?.response) {
    const r = ex.response;
    out.push(`Response: **${md(`${r.statusCode} ${r.statusText ?? ''}`.trim())}**, ${Number(r.bodyBytes ?? 0)} body bytes`, '');
    if (r.headers?.length) out.push(...headerTable(r.headers), '');
    if (r.bodySnippet) {
      const body = r.bodySnippet.length > MAX_BODY_CHARS ? r.bodySnippet.slice(0, MAX_BODY_CHARS) : r.bodySnippet;
      const truncated = r.bodyTruncated || body.length < r.bodySnippet.length;
      // Server bytes: control characters made visible so a saved report can't carry terminal escapes.
      out.push(`Body${truncated ? ' (truncated)' : ''}:`, '', ...fenced('text', stripControlCharacters(body), ''), '');
    }
  }
  if (ex?.error) out.push(`Error: ${md(ex.error.code)}: ${md(ex.error.message)}`, '');
  return out;
}

function headerTable(headers: Array<[string, string]>): string[] {
  return ['| Header | Value |', '|---|---|', ...headers.map((h) => `| ${md(h?.[0])} | ${md(h?.[1])} |`)];
}

function diagnosisSection(d: Diagnosis): string[] {
  const out = ['## Diagnosis', '', `**${md(d.headline)}**`, ''];
  if (d.question) out.push(`> **To settle it:** ${md(d.question)}`, '');
  for (const f of d.findings ?? []) {
    out.push(`- **${md(f.title)}** ${md(f.explanation)}`, ...f.evidence.map((e) => `  - ${md(e.label)}: ${md(e.value)}`));
  }
  if (d.findings?.length) out.push('');
  if (d.causes.length === 0) {
    out.push('No problems found.');
    return out;
  }
  d.causes.forEach((c, i) => out.push(...causeLines(c, i + 1), ''));
  return out;
}

function causeLines(c: DiagnosisCause, rank: number): string[] {
  const out = [`### ${rank}. ${md(c.title)} (${md(c.confidence)} confidence)`, '', `Cause id: ${md(c.id)}, score ${c.score}`, '', md(c.explanation), ''];
  const refs = (label: string, list: EvidenceRef[]) => {
    if (list.length === 0) return;
    out.push(`**${label}**`, '', ...list.map((e) => `- ${md(e.stepId)} › ${md(e.label)}: ${md(e.value)}`), '');
  };
  refs('Evidence for', c.supporting);
  refs('Evidence against', c.against);
  if (c.checks.length > 0) out.push('**What to check**', '', ...c.checks.map((t) => `- ${md(t)}`), '');
  if (c.searchTerms?.length) out.push(`**Search terms:** ${c.searchTerms.map((t) => `“${md(t)}”`).join(', ')}`, '');
  if (c.checklistIds.length > 0) {
    const names = checklistsFor(c.checklistIds).map((cl) => md(cl.title));
    if (names.length > 0) out.push(`**Checklists:** ${names.join('; ')}`, '');
  }
  return out;
}

function checklistLines(c: Checklist, ticked: readonly string[]): string[] {
  const out = [`### ${md(c.title)}`, '', `Checklist id: ${md(c.id)}`, '', md(c.why), ''];
  for (const w of c.warnings) out.push(`> **Warning:** ${md(w)}`, '');
  const tickedSet = new Set(ticked);
  const done = countSteps(c.steps, (s) => tickedSet.has(s.id));
  out.push(`Progress: ${done} of ${countSteps(c.steps, () => true)} ticked`, '');
  for (const s of c.steps) out.push(...checklistStepLines(s, tickedSet, 0));
  const links = linkLines(c.links, '');
  if (links.length > 0) out.push('', '**Links**', '', ...links);
  return out;
}

function checklistStepLines(s: ChecklistStep, ticked: Set<string>, depth: number): string[] {
  const pad = '  '.repeat(depth);
  const inner = `${pad}  `;
  const out = [`${pad}- [${ticked.has(s.id) ? 'x' : ' '}] ${md(s.text)}`];
  if (s.detail) out.push(`${inner}${md(s.detail)}`);
  if (s.warning) out.push(`${inner}**Warning:** ${md(s.warning)}`);
  for (const cmd of s.commands ?? []) out.push(...commandLines(cmd, inner));
  if (s.expected) out.push(`${inner}**Expected:** ${md(s.expected)}`);
  out.push(...linkLines(s.links ?? [], inner));
  for (const sub of s.substeps ?? []) out.push(...checklistStepLines(sub, ticked, depth + 1));
  return out;
}

function commandLines(cmd: ChecklistCommand, indent: string): string[] {
  return ['', `${indent}${md(cmd.label)}:`, '', ...fenced(cmd.language, cmd.code, indent), ''];
}

/** A fenced block the content can't close early; indented to sit inside a list item. */
function fenced(language: string, code: string, indent: string): string[] {
  const fence = fenceFor(code);
  const lang = /^[a-z]+$/.test(language) ? language : '';
  const body = code.replace(/\r\n?/g, '\n').split('\n').map((line) => `${indent}${line}`);
  return [`${indent}${fence}${lang}`, ...body, `${indent}${fence}`];
}

/** Our own links only, and only plain https URLs that can't break out of the link syntax. */
function linkLines(links: readonly Link[], indent: string): string[] {
  return links.filter((l) => isSafeHttpsUrl(l.url)).map((l) => `${indent}- [${md(l.title)}](<${l.url}>)`);
}

export function isSafeHttpsUrl(url: string): boolean {
  return /^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9\-._~%!$&'*+,;=:@/?#]*)?$/.test(url);
}

function countSteps(steps: readonly ChecklistStep[], predicate: (s: ChecklistStep) => boolean): number {
  return steps.reduce((n, s) => n + (predicate(s) ? 1 : 0) + countSteps(s.substeps ?? [], predicate), 0);
}
