// Every contributed command, registered in one place. Handlers are thin: they work out which
// run a command is about (tree item, run id or the latest run) and hand over to the services.
import * as vscode from 'vscode';
import { verificationScripts } from '../diagnosis/verificationScripts';
import type { ProbeRun, ProbeStep } from '../probe/runModel';
import type { BatchRunner } from './batchRunner';
import type { Credentials } from './credentials';
import { DiagnosisPanel } from './diagnosisPanel';
import type { HistoryNode } from './historyTreeProvider';
import type { HistoryService } from './historyService';
import { log } from './logger';
import type { PersistentState } from './persistentState';
import type { RunController } from './runController';
import { runReportMarkdown } from './runReport';
import { insertionText, scriptKindOf, scriptsFor } from './scriptKinds';
import type { RunStatusBar } from './statusBar';
import type { StepsNode, StepsTreeProvider } from './stepsTreeProvider';
import { errorMessage } from '../common/errorMessage';

export interface CommandServices {
  controller: RunController;
  batch: BatchRunner;
  steps: StepsTreeProvider;
  history: HistoryService;
  panel: DiagnosisPanel;
  statusBar: RunStatusBar;
  credentials: Credentials;
  state: PersistentState;
}

/** What a command may receive: a tree node (context menus, clicks), a run id, or nothing. */
type CommandArgument = StepsNode | HistoryNode | string | undefined;

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const { controller, batch, steps, history, panel, statusBar, credentials } = services;

  const resolveRun = async (arg: unknown): Promise<ProbeRun | undefined> => {
    const id = typeof arg === 'string' ? arg : runIdOf(arg as CommandArgument);
    if (!id) {
      if (arg && typeof arg === 'object' && (arg as StepsNode).kind === 'run') return (arg as { run?: ProbeRun }).run;
      return undefined;
    }
    for (const candidate of [steps.current(), panel.currentRun()]) if (candidate?.id === id) return candidate;
    return history.get(id);
  };
  /** The run a command is about, or the newest one when it was called from the palette. */
  const runOrLatest = async (arg: unknown): Promise<ProbeRun | undefined> =>
    (await resolveRun(arg)) ?? (arg === undefined ? steps.current() ?? (await history.latest()) : undefined);

  const register = registerActiveSyncCommand;

  const noRunYet = (): void => {
    void vscode.window.showInformationMessage('No ActiveSync test has run yet.', 'Run Connectivity Test', 'Run Against Lab').then((answer) => {
      if (answer === 'Run Connectivity Test') void vscode.commands.executeCommand('activesyncDoctor.runTest');
      if (answer === 'Run Against Lab') void vscode.commands.executeCommand('activesyncDoctor.runLabTest');
    });
  };

  return [
    register('runTest', () => controller.runInteractive()),

    register('rerunTest', async (arg) => {
      const run = await runOrLatest(arg);
      if (!run) return noRunYet();
      return controller.rerun(run);
    }),

    register('runLabTest', () => controller.runLabInteractive()),

    register('runBatchTest', (arg) => batch.runInteractive(arg)),

    register('showDiagnosis', async (arg) => {
      const run = await runOrLatest(arg);
      if (!run) return noRunYet();
      if (steps.current()?.id !== run.id && !steps.isRunning()) steps.show(run);
      panel.show(DiagnosisPanel.contentFor(run));
      return run.id;
    }),

    register('openGuidanceBeside', async () => {
      const run = panel.currentRun() ?? steps.current() ?? (await history.latest());
      panel.show(DiagnosisPanel.contentFor(run), { column: vscode.ViewColumn.Beside, preserveFocus: true });
      return run?.id;
    }),

    register('insertVerificationScript', (arg) => insertVerificationScript(typeof arg === 'string' ? arg : undefined)),

    register('exportReport', async (arg) => {
      const run = await runOrLatest(arg);
      if (!run) return noRunYet();
      return exportReport(run, services);
    }),

    register('deleteRun', async (arg) => {
      const id = typeof arg === 'string' ? arg : runIdOf(arg as CommandArgument);
      if (!id) return undefined;
      const removed = await history.delete(id);
      steps.forget(id);
      statusBar.clearIf(id);
      return removed;
    }),

    register('clearHistory', async () => {
      const count = (await history.summaries()).length;
      if (count === 0) {
        void vscode.window.showInformationMessage('The ActiveSync history is already empty.');
        return false;
      }
      const answer = await vscode.window.showWarningMessage(
        `Delete all ${count} saved ActiveSync run${count === 1 ? '' : 's'}?`,
        { modal: true, detail: 'Checklist ticks and saved passwords are kept.' },
        'Clear History',
      );
      if (answer !== 'Clear History') return false;
      await history.clear();
      steps.show(undefined);
      statusBar.clearIf(undefined);
      void vscode.commands.executeCommand('setContext', 'activesyncDoctor.hasRun', false);
      return true;
    }),

    register('forgetPassword', () => credentials.forget()),

    register('showLog', () => log().show()),

    register('copyDetails', async (arg) => {
      const text = detailsText(arg as CommandArgument, await resolveRun(arg), services.state);
      if (!text) return undefined;
      await vscode.env.clipboard.writeText(text);
      void vscode.window.setStatusBarMessage('Details copied', 3000);
      return text;
    }),
  ];
}

