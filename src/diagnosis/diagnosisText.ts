// The diagnosis as plain text lines for the CLI's human output: no Markdown, wrapped to a width.
// The CLI passes each line through terminalSafe, so this only lays text out.
import { getChecklist } from './checklists';
import type { Checklist, ChecklistStep, Diagnosis, EvidenceRef } from './diagnosisModel';

const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

export function renderDiagnosisText(diagnosis: Diagnosis, options: { width?: number; expandTopChecklist?: boolean } = {}): string[] {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const out: string[] = [];
  out.push(...wrap(`Diagnosis: ${diagnosis.headline}`, width, '', '  '));
  if (diagnosis.question) out.push(...wrap(`To settle it: ${diagnosis.question}`, width, '', '  '));
  for (const f of diagnosis.findings ?? []) {
    out.push(...wrap(`* ${f.title}. ${f.explanation}`, width, '  ', '    '));
    for (const e of f.evidence) out.push(...wrap(`${e.label}: ${e.value}`, width, '      ', '        '));
  }
  diagnosis.causes.forEach((c, i) => {
    out.push('');
    out.push(...wrap(`${i + 1}. ${c.title} [${c.confidence} confidence] (${c.id})`, width, '', '   '));
    out.push(...wrap(c.explanation, width, '   ', '   '));
    const refs = (label: string, list: EvidenceRef[]) => {
      if (list.length === 0) return;
      out.push(`   ${label}:`);
      for (const e of list) out.push(...wrap(`- ${e.stepId} > ${e.label}: ${e.value}`, width, '     ', '       '));
    };
    refs('Evidence for', c.supporting);
    refs('Evidence against', c.against);
    if (c.checks.length > 0) {
      out.push('   Check:');
      for (const t of c.checks) out.push(...wrap(`- ${t}`, width, '     ', '       '));
    }
    for (const id of c.checklistIds) {
      const cl = getChecklist(id);
      out.push(...wrap(`Checklist ${id}: ${cl?.title ?? '(unknown)'}`, width, '   ', '     '));
    }
  });
  const top = diagnosis.causes[0]?.checklistIds[0];
  const checklist = options.expandTopChecklist && top ? getChecklist(top) : undefined;
  if (checklist) {
    out.push('');
    out.push(...renderChecklistText(checklist, [], { width }));
  }
  return out;
}

/** A checklist as plain text with [x]/[ ] boxes, for the CLI and plain-text tickets. */
export function renderChecklistText(checklist: Checklist, ticked: readonly string[], options: { width?: number } = {}): string[] {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? DEFAULT_WIDTH));
  const out: string[] = [];
  out.push(...wrap(`What to do: ${checklist.title} (checklist ${checklist.id})`, width, '', '  '));
  out.push(...wrap(checklist.why, width, '  ', '  '));
  for (const w of checklist.warnings) out.push(...wrap(`Warning: ${w}`, width, '  ! ', '    '));
  const done = new Set(ticked);
  const visit = (steps: ChecklistStep[], depth: number) => {
    steps.forEach((step, i) => {
      const indent = '  '.repeat(depth + 1);
      const label = depth === 0 ? `${i + 1}.` : `${String.fromCharCode(97 + (i % 26))}.`;
      const box = done.has(step.id) ? '[x]' : '[ ]';
      out.push(...wrap(`${box} ${label} ${step.text}`, width, indent, `${indent}       `));
      const more = `${indent}       `;
      if (step.detail) out.push(...wrap(step.detail, width, more, more));
      if (step.warning) out.push(...wrap(`Warning: ${step.warning}`, width, more, more));
      for (const c of step.commands ?? []) {
        out.push(`${more}${c.label}:`);
        for (const line of c.code.split(/\r?\n/)) out.push(`${more}  ${line}`);
      }
      for (const l of step.links ?? []) out.push(...wrap(`${l.title}: ${l.url}`, width, more, more));
      if (step.expected) out.push(...wrap(`Expect: ${step.expected}`, width, more, more));
      if (step.substeps?.length) visit(step.substeps, depth + 1);
    });
  };
  visit(checklist.steps, 0);
  for (const l of checklist.links) out.push(...wrap(`Further reading: ${l.title}: ${l.url}`, width, '  ', '    '));
  return out;
}

/** Greedy word wrap; words longer than a line (URLs) are kept whole rather than broken. */
function wrap(text: string, width: number, firstIndent: string, nextIndent: string): string[] {
  const words = String(text ?? '').split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      lines.push(line);
      line = nextIndent + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines.length > 0 ? lines : [firstIndent.trimEnd()];
}
