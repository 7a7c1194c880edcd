// "Run Batch Test": the connectivity test against every server (and user) listed in a targets
// file, a few at a time, with the same settings a single run uses. The file is parsed by the
// engine's own parser; bad lines are shown with their numbers (message, Problems view, log) and
// nothing runs. One password for every user, asked once and never offered for saving, as the CLI
// does. Each finished run goes to History as it arrives and gets one line in the log; afterwards
// Test Steps shows the last failed run (or the last run) and a message sums the batch up.
import * as vscode from 'vscode';
import { readBoundedFile } from '../common/boundedFileRead';
import type { BatchTargetError, BatchTargetLine } from '../probe/batchTargets';
import type { ProbeRun } from '../probe/runModel';
// A small pure function, imported directly rather than through the lazily loaded engine.
import { batchLogLine, batchSummaryText, countOutcomes, labScenarioOf, runToShow, type LabEndpointRef, type OutcomeCounts } from './batchReport';
import { errorMessage } from '../common/errorMessage';
import { MAX_TARGETS_FILE_BYTES, targetsFileTooLargeMessage } from '../probe/batchTargets';
import { loadEngine } from './engineLoader';
import type { LabSession } from './labSession';
import { log } from './logger';
import { recordSettingNotes } from './probeSettings';
import type { RunPublisher } from './runPublisher';
import { probeOptionsForRun, trustLab, type RunSettings } from './settingsReader';
/** Line errors quoted in the message; all of them go to the Problems view and the log. */
const ERRORS_IN_MESSAGE = 3;

export interface BatchRunDependencies {
  publisher: RunPublisher;
  lab: LabSession;
}

/** What a batch came to; `errors` non-empty means the file was unusable and nothing ran. */
export interface BatchRunResult extends OutcomeCounts {
  /** The file's name as shown to the user. */
  file: string;
  errors: BatchTargetError[];
  /** One run per target, in file order. */
  runs: ProbeRun[];
  /** The summary sentence shown at the end ("3 servers: 2 passed, 0 warnings, 1 failed"). */
  summary: string;
}

export class BatchRunner implements vscode.Disposable {
  private running: AbortController | undefined;
  private diagnostics: vscode.DiagnosticCollection | undefined;

  constructor(private readonly deps: BatchRunDependencies) {}

  isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Cancels the batch in progress: runs in flight stop, the rest end as cancelled. */
  cancel(): void {
    this.running?.abort();
  }

  /** The command: a file given by the caller, else the active plain-text editor's, else an open dialog. */
  async runInteractive(fileArg?: unknown): Promise<BatchRunResult | undefined> {
    const file = fileArg instanceof vscode.Uri ? fileArg : (activeTargetsDocument()?.uri ?? (await pickTargetsFile()));
    return file ? this.runFile(file) : undefined;
  }

  /**
   * Runs the targets in `file`. The password is asked for when some line names a user, unless the
   * caller already has it (the test API); it lives in this call only.
   */
  async runFile(file: vscode.Uri, given: { password?: string } = {}): Promise<BatchRunResult | undefined> {
    if (this.running) {
      void vscode.window.showWarningMessage('An ActiveSync batch test is already running.');
      return undefined;
    }
    const name = displayName(file);
    const engine = loadEngine();
    const settings = await probeOptionsForRun({ labOnly: false });
    const parsed = engine.parseBatchTargets(await readTargetsText(file), { allowHttp: settings.options.allowHttp });
    if (parsed.errors.length) {
      this.reportLineErrors(file, name, parsed.errors);
      return { file: name, errors: parsed.errors, runs: [], ...countOutcomes([]), summary: '' };
    }
    this.diagnostics?.delete(file);
    if (parsed.targets.length === 0) {
      void vscode.window.showWarningMessage(`${name} lists no servers: only blank lines and # comments. Write one server per line, optionally followed by a user name.`);
      return undefined;
    }

    let password = given.password;
    const users = new Set(parsed.targets.map((t) => t.userName).filter(Boolean));
    if (users.size > 0 && password === undefined) {
      password = await vscode.window.showInputBox({
        title: `Password for the ${users.size === 1 ? `user ${[...users][0]}` : `${users.size} users`} in ${name}`,
        prompt: 'One password for every user listed. It is used for this batch only and is not saved.',
        password: true,
        ignoreFocusOut: true,
      });
      if (password === undefined) return undefined;
    }

    const abort = new AbortController();
    this.running = abort;
    try {
      return await this.execute(name, parsed.targets, password, settings, abort);
    } finally {
      this.running = undefined;
    }
  }

