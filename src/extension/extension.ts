// Entry point of the VS Code extension. activate() only wires things up: views, commands and
// the webview serializer. No network, no disk and no engine load happen until a command or a
// view asks for them; the engine bundle (dist/engine.js) is required on first use.
// activationClock first: its mark is when the bundle started evaluating.
import { activationMarks, markActivation } from './activationClock';
import * as vscode from 'vscode';
import { BatchRunner } from './batchRunner';
import { ComparisonPanel } from './comparisonPanel';
import { COMPARISON_VIEW_TYPE } from '../webview/comparisonProtocol';
import { registerCommands, renderExport } from './commands';
import { Credentials } from './credentials';
import { DiagnosisPanel } from './diagnosisPanel';
import { isEngineLoaded } from './engineLoader';
import { HistoryService } from './historyService';
import { HistoryTreeProvider } from './historyTreeProvider';
import { LabSession } from './labSession';
import { useAuthenticationProviderForTests } from './microsoftSignIn';
import { disposeLog, recentLogLines } from './logger';
import { PersistentState } from './persistentState';
import { RunComparisons } from './runComparisons';
import { RunController } from './runController';
import { RunPublisher } from './runPublisher';
import { RunStatusBar } from './statusBar';
import { StepsTreeProvider } from './stepsTreeProvider';
import type { ActiveSyncDoctorApi } from './testApi';
import { DIAGNOSIS_VIEW_TYPE } from '../webview/webviewProtocol';

markActivation('moduleEnd');

export function activate(context: vscode.ExtensionContext): ActiveSyncDoctorApi | undefined {
  markActivation('activateStart');
  try {
    return wire(context);
  } finally {
    markActivation('activateEnd');
  }
}

