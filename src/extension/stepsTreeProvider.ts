// The Test Steps view: the current run as a tree (run → steps → sub-steps and "additional
// details"), filled live while a probe runs. Server text only reaches the UI as plain labels or
// as escaped Markdown in tooltips.
import * as vscode from 'vscode';
import { escapeMarkdown } from '../common/textSafety';
import type { ProbeRun, ProbeStep, RunOutcome, StepDetail, StepStatus } from '../probe/runModel';
import { formatDuration } from './relativeTime';

export type StepsNode =
  | { kind: 'run'; runId?: string; run?: ProbeRun }
  | { kind: 'step'; runId?: string; step: ProbeStep; path: string }
  | { kind: 'detail'; runId?: string; detail: StepDetail; path: string }
  | { kind: 'pending'; title: string };

/** A run in progress: what the tree shows before the ProbeRun exists. */
interface LiveRun {
  target: string;
  startedAt: string;
  steps: ProbeStep[];
  currentTitle?: string;
}

/** Plain copy of what the tree shows, for tests (labels, statuses, children). */
export interface TreeSnapshotNode {
  label: string;
  description?: string;
  status?: StepStatus | RunOutcome | 'running';
  contextValue?: string;
  /** The command a click on the item runs, if any. */
  command?: string;
  children: TreeSnapshotNode[];
}

const STATUS_ICONS: Record<StepStatus, [icon: string, color: string]> = {
  passed: ['testing-passed-icon', 'testing.iconPassed'],
  failed: ['testing-failed-icon', 'testing.iconFailed'],
  warning: ['warning', 'list.warningForeground'],
  skipped: ['testing-skipped-icon', 'testing.iconSkipped'],
};
const OUTCOME_ICONS: Record<RunOutcome, [icon: string, color: string]> = {
  ...STATUS_ICONS,
  cancelled: ['circle-slash', 'testing.iconSkipped'],
};
const OUTCOME_TEXT: Record<RunOutcome, string> = { passed: 'passed', warning: 'passed with warnings', failed: 'failed', cancelled: 'cancelled' };

export function statusIcon(status: RunOutcome | StepStatus): vscode.ThemeIcon {
  const [id, color] = status === 'skipped' ? STATUS_ICONS.skipped : OUTCOME_ICONS[status];
  return new vscode.ThemeIcon(id, new vscode.ThemeColor(color));
}

export function outcomeText(outcome: RunOutcome): string {
  return OUTCOME_TEXT[outcome];
}

export class StepsTreeProvider implements vscode.TreeDataProvider<StepsNode> {
  private readonly changed = new vscode.EventEmitter<StepsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private run: ProbeRun | undefined;
  private live: LiveRun | undefined;
  private liveCounter = 0;

  /** The finished run on display, if any. */
  current(): ProbeRun | undefined {
    return this.live ? undefined : this.run;
  }

  isRunning(): boolean {
    return this.live !== undefined;
  }

  beginLive(target: string): void {
    this.liveCounter++;
    this.live = { target, startedAt: new Date().toISOString(), steps: [] };
    this.changed.fire(undefined);
  }

  stepStarted(title: string): void {
    if (!this.live) return;
    this.live.currentTitle = title;
    this.changed.fire(undefined);
  }

  stepFinished(steps: readonly ProbeStep[]): void {
    if (!this.live) return;
    this.live.steps = [...steps];
    this.live.currentTitle = undefined;
    this.changed.fire(undefined);
  }

  /** Leaves the live view without a result (the run could not start): the previous run comes back. */
  endLive(): void {
    this.live = undefined;
    this.changed.fire(undefined);
  }

  show(run: ProbeRun | undefined): void {
    this.live = undefined;
    this.run = run;
    this.changed.fire(undefined);
  }

  /** Forget the run if it is the one on display (after "Delete Run"). */
  forget(runId: string): void {
    if (this.run?.id === runId) this.show(undefined);
  }

  getChildren(node?: StepsNode): StepsNode[] {
    if (!node) {
      if (this.live || this.run) return [{ kind: 'run', runId: this.run?.id, run: this.live ? undefined : this.run }];
      return []; // empty: the view shows its welcome content
    }
    switch (node.kind) {
      case 'run': {
        const runId = node.run?.id;
        const steps = node.run?.steps ?? this.live?.steps ?? [];
        const children: StepsNode[] = steps.map((step, i) => ({ kind: 'step', runId, step, path: `${i}` }));
        if (!node.run && this.live?.currentTitle) children.push({ kind: 'pending', title: this.live.currentTitle });
        return children;
      }
      case 'step':
        return [
          ...node.step.children.map((step, i): StepsNode => ({ kind: 'step', runId: node.runId, step, path: `${node.path}.${i}` })),
          ...node.step.details.map((detail, i): StepsNode => ({ kind: 'detail', runId: node.runId, detail, path: `${node.path}.d${i}` })),
        ];
      default:
        return [];
    }
  }

