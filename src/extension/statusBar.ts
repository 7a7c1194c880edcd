// A status-bar entry with the last run's outcome that opens its diagnosis. Created after the
// first run (never during activation), so people who never run a test never see it.
import * as vscode from 'vscode';
import type { ProbeRun, RunOutcome } from '../probe/runModel';
import { outcomeText } from './stepsTreeProvider';

const ICONS: Record<RunOutcome, string> = { passed: 'pass', warning: 'warning', failed: 'error', cancelled: 'circle-slash' };

export class RunStatusBar implements vscode.Disposable {
  private item: vscode.StatusBarItem | undefined;

  update(run: ProbeRun): void {
    this.item ??= vscode.window.createStatusBarItem('activesyncDoctor.lastRun', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'ActiveSync Doctor: last run';
    this.item.text = `$(${ICONS[run.outcome]}) EAS ${outcomeText(run.outcome)}`;
    this.item.tooltip = `ActiveSync test of ${run.target.host || run.target.input}: ${outcomeText(run.outcome)}. Click to show the diagnosis.`;
    this.item.command = { command: 'activesyncDoctor.showDiagnosis', title: 'Show Diagnosis', arguments: [run.id] };
    this.item.backgroundColor = run.outcome === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = { label: `ActiveSync last run ${outcomeText(run.outcome)}` };
    this.item.show();
  }

  /** Hides the entry when the run it shows is gone (deleted or history cleared). */
  clearIf(runId: string | undefined): void {
    const shown = (this.item?.command as vscode.Command | undefined)?.arguments?.[0];
    if (runId === undefined || shown === runId) this.item?.hide();
  }

  dispose(): void {
    this.item?.dispose();
  }
}
