// Drives the VS Code workbench in a browser page the way a person does: the command palette (F1),
// quick picks and input boxes, the activity bar, tree views and webviews. Selectors are VS Code's
// own DOM (1.139) plus the data-testid hooks of the extension's webview; nothing here knows a stage.
const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;

/** Waits for the workbench to be usable: layout drawn and the extension host's contributions loaded. */
export async function waitForWorkbench(page, { timeout = 60_000 } = {}) {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
  // The theme service adds a vscode-theme-* class once it has loaded the configured theme; commands
  // run before that (the light/dark toggle among them) can be lost.
  await page.locator('.monaco-workbench[class*="vscode-theme-"]').waitFor({ state: 'attached', timeout });
}

/** The workbench's current theme kind, from the class VS Code puts on .monaco-workbench. */
export async function themeKind(page) {
  const classes = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
  if (/\bvs-dark\b/.test(classes)) return 'dark';
  if (/\bhc-black\b|\bhc-light\b/.test(classes)) return 'high-contrast';
  return /\bvs\b/.test(classes) ? 'light' : 'unknown';
}

export async function waitForTheme(page, kind, timeout = 15_000) {
  const cls = kind === 'dark' ? 'vs-dark' : 'vs';
  await page.locator(`.monaco-workbench.${cls}`).waitFor({ state: 'attached', timeout });
}

/**
 * Switches between the light and dark theme the way a person does (the palette's toggle, which
 * swaps workbench.preferredLightColorTheme and preferredDarkColorTheme). Editing settings.json on
 * disk is not picked up by code-server's workbench, so the command is the reliable route.
 */
export async function setThemeKind(page, kind) {
  if ((await themeKind(page)) === kind) return;
  await runCommand(page, 'Preferences: Toggle between Light/Dark Themes');
  await waitForTheme(page, kind);
}

async function quickInputVisible(page, timeout = 10_000) {
  await page.locator(QUICK_INPUT).waitFor({ state: 'visible', timeout });
}

/** Closes whatever quick input or notification has focus, so a stage starts from a quiet workbench. */
export async function dismissQuickInput(page) {
  if (await page.locator(QUICK_INPUT).isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  }
}

/**
 * Runs a command by its palette title ("Category: Title"): F1, type, wait until the list offers exactly
 * that entry, Enter. Throws with the entries on offer when the command is not in the palette.
 */
export async function runCommand(page, title, { timeout = 15_000 } = {}) {
  await dismissQuickInput(page);
  await page.keyboard.press('F1');
  await quickInputVisible(page);
  await page.locator(QUICK_INPUT_BOX).fill(`>${title}`);
  // The row's accessible label is the title, plus ", recently used" (or similar) once it was run.
  const rows = `${QUICK_INPUT} .monaco-list-row`;
  const row = page.locator(`${rows}[aria-label="${title}"], ${rows}[aria-label^="${title}, "]`).first();
  try {
    await row.waitFor({ state: 'visible', timeout });
  } catch {
    const offered = await page.locator(`${QUICK_INPUT} .monaco-list-row`).allInnerTexts();
    await dismissQuickInput(page);
    throw new Error(`command "${title}" is not in the palette (offered: ${offered.map((t) => t.replace(/\s+/g, ' ')).join(' | ') || 'nothing'})`);
  }
  await row.click();
}

/** The title line of the open quick input (QuickPick or InputBox), or '' when it has none. */
async function quickInputTitle(page) {
  const title = page.locator(`${QUICK_INPUT} .quick-input-title`);
  return (await title.isVisible()) ? (await title.innerText()).trim() : '';
}

/**
 * Answers a quick pick by typing `value` and choosing the row that contains it; `expect` is a regexp
 * on the quick input's title or placeholder, so a wrong prompt fails instead of being answered blindly.
 */
