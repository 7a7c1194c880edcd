// The History view: saved runs grouped by server, newest first, each with its outcome icon and
// a relative time ("3 min ago"). Opening a run loads it into Test Steps and the diagnosis panel.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../common/textSafety';
import type { RunSummary, ServerGroup } from '../history/runSummary';
import type { HistoryService } from './historyService';
import { formatDuration, relativeTime } from './relativeTime';
import { outcomeText, statusIcon, type TreeSnapshotNode } from './stepsTreeProvider';
import { errorMessage } from '../common/errorMessage';

export type HistoryNode =
  | { kind: 'server'; group: ServerGroup }
  | { kind: 'historyRun'; runId: string; summary: RunSummary };

/** Relative times go stale; refresh the labels this often while the view is visible. */
const RELABEL_INTERVAL_MS = 60_000;

export class HistoryTreeProvider implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HistoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly history: HistoryService,
    private readonly isVisible: () => boolean,
  ) {
    this.subscription = history.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    this.timer ??= setInterval(() => {
      if (this.isVisible()) this.refresh();
    }, RELABEL_INTERVAL_MS);
    if (!node) {
      let groups: ServerGroup[];
      try {
        groups = await this.history.groups();
      } catch (error) {
        void vscode.window.showErrorMessage(`Could not read the ActiveSync history: ${errorMessage(error)}`);
        return [];
      }
      void vscode.commands.executeCommand('setContext', 'activesyncDoctor.hasRun', groups.length > 0);
      return groups.map((group) => ({ kind: 'server', group }));
    }
    if (node.kind === 'server') {
      return (await this.history.runsOf(node.group.host)).map((summary) => ({ kind: 'historyRun', runId: summary.id, summary }));
    }
    return [];
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    if (node.kind === 'server') {
      const { group } = node;
      const item = new vscode.TreeItem(group.host || '(no host)', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `server/${group.host.toLowerCase()}`;
      item.description = `${group.count} run${group.count === 1 ? '' : 's'} · last ${outcomeText(group.latestOutcome)} ${relativeTime(group.latestStartedAt)}`;
      item.iconPath = new vscode.ThemeIcon('server');
      item.contextValue = 'historyServer';
      return item;
    }
    const { summary } = node;
    const item = new vscode.TreeItem(relativeTime(summary.startedAt), vscode.TreeItemCollapsibleState.None);
    item.id = `run/${summary.id}`;
    item.description = [outcomeText(summary.outcome), summary.userName, summary.labScenario ? `lab: ${summary.labScenario}` : undefined]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = statusIcon(summary.outcome);
    item.contextValue = 'historyRun';
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.isTrusted = false;
    tooltip.supportHtml = false;
    tooltip.appendMarkdown(`**${escapeMarkdown(summary.url)}**\n\n`);
    tooltip.appendMarkdown(`${escapeMarkdown(`${outcomeText(summary.outcome)}, ${new Date(summary.startedAt).toLocaleString()}, ${formatDuration(summary.durationMs)}`)}`);
    if (summary.userName) tooltip.appendMarkdown(`\n\nUser: ${escapeMarkdown(summary.userName)}`);
    if (summary.failedSummary) tooltip.appendMarkdown(`\n\n${escapeMarkdown(summary.failedSummary)}`);
    item.tooltip = tooltip;
    item.command = { command: 'activesyncDoctor.showDiagnosis', title: 'Open Run', arguments: [summary.id] };
    item.accessibilityInformation = { label: `${summary.host} run ${relativeTime(summary.startedAt)}: ${outcomeText(summary.outcome)}` };
    return item;
  }

  /** Everything the tree shows, expanded, as plain data (used by the extension-host tests). */
  async snapshot(): Promise<TreeSnapshotNode[]> {
    const build = async (node: HistoryNode): Promise<TreeSnapshotNode> => {
      const item = this.getTreeItem(node);
      return {
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        description: typeof item.description === 'string' ? item.description : undefined,
        status: node.kind === 'historyRun' ? node.summary.outcome : undefined,
        contextValue: item.contextValue,
        command: item.command?.command,
        children: await Promise.all((await this.getChildren(node)).map(build)),
      };
    };
    return Promise.all((await this.getChildren()).map(build));
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