function wire(context: vscode.ExtensionContext): ActiveSyncDoctorApi | undefined {
  const state = new PersistentState(context.globalState);
  const history = new HistoryService(context.globalStorageUri);
  const steps = new StepsTreeProvider();
  const statusBar = new RunStatusBar();
  const lab = new LabSession();
  const credentials = new Credentials(context.secrets, state);
  // The comparison and the diagnosis panel refer to each other only inside callbacks, called after activation.
  const comparisonPanel: ComparisonPanel = new ComparisonPanel(context.extensionUri, {
    openRun: (id) => void vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', id),
    recompare: (beforeId, afterId) => comparisons.recompare(beforeId, afterId),
  });
  const comparisons: RunComparisons = new RunComparisons({ history, state, panel: comparisonPanel, currentRun: () => panel.currentRun() ?? steps.current() });
  const panel = new DiagnosisPanel(context.extensionUri, state, {
    // A re-run from the panel then offers what changed since the run it repeated.
    rerunFinished: (before, after) => void comparisons.offerAfterRerun(before, after),
    findRun: (id) => history.get(id),
    revived: (run) => {
      if (!steps.current() && !steps.isRunning()) steps.show(run);
      statusBar.update(run);
    },
  });
  const publisher = new RunPublisher({ steps, history, panel, statusBar, state });
  const controller = new RunController({ steps, publisher, credentials, state, lab });
  const batch = new BatchRunner({ publisher, lab });

  const stepsView = vscode.window.createTreeView('activesyncDoctor.steps', { treeDataProvider: steps, showCollapseAll: true });
  // The tree asks whether its view is visible, maybe while the view is being created from it:
  // `let` and the `?.` keep that early call from reading an uninitialised binding.
  // eslint-disable-next-line prefer-const
  let historyView: vscode.TreeView<unknown> | undefined;
  const historyTree = new HistoryTreeProvider(history, () => historyView?.visible === true);
  // Several runs can be selected so two of them can be compared.
  historyView = vscode.window.createTreeView('activesyncDoctor.history', { treeDataProvider: historyTree, showCollapseAll: true, canSelectMany: true }) as vscode.TreeView<unknown>;

  context.subscriptions.push(
    steps, stepsView, historyTree, historyView, history, statusBar, lab, panel, batch,
    ...registerCommands({ controller, batch, steps, history, panel, statusBar, credentials, state }),
    comparisonPanel,
    ...comparisons.register(),
    vscode.window.registerWebviewPanelSerializer(COMPARISON_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, saved) => comparisonPanel.revive(webviewPanel, saved),
    }),
    vscode.window.registerWebviewPanelSerializer(DIAGNOSIS_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel, saved) => panel.revive(webviewPanel, saved),
    }),
    // Another window may have saved or deleted runs while this one was in the background.
    vscode.window.onDidChangeWindowState((windowState) => {
      if (windowState.focused) void history.reload();
    }),
    { dispose: disposeLog },
  );

  // The test API drives runs with given passwords and reads saved-password keys: any extension may
  // call what activate() returns, so only the extension-host tests get it.
  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  const run = controller;
  return {
    runWithInputs: async ({ target, userName, password, labScenario, savePassword }) => {
      const result = await run.execute({ target, userName, password, labScenario });
      if (result && savePassword && userName && password) await credentials.savePassword(labScenario ? result.target.input : target, userName, password);
      return result;
    },
    runLabScenario: (scenarioId, overrides) => run.runLabScenario(scenarioId, overrides),
    runBatchFile: (file, password) => batch.runFile(vscode.Uri.file(file), { password }),
    labUrl: async (scenarioId) => (await lab.get()).urlFor(scenarioId),
    labOAuth: async (scenarioId) => {
      const running = await lab.get();
      if (!running.oauth) throw new Error('The lab runs no OAuth authority.');
      const source = running.oauth.tokenSource(scenarioId, { prompt: () => undefined });
      return {
        url: running.urlFor(scenarioId),
        caFile: running.caFile,
        signIn: async (scopes) => {
          const token = await source({ scopes, signal: new AbortController().signal });
          return { accessToken: token.accessToken, account: token.account };
        },
      };
    },
    // Never offered outside VS Code's test runs: a real user's sign-in always goes to Microsoft's provider.
    useAuthenticationProviderForTests: context.extensionMode === vscode.ExtensionMode.Test ? useAuthenticationProviderForTests : undefined,
    cancelRun: () => run.cancel(),
    exportText: async (runId, format) => {
      const found = await history.get(runId);
      return found ? renderExport(found, format, state) : undefined;
    },
    getStepsTree: () => steps.snapshot(),
    onDidChangeSteps: (listener) => steps.onDidChangeTreeData(() => listener(steps.snapshot())),
    getHistoryTree: () => historyTree.snapshot(),
    history: {
      directory: history.directory,
      get: (id) => history.get(id),
      ids: async () => (await history.summaries()).map((s) => s.id),
      reload: () => history.reload(),
    },
    diagnosis: {
      isOpen: () => panel.isOpen(),
      html: () => panel.currentHtml(),
      lastShown: () => panel.lastShown(),
      showRun: (shownRun) => panel.show(DiagnosisPanel.contentFor(shownRun)),
      receive: (message) => panel.handleMessage(message),
      close: () => panel.closePanel(),
    },
    comparison: {
      isOpen: () => comparisonPanel.isOpen(),
      html: () => comparisonPanel.currentHtml(),
      lastShown: () => comparisonPanel.lastShown(),
      receive: (message) => comparisonPanel.handleMessage(message),
      lastOffer: () => comparisons.lastOffer,
      close: () => comparisonPanel.closePanel(),
    },
    globalStateEntries: () => context.globalState.keys().map((key) => [key, context.globalState.get(key)]),
    savedPasswordKeys: async () => [...(await context.secrets.keys())],
    logLines: () => recentLogLines(),
    logDirectory: context.logUri.fsPath,
    engineLoaded: () => isEngineLoaded(),
    activationMarks: () => ({ ...activationMarks }),
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the lab closes with it.
}
