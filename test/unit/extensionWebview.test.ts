// The diagnosis webview script (dist/media/diagnosisView.js) in headless Chromium with a stand-in
// for acquireVsCodeApi: server text is drawn as text (never HTML), every checkbox has a label,
// ticking posts a message and updates "n of m done", links never navigate, and the page state
// survives through getState/setState. Skipped (saying why) where Chromium is not installed.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { getChecklist } from '../../src/diagnosis/checklists';
import { diagnose } from '../../src/diagnosis/diagnose';
import type { Checklist } from '../../src/diagnosis/diagnosisModel';
import type { ShowMessage } from '../../src/webview/webviewProtocol';
import { buildRun } from './helpers/runBuilder';
import { launchChromiumOrSkip, openWebviewPage, pageScript, posted, send } from './helpers/webviewPage';

const SCRIPT = pageScript('diagnosisView');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function showMessage(): ShowMessage {
  const run = buildRun({
    host: 'mail.contoso.com',
    steps: {
      optionsAuthenticated: { status: 'failed', category: 'http.401', summary: HOSTILE, details: [{ label: 'WWW-Authenticate', value: HOSTILE }] },
    },
  });
  const diagnosis = diagnose(run);
  const checklist = getChecklist('esm-2003-iwa') as Checklist;
  return { type: 'show', run, diagnosis, checklists: [checklist], ticks: { [checklist.id]: [checklist.steps[0].id] }, canInsert: true };
}


