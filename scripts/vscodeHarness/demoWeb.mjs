// `npm run demo:web`: try the extension in a real VS Code without installing anything by hand.
// Packages the .vsix, installs it into a throwaway code-server (VS Code 1.139 in the browser),
// starts the built-in lab next to it, prints the URL to open and the lab's scenarios (URL, user,
// password, expected result), then runs until Ctrl-C and removes everything it created.
// Options: --port N (default: a free port), --folder PATH (default: a temp copy of the sample workspace).
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cleanupAll, installSignalCleanup, installVsix, log, makeTempDir, onCleanup, removeStaleSockets, repoRoot,
  runVisible, startCodeServer, writeUserSettings,
} from './harnessCommon.mjs';
import { ensureRuntime } from './installRuntime.mjs';

const require = createRequire(import.meta.url);
const VSIX = join(repoRoot, 'dist-vsix', 'activesync-doctor.vsix');

function option(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  installSignalCleanup();
  runVisible('npm', ['run', '--silent', 'package']);
  await ensureRuntime();

  const baseDir = makeTempDir('asd-demo-');
  process.on('exit', () => removeStaleSockets(join(baseDir, 'tmp')));
  let folder = option('--folder') && resolve(option('--folder'));
  if (!folder) {
    folder = join(baseDir, 'workspace');
    cpSync(join(repoRoot, 'scripts/vscodeHarness/sampleWorkspace'), folder, { recursive: true });
  }

  // The lab runs in this process; the extension's "Run Test Against Built-in Lab" starts its own too.
  const engine = require(join(repoRoot, 'dist/engine.js'));
  const lab = await engine.startLab();
  onCleanup(() => lab.close());

  const userDataDir = join(baseDir, 'user');
  writeUserSettings(userDataDir);
  // Trust the lab's CA for "Run Connectivity Test" (a machine-overridable setting: remote settings in code-server).
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify({ 'activesyncDoctor.extraCaFile': lab.caFile }, null, 2));

  const port = option('--port') ? Number(option('--port')) : undefined;
  const server = await startCodeServer({ baseDir, folder, port, smokeTestDriver: false, logFile: join(baseDir, 'code-server.log') });
  installVsix(VSIX, { userDataDir, extensionsDir: join(baseDir, 'exts') }, server.env);

  console.log('');
  console.log(engine.formatLabListing(lab));
  console.log(`VS Code with ActiveSync Doctor: ${server.url}/?folder=${encodeURIComponent(folder)}`);
  console.log('Open the ActiveSync view in the activity bar, or F1 → "ActiveSync: Run Test Against Built-in Lab".');
  console.log('Press Ctrl-C to stop; everything started here is removed.');
  await new Promise(() => {}); // until a signal: installSignalCleanup cleans up and exits
}

try {
  await main();
} catch (error) {
  console.error(`[harness] demo FAILED: ${error?.stack ?? error}`);
  await cleanupAll();
  process.exit(1);
}
