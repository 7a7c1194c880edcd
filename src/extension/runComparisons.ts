// "Compare with Previous Run" and "Compare Selected Runs": find the runs, add the checklist ticks
// done between them, let the engine compare them, show the result in the comparison panel.
import * as vscode from 'vscode';
import type { RunComparison, TickBetweenRuns } from '../compare/runComparison';
import type { ChecklistStep } from '../diagnosis/diagnosisModel';
import type { RunSummary } from '../history/runSummary';
import type { ProbeRun } from '../probe/runModel';
import type { ComparisonPanel } from './comparisonPanel';
import { loadEngine } from './engineLoader';
import type { HistoryNode } from './historyTreeProvider';
import type { HistoryService } from './historyService';
import { log } from './logger';
import type { PersistentState } from './persistentState';
import { registerActiveSyncCommand } from './commands';
import { serverKeyOf } from './serverKey';
import type { StepsNode } from './stepsTreeProvider';

export interface RunComparisonsDeps {
  history: HistoryService;
  state: PersistentState;
  panel: ComparisonPanel;
  /** The run on screen (Test Steps or the diagnosis panel), for the palette. */
  currentRun(): ProbeRun | undefined;
}

export class RunComparisons {
  /** The last comparison offered after a re-run (the extension-host tests read it). */
  lastOffer: { beforeId: string; afterId: string } | undefined;

  constructor(private readonly deps: RunComparisonsDeps) {}

  /** Commands: Compare with Previous Run (a run's context menu, the palette) and Compare Selected Runs. */
  register(): vscode.Disposable[] {
    return [
      registerActiveSyncCommand('compareWithPrevious', (arg) => this.compareWithPrevious(arg)),
      registerActiveSyncCommand('compareSelected', (arg, selected) => this.compareSelected(arg, selected)),
    ];
  }

  /** After a re-run from the diagnosis panel: offer what changed since the run it repeated. */
  async offerAfterRerun(before: ProbeRun, after: ProbeRun): Promise<RunComparison | undefined> {
    if (before.id === after.id) return undefined;
    this.lastOffer = { beforeId: before.id, afterId: after.id };
    const answer = await vscode.window.showInformationMessage(`Re-run finished (${after.outcome}). See what changed since the run before?`, 'Compare with Previous Run');
    return answer ? this.show(before, after) : undefined;
  }

  /** Compares two runs (oldest first) and shows the comparison. */
  async show(a: ProbeRun, b: ProbeRun): Promise<RunComparison> {
    const comparison = this.compare(a, b);
    this.deps.panel.show(comparison);
    return comparison;
  }

  compare(a: ProbeRun, b: ProbeRun): RunComparison {
    const engine = loadEngine();
    const [before, after] = engine.oldestFirst(a, b);
    return engine.compareRuns(before, after, { ticks: this.ticksOf(after) });
  }

  async recompare(beforeId: string, afterId: string): Promise<RunComparison | undefined> {
    const [a, b] = await Promise.all([this.deps.history.get(beforeId), this.deps.history.get(afterId)]);
    return a && b ? this.compare(a, b) : undefined;
  }

  /** The newest earlier run of the same server: same URL if there is one, else the same host. */
  async previousOf(run: ProbeRun): Promise<ProbeRun | undefined> {
    const engine = loadEngine();
    const key = engine.comparisonServerKey(run);
    const started = Date.parse(run.startedAt);
    const older = (await this.deps.history.runsOf(run.target.host)).filter((s) => s.id !== run.id && Date.parse(s.startedAt) <= started);
    const sameUrl = older.find((s: RunSummary) => engine.comparisonServerKey({ target: { url: s.url, input: s.url, host: s.host, port: 0 } }) === key);
    const pick = sameUrl ?? older[0];
    return pick ? this.deps.history.get(pick.id) : undefined;
  }

