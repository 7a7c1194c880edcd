// "Run Batch Test" inside the extension host: a targets file pointing at built-in lab scenarios
// runs with one password, every run lands in History with its scenario's outcome, the log gets one
// line per target, Test Steps shows the last failed run; a file with bad lines names them and runs
// nothing; the active plain-text editor is used as the targets file. Also: log lines stay inert.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, closeEverything, diagnosisTab, eventually, labScenario } from './extensionTestSupport';

const LAB_PASSWORD = 'Lab-Passw0rd!';

function workspaceFile(name: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'the harness opens a workspace folder');
  return path.join(folder, name);
}

describe('ActiveSync Doctor: batch test', () => {
  const written: string[] = [];
  const write = (name: string, text: string): string => {
    const file = workspaceFile(name);
    fs.writeFileSync(file, text);
    written.push(file);
    return file;
  };

  after(async () => {
    await closeEverything();
    for (const file of written) fs.rmSync(file, { force: true });
  });

  it('runs every line of a targets file with one password and adds each run to History', async () => {
    const doctor = await api();
    // Every user shares the lab password: the healthy server passes, anonymous access warns, the
    // coexistence 401 and the 403 fail whatever the password.
    const plan = [
      { id: 'exchange2016-healthy', outcome: 'passed' },
      { id: 'anonymous-access', outcome: 'warning' },
      { id: 'coexistence-2003-basic-only', outcome: 'failed' },
      { id: 'status-403', outcome: 'failed' },
    ];
    const lines = ['# lab servers, one per line, each with its user'];
    for (const step of plan) lines.push(`${await doctor.labUrl(step.id)} ${labScenario(step.id).credentials.userName}`);
    const file = write('lab-targets.txt', `${lines.join('\n')}\n`);
    const before = new Set(await doctor.history.ids());

    const result = await doctor.runBatchFile(file, LAB_PASSWORD);

    assert.ok(result, 'the batch ran');
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.runs.map((r) => r.outcome), plan.map((p) => p.outcome));
    assert.equal(result.summary, '4 servers: 1 passed, 1 warning, 2 failed');
    // Every run went to History, each recognised as its lab scenario, with the user of its line.
    const added = (await doctor.history.ids()).filter((id) => !before.has(id));
    assert.equal(added.length, plan.length);
    for (const [i, step] of plan.entries()) {
      const stored = await doctor.history.get(result.runs[i].id);
      assert.ok(stored, `run of ${step.id} is in History`);
      assert.equal(stored.outcome, step.outcome, step.id);
      assert.equal(stored.labScenario, step.id);
      assert.equal(stored.userName, labScenario(step.id).credentials.userName);
    }
    // The password reached the servers: the healthy one signed the user in.
    assert.equal(result.runs[0].steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'passed');

    // The log: one line per target naming its line in the file, and never the password.
    const batchLines = doctor.logLines().filter((l) => /^\[\d+\/4\] line \d+ /.test(l));
    assert.equal(batchLines.length, plan.length, batchLines.join('\n'));
    assert.deepEqual(batchLines.map((l) => Number(/ line (\d+) /.exec(l)![1])).sort(), [2, 3, 4, 5]);
    assert.ok(batchLines.some((l) => / failed https:\/\/localhost:\d+\/Microsoft-Server-ActiveSync as /.test(l)));
    assert.ok(!doctor.logLines().some((l) => l.includes(LAB_PASSWORD)));

    // Test Steps shows the last failed run of the file (the 403); Show Diagnosis without an argument takes it.
    assert.equal(doctor.getStepsTree()[0]?.status, 'failed');
    assert.equal(await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis'), result.runs[3].id);
    // Close it once the workbench has the tab (closing a webview still being created only logs noise).
    await eventually(diagnosisTab, 'the diagnosis tab');
    doctor.diagnosis.close();
  });

  it('names every unusable line, marks them in the Problems view and tests nothing', async () => {
    const doctor = await api();
    const file = write('bad-targets.txt', [
      'mail.contoso.example user@contoso.example',
      'mail.fabrikam.example user@fabrikam.example extra-field',
      '# a comment',
      'http://plain.contoso.example user@contoso.example',
    ].join('\n'));
    const before = await doctor.history.ids();

    const result = await doctor.runBatchFile(file, 'unused');

    assert.ok(result);
    assert.deepEqual(result.errors.map((e) => e.line), [2, 4]);
    assert.match(result.errors[0].message, /3 fields/);
    assert.deepEqual(result.runs, []);
    assert.deepEqual(await doctor.history.ids(), before, 'nothing was run or saved');
    const problems = vscode.languages.getDiagnostics(vscode.Uri.file(file));
    assert.deepEqual(problems.map((d) => d.range.start.line), [1, 3]);
    assert.ok(problems.every((d) => d.severity === vscode.DiagnosticSeverity.Error && d.source === 'ActiveSync Doctor'));
    assert.ok(doctor.logLines().some((l) => l.startsWith('  line 2: ')), 'the log lists the bad lines');

    // Fixed, the file runs (no user names: no password needed) and its problems are gone.
    fs.writeFileSync(file, `${await doctor.labUrl('exchange2016-healthy')}\n`);
    const fixed = await doctor.runBatchFile(file);
    assert.ok(fixed);
    assert.deepEqual(fixed.errors, []);
    assert.equal(fixed.runs.length, 1);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(file)), []);
  });

  it('takes the targets from the active plain-text editor, and asks no password when no line names a user', async () => {
    const doctor = await api();
    const text = [`${await doctor.labUrl('exchange2016-healthy')}`, `${await doctor.labUrl('anonymous-access')}  # no user: anonymous only`].join('\n');
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: text });
    await vscode.window.showTextDocument(document);

    const result = (await vscode.commands.executeCommand('activesyncDoctor.runBatchTest')) as Awaited<ReturnType<typeof doctor.runBatchFile>>;

    assert.ok(result, 'the command ran the editor\'s targets without any prompt');
    assert.deepEqual(result.runs.map((r) => r.labScenario), ['exchange2016-healthy', 'anonymous-access']);
    assert.ok(result.runs.every((r) => r.userName === undefined));
    assert.deepEqual(result.runs.map((r) => r.outcome), ['passed', 'warning']);
    assert.equal(result.summary, '2 servers: 1 passed, 1 warning, 0 failed');
    await closeEverything();
  });

  it('writes control characters from a probe into the log as visible text, never raw', async () => {
    const doctor = await api();
    // Port 9 on loopback refuses at once; the target text (with ESC and BEL) is logged on the way.
    const hostile = 'https://127.0.0.1:9/Microsoft-Server-ActiveSync?x=\u001b]0;pwned\u0007\u001b[31mred';
    const run = await doctor.runWithInputs({ target: hostile });
    assert.ok(run);
    const lines = doctor.logLines();
    assert.ok(lines.some((l) => l.includes('\\x1b]0;pwned\\x07')), 'the escape sequence is shown as text');
    assert.ok(!lines.some((l) => /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(l)), 'no control character reached the log');
  });
});
