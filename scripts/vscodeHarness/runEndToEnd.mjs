// `npm run test:e2e`: the extension as a person gets it. Packages the .vsix (`npm run package`),
// installs it offline into a fresh code-server (no smoke-test driver, so notifications show), opens
// the workbench in headless Chromium and runs the stages of test/e2e/endToEndFlow.mjs, saving a
// light and a dark PNG of each stage into test-artifacts/e2e/. A stage whose contributions the
// packaged package.json lacks is SKIPPED (said so); every other stage passes or fails.
// `--update-screenshots` (or HARNESS_UPDATE_SCREENSHOTS=1) also copies the PNGs of the stages that
// name a README picture into media/screenshots/<name>-<light|dark>.png, only when every stage passed.
// Nothing else writes there: CI never refreshes the README pictures unless asked to.
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cleanupAll, installSignalCleanup, installVsix, launchChromium, log, makeTempDir, onCleanup, recordCounts,
  removeStaleSockets, repoRoot, runVisible, seconds, startCodeServer, writeUserSettings,
} from './harnessCommon.mjs';
import { ensureRuntime } from './installRuntime.mjs';
import { LAB_SCENARIO, missingContributions, STAGES } from '../../test/e2e/endToEndFlow.mjs';
import { setThemeKind } from '../../test/e2e/workbenchDriver.mjs';

const require = createRequire(import.meta.url);
// HARNESS_VSIX=<file> tests an already built .vsix (e.g. a release candidate) instead of packaging one.
const VSIX = process.env.HARNESS_VSIX ? resolve(process.env.HARNESS_VSIX) : join(repoRoot, 'dist-vsix', 'activesync-doctor.vsix');
const ARTIFACTS = join(repoRoot, 'test-artifacts', 'e2e');
const README_SCREENSHOTS = join(repoRoot, 'media', 'screenshots');
const UPDATE_SCREENSHOTS = process.argv.includes('--update-screenshots') || process.env.HARNESS_UPDATE_SCREENSHOTS === '1';
const EXTENSION_ID = 'activesync-doctor.activesync-doctor';
const TIMEOUT_MS = Number(process.env.HARNESS_TIMEOUT_MS || 8 * 60_000);

function packageExtension() {
  const start = Date.now();
  runVisible('npm', ['run', '--silent', 'package']);
  const size = statSync(VSIX).size;
  log(`packaged ${VSIX}: ${(size / 1024 / 1024).toFixed(2)} MB (${size} bytes) in ${seconds(start)}`);
}

/** The package.json of the installed copy, i.e. exactly what the .vsix shipped. */
function installedPackageJson(extensionsDir) {
  const dir = readdirSync(extensionsDir).find((name) => name.toLowerCase().startsWith(`${EXTENSION_ID}-`));
  if (!dir) throw new Error(`${EXTENSION_ID} is not in ${extensionsDir} after installing the .vsix`);
  return JSON.parse(readFileSync(join(extensionsDir, dir, 'package.json'), 'utf8'));
}

/**
 * Copies the README pictures into media/screenshots/ (opt-in). A run with a failed or skipped stage
 * changes nothing there, so the README never mixes pictures of two different runs.
 */
function updateReadmeScreenshots(readmeShots, { failed, skipped }) {
  if (failed > 0 || skipped > 0) {
    log(`--update-screenshots: NOT updating ${README_SCREENSHOTS} (${failed} failed, ${skipped} skipped stages)`);
    return;
  }
  mkdirSync(README_SCREENSHOTS, { recursive: true });
  for (const { name, shots } of readmeShots) {
    for (const [kind, file] of Object.entries(shots)) {
      const target = join(README_SCREENSHOTS, `${name}-${kind}.png`);
      cpSync(file, target);
      const kb = statSync(target).size / 1024;
      log(`screenshot ${target.slice(repoRoot.length + 1)}: ${kb.toFixed(0)} KB${kb > 400 ? ' (over 400 KB: consider a smaller viewport)' : ''}`);
    }
  }
}

/**
 * A lab for the "Run Connectivity Test" stage, in this process (the extension host reaches it over
 * loopback). `changeTo(id)` plays the admin's fix: the lab stops and the other scenario starts on
 * the very same port, so the next run tests the same server after the change. The lab CA stays the
 * same within this process; it is copied to `stableCaFile`, which outlives each lab's own copy.
 */
async function startLabForTypedRun(engine, stableCaFile) {
  const requests = [];
  let current = await engine.startLab({ scenarios: [LAB_SCENARIO], onRequest: (info) => requests.push(info) });
  writeFileSync(stableCaFile, current.caPem);
  onCleanup(() => current.close());
  const lab = {
    requests,
    caFile: stableCaFile,
    get endpoints() {
      return current.endpoints;
    },
    urlFor: (id) => current.urlFor(id),
    async changeTo(scenarioId) {
      const port = current.endpoints[0].port;
      await current.close();
      current = await engine.startLab({ scenarios: [scenarioId], ports: { [scenarioId]: port }, onRequest: (info) => requests.push(info) });
    },
  };
  return lab;
}

