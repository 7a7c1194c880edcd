// Which kind of configuration script an editor holds (PowerShell, or a batch/VBScript file for
// IIS 6 and Exchange 2003), and which verification script fits it. Pure, no vscode import.
import type { CommandLanguage, VerificationScript } from '../diagnosis/diagnosisModel';

export type ScriptKind = 'powershell' | 'batch' | 'vbscript';

/** From the language id VS Code reports and the file name; undefined for anything else. */
export function scriptKindOf(languageId: string, fileName: string): ScriptKind | undefined {
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (languageId === 'powershell' || extension === 'ps1' || extension === 'psm1') return 'powershell';
  if (languageId === 'vbscript' || languageId === 'vb' || extension === 'vbs') return 'vbscript';
  if (languageId === 'bat' || extension === 'cmd' || extension === 'bat') return 'batch';
  return undefined;
}

/** Script languages that can be pasted into a file of the given kind, best first. */
const FITTING_LANGUAGES: Record<ScriptKind, CommandLanguage[]> = {
  powershell: ['powershell'],
  // adsutil.vbs checks are command lines run through cscript: they belong in .cmd/.bat files.
  batch: ['batch', 'vbscript'],
  vbscript: ['vbscript', 'batch'],
};

export function scriptsFor(kind: ScriptKind, scripts: readonly VerificationScript[]): VerificationScript[] {
  const order = FITTING_LANGUAGES[kind];
  return scripts
    .filter((s) => order.includes(s.language))
    .sort((a, b) => order.indexOf(a.language) - order.indexOf(b.language));
}

/**
 * Text to insert into a file of `kind`. A batch command line inside a .vbs file is inserted as
 * comment lines (a cscript call is not VBScript), so the file still runs.
 */
export function insertionText(kind: ScriptKind, script: VerificationScript): string {
  const code = script.code.endsWith('\n') ? script.code : `${script.code}\n`;
  const header = commentLine(kind, `${script.title} (${script.appliesTo})`);
  if (kind === 'vbscript' && script.language !== 'vbscript') {
    return header + code.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '').map((line) => `' ${line}\n`).join('');
  }
  return header + code;
}

function commentLine(kind: ScriptKind, text: string): string {
  const safe = text.replace(/[\r\n]+/g, ' ');
  switch (kind) {
    case 'powershell':
      return `# ${safe}\n`;
    case 'batch':
      return `REM ${safe}\n`;
    case 'vbscript':
      return `' ${safe}\n`;
  }
}