  private async execute(
    name: string,
    targets: BatchTargetLine[],
    password: string | undefined,
    settings: RunSettings,
    abort: AbortController,
  ): Promise<BatchRunResult | undefined> {
    const engine = loadEngine();
    const endpoints = await this.labEndpoints();
    const labTargets = targets.filter((t) => labScenarioOf(t.target, endpoints) !== undefined).length;
    if (labTargets > 0) trustLab(settings, (await this.deps.lab.get()).caPem, { labOnly: labTargets === targets.length });

    log().info(`Batch test of ${name}: ${targets.length} target${targets.length === 1 ? '' : 's'}`);
    let saving = Promise.resolve();
    let saveFailed = false;
    let done = 0;
    let result: Awaited<ReturnType<typeof engine.runBatch>>;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ActiveSync batch test of ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          progress.report({ message: `0 of ${targets.length} done` });
          return engine.runBatch(
            targets.map((t) => (t.userName ? { target: t.target, userName: t.userName, password } : { target: t.target })),
            {
              ...settings.options,
              signal: abort.signal,
              onRunFinished: (run, index) => {
                done++;
                recordSettingNotes(run, settings.notes);
                run.labScenario ??= labScenarioOf(run.target.url, endpoints);
                log().info(batchLogLine(run, done, targets.length, targets[index]?.line));
                progress.report({ message: `${done} of ${targets.length} done`, increment: 100 / targets.length });
                // One write at a time, in the order runs finish, so History fills as the batch goes.
                saving = saving
                  .then(() => this.deps.publisher.record(run))
                  .catch((error: unknown) => {
                    if (saveFailed) return;
                    saveFailed = true;
                    void vscode.window.showWarningMessage(`Runs of the batch could not be saved to history: ${errorMessage(error)}`);
                  });
              },
            },
          );
        },
      );
    } catch (error) {
      const message = errorMessage(error);
      log().error(`The batch test could not run: ${message}`);
      void vscode.window.showErrorMessage(`The ActiveSync batch test could not run: ${message}`);
      return undefined;
    } finally {
      await saving;
    }

    const summary = batchSummaryText(result.runs);
    log().info(`Batch test of ${name} finished in ${Math.round(result.durationMs)} ms: ${summary}`);
    // Test Steps, the status bar and an open diagnosis follow the run most worth a look.
    const shownRun = runToShow(result.runs);
    if (shownRun) this.deps.publisher.show(shownRun, { ownsStepsView: false });
    const counts = countOutcomes(result.runs);
    const text = `${summary}.`;
    const shown = counts.failed || counts.cancelled || counts.warnings ? vscode.window.showWarningMessage(text, 'Show Log') : vscode.window.showInformationMessage(text, 'Show Log');
    void shown.then((answer) => {
      if (answer) log().show();
    });
    return { file: name, errors: [], runs: result.runs, ...counts, summary };
  }

  /** Endpoints of the lab, if this window started it; a batch never starts the lab itself. */
  private async labEndpoints(): Promise<LabEndpointRef[]> {
    if (!this.deps.lab.isStarted()) return [];
    try {
      const lab = await this.deps.lab.get();
      return lab.endpoints.map((e) => ({ scenarioId: e.scenario.id, port: e.port }));
    } catch {
      return [];
    }
  }

  /** Every bad line in the Problems view and the log; the first few in the message. Nothing runs. */
  private reportLineErrors(file: vscode.Uri, name: string, errors: readonly BatchTargetError[]): void {
    this.diagnostics ??= vscode.languages.createDiagnosticCollection('activesyncDoctor.batchTargets');
    this.diagnostics.set(
      file,
      errors.map((e) => {
        const line = Math.max(0, e.line - 1);
        const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), e.message, vscode.DiagnosticSeverity.Error);
        diagnostic.source = 'ActiveSync Doctor';
        return diagnostic;
      }),
    );
    const heading = `${name} has ${errors.length} unusable line${errors.length === 1 ? '' : 's'}; nothing was tested.`;
    log().error(heading);
    for (const e of errors) log().error(`  line ${e.line}: ${e.message}`);
    const quoted = errors.slice(0, ERRORS_IN_MESSAGE).map((e) => `Line ${e.line}: ${e.message}`).join(' ');
    const more = errors.length > ERRORS_IN_MESSAGE ? ` (${errors.length - ERRORS_IN_MESSAGE} more in the Problems view.)` : '';
    void vscode.window.showErrorMessage(`${heading} ${quoted}${more}`, 'Show Problems').then((answer) => {
      if (answer) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
  }

  dispose(): void {
    this.running?.abort();
    this.diagnostics?.dispose();
  }
}

/** The active editor's document when it looks like a targets file: plain text with something in it. */
function activeTargetsDocument(): vscode.TextDocument | undefined {
  const document = vscode.window.activeTextEditor?.document;
  if (!document || document.languageId !== 'plaintext' || document.getText().trim() === '') return undefined;
  return document;
}

async function pickTargetsFile(): Promise<vscode.Uri | undefined> {
  const [file] = (await vscode.window.showOpenDialog({
    title: 'Targets file for the ActiveSync batch test',
    openLabel: 'Run Batch Test',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'Targets (one server per line)': ['txt', 'csv', 'list'], 'All files': ['*'] },
  })) ?? [];
  return file;
}

/** The text of an open document (unsaved edits included), else the file on disk. */
async function readTargetsText(file: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  if (open) return open.getText();
  // A local file is read with the cap held while reading (a FIFO or device reports size 0).
  if (file.scheme === 'file') return readBoundedFile(file.fsPath, 'targets file');
  const stat = await vscode.workspace.fs.stat(file);
  if (stat.size > MAX_TARGETS_FILE_BYTES) throw new Error(targetsFileTooLargeMessage(displayName(file)));
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
}

function displayName(file: vscode.Uri): string {
  return file.path.split('/').pop() || file.toString();
}