describe('extension: diagnosis webview page (Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  const message = showMessage();

  before(async function () {
    browser = await launchChromiumOrSkip(this, SCRIPT);
  });
  after(async () => browser?.close());

  it('asks the extension for content once loaded, then draws outcome, causes and checklists', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await send(page, message);
    await page.waitForSelector('[data-testid="outcome"]');
    assert.equal(await page.getAttribute('[data-testid="outcome"]', 'data-outcome'), 'failed');
    assert.ok((await page.locator('[data-testid="cause"]').count()) >= 1);
    assert.equal(await page.locator('[data-testid="checklist"]').count(), 1);
    const steps = await page.locator('[data-testid="checklist-step"]').count();
    assert.ok(steps >= 5, `checklist steps: ${steps}`);
    assert.equal(await page.getAttribute('#root', 'aria-busy'), 'false');
    await page.close();
  });

  it('draws server text as text: no element, attribute or script comes from it', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    await page.waitForSelector('[data-testid="test-step"]');
    const result = await page.evaluate(() => ({
      images: document.querySelectorAll('#root img').length,
      scripts: document.querySelectorAll('script').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      text: document.getElementById('root')!.textContent,
    }));
    assert.equal(result.images, 0);
    assert.equal(result.scripts, 1, 'only the page script itself');
    assert.equal(result.pwned, undefined);
    assert.ok(result.text?.includes(HOSTILE), 'the hostile summary is shown literally');
    await page.close();
  });

  it('gives every checkbox a label and headings in order', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    await page.waitForSelector('[data-testid="checklist-step"]');
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')).filter((box) => {
        const label = document.querySelector(`label[for="${CSS.escape(box.id)}"]`);
        return !label || !label.textContent?.trim();
      }).length);
    assert.equal(unlabelled, 0);
    const headings = await page.evaluate(() => Array.from(document.querySelectorAll('h1, h2, h3')).map((h) => Number(h.tagName[1])));
    assert.equal(headings[0], 1);
    for (let i = 1; i < headings.length; i++) assert.ok(headings[i] - headings[i - 1] <= 1, `heading levels ${headings.join(',')}`);
    assert.equal(await page.getAttribute('[data-testid="progress"]', 'aria-live'), 'polite');
    await page.close();
  });

  it('ticks a step: posts it, updates "n of m done" and keeps it in the page state', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    const checklist = message.checklists[0];
    const progress = page.locator('[data-testid="progress"]');
    await page.waitForSelector('[data-testid="progress"]');
    const total = Number(await progress.getAttribute('data-total'));
    assert.equal(await progress.textContent(), `1 of ${total} done`, 'the stored tick is shown');

    const secondStep = checklist.steps[1].id;
    await page.locator(`input[data-step-id="${secondStep}"]`).check();
    assert.equal(await progress.textContent(), `2 of ${total} done`);
    assert.deepEqual((await posted(page)).at(-1), { type: 'tick', checklistId: checklist.id, stepId: secondStep, checked: true });
    const state = await page.evaluate(() => (window as unknown as { __state: { show: ShowMessage } }).__state);
    assert.deepEqual(state.show.ticks[checklist.id].sort(), [checklist.steps[0].id, secondStep].sort());

    await page.getByRole('button', { name: `Reset ticks of ${checklist.title}` }).click();
    assert.equal(await progress.textContent(), `0 of ${total} done`);
    assert.deepEqual((await posted(page)).at(-1), { type: 'reset', checklistId: checklist.id });
    await page.close();
  });

  it('comes back from its saved state before the extension answers', async () => {
    const saved = { runId: message.run!.id, show: { ...message, ticks: { [message.checklists[0].id]: [message.checklists[0].steps[2].id] } } };
    const page = await openWebviewPage(browser!, SCRIPT, saved);
    await page.waitForSelector('[data-testid="checklist-step"]');
    assert.equal(await page.locator(`input[data-step-id="${message.checklists[0].steps[2].id}"]`).isChecked(), true);
    await page.close();
  });

  it('asks the extension to open links instead of navigating, and sends command ids, not code', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    const withLink: ShowMessage = {
      ...message,
      checklists: [{
        id: 'links', title: 'Links', why: 'test', warnings: [], links: [{ title: 'Read more', url: 'https://learn.microsoft.com/exchange' }],
        steps: [{ id: 's1', text: 'Run it', commands: [{ label: 'Check', language: 'powershell', code: 'Get-ActiveSyncVirtualDirectory' }] }],
      }],
      ticks: {},
    };
    await send(page, withLink);
    await page.waitForSelector('a');
    const before = page.url();
    await page.getByRole('link', { name: 'Read more' }).click();
    assert.equal(page.url(), before, 'no navigation inside the webview');
    assert.deepEqual((await posted(page)).at(-1), { type: 'openLink', url: 'https://learn.microsoft.com/exchange' });
    await page.getByRole('button', { name: 'Insert into the active editor: Check' }).click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'insertCommand', checklistId: 'links', stepId: 's1', index: 0 });
    await page.close();
  });
  it('draws the findings of a passed run as text, dropping malformed ones', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    const passed = buildRun({ host: 'mail2003.contoso.com' });
    const findings = [
      { id: 'auth.iwaFixVerified', title: `Fix verified ${HOSTILE}`, explanation: HOSTILE, evidence: [{ stepId: 'optionsAuthenticated', label: 'Signed in with', value: 'NTLM' }] },
      { id: 'broken', title: 42, explanation: 'no title' },
      { id: 'auth.iwaWorksBasicOff', title: 'Basic is off', explanation: 'Windows sign-in works', evidence: [{ label: 'WWW-Authenticate', value: 'Negotiate, NTLM' }, { label: 7 }] },
    ];
    await send(page, { type: 'show', run: passed, diagnosis: diagnose(passed), checklists: [], ticks: {}, canInsert: false, findings });
    await page.waitForSelector('[data-testid="finding"]');
    const drawn = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid="finding"]')).map((node) => ({
      id: node.getAttribute('data-finding-id'),
      text: node.textContent,
      evidence: node.querySelectorAll('.evidence li').length,
    })));
    assert.deepEqual(drawn.map((f) => f.id), ['auth.iwaFixVerified', 'auth.iwaWorksBasicOff']);
    assert.ok(drawn[0].text?.includes(HOSTILE), 'hostile text shown literally');
    assert.ok(drawn[0].text?.includes('(Step optionsAuthenticated)'), 'evidence names the step it came from');
    assert.equal(drawn[1].evidence, 1, 'the malformed evidence line is dropped');
    assert.equal(await page.evaluate(() => document.querySelectorAll('#root img, #root script').length), 0);
    // The findings section comes before the test steps, under its own heading.
    assert.equal(await page.locator('h2#findings-heading').textContent(), 'Findings');
    await page.close();
  });

  it('draws no findings section when the message has none', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    await page.waitForSelector('[data-testid="outcome"]');
    assert.equal(await page.locator('[data-testid="finding"], #findings-heading').count(), 0);
    await page.close();
  });
});
