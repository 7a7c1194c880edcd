// The comparison webview: one panel, reused, showing what changed between two runs. Like the
// diagnosis panel it is a static shell (strict CSP, nonce'd script) drawn from one JSON message;
// messages back go through parseComparisonMessage. After a reload it recomputes the comparison
// from the two run ids it saved, so nothing stale is shown.
import * as vscode from 'vscode';
import type { RunComparison } from '../compare/runComparison';
import { loadEngine } from './engineLoader';
import { log } from './logger';
import { COMPARISON_VIEW_TYPE, parseComparisonMessage, type ComparisonViewState, type ShowComparisonMessage } from '../webview/comparisonProtocol';
import { webviewPageHtml, webviewPanelOptions, type WebviewPage } from './webviewPage';

const COMPARISON_PAGE: WebviewPage = { name: 'comparisonView', title: 'ActiveSync Comparison', loading: 'Loading the comparison…', rootTestId: 'comparison-root' };

export interface ComparisonPanelHost {
  /** Opens one of the two runs in the diagnosis panel. */
  openRun(id: string): void;
  /** Recomputes a comparison after a reload (undefined when a run is gone from the history). */
  recompare(beforeId: string, afterId: string): Promise<RunComparison | undefined>;
}

export class ComparisonPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private comparison: RunComparison | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ComparisonPanelHost,
  ) {}

  show(comparison: RunComparison): void {
    if (this.panel) this.panel.reveal(vscode.ViewColumn.Active);
    else this.attach(vscode.window.createWebviewPanel(COMPARISON_VIEW_TYPE, 'ActiveSync Comparison', vscode.ViewColumn.Active, webviewPanelOptions(this.extensionUri)));
    this.setComparison(comparison);
  }

  async revive(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    this.panel?.dispose();
    panel.webview.options = webviewPanelOptions(this.extensionUri);
    this.attach(panel);
    const shown = (saved as ComparisonViewState | undefined)?.show?.comparison;
    const ids = [shown?.before?.id, shown?.after?.id];
    let comparison: RunComparison | undefined;
    try {
      if (typeof ids[0] === 'string' && typeof ids[1] === 'string') comparison = await this.host.recompare(ids[0], ids[1]);
    } catch (error) {
      log().warn(`Could not restore a comparison: ${String(error)}`);
    }
    if (comparison) this.setComparison(comparison);
    else panel.dispose();
  }

  isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** What the panel was last told to show (the extension-host tests read it). */
  lastShown(): RunComparison | undefined {
    return this.comparison;
  }

  currentHtml(): string | undefined {
    return this.panel?.webview.html;
  }

  /** Every message from the page lands here; anything malformed or unknown is dropped. */
  async handleMessage(raw: unknown): Promise<boolean> {
    const message = parseComparisonMessage(raw, this.comparison);
    if (!message) {
      log().debug('Ignored a malformed message from the comparison webview.');
      return false;
    }
    switch (message.type) {
      case 'ready':
        this.post();
        break;
      case 'copyMarkdown':
        if (this.comparison) await vscode.env.clipboard.writeText(loadEngine().renderComparisonMarkdown(this.comparison));
        void vscode.window.setStatusBarMessage('Comparison copied as Markdown', 3000);
        break;
      case 'openRun':
        this.host.openRun(message.runId);
        break;
    }
    return true;
  }

  closePanel(): void {
    this.panel?.dispose();
    this.panel = undefined;
  }

  dispose(): void {
    this.closePanel();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activesync.svg');
    panel.webview.html = webviewPageHtml(panel.webview, this.extensionUri, COMPARISON_PAGE);
    const listeners = [panel.webview.onDidReceiveMessage((raw: unknown) => void this.handleMessage(raw))];
    listeners.push(panel.onDidDispose(() => {
      for (const l of listeners) l.dispose();
      if (this.panel === panel) this.panel = undefined;
    }));
  }

  private setComparison(comparison: RunComparison): void {
    this.comparison = comparison;
    if (this.panel) this.panel.title = `ActiveSync Comparison: ${hostOf(comparison)}`;
    this.post();
  }

  private post(): void {
    if (!this.panel || !this.comparison) return;
    const message: ShowComparisonMessage = { type: 'showComparison', comparison: this.comparison };
    void this.panel.webview.postMessage(message);
  }
}

function hostOf(c: RunComparison): string {
  try {
    return new URL(c.after.target).hostname || c.after.target;
  } catch {
    return c.after.target || 'runs';
  }
}
