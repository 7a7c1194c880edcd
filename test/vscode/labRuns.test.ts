// Runs against the built-in lab through the extension: the Test Steps tree fills live and ends
// with the statuses the scenario expects, the run is saved where a fresh HistoryStore finds it,
// and the History view groups it under its server.
import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import type { TreeSnapshotNode } from '../../src/extension/stepsTreeProvider';
import { api, closeEverything, engine, labScenario } from './extensionTestSupport';

describe('ActiveSync Doctor: runs against the built-in lab', () => {
  after(closeEverything);

  it('fills the Test Steps tree live and ends with the statuses of the coexistence 401 scenario', async () => {
    const doctor = await api();
    const scenario = labScenario('coexistence-2003-basic-only');
    const snapshots: TreeSnapshotNode[][] = [];
    const subscription = doctor.onDidChangeSteps((tree) => snapshots.push(tree));
    let run;
    try {
      run = await doctor.runLabScenario(scenario.id);
    } finally {
      subscription.dispose();
    }
    assert.ok(run, 'the run finished');
    assert.equal(run.labScenario, scenario.id);
    assert.equal(run.outcome, scenario.expected.outcome);

    // Live: while running, the root said so and the number of finished steps only grew.
    const live = snapshots.filter((tree) => tree[0]?.status === 'running');
    assert.ok(live.length >= 2, `expected several live refreshes, saw ${live.length}`);
    const counts = live.map((tree) => tree[0].children.filter((c) => c.contextValue === 'step').length);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'steps appear one after another');
    assert.ok(counts.at(-1)! > counts[0], 'steps were added while the run was going');

    // Final tree: root = the run, children = the top-level steps with the expected statuses.
    const [root] = doctor.getStepsTree();
    assert.equal(root.contextValue, 'stepsRun');
    assert.equal(root.status, 'failed');
    assert.equal(root.label, run.target.host);
    const steps = root.children;
    assert.deepEqual(steps.map((s) => s.label), run.steps.map((s) => s.title));
    const failedIndex = steps.findIndex((s) => s.status === 'failed');
    assert.equal(run.steps[failedIndex].id, scenario.expected.failedStep);
    assert.ok(steps.slice(0, failedIndex).every((s) => s.status === 'passed'), 'every step before the failure passed');
    assert.ok(steps.every((s) => /^\d+(\.\d)? (ms|s)$|^skipped$/.test(s.description ?? '')), 'each step shows its elapsed time');
    const failed = steps[failedIndex];
    assert.ok(failed.children.some((c) => c.contextValue === 'stepDetail'), 'the failed step lists its additional details');
    // Clicking the run or the failed step opens the diagnosis; passed steps just expand.
    assert.equal(root.command, 'activesyncDoctor.showDiagnosis');
    assert.equal(failed.command, 'activesyncDoctor.showDiagnosis');
    assert.ok(steps.filter((s) => s.status === 'passed').every((s) => s.command === undefined));
  });

  it('cancels a run against a server that never answers, and says so in the tree', async () => {
    const doctor = await api();
    let cancelled = false;
    // Cancel as soon as TCP connected: the silent server then never completes the TLS handshake.
    const subscription = doctor.onDidChangeSteps((tree) => {
      if (!cancelled && tree[0]?.status === 'running' && tree[0].children.some((c) => c.contextValue === 'step' && c.status === 'passed' && /TCP/i.test(c.label))) {
        cancelled = true;
        doctor.cancelRun();
      }
    });
    let run;
    try {
      run = await doctor.runLabScenario('silent');
    } finally {
      subscription.dispose();
    }
    assert.ok(cancelled, 'the TCP step finished before the cancel');
    assert.ok(run);
    assert.equal(run.outcome, 'cancelled');
    assert.equal(doctor.getStepsTree()[0].status, 'cancelled');
  });

  it('shows a healthy server as passed in every top-level step it ran', async () => {
    const doctor = await api();
    const run = await doctor.runLabScenario('exchange2016-healthy');
    assert.ok(run);
    assert.equal(run.outcome, 'passed');
    const [root] = doctor.getStepsTree();
    assert.equal(root.status, 'passed');
    assert.ok(root.children.every((s) => s.status === 'passed' || s.status === 'skipped'));
    assert.ok(root.children.some((s) => s.status === 'passed'));
  });

  it('saves runs where a fresh HistoryStore on the same folder finds them', async () => {
    const doctor = await api();
    const run = await doctor.runLabScenario('wrong-password');
    assert.ok(run);
    const { HistoryStore } = engine();
    const fresh = new HistoryStore(doctor.history.directory);
    const stored = await fresh.get(run.id);
    assert.ok(stored, 'the new store instance reads the run from disk');
    assert.equal(stored.outcome, run.outcome);
    assert.deepEqual(stored.steps.map((s) => s.status), run.steps.map((s) => s.status));
    assert.ok((await fresh.summaries()).some((s) => s.id === run.id));
  });

  it('groups the History view by server, newest run first, with outcome and relative time', async () => {
    const doctor = await api();
    const groups = await doctor.getHistoryTree();
    const lab = groups.find((g) => g.label === 'localhost');
    assert.ok(lab, `groups: ${groups.map((g) => g.label).join(', ')}`);
    assert.equal(lab.contextValue, 'historyServer');
    assert.ok(lab.children.length >= 3);
    assert.ok(lab.children.every((r) => r.contextValue === 'historyRun' && /ago$|^just now$/.test(r.label)));
    assert.equal(lab.children[0].status, 'failed', 'the newest run (wrong password) comes first');
    assert.match(lab.children[0].description ?? '', /^failed/);
  });

  it('picks up runs another window saved when it reloads the store', async () => {
    const doctor = await api();
    const [latestId] = await doctor.history.ids();
    const template = await doctor.history.get(latestId);
    assert.ok(template);
    // Another window = another HistoryStore instance on the same folder.
    const other = new (engine().HistoryStore)(doctor.history.directory);
    const foreign = { ...template, id: `${template.id}-other-window`, target: { ...template.target, host: 'other-window.contoso.example', input: 'other-window.contoso.example' }, startedAt: new Date().toISOString() };
    await other.append(foreign);
    await doctor.history.reload();
    assert.ok((await doctor.history.ids()).includes(foreign.id));
    const groups = await doctor.getHistoryTree();
    assert.ok(groups.some((g) => g.label === 'other-window.contoso.example'), groups.map((g) => g.label).join(', '));
    await vscode.commands.executeCommand('activesyncDoctor.deleteRun', foreign.id);
  });

  it('deletes a run from disk with "Delete Run"', async () => {
    const doctor = await api();
    const run = await doctor.runLabScenario('status-503');
    assert.ok(run);
    assert.ok((await doctor.history.ids()).includes(run.id));
    await vscode.commands.executeCommand('activesyncDoctor.deleteRun', { kind: 'historyRun', runId: run.id });
    const fresh = new (engine().HistoryStore)(doctor.history.directory);
    assert.equal(await fresh.get(run.id), undefined);
    assert.ok(!(await doctor.history.ids()).includes(run.id));
    assert.deepEqual(doctor.getStepsTree(), [], 'the deleted run left the Test Steps view');
  });

  it('re-runs the run on display with "Re-run Test"', async () => {
    const doctor = await api();
    const first = await doctor.runLabScenario('status-403');
    assert.ok(first);
    const before = new Set(await doctor.history.ids());
    await vscode.commands.executeCommand('activesyncDoctor.rerunTest', first.id);
    const added = (await doctor.history.ids()).filter((id) => !before.has(id));
    assert.equal(added.length, 1);
    const rerun = await doctor.history.get(added[0]);
    assert.equal(rerun?.labScenario, 'status-403');
    assert.equal(rerun?.outcome, first.outcome);
  });
});
