// The diagnosis webview: one panel, reused, restored after a reload by its serializer. The
// extension builds a static shell (strict CSP, nonce'd script) and sends the content as one JSON
// message; every message back goes through parseWebviewMessage before anything happens.
import * as vscode from 'vscode';
import type { Checklist, Diagnosis } from '../diagnosis/diagnosisModel';
import type { ProbeRun } from '../probe/runModel';
import { checklistMarkdown } from './checklistMarkdown';
import { loadEngine } from './engineLoader';
import { log } from './logger';
import { NO_SERVER, type PersistentState } from './persistentState';
import { runReportMarkdown } from './runReport';
import { serverKeyOf } from './serverKey';
import {
  DIAGNOSIS_VIEW_TYPE,
  findCommand,
  indexChecklists,
  isSafeExternalUrl,
  parseWebviewMessage,
  type ChecklistIndex,
  type DiagnosisViewState,
  type PanelFinding,
  type ShowMessage,
  type WebviewToHostMessage,
} from '../webview/webviewProtocol';
import { webviewPageHtml, webviewPanelOptions, type WebviewPage } from './webviewPage';

/** Shown beside scripts when no run exists yet: the fix the seed article is about. */
const DIAGNOSIS_PAGE: WebviewPage = { name: 'diagnosisView', title: 'ActiveSync Diagnosis', loading: 'Loading the diagnosis…', rootTestId: 'diagnosis-root' };

export const DEFAULT_CHECKLIST_ID = 'esm-2003-iwa';

export interface PanelContent {
  run?: ProbeRun;
  diagnosis?: Diagnosis;
  checklists: Checklist[];
  note?: string;
  /** Findings of a run that passed (Windows sign-in verified on Exchange 2003 and the like). */
  findings?: PanelFinding[];
}

export interface DiagnosisPanelHost {
  /** Looks a run up by id (history), for panels restored after a reload. */
  findRun(id: string): Promise<ProbeRun | undefined>;
  /** A panel restored after a reload shows this run: the other views can show it too. */
  revived(run: ProbeRun): void;
  /** A re-run started from this panel finished (the comparison with the run it repeated is offered). */
  rerunFinished?(before: ProbeRun, after: ProbeRun): void;
}

