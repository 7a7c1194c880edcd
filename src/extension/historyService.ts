// The extension's handle on the engine's HistoryStore: opened on first use (never during
// activation) in the extension's own globalStorageUri, reloaded when the window regains focus so
// two windows see each other's runs, and the place store warnings become VS Code warnings.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ProbeRun } from '../probe/runModel';
import type { RunSummary, ServerGroup } from '../history/runSummary';
import { loadEngine, type EngineModule } from './engineLoader';
import { log } from './logger';

type Store = InstanceType<EngineModule['HistoryStore']>;

const DEFAULT_MAX_RUNS = 200;

export class HistoryService implements vscode.Disposable {
  private store: Store | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after anything changed what the store holds (this window or, after a reload, another one). */
  readonly onDidChange = this.changed.event;
  private readonly reportedWarnings = new Set<string>();

  constructor(private readonly storageUri: vscode.Uri) {}

  /** Where the runs live; the folder exists only once something was opened or saved. */
  get directory(): string {
    return this.storageUri.fsPath;
  }

  isOpen(): boolean {
    return this.store !== undefined;
  }

  private open(): Store {
    if (this.store) return this.store;
    fs.mkdirSync(this.directory, { recursive: true });
    const { HistoryStore } = loadEngine();
    const store = new HistoryStore(this.directory, { maxRuns: maxRuns() });
    store.onWarning((warning) => this.surfaceWarning(warning));
    store.onDidChange(() => this.changed.fire());
    this.store = store;
    return store;
  }

  summaries(): Promise<RunSummary[]> {
    return this.open().summaries();
  }

  groups(): Promise<ServerGroup[]> {
    return this.open().groupByServer();
  }

  /** Runs of one server (case-insensitive host), newest first. */
  runsOf(host: string): Promise<RunSummary[]> {
    return this.open().summariesForServer(host);
  }

  get(id: string): Promise<ProbeRun | undefined> {
    return this.open().get(id);
  }

  async latest(): Promise<ProbeRun | undefined> {
    const [newest] = await this.summaries();
    return newest ? this.get(newest.id) : undefined;
  }

  async append(run: ProbeRun): Promise<void> {
    await this.open().append(run);
  }

  delete(id: string): Promise<boolean> {
    return this.open().delete(id);
  }

  clear(): Promise<void> {
    return this.open().clear();
  }

  /** Re-reads the store from disk if it is open; another window may have added or removed runs. */
  async reload(): Promise<void> {
    if (this.store) await this.store.reload();
  }

  /** Store warnings (e.g. a damaged file moved aside) shown once each, and logged. */
  private surfaceWarning(warning: string): void {
    if (this.reportedWarnings.has(warning)) return;
    this.reportedWarnings.add(warning);
    log().warn(`History: ${warning}`);
    void vscode.window.showWarningMessage(`ActiveSync history: ${warning}`);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function maxRuns(): number {
  const value = vscode.workspace.getConfiguration('activesyncDoctor').get<number>('history.maxRuns', DEFAULT_MAX_RUNS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_MAX_RUNS;
}
