// The end-to-end flow, stage by stage, as a person uses the installed extension: open the
// ActiveSync views, run the built-in lab's classic OPTIONS 401 scenario, open the diagnosis and tick
// a checklist step, reload the window and find it still ticked, then run a connectivity test against
// a lab endpoint typed into the prompts (last, so the diagnosis stages depend on the lab run only).
// Each stage asserts on visible text and state.
import assert from 'node:assert/strict';
import {
  answerPrompt, dismissQuickInput, expandPane, openViewContainer, pickItem, runCommand, treeRowLabels,
  viewPane, waitForWorkbench, webviewFrame,
} from './workbenchDriver.mjs';

export const LAB_SCENARIO = 'coexistence-2003-basic-only';
const CONTAINER = 'ActiveSync';
const STEPS_VIEW = 'Test Steps';
const HISTORY_VIEW = 'History';
const DIAGNOSIS_ROOT = '[data-testid="diagnosis-root"]';
const CHECKLIST_BOX = 'input[type="checkbox"][data-checklist-id][data-step-id]';
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
async function diagnosisFrame(page, { reuseOpen }) {
  if (reuseOpen) {
    try {
      return await webviewFrame(page, DIAGNOSIS_ROOT, { timeout: 5_000 });
    } catch {
      // not restored: open it as a person would
    }
  }
  await runCommand(page, 'ActiveSync: Show Diagnosis');
  return webviewFrame(page, DIAGNOSIS_ROOT, { timeout: 30_000 });
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
    async run({ page, scenario, log }) {
      const runsBefore = await historyRunCount(page);
      await runCommand(page, 'ActiveSync: Run Test Against Built-in Lab');
      // The quick pick lists scenarios by title (the id is not shown), so choose it as a person would.
      await pickItem(page, /scenario|built-in lab/i, scenario.title);
      log(`Test Steps: ${await waitForFailedOptionsStep(page, runsBefore)}`);
    },
  },
  {
    name: 'diagnosis',
    title: '"Show Diagnosis" opens the diagnosis with a tickable checklist; ticking a step sticks',
    needs: ['command:activesyncDoctor.showDiagnosis'],
    after: ['lab-run'],
    async run({ page, state, log }) {
      const frame = await diagnosisFrame(page, { reuseOpen: false });
      const outcome = frame.locator('[data-testid="outcome"]');
      await outcome.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await outcome.getAttribute('data-outcome'), 'failed');
      assert.match(await frame.locator(DIAGNOSIS_ROOT).innerText(), /401/, 'the diagnosis never mentions 401');
      const boxes = frame.locator(CHECKLIST_BOX);
      assert.ok((await boxes.count()) > 0, 'the diagnosis shows no checklist checkbox');
      const box = boxes.first();
      assert.equal(await box.isChecked(), false, 'the first checklist step is ticked before anyone ticked it');
      await box.click();
      assert.equal(await box.isChecked(), true, 'clicking the checkbox did not tick it');
      state.ticked = { checklist: await box.getAttribute('data-checklist-id'), step: await box.getAttribute('data-step-id') };
      log(`ticked ${state.ticked.checklist} / ${state.ticked.step}`);
    },
  },
  {
    name: 'reload',
    title: 'after "Developer: Reload Window" the ticked step is still ticked',
    needs: ['command:activesyncDoctor.showDiagnosis'],
    after: ['diagnosis'],
    async run({ page, state }) {
      // Let the webview's state message reach the extension before the window goes away.
      await page.waitForTimeout(1_000);
      await runCommand(page, 'Developer: Reload Window');
      await page.waitForLoadState('domcontentloaded');
      await waitForWorkbench(page);
      await dismissQuickInput(page);
      const frame = await diagnosisFrame(page, { reuseOpen: true });
      const box = frame.locator(`${CHECKLIST_BOX}[data-checklist-id="${state.ticked.checklist}"][data-step-id="${state.ticked.step}"]`);
      await box.waitFor({ state: 'visible', timeout: 15_000 });
      await box.scrollIntoViewIfNeeded(); // so the screenshots show the tick
      assert.equal(await box.isChecked(), true, `${state.ticked.checklist} / ${state.ticked.step} lost its tick across the reload`);
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
