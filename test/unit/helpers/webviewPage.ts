// A webview page script (dist/media/*.js) in headless Chromium, for the page tests: the shell the
// extension serves (minus its CSP: the stand-in API is an inline script), a stand-in for
// acquireVsCodeApi that records what the page posts and keeps its state, and the message channel.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHELL = `<!DOCTYPE html><html><body><main id="root" aria-busy="true"></main></body></html>`;

/** dist/media/<name>.js, as the build writes it. */
export function pageScript(name: 'diagnosisView' | 'comparisonView'): string {
  return join(__dirname, '..', '..', '..', '..', 'dist', 'media', `${name}.js`);
}

/** Headless Chromium, or the suite is skipped (saying why) where it is not installed. */
export async function launchChromiumOrSkip(context: Mocha.Context, script: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    console.log(`    (skipped: no Chromium at ${CHROMIUM}; set CHROMIUM_PATH)`);
    context.skip();
  }
  assert.ok(existsSync(script), 'run node scripts/build.mjs first');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

export async function openWebviewPage(browser: Browser, script: string, savedState?: unknown): Promise<Page> {
  const page = await browser.newPage();
  await page.setContent(SHELL);
  await page.evaluate((state) => {
    const w = window as unknown as Record<string, unknown>;
    w.__posted = [];
    w.__state = state;
    w.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => (w.__posted as unknown[]).push(m),
      getState: () => w.__state,
      setState: (s: unknown) => (w.__state = s),
    });
  }, savedState ?? null);
  await page.addScriptTag({ path: script });
  return page;
}

/** Every message the page posted to the extension, oldest first. */
export const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: Array<Record<string, unknown>> }).__posted);

/** A message from the extension to the page. */
export const send = (page: Page, message: unknown) => page.evaluate((m) => window.postMessage(m, '*'), message);