  getTreeItem(node: StepsNode): vscode.TreeItem {
    const scope = this.live ? `live${this.liveCounter}` : (this.run?.id ?? 'none');
    switch (node.kind) {
      case 'run':
        return node.run ? runItem(node.run) : liveItem(this.live, scope);
      case 'step':
        return stepItem(node.step, node.runId, `${scope}/${node.path}`);
      case 'detail': {
        const item = new vscode.TreeItem(`${node.detail.label}: ${oneLine(node.detail.value)}`, vscode.TreeItemCollapsibleState.None);
        item.id = `${scope}/${node.path}`;
        item.tooltip = markdownTooltip(`**${escapeMarkdown(node.detail.label)}**`, node.detail.value);
        item.contextValue = 'stepDetail';
        return item;
      }
      case 'pending': {
        const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.None);
        item.id = `${scope}/pending`;
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.description = 'running…';
        return item;
      }
    }
  }

  /** Everything the tree would show, expanded, as plain data (used by the extension-host tests). */
  snapshot(): TreeSnapshotNode[] {
    const build = (node: StepsNode): TreeSnapshotNode => {
      const item = this.getTreeItem(node);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      const status = node.kind === 'run' ? (node.run?.outcome ?? 'running') : node.kind === 'step' ? node.step.status : node.kind === 'pending' ? 'running' : undefined;
      return {
        label,
        description: typeof item.description === 'string' ? item.description : undefined,
        status,
        contextValue: item.contextValue,
        command: item.command?.command,
        children: this.getChildren(node).map(build),
      };
    };
    return this.getChildren().map(build);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function runItem(run: ProbeRun): vscode.TreeItem {
  const item = new vscode.TreeItem(run.target.host || run.target.input || 'ActiveSync test', vscode.TreeItemCollapsibleState.Expanded);
  item.id = `${run.id}/run`;
  item.description = `${outcomeText(run.outcome)} · ${new Date(run.startedAt).toLocaleTimeString()}`;
  item.iconPath = statusIcon(run.outcome);
  item.contextValue = 'stepsRun';
  item.tooltip = markdownTooltip(
    `**${escapeMarkdown(run.target.url || run.target.input)}**`,
    `${outcomeText(run.outcome)}, ${new Date(run.startedAt).toLocaleString()}, ${formatDuration(run.durationMs)}${run.userName ? `, as ${run.userName}` : ''}${run.labScenario ? `, lab scenario ${run.labScenario}` : ''}`,
  );
  item.command = { command: 'activesyncDoctor.showDiagnosis', title: 'Show Diagnosis', arguments: [run.id] };
  item.accessibilityInformation = { label: `Run against ${run.target.host || run.target.input}: ${outcomeText(run.outcome)}` };
  return item;
}

function liveItem(live: LiveRun | undefined, scope: string): vscode.TreeItem {
  const item = new vscode.TreeItem(live?.target ?? 'ActiveSync test', vscode.TreeItemCollapsibleState.Expanded);
  item.id = `${scope}/run`;
  item.description = 'running…';
  item.iconPath = new vscode.ThemeIcon('loading~spin');
  item.contextValue = 'stepsRunLive';
  return item;
}

function stepItem(step: ProbeStep, runId: string | undefined, id: string): vscode.TreeItem {
  const hasChildren = step.children.length > 0 || step.details.length > 0;
  const state = !hasChildren
    ? vscode.TreeItemCollapsibleState.None
    : step.status === 'failed' || step.status === 'warning'
      ? vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(step.title, state);
  item.id = id;
  item.description = step.status === 'skipped' ? 'skipped' : formatDuration(step.durationMs);
  item.iconPath = statusIcon(step.status);
  item.contextValue = 'step';
  const details = step.details.map((d) => `- **${escapeMarkdown(d.label)}:** ${escapeMarkdown(d.value)}`).join('\n');
  item.tooltip = markdownTooltip(`**${escapeMarkdown(step.title)}** (${step.status})`, step.summary, details);
  item.accessibilityInformation = { label: `${step.title}: ${step.status}. ${step.summary}` };
  if (step.status === 'failed' && runId) {
    item.command = { command: 'activesyncDoctor.showDiagnosis', title: 'Show Diagnosis', arguments: [runId] };
  }
  return item;
}

/** A tooltip that renders Markdown we built, with the untrusted part escaped; no links run commands, no HTML. */
function markdownTooltip(heading: string, untrustedText: string, trustedMarkdown = ''): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendMarkdown(`${heading}\n\n${escapeMarkdown(untrustedText)}`);
  if (trustedMarkdown) md.appendMarkdown(`\n\n${trustedMarkdown}`);
  return md;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
