// The diagnosis webview as the extension host sees it: the shell carries a strict CSP with a
// nonce and never contains server text; ticks sent by the page are stored per server and
// checklist and come back in a fresh panel; malformed messages change nothing.
import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import type { ProbeRun } from '../../src/probe/runModel';
import { api, closeEverything, diagnosisTab, eventually } from './extensionTestSupport';

const HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

describe('ActiveSync Doctor: diagnosis webview', () => {
  let run: ProbeRun;

  before(async () => {
    const doctor = await api();
    const result = await doctor.runLabScenario('coexistence-2003-basic-only');
    assert.ok(result);
    run = result;
  });
  after(closeEverything);

  it('opens one panel for a run with its ranked causes and checklists', async () => {
    const doctor = await api();
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    assert.equal(doctor.diagnosis.isOpen(), true);
    const shown = doctor.diagnosis.lastShown();
    assert.ok(shown?.run && shown.diagnosis);
    assert.equal(shown.run.id, run.id);
    assert.equal(shown.diagnosis.causes[0].id, 'auth.coexistence2003IwaMissing');
    assert.ok(shown.checklists.some((c) => c.id === 'esm-2003-iwa'));

    // Showing it again reuses the same panel.
    await eventually(diagnosisTab, 'the diagnosis tab');
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const webviewTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
    assert.equal(webviewTabs.length, 1);
  });

  it('serves a static shell with a nonce-only CSP and no remote resources', async () => {
    const doctor = await api();
    const html = doctor.diagnosis.html();
    assert.ok(html);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    assert.ok(csp, 'a CSP meta tag');
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    assert.ok(nonce && Buffer.from(nonce, 'base64').length === 16, `a 128-bit nonce in ${csp}`);
    // Styles, fonts and images only from the webview's own resource origin (webview.cspSource), scripts only by nonce.
    const shape = /^default-src 'none'; style-src ([^;]+); font-src \1; img-src \1; script-src 'nonce-[^']+'$/.exec(csp);
    assert.ok(shape, csp);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|data:|\s\*(\s|;|$)/);
    for (const source of shape[1].split(/\s+/)) assert.match(source, /^'self'$|^https:\/\/\*\.vscode-cdn\.net$|vscode-resource|vscode-webview/, source);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${nonce}"`));
    assert.ok(!html.includes(run.target.url) && !html.includes(run.steps[0].summary), 'run text is not in the HTML');
  });

  it('never puts server text into the HTML: it travels as data for textContent', async () => {
    const doctor = await api();
    const hostile: ProbeRun = JSON.parse(JSON.stringify(run));
    hostile.id = `${run.id}-hostile`;
    const step = hostile.steps.find((s) => s.status === 'failed')!;
    step.summary = HOSTILE;
    step.details.push({ label: 'Server says', value: HOSTILE });
    hostile.target.input = HOSTILE;
    doctor.diagnosis.showRun(hostile);
    const html = doctor.diagnosis.html()!;
    assert.ok(!html.includes('onerror') && !html.includes('alert('), 'no server text in the shell');
    const shown = doctor.diagnosis.lastShown();
    assert.equal(shown?.run?.steps.find((s) => s.id === step.id)?.summary, HOSTILE, 'the page gets the text verbatim as data');
  });

  it('keeps a ticked step per server and checklist, and a fresh panel shows it', async () => {
    const doctor = await api();
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    const checklist = doctor.diagnosis.lastShown()!.checklists.find((c) => c.id === 'esm-2003-iwa')!;
    const stepId = checklist.steps[1].id;
    const key = `ticks:${run.target.host.toLowerCase()}:esm-2003-iwa`;

    assert.equal(await doctor.diagnosis.receive({ type: 'tick', checklistId: checklist.id, stepId, checked: true }), true);
    const stored = new Map(doctor.globalStateEntries()).get(key);
    assert.deepEqual(stored, [stepId]);

    doctor.diagnosis.close();
    assert.equal(doctor.diagnosis.isOpen(), false);
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    assert.equal(doctor.diagnosis.isOpen(), true);
    assert.deepEqual(doctor.diagnosis.lastShown()!.ticks['esm-2003-iwa'], [stepId]);

    // Unticking and resetting go through the same path.
    assert.equal(await doctor.diagnosis.receive({ type: 'reset', checklistId: checklist.id }), true);
    assert.equal(new Map(doctor.globalStateEntries()).get(key), undefined);
  });

  it('ignores malformed messages and ids that are not on screen', async () => {
    const doctor = await api();
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    const before = JSON.stringify(doctor.globalStateEntries());
    for (const message of [
      { type: 'tick', checklistId: 'esm-2003-iwa', stepId: 'no-such-step', checked: true },
      { type: 'tick', checklistId: 'not-shown', stepId: 'x', checked: true },
      { type: 'tick', checklistId: 'esm-2003-iwa', stepId: 'x', checked: 'true' },
      { type: 'openLink', url: 'http://insecure.example/' },
      { type: 'openLink', url: 'command:workbench.action.terminal.new' },
      { type: 'run', code: 'process.exit()' },
      'tick',
      null,
    ]) {
      assert.equal(await doctor.diagnosis.receive(message), false, JSON.stringify(message));
    }
    assert.equal(JSON.stringify(doctor.globalStateEntries()), before);
  });

  it('inserts a checklist command into the editor that was active before the panel', async () => {
    const doctor = await api();
    const document = await vscode.workspace.openTextDocument({ language: 'powershell', content: '' });
    await vscode.window.showTextDocument(document, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    const shown = doctor.diagnosis.lastShown()!;
    assert.equal(shown.canInsert, true);
    const withCommand = shown.checklists.flatMap((c) => {
      const all: Array<{ checklistId: string; stepId: string; code: string }> = [];
      const visit = (steps: typeof c.steps) => steps.forEach((s) => {
        if (s.commands?.length) all.push({ checklistId: c.id, stepId: s.id, code: s.commands[0].code });
        visit(s.substeps ?? []);
      });
      visit(c.steps);
      return all;
    })[0];
    assert.ok(withCommand, 'some checklist step has a command');
    assert.equal(await doctor.diagnosis.receive({ type: 'insertCommand', checklistId: withCommand.checklistId, stepId: withCommand.stepId, index: 0 }), true);
    // The editor keeps its own line endings (LF here), whatever the command's are.
    assert.ok(document.getText().includes(withCommand.code.replace(/\r\n/g, '\n')), document.getText());
  });

  // Last in this suite: its NTLM run ticks the Exchange 2003 checklist's verification steps for localhost.
  it('shows what a passed NTLM run against Exchange 2003 proves as findings, and none for a failed run', async () => {
    const doctor = await api();
    const config = vscode.workspace.getConfiguration('activesyncDoctor');
    await config.update('authentication', 'ntlm', vscode.ConfigurationTarget.Global);
    let passed: ProbeRun | undefined;
    try {
      passed = await doctor.runLabScenario('iwa-only-2003');
    } finally {
      await config.update('authentication', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.ok(passed);
    assert.equal(passed.settings.auth, 'ntlm');
    assert.equal(passed.outcome, 'passed');
    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', passed.id);
    const findings = doctor.diagnosis.lastShown()?.findings ?? [];
    assert.deepEqual(findings.map((f) => f.id), ['auth.iwaFixVerified', 'auth.iwaWorksBasicOff']);
    assert.ok(findings[0].evidence.some((e) => e.label === 'Signed in with' && /ntlm/i.test(e.value)), JSON.stringify(findings[0].evidence));

    await vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    assert.equal(doctor.diagnosis.lastShown()?.run?.id, run.id);
    assert.equal(doctor.diagnosis.lastShown()?.findings, undefined, 'a failed run has no findings');
  });
});
