// Shared by the extension-host suites: the extension's API (what activate() returns), the engine
// bundle the extension loads, and small helpers. Not a test file itself.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type * as Engine from '../../src/engine';
import type { ActiveSyncDoctorApi } from '../../src/extension/testApi';

export const EXTENSION_ID = 'activesync-doctor.activesync-doctor';

export function extension(): vscode.Extension<ActiveSyncDoctorApi> {
  const ext = vscode.extensions.getExtension<ActiveSyncDoctorApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext;
}

export async function api(): Promise<ActiveSyncDoctorApi> {
  return extension().activate();
}

/** The same dist/engine.js bundle the extension loads (Node caches it: one module instance). */
export function engine(): typeof Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(extension().extensionPath, 'dist', 'engine.js')) as typeof Engine;
}

/** Every file under a folder (missing folder: none). */
export function filesUnder(dir: string, found: string[] = []): string[] {
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(full, found);
    else found.push(full);
  }
  return found;
}

export function labScenario(id: string): Engine.LabScenario {
  const scenario = engine().LAB_SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`no lab scenario ${id}`);
  return scenario;
}

/** Closes every editor (reverting unsaved test documents, so no save prompt appears) and the diagnosis panel. */
export async function closeEverything(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The open diagnosis webview tab, if any (tab changes reach the extension host asynchronously). */
export function diagnosisTab(): { group: vscode.TabGroup; tab: vscode.Tab } | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs.map((tab) => ({ group, tab })))
    .find(({ tab }) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('activesyncDoctor.diagnosis'));
}

/** Waits for the workbench to report something the extension host hears about asynchronously. */
export async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
