// Comparing runs inside the extension host: "Compare with Previous Run" on a History run,
// "Compare Selected Runs" with the History's multi-select, the checklist ticks done between two
// runs, the comparison panel's shell and messages, and the offer after a re-run from the panel.
import * as assert from 'assert/strict';
import * as vscode from 'vscode';
import type { RunComparison } from '../../src/compare/runComparison';
import type { ProbeRun } from '../../src/probe/runModel';
import { api, closeEverything, engine, eventually, extension } from './extensionTestSupport';

const historyNode = (run: ProbeRun) => ({ kind: 'historyRun', runId: run.id, summary: { id: run.id } });

describe('ActiveSync Doctor: comparing runs', () => {
  let first: ProbeRun;
  let second: ProbeRun;
  let tickedStep: { id: string; text: string };

  before(async () => {
    const doctor = await api();
    const a = await doctor.runLabScenario('coexistence-2003-basic-only');
    assert.ok(a);
    first = a;
    // A checklist step ticked between the two runs, from the diagnosis page as a person would.
    const checklist = engine().getChecklist('esm-2003-iwa');
    assert.ok(checklist);
    tickedStep = checklist.steps[0];
    doctor.diagnosis.showRun(first);
    assert.equal(await doctor.diagnosis.receive({ type: 'tick', checklistId: 'esm-2003-iwa', stepId: tickedStep.id, checked: true }), true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = await doctor.runLabScenario('coexistence-2003-basic-only');
    assert.ok(b);
    second = b;
  });
  after(async () => {
    const doctor = await api();
    doctor.comparison.close();
    await doctor.diagnosis.receive({ type: 'reset', checklistId: 'esm-2003-iwa' });
    await closeEverything();
  });

  it('Compare with Previous Run on a History run compares it with the run before it, with the ticks done in between', async () => {
    const doctor = await api();
    const comparison = (await vscode.commands.executeCommand('activesyncDoctor.compareWithPrevious', historyNode(second))) as RunComparison | undefined;
    assert.ok(comparison, 'a comparison');
    assert.equal(comparison.before.id, first.id);
    assert.equal(comparison.after.id, second.id);
    assert.equal(comparison.sameServer, true);
    assert.equal(comparison.regressed, false);
    assert.match(comparison.verdict, /^No step changed status: still fails at Send the OPTIONS command as CONTOSO\\labuser \(Basic\) \(401\)$/);
    assert.deepEqual(comparison.ticksBetween?.map((t) => [t.checklistId, t.stepId, t.stepText]), [['esm-2003-iwa', tickedStep.id, tickedStep.text]]);
    assert.equal(doctor.comparison.isOpen(), true);
    assert.equal(doctor.comparison.lastShown()?.after.id, second.id);
  });

  it('serves the comparison as a static shell with a nonce-only CSP and no run text', async () => {
    const doctor = await api();
    const html = doctor.comparison.html();
    assert.ok(html);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    assert.ok(csp && /^default-src 'none'; style-src ([^;]+); font-src \1; img-src \1; script-src 'nonce-[A-Za-z0-9+/=]+'$/.test(csp), csp);
    assert.match(html, /<script nonce="[A-Za-z0-9+/=]+" src="[^"]*comparisonView\.js">/);
    assert.ok(!html.includes(second.target.url) && !html.includes('401'), 'run text travels as data, not in the HTML');
  });

  it('accepts only messages about the two runs on screen; Open Run shows that run', async () => {
    const doctor = await api();
    assert.equal(await doctor.comparison.receive({ type: 'openRun', runId: 'not-on-screen' }), false);
    assert.equal(await doctor.comparison.receive({ type: 'openRun', runId: 42 }), false);
    assert.equal(await doctor.comparison.receive({ type: 'nonsense' }), false);
    assert.equal(await doctor.comparison.receive({ type: 'openRun', runId: first.id }), true);
    await eventually(() => doctor.diagnosis.lastShown()?.run?.id === first.id, 'the earlier run in the diagnosis panel');
    assert.equal(await doctor.comparison.receive({ type: 'copyMarkdown' }), true);
    const copied = await vscode.env.clipboard.readText();
    assert.match(copied, /^# ActiveSync Doctor comparison: /);
    assert.match(copied, /\*\*Verdict:\*\* No step changed status/);
  });

  it('Compare Selected Runs takes the two runs selected in the History, and says when they are of different servers', async () => {
    const doctor = await api();
    const other = await doctor.runLabScenario('exchange2016-healthy');
    assert.ok(other);
    const nodes = [historyNode(other), historyNode(first)];
    const comparison = (await vscode.commands.executeCommand('activesyncDoctor.compareSelected', nodes[0], nodes)) as RunComparison | undefined;
    assert.ok(comparison);
    assert.equal(comparison.before.id, first.id, 'oldest first');
    assert.equal(comparison.sameServer, false);
    assert.match(comparison.verdict, /^Two different servers /);
    assert.doesNotMatch(comparison.verdict, /now works/);
    // One run alone is not a comparison.
    assert.equal(await vscode.commands.executeCommand('activesyncDoctor.compareSelected', nodes[0], [nodes[0]]), undefined);
  });

  it('after a re-run from the diagnosis panel, offers the comparison with the run it repeated', async () => {
    const doctor = await api();
    doctor.diagnosis.showRun(second);
    const before = new Set(await doctor.history.ids());
    assert.equal(await doctor.diagnosis.receive({ type: 'rerun' }), true);
    const offer = await eventually(() => doctor.comparison.lastOffer()?.beforeId === second.id ? doctor.comparison.lastOffer() : undefined, 'the comparison offer', 20_000);
    assert.ok(!before.has(offer.afterId), 'offered with the new run');
    assert.ok((await doctor.history.ids()).includes(offer.afterId));
  });

  it('the History run menu offers Compare with Previous Run, and Compare Selected Runs when several are selected', async () => {
    const manifest = extension().packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
    const items = manifest.contributes.menus['view/item/context'].filter((m) => m.command.startsWith('activesyncDoctor.compare'));
    assert.deepEqual(items.map((m) => m.command).sort(), ['activesyncDoctor.compareSelected', 'activesyncDoctor.compareWithPrevious']);
  });
});
