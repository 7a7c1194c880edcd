// `npm run test:vscode`: runs test/vscode/*.test.ts inside a real VS Code extension host.
// code-server (VS Code 1.139 on Node 24) is started with the smoke-test driver, headless Chromium
// opens the workbench with extensionDevelopmentPath/extensionTestsPath in the URL payload, the
// test index reports through codeAutomationExit(code), and this script exits with that code.
//
// The built-in lab: this runner does NOT start it. Tests that need it start it in-process through
// the engine bundle (require(<repo>/dist/engine.js).startLab()) and stop it in an after() hook, so
// no server outlives the extension host and nothing crosses processes. ACTIVESYNC_DOCTOR_TEST=1 and
// ACTIVESYNC_DOCTOR_REPO=<repo> reach the extension host through code-server's environment.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import {
  cleanupAll, installSignalCleanup, launchChromium, log, makeTempDir, recordCounts, remoteUri,
  removeStaleSockets, repoRoot, runVisible, seconds, startCodeServer, writeUserSettings,
} from './harnessCommon.mjs';
import { ensureRuntime } from './installRuntime.mjs';

const TIMEOUT_MS = Number(process.env.HARNESS_TIMEOUT_MS || 5 * 60_000);
const COUNTS_LINE = /^(\d+) passed, (\d+) failed$/;
// Workbench start-up chatter and the (deliberately dead) extension gallery: hidden unless HARNESS_VERBOSE=1.
const WORKBENCH_NOISE = [
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin extensions)/,
  /^\[(reconnection-grace-time|Service Worker|AgentHost|AccountPolicyGate)/,
  /ECONNREFUSED 127\.0\.0\.1:9\b/,
];

async function main() {
  const start = Date.now();
  installSignalCleanup();

  // `npm run package` leaves a production dist/ (minified, no sourceMappingURL) with a fresh build stamp
  // but does not transpile out/: --if-needed would then trust a stale out/test. Force a full build then.
  const extensionBundle = join(repoRoot, 'dist/extension.js');
  const productionDist = existsSync(extensionBundle) && !readFileSync(extensionBundle, 'utf8').includes('//# sourceMappingURL=');
  runVisible(process.execPath, [join(repoRoot, 'scripts/build.mjs'), ...(productionDist ? [] : ['--if-needed'])]);
  await ensureRuntime();

  log('built-in lab: the tests start it in-process via dist/engine.js');

  const baseDir = makeTempDir('asd-vscode-test-');
  onExitRemoveSockets(baseDir);
  const workspace = join(baseDir, 'workspace');
  cpSync(join(repoRoot, 'scripts/vscodeHarness/sampleWorkspace'), workspace, { recursive: true });
  const userDataDir = join(baseDir, 'user');
  writeUserSettings(userDataDir);

  const server = await startCodeServer({
    baseDir,
    folder: workspace,
    smokeTestDriver: true,
    logFile: join(baseDir, 'code-server.log'),
    env: {
      ACTIVESYNC_DOCTOR_TEST: '1',
      ACTIVESYNC_DOCTOR_REPO: repoRoot,
      ACTIVESYNC_DOCTOR_TEST_WORKSPACE: workspace,
    },
  });
  log(`code-server ready at ${server.url} (${seconds(start)} since start)`);

  const context = await launchChromium(join(baseDir, 'chromium'));
  const page = context.pages()[0] ?? (await context.newPage());

  let counts;
  const exitCode = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      console.error(`[harness] FAILED: no result from the extension host within ${TIMEOUT_MS / 1000} s`);
      resolve(1);
    }, TIMEOUT_MS);
    const finish = (code) => { clearTimeout(timer); resolve(code); };

    // The workbench's log and the extension host's console arrive here: (level, [format, ...values]).
    void page.exposeFunction('codeAutomationLog', (level, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      for (const line of text.split('\n')) {
        const match = COUNTS_LINE.exec(line.trim());
        if (match) counts = { passed: Number(match[1]), failed: Number(match[2]) };
      }
      if (!process.env.HARNESS_VERBOSE && WORKBENCH_NOISE.some((re) => re.test(text))) return;
      (level === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
    });
    void page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    page.on('pageerror', (error) => { if (process.env.HARNESS_VERBOSE) console.error(`[browser] ${error.message}`); });

    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remoteUri(repoRoot)],
      ['extensionTestsPath', remoteUri(join(repoRoot, 'out/test/vscode/index.js'))],
      ['skipWelcome', 'true'],
    ]);
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`;
    page.goto(url).catch((error) => {
      console.error(`[harness] FAILED to open the workbench: ${error.message}`);
      finish(1);
    });
  });

  if (!counts) counts = { passed: 0, failed: exitCode === 0 ? 0 : 1 };
  // A non-zero exit with no failed test (timeout, crash after the run) must still count as a failure.
  if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
  recordCounts('vscode', counts.passed, counts.failed);
  log(`extension-host tests ${exitCode === 0 ? 'passed' : `FAILED (exit ${exitCode})`} in ${seconds(start)}`);
  return exitCode;
}

function onExitRemoveSockets(baseDir) {
  // code-server puts its IPC sockets into TMPDIR, which startCodeServer points inside baseDir.
  process.on('exit', () => removeStaleSockets(join(baseDir, 'tmp')));
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`[harness] FAILED: ${error?.stack ?? error}`);
  recordCounts('vscode', 0, 1);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(code);
