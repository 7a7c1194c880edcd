// The end-to-end flow, stage by stage, as a person uses the installed extension: open the
// ActiveSync views, run the built-in lab's classic OPTIONS 401 scenario, look at the extension's
// commands in the palette, open the diagnosis and tick two checklist steps, reload the window and
// find them still ticked, open the guidance beside a PowerShell script and insert the verification
// script into it, then run a connectivity test against a lab endpoint typed into the prompts (last,
// so the diagnosis stages depend on the lab run only), and finally fix that endpoint, re-run it from
// the diagnosis panel and open the comparison the panel offers. Each stage asserts on visible text and state.
// A stage's `screenshot` names the README picture its PNGs become with --update-screenshots.
import assert from 'node:assert/strict';
import {
  activeTab, answerPrompt, clearNotifications, closeAllEditors, dismissQuickInput, editorGroups, editorText,
  expandPane, focusIsInEditorOf, groupWithTab, openFile, openPalette, openViewContainer, pickItem, runCommand,
  treeRowLabels, viewPane, waitForWorkbench, webviewFrame,
} from './workbenchDriver.mjs';

export const LAB_SCENARIO = 'coexistence-2003-basic-only';
/** The same server after Integrated Windows authentication was enabled on the 2003 back end. */
export const FIXED_SCENARIO = 'coexistence-2003-iwa-enabled';
const CONTAINER = 'ActiveSync';
const STEPS_VIEW = 'Test Steps';
const HISTORY_VIEW = 'History';
const DIAGNOSIS_ROOT = '[data-testid="diagnosis-root"]';
const CHECKLIST_BOX = 'input[type="checkbox"][data-checklist-id][data-step-id]';
const SCRIPT_FILE = 'configure-eas.ps1';
const PALETTE_TEXT = 'ActiveSync';
// The panel's tab says "ActiveSync Diagnosis: <host>" with a run, "ActiveSync Guidance" without.
const PANEL_TAB = /ActiveSync (Diagnosis|Guidance)/;
// The check "Insert Verification Script" puts into a .ps1 (Exchange 2007/2010 Management Shell).
const VDIR_AUTH_CHECK = /Get-ActiveSyncVirtualDirectory \| Format-List [^\n]*\*Auth\*/;
// A step row's accessible label is "<title>: <status>. <summary>" (stepsTreeProvider).
const FAILED_OPTIONS_ROW = /OPTIONS[^:]*: failed\./i;

// A History run row's accessible label is "<host> run <when>: <outcome>" (historyTreeProvider).
const HISTORY_RUN_ROW = /^\S+ run .+: [a-z ]+$/i;

/** How many finished runs the History view lists (it is expanded per server by default). */
async function historyRunCount(page) {
  await openViewContainer(page, CONTAINER);
  const pane = await expandPane(page, HISTORY_VIEW);
  return (await treeRowLabels(pane)).filter((label) => HISTORY_RUN_ROW.test(label)).length;
}

/**
 * Waits for the run started just now to finish (History gains a row, so an older run still on
 * display can never satisfy the check), then for Test Steps to list a failed OPTIONS step.
 */
async function waitForFailedOptionsStep(page, runsBefore, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  while ((await historyRunCount(page)) <= runsBefore) {
    if (Date.now() > deadline) throw new Error(`no new run appeared in History within ${timeout / 1000} s`);
    await page.waitForTimeout(250);
  }
  const pane = await expandPane(page, STEPS_VIEW);
  let labels = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    labels = await treeRowLabels(pane);
    const hit = labels.find((l) => FAILED_OPTIONS_ROW.test(l));
    if (hit) return hit;
    // The run row may be collapsed: expand it so its steps render.
    const collapsed = pane.locator('.monaco-list-row[aria-level="1"][aria-expanded="false"]').first();
    if (await collapsed.count()) await collapsed.click();
    await page.waitForTimeout(250);
  }
  throw new Error(`the run finished but Test Steps shows no failed OPTIONS step; rows: ${labels.join(' | ') || 'none'}`);
}

