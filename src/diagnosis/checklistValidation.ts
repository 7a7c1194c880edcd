// Rules every checklist must follow, checked by the tests and usable by anyone loading checklists:
// stable unique ids, no empty text, https links only, commands with code.
import type { Checklist, ChecklistStep, Link } from './diagnosisModel';

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const LANGUAGES = new Set(['powershell', 'batch', 'vbscript', 'text']);

/** Problems found in one checklist, as readable sentences; empty when it is valid. */
export function validateChecklist(c: Checklist): string[] {
  const problems: string[] = [];
  const where = `checklist ${c?.id ?? '(no id)'}`;
  if (!c?.id || !ID_PATTERN.test(c.id)) problems.push(`${where}: id must be lower-case kebab-case`);
  if (!c?.title?.trim()) problems.push(`${where}: empty title`);
  if (!c?.why?.trim()) problems.push(`${where}: empty why`);
  if (!Array.isArray(c?.steps) || c.steps.length === 0) problems.push(`${where}: no steps`);
  for (const w of c?.warnings ?? []) if (!w.trim()) problems.push(`${where}: empty warning`);
  problems.push(...validateLinks(c?.links ?? [], where));
  const seen = new Set<string>();
  const visit = (steps: ChecklistStep[], path: string) => {
    for (const s of steps) {
      const at = `${where} step ${path}${s?.id ?? '(no id)'}`;
      if (!s?.id || !ID_PATTERN.test(s.id)) problems.push(`${at}: id must be lower-case kebab-case`);
      else if (seen.has(s.id)) problems.push(`${at}: duplicate step id`);
      else seen.add(s.id);
      if (!s?.text?.trim()) problems.push(`${at}: empty text`);
      if (s.detail !== undefined && !s.detail.trim()) problems.push(`${at}: empty detail`);
      if (s.warning !== undefined && !s.warning.trim()) problems.push(`${at}: empty warning`);
      if (s.expected !== undefined && !s.expected.trim()) problems.push(`${at}: empty expected`);
      for (const cmd of s.commands ?? []) {
        if (!cmd.label?.trim()) problems.push(`${at}: command without label`);
        if (!cmd.code?.trim()) problems.push(`${at}: command without code`);
        if (!LANGUAGES.has(cmd.language)) problems.push(`${at}: unknown command language ${cmd.language}`);
      }
      problems.push(...validateLinks(s.links ?? [], at));
      if (s.substeps) {
        if (s.substeps.length === 0) problems.push(`${at}: empty substeps list`);
        visit(s.substeps, `${path}${s.id}/`);
      }
    }
  };
  visit(c?.steps ?? [], '');
  return problems;
}

function validateLinks(links: readonly Link[], where: string): string[] {
  const problems: string[] = [];
  for (const l of links) {
    if (!l.title?.trim()) problems.push(`${where}: link without title`);
    let ok = false;
    try {
      ok = new URL(l.url).protocol === 'https:' && !/\s/.test(l.url);
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`${where}: link is not a valid https URL: ${l.url}`);
  }
  return problems;
}
