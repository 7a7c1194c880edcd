// Runs right after the activation timing (see FIRST_SUITES in index.ts): activation is light, every
// contributed command is registered, and before any run exists the guidance beside a script shows
// the Exchange 2003 checklist.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { api, closeEverything, diagnosisTab, eventually, extension } from './extensionTestSupport';

describe('ActiveSync Doctor: activation and commands', () => {
  it('activates without loading the engine or touching its storage folder', async () => {
    const ext = extension();
    const doctor = await api();
    assert.equal(ext.isActive, true);
    assert.equal(doctor.engineLoaded(), false, 'activate() must not require dist/engine.js');
    // The harness gives every run a fresh profile: a folder here would mean activation wrote to disk.
    assert.equal(fs.existsSync(doctor.history.directory), false, `${doctor.history.directory} exists right after activation`);
  });

  it('registers every command it contributes, all under the ActiveSync category', async () => {
    const contributed = extension().packageJSON.contributes.commands as Array<{ command: string; category: string }>;
    const expected = [
      'runTest', 'rerunTest', 'runLabTest', 'runBatchTest', 'showDiagnosis', 'openGuidanceBeside', 'insertVerificationScript',
      'exportReport', 'deleteRun', 'clearHistory', 'forgetPassword', 'showLog', 'copyDetails', 'compareWithPrevious', 'compareSelected',
    ].map((name) => `activesyncDoctor.${name}`);
    assert.deepEqual(contributed.map((c) => c.command).sort(), [...expected].sort());
    assert.ok(contributed.every((c) => c.category === 'ActiveSync'));
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = expected.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `registered: none of ${missing.join(', ')}`);
  });

  it('never activates on start-up', () => {
    const events = (extension().packageJSON.activationEvents ?? []) as string[];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), events.join(', '));
  });

  it('opens the Exchange 2003 checklist beside a PowerShell script when no run exists, keeping focus on the script', async () => {
    const doctor = await api();
    const [script] = await vscode.workspace.findFiles('configure-eas.ps1');
    assert.ok(script, 'the harness workspace holds configure-eas.ps1');
    const editor = await vscode.window.showTextDocument(script, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('activesyncDoctor.openGuidanceBeside');

    const shown = doctor.diagnosis.lastShown();
    assert.ok(shown, 'the panel was given content');
    assert.equal(shown.run, undefined);
    assert.deepEqual(shown.checklists.map((c) => c.id), ['esm-2003-iwa']);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), script.toString(), 'focus stays on the script');

    const webviewTab = await eventually(diagnosisTab, 'the diagnosis webview tab');
    assert.notEqual(webviewTab.group.viewColumn, editor.viewColumn, 'the guidance opens beside the script, not over it');
    await closeEverything();
  });

  it('inserts the Exchange 2007/2010 PowerShell check into a .ps1 and the adsutil metabase check into a .cmd', async () => {
    const ps = await vscode.workspace.openTextDocument({ language: 'powershell', content: '# my fix\n' });
    const psEditor = await vscode.window.showTextDocument(ps);
    psEditor.selection = new vscode.Selection(ps.lineAt(1).range.start, ps.lineAt(1).range.start);
    assert.equal(await vscode.commands.executeCommand('activesyncDoctor.insertVerificationScript'), true);
    assert.match(ps.getText(), /^# my fix\n# .*\(Exchange 2007\/2010[^)]*\)\n(#.*\n)*Get-ActiveSyncVirtualDirectory .*\*Auth\*/);

    const bat = await vscode.workspace.openTextDocument({ language: 'bat', content: '' });
    await vscode.window.showTextDocument(bat);
    assert.equal(await vscode.commands.executeCommand('activesyncDoctor.insertVerificationScript'), true);
    assert.match(bat.getText(), /^REM .*\ncscript adsutil\.vbs GET W3SVC\/1\/ROOT\/Microsoft-Server-ActiveSync\/AuthFlags/m);

    const text = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'notes' });
    await vscode.window.showTextDocument(text);
    assert.equal(await vscode.commands.executeCommand('activesyncDoctor.insertVerificationScript'), false);
    assert.equal(text.getText(), 'notes', 'nothing is inserted into other files');
    await closeEverything();
  });
});