/** Opens the diagnosis (or finds it already open, e.g. restored after a reload) and returns its frame. */
async function diagnosisFrame(page, { reuseOpen, fromExtension = false }) {
  const root = fromExtension ? `${DIAGNOSIS_ROOT}[data-source="extension"]` : DIAGNOSIS_ROOT;
  // After a reload the workbench restores the panel's tab at once, but its page only once the
  // extension has activated, and Show Diagnosis joins the palette only then too: with a restored
  // tab, wait for its page rather than race activation through the palette.
  if (reuseOpen && (await page.locator('.part.editor .tabs-container .tab', { hasText: PANEL_TAB }).count())) {
    return webviewFrame(page, root, { timeout: 30_000 });
  }
  await runCommand(page, 'ActiveSync: Show Diagnosis');
  return webviewFrame(page, root, { timeout: 30_000 });
}

/**
 * The palette titles ("ActiveSync: …") of the commands the palette should offer right now: every
 * contributed command except those its commandPalette `when` hides (never, or only in a script editor),
 * with the run-dependent ones only once a run exists.
 */
function expectedPaletteTitles(packageJson, { hasRun }) {
  const contributes = packageJson.contributes ?? {};
  const when = new Map((contributes.menus?.commandPalette ?? []).map((m) => [m.command, m.when]));
  const shown = (command) => {
    const clause = when.get(command);
    if (clause === undefined) return true;
    if (clause === 'activesyncDoctor.hasRun') return hasRun;
    return undefined; // false, or needs an editor: not offered here
  };
  const titles = { offered: [], hidden: [] };
  for (const c of contributes.commands ?? []) {
    const title = `${c.category}: ${c.title}`;
    const visible = shown(c.command);
    if (visible === true) titles.offered.push(title);
    else if (when.get(c.command) === 'false') titles.hidden.push(title);
  }
  return titles;
}

/** The checkboxes of one checklist (sub-steps included, as its progress counts them) and its "n of m done" line. */
function checklistParts(frame, checklistId) {
  const section = frame.locator(`[data-testid="checklist"][data-checklist-id="${checklistId}"]`);
  return { section, boxes: section.locator(CHECKLIST_BOX), progress: section.locator('[data-testid="progress"]').first() };
}

/** Waits until a checklist's progress line says `done` of all its steps, and returns that text. */
async function waitForProgress(frame, checklistId, done, timeout = 10_000) {
  const { boxes, progress } = checklistParts(frame, checklistId);
  const total = await boxes.count();
  const expected = `${done} of ${total} done`;
  const deadline = Date.now() + timeout;
  let seen = '';
  while (Date.now() < deadline) {
    seen = (await progress.innerText()).trim();
    if (seen === expected) return seen;
    await frame.page().waitForTimeout(100);
  }
  throw new Error(`the checklist says "${seen}", expected "${expected}"`);
}

/**
 * Scrolls the diagnosis page so that its ranked causes start at the top of the panel; the page is
 * long, so the screenshot then shows the causes rather than wherever the last click left it.
 */
async function scrollCausesToTop(frame) {
  await frame.locator('.causes').evaluate((node) => node.scrollIntoView({ block: 'start' }));
}

/**
 * Stages run in order. `needs` lists what the packaged extension must contribute (checked against
 * its package.json: a missing contribution makes the stage SKIPPED); `after` names stages that must
 * have passed first (otherwise the stage is blocked and counted as failed).
 */