/** Registers activesyncDoctor.<name>; an error becomes a logged message, never an unhandled rejection. */
export function registerActiveSyncCommand(name: string, handler: (...args: unknown[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(`activesyncDoctor.${name}`, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (error) {
      const message = errorMessage(error);
      log().error(`${name}: ${message}`);
      void vscode.window.showErrorMessage(`ActiveSync Doctor: ${message}`);
      return undefined;
    }
  });
}

function runIdOf(arg: CommandArgument): string | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  switch (arg.kind) {
    case 'historyRun':
      return arg.runId;
    case 'run':
      return arg.run?.id ?? arg.runId;
    case 'step':
    case 'detail':
      return arg.runId;
    default:
      return undefined;
  }
}

/** Plain text of a tree node for the clipboard; a whole run is copied as its Markdown report. */
function detailsText(arg: CommandArgument, run: ProbeRun | undefined, state: PersistentState): string | undefined {
  if (arg && typeof arg === 'object') {
    if (arg.kind === 'detail') return `${arg.detail.label}: ${arg.detail.value}`;
    if (arg.kind === 'step') return stepText(arg.step, 0);
  }
  return run ? runReportMarkdown(run, state) : undefined;
}

function stepText(step: ProbeStep, depth: number): string {
  const indent = '  '.repeat(depth);
  const lines = [`${indent}${step.title} [${step.status}] (${step.durationMs} ms)`, `${indent}  ${step.summary}`];
  for (const d of step.details) lines.push(`${indent}  ${d.label}: ${d.value}`);
  for (const child of step.children) lines.push(stepText(child, depth + 1));
  return lines.join('\n');
}

async function exportReport(run: ProbeRun, services: CommandServices): Promise<vscode.Uri | undefined> {
  const format = await vscode.window.showQuickPick(
    [
      { label: 'Markdown', description: 'report with diagnosis and checklist ticks', ext: 'md' },
      { label: 'JSON', description: 'the run as recorded, for tools and support cases', ext: 'json' },
    ],
    { title: 'Export ActiveSync report', placeHolder: 'Choose a format' },
  );
  if (!format) return undefined;
  const host = (run.target.host || 'server').replace(/[^A-Za-z0-9.-]/g, '_');
  const stamp = run.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '');
  const defaultFolder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const fileName = `activesync-${host}-${stamp}.${format.ext}`;
  const target = await vscode.window.showSaveDialog({
    title: 'Export ActiveSync report',
    defaultUri: defaultFolder ? vscode.Uri.joinPath(defaultFolder, fileName) : undefined,
    filters: format.ext === 'md' ? { Markdown: ['md'] } : { JSON: ['json'] },
  });
  if (!target) return undefined;
  const text = renderExport(run, format.ext === 'md' ? 'markdown' : 'json', services.state);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(`Report saved to ${target.fsPath || target.toString()}.`, 'Open').then((answer) => {
    if (answer) void vscode.window.showTextDocument(target);
  });
  return target;
}

/** The text of an export. The run model holds no password, so JSON is the run as it is. */
export function renderExport(run: ProbeRun, format: 'markdown' | 'json', state: PersistentState): string {
  if (format === 'json') return `${JSON.stringify(run, null, 2)}\n`;
  return runReportMarkdown(run, state);
}

/**
 * Inserts the verification script that fits the active file at the cursor: the Exchange 2007/2010
 * PowerShell check for .ps1/.psm1, the IIS 6 metabase adsutil check for .cmd/.bat/.vbs. The scripts
 * are a few lines of data, bundled here so this command doesn't load the engine.
 */
async function insertVerificationScript(scriptId: string | undefined): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  const kind = editor ? scriptKindOf(editor.document.languageId, editor.document.fileName) : undefined;
  if (!editor || !kind) {
    void vscode.window.showWarningMessage('Open a PowerShell (.ps1/.psm1), batch (.cmd/.bat) or VBScript (.vbs) file to insert a verification script.');
    return false;
  }
  const candidates = scriptsFor(kind, verificationScripts());
  const script = scriptId ? candidates.find((s) => s.id === scriptId) : candidates[0];
  if (!script) {
    void vscode.window.showWarningMessage(`No verification script fits a ${kind} file.`);
    return false;
  }
  return editor.edit((edit) => edit.insert(editor.selection.active, insertionText(kind, script)));
}
