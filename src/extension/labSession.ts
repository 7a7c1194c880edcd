// The built-in lab for this VS Code session: started the first time a lab test runs (never
// during activation), shared by later runs, closed when the extension is deactivated.
import type * as vscode from 'vscode';
import { loadEngine, type EngineModule } from './engineLoader';
import { log } from './logger';

export type RunningLab = Awaited<ReturnType<EngineModule['startLab']>>;

export class LabSession implements vscode.Disposable {
  private lab: Promise<RunningLab> | undefined;

  get(): Promise<RunningLab> {
    this.lab ??= loadEngine()
      .startLab()
      .then((lab) => {
        log().info(`Built-in lab listening: ${lab.endpoints.length} scenarios on loopback.`);
        return lab;
      })
      .catch((error: unknown) => {
        this.lab = undefined; // let the next attempt try again
        throw error;
      });
    return this.lab;
  }

  isStarted(): boolean {
    return this.lab !== undefined;
  }

  dispose(): void {
    const lab = this.lab;
    this.lab = undefined;
    void lab?.then((l) => l.close()).catch(() => undefined);
  }
}