export const STAGES = [
  {
    name: 'workbench',
    title: 'the workbench opens with the workspace',
    needs: [],
    async run({ page }) {
      await waitForWorkbench(page);
      const title = await page.title();
      assert.match(title, /workspace/, `window title "${title}" does not name the workspace`);
    },
  },
  {
    name: 'views',
    title: `the "${CONTAINER}" activity bar entry shows "${STEPS_VIEW}" and "${HISTORY_VIEW}"`,
    needs: ['viewsContainers:activesyncDoctor', 'view:activesyncDoctor.steps', 'view:activesyncDoctor.history'],
    after: ['workbench'],
    async run({ page }) {
      await openViewContainer(page, CONTAINER);
      for (const name of [STEPS_VIEW, HISTORY_VIEW]) {
        await viewPane(page, name).locator('.pane-header').waitFor({ state: 'visible', timeout: 15_000 });
      }
    },
  },
  {
    name: 'lab-run',
    title: `"Run Test Against Built-in Lab" with ${LAB_SCENARIO} shows a failed OPTIONS step`,
    needs: ['command:activesyncDoctor.runLabTest', 'view:activesyncDoctor.steps', 'view:activesyncDoctor.history'],
    after: ['views'],
    requiresLab: true,
    screenshot: 'tree-failed',
    async run({ page, scenario, state, log }) {
      const runsBefore = await historyRunCount(page);
      await runCommand(page, 'ActiveSync: Run Test Against Built-in Lab');
      // The quick pick lists scenarios by title (the id is not shown), so choose it as a person would.
      await pickItem(page, /scenario|built-in lab/i, scenario.title);
      log(`Test Steps: ${await waitForFailedOptionsStep(page, runsBefore)}`);
      state.hasRun = true;
      // The run's progress notification (with its Cancel button) closes once the run is over.
      await page.locator('.notification-toast').filter({ has: page.getByRole('button', { name: 'Cancel' }) }).first()
        .waitFor({ state: 'hidden', timeout: 10_000 });
      // The failure toast offers the diagnosis; it stays in this stage's picture, not in later ones.
      const toast = page.locator('.notification-toast').filter({ hasText: /ActiveSync test failed/ }).first();
      await toast.waitFor({ state: 'visible', timeout: 10_000 });
      assert.ok(await toast.getByRole('button', { name: 'Show Diagnosis' }).count(), 'the failure toast offers no "Show Diagnosis" button');
    },
  },
  {
    name: 'palette',
    title: `the command palette with "${PALETTE_TEXT}" typed lists the extension's commands`,
    needs: ['command:activesyncDoctor.runTest', 'command:activesyncDoctor.runLabTest'],
    after: ['workbench'],
    screenshot: 'palette',
    async run({ page, state, packageJson, log }) {
      await clearNotifications(page);
      const { offered, hidden } = expectedPaletteTitles(packageJson, { hasRun: Boolean(state.hasRun) });
      const { labels, total } = await openPalette(page, PALETTE_TEXT, { expectRow: offered[0] });
      const titles = labels.map((label) => label.split(', ')[0]);
      assert.equal(labels.length, total, `the palette rendered ${labels.length} of ${total} rows; the checks below need all of them`);
      const missing = offered.filter((title) => !titles.includes(title));
      assert.deepEqual(missing, [], `the palette does not list ${missing.join(', ')} (it lists: ${titles.join(' | ')})`);
      const leaked = hidden.filter((title) => titles.includes(title));
      assert.deepEqual(leaked, [], `the palette lists commands meant only for menus: ${leaked.join(', ')}`);
      log(`palette: ${titles.length} rows, ${offered.length} ActiveSync commands expected and listed`);
    },
    // Each theme switch goes through the palette and closes it: open it again for the picture.
    async beforeScreenshot({ page, packageJson, state }) {
      const { offered } = expectedPaletteTitles(packageJson, { hasRun: Boolean(state.hasRun) });
      await openPalette(page, PALETTE_TEXT, { expectRow: offered[0] });
    },
    async afterScreenshots({ page }) {
      await dismissQuickInput(page);
    },
  },
  {
    name: 'diagnosis',
    title: '"Show Diagnosis" ranks the Exchange 2003 cause first; ticking two checklist steps shows "2 of N done"',
    needs: ['command:activesyncDoctor.showDiagnosis'],
    after: ['lab-run'],
    screenshot: 'diagnosis',
    async run({ page, state, log }) {
      await clearNotifications(page);
      const frame = await diagnosisFrame(page, { reuseOpen: false });
      const outcome = frame.locator('[data-testid="outcome"]');
      await outcome.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await outcome.getAttribute('data-outcome'), 'failed');
      assert.match(await frame.locator(DIAGNOSIS_ROOT).innerText(), /401/, 'the diagnosis never mentions 401');

      const causes = frame.locator('[data-testid="cause"]');
      assert.ok((await causes.count()) > 0, 'the diagnosis ranks no cause');
      const topTitle = (await causes.first().locator('h3').innerText()).replace(/\s+/g, ' ');
      assert.match(topTitle, /^1\. .*Exchange 2003/, `the top cause is "${topTitle}"`);
      assert.match(topTitle, /Integrated Windows/, `the top cause "${topTitle}" does not name Integrated Windows authentication`);

      const checklistId = await frame.locator('[data-testid="checklist"]').first().getAttribute('data-checklist-id');
      const { boxes } = checklistParts(frame, checklistId);
      assert.ok((await boxes.count()) >= 2, `checklist ${checklistId} has fewer than two steps to tick`);
      await waitForProgress(frame, checklistId, 0);
      const ticked = [];
      for (const box of [boxes.nth(0), boxes.nth(1)]) {
        assert.equal(await box.isChecked(), false, 'a checklist step is ticked before anyone ticked it');
        await box.click();
        assert.equal(await box.isChecked(), true, 'clicking the checkbox did not tick it');
        ticked.push(await box.getAttribute('data-step-id'));
      }
      const progress = await waitForProgress(frame, checklistId, 2);
      state.ticked = { checklist: checklistId, steps: ticked };
      log(`top cause: ${topTitle}; ticked ${checklistId} / ${ticked.join(', ')}: "${progress}"`);
      await scrollCausesToTop(frame);
    },
  },
  {
    name: 'reload',
    title: 'after "Developer: Reload Window" both ticked steps are still ticked',
    needs: ['command:activesyncDoctor.showDiagnosis'],
    after: ['diagnosis'],
    async run({ page, state }) {
      // Let the webview's state messages reach the extension before the window goes away.
      await page.waitForTimeout(1_000);
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForLoadState('domcontentloaded');
      await waitForWorkbench(page);
      await dismissQuickInput(page);
      // The page first draws its saved copy, ticks included: only the extension's own content
      // proves the ticks were kept, and it replaces the saved copy's elements when it arrives.
      const frame = await diagnosisFrame(page, { reuseOpen: true, fromExtension: true });
      const { checklist, steps } = state.ticked;
      for (const step of steps) {
        const box = frame.locator(`${CHECKLIST_BOX}[data-checklist-id="${checklist}"][data-step-id="${step}"]`);
        await box.waitFor({ state: 'visible', timeout: 15_000 });
        await box.scrollIntoViewIfNeeded(); // so the screenshots show the ticks
        assert.equal(await box.isChecked(), true, `${checklist} / ${step} lost its tick across the reload`);
      }
      await waitForProgress(frame, checklist, steps.length);
    },
  },
  {
    name: 'beside-ps1',
    title: `"Open Remediation Guidance Beside Editor" from ${SCRIPT_FILE} opens the guidance in a second group and keeps focus on the script`,
    needs: ['command:activesyncDoctor.openGuidanceBeside'],
    after: ['workbench'],
    screenshot: 'beside-ps1',
    async run({ page, state, log }) {
      await clearNotifications(page);
      if (await page.locator('.part.editor .tabs-container .tab').count()) await closeAllEditors(page);
      await openFile(page, SCRIPT_FILE);
      assert.equal(await editorGroups(page).count(), 1, 'more than one editor group before the guidance opens');
      await runCommand(page, 'ActiveSync: Open Remediation Guidance Beside Editor');

      const panelGroup = groupWithTab(page, PANEL_TAB);
      await panelGroup.waitFor({ state: 'visible', timeout: 15_000 });
      const frame = await webviewFrame(page, '[data-testid="checklist"]', { timeout: 20_000 });
      assert.equal(await editorGroups(page).count(), 2, 'the guidance did not open in a second editor group');
      const scriptGroup = groupWithTab(page, SCRIPT_FILE);
      assert.equal(await scriptGroup.locator('.tabs-container .tab', { hasText: PANEL_TAB }).count(), 0, 'the guidance opened over the script, not beside it');
      assert.equal(await panelGroup.locator('.tabs-container .tab', { hasText: SCRIPT_FILE }).count(), 0, 'the script moved into the guidance group');

      // Focus: the script's group is the active one, its tab is the active tab, and the caret is in its editor.
      await page.waitForTimeout(300); // a webview that grabbed focus would do so within this settle delay
      await activeTab(page, SCRIPT_FILE).waitFor({ state: 'visible', timeout: 5_000 });
      assert.equal(await focusIsInEditorOf(scriptGroup), true, `focus left the ${SCRIPT_FILE} editor`);
      // Ticks are kept per server: the guidance for the lab's server still shows the two from the diagnosis stage.
      if (state.ticked) await waitForProgress(frame, state.ticked.checklist, state.ticked.steps.length);
      // Show the checklist rather than the page header (the diagnosis picture has the causes).
      await frame.locator('[data-testid="checklist"]').first().evaluate((node) => node.scrollIntoView({ block: 'start' }));
      log(`groups: ${SCRIPT_FILE} | ${(await panelGroup.locator('.tabs-container .tab').first().innerText()).trim()}`);
    },
  },
  {
    name: 'insert-script',
    title: `"Insert Verification Script" puts the Get-ActiveSyncVirtualDirectory check into ${SCRIPT_FILE}`,
    needs: ['command:activesyncDoctor.insertVerificationScript'],
    after: ['workbench'],
    async run({ page, log }) {
      await clearNotifications(page);
      if (!(await activeTab(page, SCRIPT_FILE).count())) await openFile(page, SCRIPT_FILE);
      const scriptGroup = groupWithTab(page, SCRIPT_FILE);
      const before = await editorText(scriptGroup);
      // The sample script already calls the cmdlet once; the inserted check is a second, different call.
      assert.doesNotMatch(before, VDIR_AUTH_CHECK, `${SCRIPT_FILE} holds the check before it was inserted`);
      await runCommand(page, 'ActiveSync: Insert Verification Script');
      const deadline = Date.now() + 10_000;
      let after = before;
      while (!VDIR_AUTH_CHECK.test(after) && Date.now() < deadline) {
        await page.waitForTimeout(100);
        after = await editorText(scriptGroup);
      }
      assert.match(after, VDIR_AUTH_CHECK, `the editor shows no inserted check:\n${after}`);
      const calls = (text) => text.match(/Get-ActiveSyncVirtualDirectory/g)?.length ?? 0;
      assert.equal(calls(after), calls(before) + 1, 'the check was not inserted exactly once');
      log(`inserted: ${after.split('\n').find((line) => VDIR_AUTH_CHECK.test(line)).trim()}`);
    },
  },
  {
    name: 'connectivity-run',
    title: '"Run Connectivity Test" against a lab URL typed into the prompts shows a failed OPTIONS step',
    needs: ['command:activesyncDoctor.runTest', 'view:activesyncDoctor.steps', 'view:activesyncDoctor.history'],
    after: ['views'],
    requiresLab: true,
    async run({ page, lab, log }) {
      const endpoint = lab.endpoints.find((e) => e.scenario.id === LAB_SCENARIO);
      assert.ok(endpoint, `the e2e lab does not run ${LAB_SCENARIO}`);
      const { userName, password } = endpoint.scenario.credentials;
      const runsBefore = await historyRunCount(page);
      await runCommand(page, 'ActiveSync: Run Connectivity Test');
      await answerPrompt(page, /ActiveSync server/i, endpoint.url, { pickTyped: true });
      await answerPrompt(page, /^User name/i, userName);
      await answerPrompt(page, /^Password/i, password);
      log(`Test Steps: ${await waitForFailedOptionsStep(page, runsBefore)}`);
      // The lab answered: the request reached it (so the run was real, not a canned result).
      assert.ok(lab.requests.some((r) => r.method === 'OPTIONS'), 'the lab saw no OPTIONS request');
    },
  },
  {
    name: 'compare',
    title: 'after the fix, "Re-run Test" in the diagnosis offers the comparison: 401 → 200, with the checklist step ticked in between',
    needs: ['command:activesyncDoctor.compareWithPrevious', 'command:activesyncDoctor.showDiagnosis'],
    after: ['connectivity-run'],
    requiresLab: true,
    screenshot: 'comparison',
    async run({ page, lab, log }) {
      await clearNotifications(page);
      // One editor group, so the comparison gets the width a person would give it.
      if (await page.locator('.part.editor .tabs-container .tab').count()) await closeAllEditors(page);
      const endpoint = lab.endpoints.find((e) => e.scenario.id === LAB_SCENARIO);
      const { password } = endpoint.scenario.credentials;
      // The typed run's diagnosis: tick the next checklist step, as the admin works through the list.
      const frame = await diagnosisFrame(page, { reuseOpen: false });
      await frame.locator('[data-testid="outcome"][data-outcome="failed"]').waitFor({ state: 'visible', timeout: 15_000 });
      const checklistId = await frame.locator('[data-testid="checklist"]').first().getAttribute('data-checklist-id');
      const firstUnticked = checklistParts(frame, checklistId).section.locator(`${CHECKLIST_BOX}:not(:checked)`).first();
      const tickedStepId = await firstUnticked.getAttribute('data-step-id');
      // Pinned by its step id: the ":not(:checked)" locator would move on to the next box once this one is ticked.
      const box = frame.locator(`${CHECKLIST_BOX}[data-checklist-id="${checklistId}"][data-step-id="${tickedStepId}"]`);
      const tickedText = (await frame.locator(`label[for="${await box.getAttribute('id')}"]`).innerText()).trim();
      await box.click();
      assert.equal(await box.isChecked(), true, 'clicking the checkbox did not tick it');
      await page.waitForTimeout(500); // the tick reaches the extension (and its time is recorded)

      // The fix: the server at the same address now hands the request over to its back end.
      await lab.changeTo(FIXED_SCENARIO);
      await frame.getByRole('button', { name: 'Re-run Test' }).click();
      await answerPrompt(page, /^Password/i, password);
      const offer = page.locator('.notification-toast').filter({ hasText: /See what changed since the run before/ }).first();
      await offer.waitFor({ state: 'visible', timeout: 60_000 });
      await offer.getByRole('button', { name: 'Compare with Previous Run' }).click();

      const comparison = await webviewFrame(page, '[data-testid="verdict"]', { timeout: 30_000 });
      const verdict = (await comparison.locator('[data-testid="verdict"]').innerText()).trim();
      assert.equal(verdict, '401 → 200: the sign-in now works; every step now passes');
      const row = comparison.locator('[data-step-key="optionsAuthenticated"]');
      assert.equal(await row.getAttribute('data-change'), 'improved');
      assert.match(await row.innerText(), /failed \(401\)[\s\S]*passed \(200\)[\s\S]*Better/);
      const ticks = await comparison.locator('[data-testid="ticks-between"]').innerText();
      assert.ok(ticks.includes(tickedText), `the comparison lists no tick of "${tickedText}" (${tickedStepId}); it lists: ${ticks}`);
      await clearNotifications(page);
      log(`verdict: ${verdict}; ticked between the runs: ${tickedText}`);
    },
  },
];

/** What a stage needs that the packaged package.json does not contribute (empty: all there). */
export function missingContributions(stage, packageJson) {
  const contributes = packageJson.contributes ?? {};
  const commands = new Set((contributes.commands ?? []).map((c) => c.command));
  const containers = new Set(Object.values(contributes.viewsContainers ?? {}).flat().map((c) => c.id));
  const views = new Set(Object.values(contributes.views ?? {}).flat().map((v) => v.id));
  return stage.needs.filter((need) => {
    const [kind, id] = need.split(':');
    if (kind === 'command') return !commands.has(id);
    if (kind === 'viewsContainers') return !containers.has(id);
    if (kind === 'view') return !views.has(id);
    return true;
  });
}