async function main() {
  const start = Date.now();
  installSignalCleanup();
  if (process.env.HARNESS_VSIX) log(`testing the given ${VSIX} (${(statSync(VSIX).size / 1024 / 1024).toFixed(2)} MB)`);
  else packageExtension();
  await ensureRuntime();

  const baseDir = makeTempDir('asd-e2e-');
  process.on('exit', () => removeStaleSockets(join(baseDir, 'tmp')));
  const workspace = join(baseDir, 'workspace');
  cpSync(join(repoRoot, 'scripts/vscodeHarness/sampleWorkspace'), workspace, { recursive: true });
  const userDataDir = join(baseDir, 'user');
  const extensionsDir = join(baseDir, 'exts');
  const engine = require(join(repoRoot, 'dist/engine.js'));
  const lab = await startLabForTypedRun(engine, join(baseDir, 'lab-ca.pem'));
  const scenario = lab && engine.LAB_SCENARIOS.find((s) => s.id === LAB_SCENARIO);
  log(`e2e lab: ${LAB_SCENARIO} at ${lab.urlFor(LAB_SCENARIO)}`);
  // VS Code's default light and dark themes (the palette toggle switches between them).
  writeUserSettings(userDataDir);
  if (lab) {
    // The e2e lab's own CA, so "Run Connectivity Test" trusts its certificate as an internal CA.
    // The setting is machine-overridable: a code-server window is a remote window, which reads such
    // settings from the remote (Machine) settings, not from User settings.
    mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
    writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify({ 'activesyncDoctor.extraCaFile': lab.caFile }, null, 2));
  }

  const server = await startCodeServer({ baseDir, folder: workspace, smokeTestDriver: false, logFile: join(baseDir, 'code-server.log') });
  installVsix(VSIX, { userDataDir, extensionsDir }, server.env);
  const packageJson = installedPackageJson(extensionsDir);
  log(`installed ${EXTENSION_ID} ${packageJson.version}; code-server at ${server.url}`);

  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await launchChromium(join(baseDir, 'chromium'));
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);

  /**
   * One PNG per theme of what the stage left on screen (light first, then dark, then back to light).
   * A stage whose picture does not survive the theme switch (an open palette) redraws it in
   * beforeScreenshot, and tidies up in afterScreenshots.
   */
  async function screenshots(index, stage, context) {
    const files = {};
    for (const kind of ['light', 'dark']) {
      await setThemeKind(page, kind);
      await stage.beforeScreenshot?.(context);
      await page.waitForTimeout(400); // let webviews repaint with the new theme variables
      const file = join(ARTIFACTS, `${String(index).padStart(2, '0')}-${stage.name}-${kind}.png`);
      await page.screenshot({ path: file });
      files[kind] = file;
    }
    await stage.afterScreenshots?.(context);
    await setThemeKind(page, 'light');
    return files;
  }

  const results = new Map();
  const readmeShots = [];
  let passed = 0;
  let failed = 0;
  const state = {};
  for (const [i, stage] of STAGES.entries()) {
    const index = i + 1;
    const missing = missingContributions(stage, packageJson);
    if (missing.length) {
      console.log(`  SKIPPED: ${stage.title}: the packaged extension does not contribute ${missing.join(', ')} yet`);
      results.set(stage.name, 'skipped');
      continue;
    }
    if (stage.requiresLab && !lab) {
      console.log(`  SKIPPED: ${stage.title}: the built-in lab (src/lab/labServer.ts) is still a placeholder`);
      results.set(stage.name, 'skipped');
      continue;
    }
    const blockedBy = (stage.after ?? []).filter((name) => results.get(name) !== 'passed');
    if (blockedBy.length) {
      console.log(`  ✘ ${stage.title}: NOT RUN, needs ${blockedBy.join(', ')} to pass first`);
      results.set(stage.name, 'failed');
      failed++;
      continue;
    }
    const stageStart = Date.now();
    try {
      const context = { page, lab, scenario, state, packageJson, log: (message) => console.log(`      ${message}`) };
      await stage.run(context);
      const shots = await screenshots(index, stage, context);
      if (stage.screenshot) readmeShots.push({ name: stage.screenshot, shots });
      console.log(`  ✔ ${stage.title} (${seconds(stageStart)}; ${Object.values(shots).map((f) => f.slice(ARTIFACTS.length + 1)).join(', ')})`);
      results.set(stage.name, 'passed');
      passed++;
    } catch (error) {
      const shot = join(ARTIFACTS, `${String(index).padStart(2, '0')}-${stage.name}-FAILED.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      console.log(`  ✘ ${stage.title} (${seconds(stageStart)}): ${String(error?.message ?? error).split('\n')[0]}`);
      if (process.env.HARNESS_VERBOSE) console.error(error);
      console.log(`      screenshot: ${shot}`);
      results.set(stage.name, 'failed');
      failed++;
    }
  }
  writeFileSync(join(ARTIFACTS, 'results.json'), JSON.stringify(Object.fromEntries(results), null, 2));
  if (UPDATE_SCREENSHOTS) updateReadmeScreenshots(readmeShots, { failed, skipped: [...results.values()].filter((r) => r === 'skipped').length });
  log(`end-to-end finished in ${seconds(start)}; screenshots in ${ARTIFACTS}`);
  return { passed, failed };
}

let counts = { passed: 0, failed: 1 };
const timer = setTimeout(async () => {
  console.error(`[harness] FAILED: end-to-end run exceeded ${TIMEOUT_MS / 1000} s`);
  recordCounts('e2e', 0, 1);
  console.log('0 passed, 1 failed');
  await cleanupAll();
  process.exit(1);
}, TIMEOUT_MS);
try {
  counts = await main();
} catch (error) {
  console.error(`[harness] FAILED: ${error?.stack ?? error}`);
  counts = { passed: 0, failed: 1 };
} finally {
  clearTimeout(timer);
  await cleanupAll();
}
console.log(`${counts.passed} passed, ${counts.failed} failed`);
recordCounts('e2e', counts.passed, counts.failed);
process.exit(counts.failed > 0 ? 1 : 0);
