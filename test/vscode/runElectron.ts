// Runs the extension-host suite in a desktop VS Code through @vscode/test-electron, for machines
// that have one. It never downloads: VSCODE_EXECUTABLE_PATH must point at an installed `code` binary.
// (CI here has no desktop VS Code; it uses `npm run test:vscode`, the code-server harness, instead.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
  if (!vscodeExecutablePath) {
    console.error('VSCODE_EXECUTABLE_PATH is not set: point it at a VS Code executable, e.g.');
    console.error('  VSCODE_EXECUTABLE_PATH=/usr/share/code/code npm run test:electron');
    console.error('Without a desktop VS Code, use `npm run test:vscode` (code-server + Chromium).');
    process.exit(2);
  }
  // out/test/vscode/runElectron.js → repository root three levels up.
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  // Same workspace as the code-server harness: a temp copy of the sample folder.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'asd-electron-ws-'));
  fs.cpSync(path.join(repoRoot, 'scripts', 'vscodeHarness', 'sampleWorkspace'), workspace, { recursive: true });
  try {
    const exitCode = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { ACTIVESYNC_DOCTOR_TEST: '1', ACTIVESYNC_DOCTOR_TEST_WORKSPACE: workspace },
    });
    process.exitCode = exitCode;
  } catch (error) {
    console.error('extension-host tests failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

void main();
