// What activate() returns when VS Code runs the extension for its tests (ExtensionMode.Test): the
// extension-host tests use it to drive runs without typing into input boxes. In normal use
// activate() returns nothing, so no other extension can drive runs or list saved-password keys.
// It exposes no secrets either way: passwords go in (for a run) but never come out.
import type { RunComparison } from '../compare/runComparison';
import type { ProbeRun } from '../probe/runModel';
import type { ActivationMarks } from './activationClock';
import type { BatchRunResult } from './batchRunner';
import type { ShowMessage } from '../webview/webviewProtocol';
import type { TreeSnapshotNode } from './stepsTreeProvider';

export interface ActiveSyncDoctorApi {
  /** One run with the given inputs, as "Run Connectivity Test" would do after its prompts. */
  runWithInputs(inputs: { target: string; userName?: string; password?: string; labScenario?: string; savePassword?: boolean }): Promise<ProbeRun | undefined>;
  /** One run against a lab scenario with its own credentials (or the ones given). */
  runLabScenario(scenarioId: string, credentials?: { userName?: string; password?: string }): Promise<ProbeRun | undefined>;
  /**
   * "Run Batch Test" on a targets file after its prompts: the file is parsed and run as the command
   * does, with `password` standing in for the one password prompt (asked only when a line names a user).
   */
  runBatchFile(file: string, password?: string): Promise<BatchRunResult | undefined>;
  /** The URL of a scenario on this window's built-in lab (started if needed), for targets files. */
  labUrl(scenarioId: string): Promise<string>;
  /**
   * An OAuth scenario of this window's lab as a stand-in for a real server: its URL, the lab CA's
   * file, and the lab authority's device code sign-in (for a test-only authentication provider).
   */
  labOAuth(scenarioId: string): Promise<{ url: string; caFile: string; signIn(scopes: string[]): Promise<{ accessToken: string; account?: string }> }>;
  /**
   * Only when VS Code runs the extension's tests (ExtensionMode.Test): sign in through another
   * authentication provider than Microsoft's; undefined goes back to Microsoft's.
   */
  useAuthenticationProviderForTests?(providerId: string | undefined): void;
  /** Aborts the run in progress, as the progress notification's Cancel button does. */
  cancelRun(): void;
  /** The text "Export Report" would save for a stored run (the save dialog itself can't be driven). */
  exportText(runId: string, format: 'markdown' | 'json'): Promise<string | undefined>;
  /** The Test Steps tree as plain data. */
  getStepsTree(): TreeSnapshotNode[];
  /** Calls back with the tree's content each time the Test Steps view is told to refresh. */
  onDidChangeSteps(listener: (tree: TreeSnapshotNode[]) => void): { dispose(): void };
  /** The History tree as plain data: server groups with their runs. */
  getHistoryTree(): Promise<TreeSnapshotNode[]>;
  history: {
    /** The folder the history store writes to (the extension's globalStorageUri). */
    readonly directory: string;
    get(id: string): Promise<ProbeRun | undefined>;
    ids(): Promise<string[]>;
    reload(): Promise<void>;
  };
  diagnosis: {
    isOpen(): boolean;
    html(): string | undefined;
    lastShown(): ShowMessage | undefined;
    /** Shows a given run (diagnosed as usual), e.g. one built with hostile text. */
    showRun(run: ProbeRun): void;
    /** Feeds a message through the same path as one from the webview; true when it was accepted. */
    receive(message: unknown): Promise<boolean>;
    close(): void;
  };
  comparison: {
    isOpen(): boolean;
    html(): string | undefined;
    /** The comparison the panel was last told to show. */
    lastShown(): RunComparison | undefined;
    /** Feeds a message through the same path as one from the comparison page; true when accepted. */
    receive(message: unknown): Promise<boolean>;
    /** The runs last offered for comparison after a re-run from the diagnosis panel. */
    lastOffer(): { beforeId: string; afterId: string } | undefined;
    close(): void;
  };
  /** Every globalState key and value this extension stores. */
  globalStateEntries(): Array<[string, unknown]>;
  /** Keys (server and user, never the values) of passwords kept in SecretStorage. */
  savedPasswordKeys(): Promise<string[]>;
  /** The last lines written to the "ActiveSync Doctor" log. */
  logLines(): readonly string[];
  /** The folder VS Code writes this extension's logs to. */
  readonly logDirectory: string;
  /** Whether anything has loaded dist/engine.js yet (activation alone must not). */
  engineLoaded(): boolean;
  /** When the bundle and activate() started and ended, on the extension host's performance.now() clock. */
  activationMarks(): ActivationMarks;
}