export class DiagnosisPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private content: PanelContent | undefined;
  private index: ChecklistIndex = indexChecklists([]);
  private lastShowMessage: ShowMessage | undefined;
  private lastEditor: vscode.TextEditor | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly state: PersistentState,
    private readonly host: DiagnosisPanelHost,
  ) {
    // The webview takes focus when clicked, so "the active editor" is the last text editor seen.
    this.lastEditor = vscode.window.activeTextEditor;
    this.disposables.push(vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor) this.lastEditor = editor;
    }));
  }

  /** Diagnosis and checklists of a run, or the default guidance when there is none. */
  static contentFor(run: ProbeRun | undefined): PanelContent {
    const engine = loadEngine();
    if (!run) {
      const checklist = engine.getChecklist(DEFAULT_CHECKLIST_ID);
      return {
        checklists: checklist ? [checklist] : [],
        note: 'No test has run yet: showing the checklist for Exchange 2003 mailboxes behind Exchange 2007/2010 (the classic OPTIONS 401).',
      };
    }
    const diagnosis = engine.diagnose(run);
    const checklists = engine.checklistsOfDiagnosis(diagnosis);
    // Only a run that got through says something about what works; authFindings looks at the sign-in itself.
    const findings = run.outcome === 'passed' || run.outcome === 'warning' ? engine.authFindings(run) : [];
    return findings.length ? { run, diagnosis, checklists, findings } : { run, diagnosis, checklists };
  }

  isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens (or reveals) the one panel and shows the content. */
  show(content: PanelContent, options: { column?: vscode.ViewColumn; preserveFocus?: boolean } = {}): void {
    const column = options.column ?? vscode.ViewColumn.Active;
    if (this.panel) {
      this.panel.reveal(column, options.preserveFocus);
    } else {
      const panel = vscode.window.createWebviewPanel(DIAGNOSIS_VIEW_TYPE, 'ActiveSync Diagnosis', { viewColumn: column, preserveFocus: options.preserveFocus }, webviewPanelOptions(this.extensionUri));
      this.attach(panel);
    }
    this.setContent(content);
  }

  /** New content for the open panel, without revealing or moving it. */
  update(content: PanelContent): void {
    if (this.panel) this.setContent(content);
  }

  /** Takes over a panel VS Code restored after a reload. */
  async revive(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    this.panel?.dispose();
    panel.webview.options = webviewPanelOptions(this.extensionUri);
    this.attach(panel);
    const runId = typeof (saved as DiagnosisViewState | undefined)?.runId === 'string' ? (saved as DiagnosisViewState).runId : undefined;
    let run: ProbeRun | undefined;
    try {
      run = runId ? await this.host.findRun(runId) : undefined;
    } catch (error) {
      log().warn(`Could not reload run ${runId}: ${String(error)}`);
    }
    this.setContent(DiagnosisPanel.contentFor(run));
    if (run) this.host.revived(run);
  }

  /** The run on display, if any. */
  currentRun(): ProbeRun | undefined {
    return this.content?.run;
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activesync.svg');
    panel.webview.html = this.html(panel.webview);
    const listeners = [panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw))];
    listeners.push(panel.onDidDispose(() => {
      for (const l of listeners) l.dispose();
      if (this.panel === panel) {
        this.panel = undefined;
        this.lastShowMessage = undefined;
      }
    }));
  }

  /** The static shell; exposed for tests that check the CSP. */
  html(webview: vscode.Webview): string {
    return webviewPageHtml(webview, this.extensionUri, DIAGNOSIS_PAGE);
  }

  currentHtml(): string | undefined {
    return this.panel?.webview.html;
  }

  private setContent(content: PanelContent): void {
    this.content = content;
    this.index = indexChecklists(content.checklists);
    if (this.panel) {
      const host = content.run?.target.host;
      this.panel.title = host ? `ActiveSync Diagnosis: ${host}` : 'ActiveSync Guidance';
    }
    this.postShow();
  }

  private server(): string {
    return this.content?.run ? serverKeyOf(this.content.run) : NO_SERVER;
  }

  private postShow(): void {
    if (!this.panel || !this.content) return;
    const { run, diagnosis, checklists, note, findings } = this.content;
    const message: ShowMessage = {
      type: 'show',
      run,
      diagnosis,
      checklists,
      ticks: this.state.ticksFor(this.server(), checklists.map((c) => c.id)),
      canInsert: this.insertTarget() !== undefined,
      note,
    };
    if (findings?.length) message.findings = findings;
    this.lastShowMessage = message;
    void this.panel.webview.postMessage(message);
  }

  /** What the panel was last told to show (tests read the ticks and content from here). */
  lastShown(): ShowMessage | undefined {
    return this.lastShowMessage;
  }

  /** The document commands go into: the last text editor's, while it is still open. */
  private insertTarget(): vscode.TextEditor | undefined {
    if (this.lastEditor && !this.lastEditor.document.isClosed) return this.lastEditor;
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme !== 'output' && !e.document.isClosed);
  }

  /** Every message from the webview lands here; anything malformed or unknown is dropped. */
  async handleMessage(raw: unknown): Promise<boolean> {
    const message = parseWebviewMessage(raw, this.index);
    if (!message) {
      log().debug(`Ignored a malformed message from the diagnosis webview.`);
      return false;
    }
    await this.dispatch(message);
    return true;
  }

  private async dispatch(message: WebviewToHostMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.postShow();
        return;
      case 'tick':
        await this.state.setTick(this.server(), message.checklistId, message.stepId, message.checked);
        return;
      case 'reset':
        await this.state.resetTicks(this.server(), message.checklistId);
        void this.panel?.webview.postMessage({ type: 'ticks', checklistId: message.checklistId, stepIds: [] });
        return;
      case 'copyMarkdown':
        await vscode.env.clipboard.writeText(this.markdown(message.checklistId));
        void vscode.window.showInformationMessage(message.checklistId ? 'Checklist copied as Markdown.' : 'Report copied as Markdown.');
        return;
      case 'copyCommand': {
        const command = findCommand(this.index, message.checklistId, message.stepId, message.index);
        if (!command) return;
        await vscode.env.clipboard.writeText(command.code);
        void vscode.window.setStatusBarMessage('Command copied', 3000);
        return;
      }
      case 'insertCommand': {
        const command = findCommand(this.index, message.checklistId, message.stepId, message.index);
        if (command) await this.insert(command.code);
        return;
      }
      case 'openLink':
        // Checked again here: nothing but https leaves VS Code, whatever the page says.
        if (isSafeExternalUrl(message.url)) await vscode.env.openExternal(vscode.Uri.parse(message.url, true));
        return;
      case 'rerun':
        // The same command as the tree's and the status bar's Re-run.
        if (this.content?.run) {
          const before = this.content.run;
          void vscode.commands.executeCommand<ProbeRun | undefined>('activesyncDoctor.rerunTest', before.id).then((after) => {
            if (after && after.id !== before.id) this.host.rerunFinished?.(before, after);
          });
        }
        return;
    }
  }

  private markdown(checklistId: string | undefined): string {
    const content = this.content;
    if (!content) return '';
    const server = this.server();
    if (checklistId) {
      const checklist = content.checklists.find((c) => c.id === checklistId);
      return checklist ? checklistMarkdown(checklist, this.state.ticks(server, checklist.id), content.run?.target.host) : '';
    }
    if (content.run) return runReportMarkdown(content.run, this.state, content.diagnosis);
    const ticks = this.state.ticksFor(server, content.checklists.map((c) => c.id));
    return content.checklists.map((c) => checklistMarkdown(c, ticks[c.id] ?? [])).join('\n');
  }

  private async insert(code: string): Promise<void> {
    const target = this.insertTarget();
    if (!target) {
      void vscode.window.showWarningMessage('Open a text editor to insert the command into.');
      return;
    }
    // A workspace edit on the document, not editor.edit: the panel may have just covered that
    // editor, and an editor that is no longer shown rejects edits.
    const text = code.endsWith('\n') ? code : `${code}\n`;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(target.document.uri, target.selection.active, text);
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied) {
      void vscode.window.showWarningMessage('The command could not be inserted (is the editor read-only?).');
      return;
    }
    // Show where it went, beside the panel when the panel covers the editor's column.
    const column = target.viewColumn !== undefined && target.viewColumn !== this.panel?.viewColumn ? target.viewColumn : vscode.ViewColumn.Beside;
    await vscode.window.showTextDocument(target.document, { viewColumn: column, preserveFocus: true });
  }

  /** Closes the panel (the service stays ready to open a new one). */
  closePanel(): void {
    this.panel?.dispose();
    this.panel = undefined;
  }

  dispose(): void {
    this.panel?.dispose();
    this.panel = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
