// One path for "a run finished", whether a single test or one run of a batch: the run is saved to
// History, the checklist steps it verified are ticked (and logged), and the views follow it.
import * as vscode from 'vscode';
import type { ProbeRun } from '../probe/runModel';
import { DiagnosisPanel } from './diagnosisPanel';
import { loadEngine } from './engineLoader';
import type { HistoryService } from './historyService';
import { log } from './logger';
import type { PersistentState } from './persistentState';
import { serverKeyOf } from './serverKey';
import type { RunStatusBar } from './statusBar';
import type { StepsTreeProvider } from './stepsTreeProvider';

export interface RunPublisherDependencies {
  steps: StepsTreeProvider;
  history: HistoryService;
  panel: DiagnosisPanel;
  statusBar: RunStatusBar;
  state: PersistentState;
}

export class RunPublisher {
  constructor(private readonly deps: RunPublisherDependencies) {}

  /**
   * Saves the run to History and ticks the checklist steps it verifies (a run that proves a
   * checklist's goal, e.g. NTLM accepted by an Exchange 2003 back end). The ticks are made even
   * when saving fails; the save's error is thrown afterwards for the caller to report.
   */
  async record(run: ProbeRun): Promise<void> {
    let saveError: unknown;
    try {
      await this.deps.history.append(run);
    } catch (error) {
      saveError = error ?? new Error('unknown error');
    }
    const server = serverKeyOf(run);
    for (const v of loadEngine().verifiedChecklistSteps(run)) {
      await this.deps.state.setTick(server, v.checklistId, v.stepId, true);
      log().info(`Checklist step ${v.checklistId}/${v.stepId} ticked: this run verified it.`);
    }
    if (saveError !== undefined) throw saveError;
  }

  /**
   * Test Steps, the status bar, the "has run" context key and an open diagnosis (updated where it
   * is, never revealed) show the run. `ownsStepsView`: the run that filled Test Steps live; any
   * other run (a batch's) leaves the tree alone while a single test is filling it.
   */
  show(run: ProbeRun, { ownsStepsView }: { ownsStepsView: boolean }): void {
    if (ownsStepsView || !this.deps.steps.isRunning()) this.deps.steps.show(run);
    this.deps.statusBar.update(run);
    void vscode.commands.executeCommand('setContext', 'activesyncDoctor.hasRun', true);
    if (this.deps.panel.isOpen()) this.deps.panel.update(DiagnosisPanel.contentFor(run));
  }
}