export async function pickItem(page, expect, value, { timeout = 15_000 } = {}) {
  await waitForPrompt(page, expect, timeout);
  await page.locator(QUICK_INPUT_BOX).fill(value);
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`).filter({ hasText: value }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
}

/** Answers an input box (or a free-text quick pick) whose title/placeholder matches `expect`. */
export async function answerPrompt(page, expect, value, { timeout = 15_000, pickTyped = false } = {}) {
  await waitForPrompt(page, expect, timeout);
  await page.locator(QUICK_INPUT_BOX).fill(value);
  if (pickTyped) {
    // A quick pick that offers the typed text as a row: wait for that row so Enter chooses it.
    await page.locator(`${QUICK_INPUT} .monaco-list-row`).filter({ hasText: value }).first().waitFor({ state: 'visible', timeout });
  }
  await page.keyboard.press('Enter');
}

async function waitForPrompt(page, expect, timeout) {
  const deadline = Date.now() + timeout;
  let seen = '';
  while (Date.now() < deadline) {
    if (await page.locator(QUICK_INPUT).isVisible()) {
      const placeholder = (await page.locator(QUICK_INPUT_BOX).getAttribute('placeholder')) ?? '';
      const title = await quickInputTitle(page);
      seen = `${title} / ${placeholder}`;
      if (expect.test(title) || expect.test(placeholder)) return;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`no prompt matching ${expect} within ${timeout / 1000} s (last seen: "${seen || 'no quick input'}")`);
}

/** Opens a view container from the activity bar by its title (e.g. "ActiveSync"); leaves it open if it is. */
export async function openViewContainer(page, title, { timeout = 20_000 } = {}) {
  const tab = page.locator('.part.activitybar li.action-item[role="tab"]').filter({ has: page.locator(`a.action-label[aria-label="${title}"]`) }).first();
  await tab.waitFor({ state: 'attached', timeout });
  if ((await tab.getAttribute('aria-expanded')) !== 'true') await tab.click();
  await page.locator('.part.sidebar .composite.title').filter({ hasText: title }).first().waitFor({ state: 'visible', timeout });
}

/** The pane (view) in the side bar whose header says `name`. */
export function viewPane(page, name) {
  return page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: name }) }).first();
}

/** Expands a collapsed pane by clicking its header. */
export async function expandPane(page, name) {
  const pane = viewPane(page, name);
  const header = pane.locator('.pane-header');
  await header.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return pane;
}

/** Rows currently rendered in a tree view pane, as their accessible labels (what a screen reader says). */
export async function treeRowLabels(pane) {
  return pane.locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
}

/**
 * The content frame of the webview that shows `selector`: VS Code nests it as
 * iframe.webview → iframe#active-frame. Several webviews may exist; the first that matches wins.
 */
export async function webviewFrame(page, selector, { timeout = 20_000 } = {}) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const outer of await page.locator('iframe.webview').elementHandles()) {
      try {
        const host = await outer.contentFrame();
        const inner = host && (await (await host.$('iframe#active-frame'))?.contentFrame());
        if (inner && (await inner.locator(selector).count())) return inner;
      } catch {
        // the webview was being (re)created while we looked: try again
      }
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no webview shows ${selector} within ${timeout / 1000} s`);
}

/** Hides every notification toast (they would cover the next screenshot and can steal clicks). */
export async function clearNotifications(page) {
  if (!(await page.locator('.notification-toast').count())) return;
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
}

/**
 * Opens the command palette with `text` typed (no command chosen) and returns the accessible labels
 * of the rows it offers. The list is virtualised: `total` is the list's own count (aria-setsize),
 * so a caller can tell whether every match was rendered.
 */
export async function openPalette(page, text, { expectRow, timeout = 15_000 } = {}) {
  await dismissQuickInput(page);
  await page.keyboard.press('F1');
  await quickInputVisible(page);
  await page.locator(QUICK_INPUT_BOX).fill(`>${text}`);
  const rows = page.locator(`${QUICK_INPUT} .monaco-list-row`);
  const first = expectRow ? rows.filter({ hasText: expectRow }).first() : rows.first();
  await first.waitFor({ state: 'visible', timeout });
  const labels = await rows.evaluateAll((list) => list.map((r) => r.getAttribute('aria-label') ?? ''));
  const total = Number(await rows.first().getAttribute('aria-setsize')) || labels.length;
  return { labels, total };
}

/**
 * Opens a workspace file by name through Quick Open (the palette without its ">" prefix) and waits
 * until its tab is the active one.
 */
export async function openFile(page, fileName, { timeout = 20_000 } = {}) {
  await dismissQuickInput(page);
  await page.keyboard.press('F1');
  await quickInputVisible(page);
  await page.locator(QUICK_INPUT_BOX).fill(fileName);
  const row = page.locator(`${QUICK_INPUT} .monaco-list-row`).filter({ hasText: fileName }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  await activeTab(page, fileName).waitFor({ state: 'visible', timeout });
}

/** Closes every editor; answers "Don't Save" if an edited file asks. */
export async function closeAllEditors(page) {
  await runCommand(page, 'View: Close All Editors');
  const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: /Don.t Save/ });
  if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
  await page.locator('.part.editor .tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 });
}

/** The editor groups currently shown (one per split). */
export function editorGroups(page) {
  return page.locator('.part.editor .editor-group-container');
}

/** The active tab of the active editor group, provided its label contains `name`. */
export function activeTab(page, name) {
  return page.locator('.part.editor .editor-group-container.active .tabs-container .tab.active').filter({ hasText: name }).first();
}

/** The editor group whose tab strip holds a tab labelled `name`. */
export function groupWithTab(page, name) {
  return editorGroups(page).filter({ has: page.locator('.tabs-container .tab', { hasText: name }) }).first();
}

/**
 * The text the code editor in `group` shows, line by line in document order (Monaco renders lines
 * as absolutely placed divs with non-breaking spaces). Only rendered lines: enough for short files.
 */
export async function editorText(group) {
  return group.locator('.monaco-editor .view-lines').first().evaluate((lines) => {
    const rows = Array.from(lines.querySelectorAll('.view-line')).map((row) => ({ top: parseFloat(row.style.top) || 0, text: row.textContent ?? '' }));
    return rows.sort((a, b) => a.top - b.top).map((r) => r.text.replace(/\u00a0/g, ' ')).join('\n');
  });
}

/** Whether keyboard focus is inside a code editor of `group` (not in a webview, the palette or a view). */
export async function focusIsInEditorOf(group) {
  return group.evaluate((node) => {
    const active = document.activeElement;
    return Boolean(active && node.contains(active) && active.closest('.monaco-editor'));
  });
}
