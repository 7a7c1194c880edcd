// Smoke suite proving the harness really runs inside a VS Code extension host: the extension under
// development is loaded from this repository and the test workspace (with a PowerShell sample) is open.
import * as assert from 'assert/strict';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'activesync-doctor.activesync-doctor';

describe('VS Code test harness', () => {
  it('loads the extension under development from this repository', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} extensions`);
    // out/test/vscode/harness.test.js → the repository root is three levels up.
    const repoRoot = path.resolve(__dirname, '..', '..', '..');
    assert.equal(extension.extensionUri.fsPath, repoRoot);
    assert.equal(extension.packageJSON.name, 'activesync-doctor');
  });

  it('opens the harness workspace, which holds a PowerShell sample', async () => {
    const expected = process.env.ACTIVESYNC_DOCTOR_TEST_WORKSPACE;
    assert.ok(expected, 'ACTIVESYNC_DOCTOR_TEST_WORKSPACE is not set: run through npm run test:vscode');
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    assert.equal(folders[0].uri.fsPath, expected);

    const [script] = await vscode.workspace.findFiles('configure-eas.ps1');
    assert.ok(script, 'configure-eas.ps1 is missing from the workspace');
    const document = await vscode.workspace.openTextDocument(script);
    assert.equal(document.languageId, 'powershell');
    assert.match(document.getText(), /Microsoft-Server-ActiveSync/);
  });

  it('runs with the test flag the extension can check', () => {
    assert.equal(process.env.ACTIVESYNC_DOCTOR_TEST, '1');
  });
});