  async compareWithPrevious(arg: unknown): Promise<RunComparison | undefined> {
    const run = (await this.runOf(arg)) ?? (arg === undefined ? this.deps.currentRun() ?? (await this.deps.history.latest()) : undefined);
    if (!run) {
      void vscode.window.showInformationMessage('No ActiveSync run to compare yet.');
      return undefined;
    }
    const previous = await this.previousOf(run);
    if (!previous) {
      void vscode.window.showInformationMessage(`The History holds no earlier run of ${run.target.host || 'this server'} to compare with.`);
      return undefined;
    }
    return this.show(previous, run);
  }

  /** From the History's multi-select (clicked node, selected nodes), or a two-item pick from the palette. */
  async compareSelected(arg: unknown, selected: unknown): Promise<RunComparison | undefined> {
    const nodes = Array.isArray(selected) ? selected : arg !== undefined ? [arg] : [];
    let ids = [...new Set(nodes.map(runIdOf).filter((id): id is string => Boolean(id)))];
    if (ids.length === 0 && arg === undefined) ids = await this.pickTwo();
    if (ids.length !== 2) {
      if (ids.length) void vscode.window.showWarningMessage('Select exactly two runs in the History (Ctrl or Cmd + click) to compare them.');
      return undefined;
    }
    const runs = await Promise.all(ids.map((id) => this.deps.history.get(id)));
    if (!runs[0] || !runs[1]) {
      void vscode.window.showWarningMessage('One of the selected runs is no longer in the History.');
      return undefined;
    }
    return this.show(runs[0], runs[1]);
  }

  private async pickTwo(): Promise<string[]> {
    const summaries = await this.deps.history.summaries();
    if (summaries.length < 2) {
      void vscode.window.showInformationMessage('The History needs at least two runs to compare.');
      return [];
    }
    const picked = await vscode.window.showQuickPick(
      summaries.map((s) => ({ label: s.url || s.host, description: `${s.outcome} · ${new Date(s.startedAt).toLocaleString()}`, detail: s.labScenario ? `lab: ${s.labScenario}` : s.userName, id: s.id })),
      { title: 'Compare two ActiveSync runs', placeHolder: 'Pick two runs', canPickMany: true },
    );
    return picked?.map((p) => p.id) ?? [];
  }

  private async runOf(arg: unknown): Promise<ProbeRun | undefined> {
    if (arg && typeof arg === 'object' && (arg as StepsNode).kind === 'run' && (arg as { run?: ProbeRun }).run) return (arg as { run: ProbeRun }).run;
    const id = runIdOf(arg);
    if (!id) return undefined;
    const current = this.deps.currentRun();
    return current?.id === id ? current : this.deps.history.get(id);
  }

  /** Ticks of the later run's server with the time they were set, with the checklist's own words. */
  private ticksOf(run: ProbeRun): TickBetweenRuns[] {
    const engine = loadEngine();
    const ticks: TickBetweenRuns[] = [];
    try {
      for (const t of this.deps.state.tickedWithTimes(serverKeyOf(run))) {
        const checklist = engine.getChecklist(t.checklistId);
        const step = checklist ? findChecklistStep(checklist.steps, t.stepId) : undefined;
        if (checklist && step) ticks.push({ ...t, checklistTitle: checklist.title, stepText: step.text });
      }
    } catch (error) {
      log().warn(`Could not read checklist ticks for a comparison: ${String(error)}`);
    }
    return ticks.sort((x, y) => x.tickedAt.localeCompare(y.tickedAt));
  }
}

function findChecklistStep(steps: readonly ChecklistStep[], id: string): ChecklistStep | undefined {
  for (const step of steps) {
    if (step.id === id) return step;
    const inner = findChecklistStep(step.substeps ?? [], id);
    if (inner) return inner;
  }
  return undefined;
}

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as HistoryNode | StepsNode;
  if (node.kind === 'historyRun') return node.runId;
  if (node.kind === 'run') return node.run?.id ?? node.runId;
  return undefined;
}
