// The comparison webview script (dist/media/comparisonView.js) in headless Chromium with a
// stand-in for acquireVsCodeApi: server text is drawn as text, the steps table marks changes with
// words as well as colour, headings are in order, buttons post only known messages, and the page
// comes back from its saved state. Skipped (saying why) where Chromium is not installed.
import * as assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { compareRuns } from '../../src/compare/compareRuns';
import type { ShowComparisonMessage } from '../../src/webview/comparisonProtocol';
import { buildRun, makeStep, response } from './helpers/runBuilder';
import { launchChromiumOrSkip, openWebviewPage, pageScript, posted, send } from './helpers/webviewPage';

const SCRIPT = pageScript('comparisonView');
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function showMessage(): ShowComparisonMessage {
  const before = buildRun({ steps: { optionsAuthenticated: { status: 'failed', category: 'http.401', evidence: { http: [response(401, [])], redirectLocation: HOSTILE } } } });
  // The later run also ran the cross-check (skipped before), with two sub-steps.
  const crossCheckParts = [makeStep('crossCheck.ews', { status: 'passed' }), makeStep('crossCheck.autodiscover', { status: 'passed' })];
  const after = {
    ...buildRun({ steps: { optionsAuthenticated: { status: 'passed', evidence: { http: [response(200, [])], redirectLocation: 'https://mail.contoso.com/' } }, crossCheck: { status: 'passed', children: crossCheckParts } } }),
    id: 'after',
    startedAt: '2024-05-01T12:00:00.000Z',
  };
  const comparison = compareRuns(before, after, { ticks: [{ checklistId: 'esm-2003-iwa', checklistTitle: 'Exchange 2003', stepId: 's1', stepText: HOSTILE, tickedAt: '2024-05-01T11:00:00.000Z' }] });
  return { type: 'showComparison', comparison };
}

describe('extension: comparison webview page (Chromium)', function () {
  this.timeout(30_000);
  let browser: Browser | undefined;
  const message = showMessage();

  before(async function () {
    browser = await launchChromiumOrSkip(this, SCRIPT);
  });
  after(async () => browser?.close());

  it('asks for content, then draws the verdict and both runs side by side, the change in words', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await send(page, message);
    await page.waitForSelector('[data-testid="verdict"]');
    assert.equal((await page.innerText('[data-testid="verdict"]')).trim(), '401 → 200: the sign-in now works; every step now passes');
    const row = page.locator('[data-step-key="optionsAuthenticated"]');
    assert.equal(await row.getAttribute('data-change'), 'improved');
    assert.match(await row.innerText(), /failed \(401\)\s+passed \(200\)\s+Better, 2 evidence changes/);
    assert.match(await page.innerText('[data-testid="unchanged"]'), /^Step input; Step dns; Step tcp; Step tls; Step optionsAnonymous$/);
    // A step only the later run tested: its sub-steps compare nothing, so its row counts them instead.
    assert.equal(await page.getAttribute('[data-step-key="crossCheck"]', 'data-change'), 'nowTested');
    assert.match(await page.innerText('[data-step-key="crossCheck"]'), /skipped\s+passed\s+Now tested, 2 sub-steps$/);
    assert.equal(await page.locator('[data-step-key^="crossCheck/"]').count(), 0);
    assert.equal(await page.getAttribute('#root', 'aria-busy'), 'false');
    await page.close();
  });

  it('draws server text as text, and the ticks done between the runs', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    await page.waitForSelector('[data-testid="ticks-between"]');
    const result = await page.evaluate(() => ({
      images: document.querySelectorAll('#root img').length,
      scripts: document.querySelectorAll('script').length,
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      ticks: document.querySelector('[data-testid="ticks-between"]')!.textContent,
      text: document.getElementById('root')!.textContent,
    }));
    assert.deepEqual([result.images, result.scripts, result.pwned], [0, 1, undefined]);
    assert.ok(result.ticks?.includes(HOSTILE), 'the tick is listed, literally');
    assert.ok(result.text?.includes(`changed: ${HOSTILE}`), 'changed evidence is marked for screen readers');
    await page.close();
  });

  it('has headings in order, header cells with scope, and keyboard-reachable buttons that post known messages', async () => {
    const page = await openWebviewPage(browser!, SCRIPT);
    await send(page, message);
    await page.waitForSelector('[data-testid="steps-table"]');
    const headings = await page.evaluate(() => Array.from(document.querySelectorAll('h1, h2, h3')).map((h) => Number(h.tagName[1])));
    assert.equal(headings[0], 1);
    for (let i = 1; i < headings.length; i++) assert.ok(headings[i] - headings[i - 1] <= 1, `heading levels ${headings.join(',')}`);
    assert.equal(await page.locator('th:not([scope])').count(), 0);
    await page.focus('body');
    const pressed: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      pressed.push(await page.evaluate(() => document.activeElement?.textContent ?? ''));
      await page.keyboard.press('Enter');
    }
    assert.deepEqual(pressed, ['Copy as Markdown', 'Open earlier run', 'Open later run']);
    assert.deepEqual((await posted(page)).slice(1), [{ type: 'copyMarkdown' }, { type: 'openRun', runId: 'run-test-1' }, { type: 'openRun', runId: 'after' }]);
    await page.close();
  });

  it('comes back from its saved state before the extension answers', async () => {
    const page = await openWebviewPage(browser!, SCRIPT, { show: message });
    await page.waitForSelector('[data-testid="verdict"]');
    assert.match(await page.innerText('[data-testid="verdict"]'), /401 → 200/);
    await page.close();
  });
});
