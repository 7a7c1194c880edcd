// One remediation checklist as Markdown with its tick state ("- [x] …"), for the webview's
// per-checklist "Copy as Markdown" (the full report comes from the engine's renderRunMarkdown).
// Pure: no vscode import.
import { escapeMarkdown, fenceFor } from '../common/textSafety';
import type { Checklist, ChecklistStep } from '../diagnosis/diagnosisModel';

export function checklistMarkdown(checklist: Checklist, ticked: readonly string[], server?: string): string {
  const done = new Set(ticked);
  const lines: string[] = [`## ${escapeMarkdown(checklist.title)}`, ''];
  if (server) lines.push(`Server: ${escapeMarkdown(server)}`, '');
  lines.push(escapeMarkdown(checklist.why), '');
  for (const warning of checklist.warnings) lines.push(`> **Warning:** ${escapeMarkdown(warning)}`, '');
  const visit = (steps: readonly ChecklistStep[] | undefined, depth: number): void => {
    const indent = '  '.repeat(depth);
    for (const step of steps ?? []) {
      lines.push(`${indent}- [${done.has(step.id) ? 'x' : ' '}] ${escapeMarkdown(step.text)}`);
      if (step.detail) lines.push(`${indent}  ${escapeMarkdown(step.detail)}`);
      if (step.warning) lines.push(`${indent}  **Warning:** ${escapeMarkdown(step.warning)}`);
      for (const command of step.commands ?? []) {
        const fence = fenceFor(command.code);
        lines.push('', `${indent}  ${escapeMarkdown(command.label)}:`, '', `${indent}  ${fence}${command.language}`);
        for (const line of command.code.split(/\r?\n/)) lines.push(`${indent}  ${line}`);
        lines.push(`${indent}  ${fence}`, '');
      }
      if (step.expected) lines.push(`${indent}  Expected: ${escapeMarkdown(step.expected)}`);
      for (const link of step.links ?? []) lines.push(`${indent}  ${markdownLink(link.title, link.url)}`);
      visit(step.substeps, depth + 1);
    }
  };
  visit(checklist.steps, 0);
  if (checklist.links.length) {
    lines.push('', 'Further reading:', '');
    for (const link of checklist.links) lines.push(`- ${markdownLink(link.title, link.url)}`);
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

function markdownLink(title: string, url: string): string {
  // Only https URLs become links; anything else is shown as escaped text.
  return /^https:\/\/[^\s()<>]+$/i.test(url) ? `[${escapeMarkdown(title)}](${url})` : `${escapeMarkdown(title)}: ${escapeMarkdown(url)}`;
}
