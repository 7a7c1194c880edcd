// The `activesync-doctor` executable: a few lines that load the CLI bundle (dist/cliMain.js)
// through V8's code cache, so each run skips compiling it. Kept tiny on purpose: everything it
// imports is paid by every command before any work starts.
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { cliV8Flags } from './cliV8Flags';
import { loadWithCodeCache } from './codeCache';

const COMMANDS_WITH_OWN_CACHE = new Set(['probe', 'batch', 'diff', 'exporter', 'lab', 'demo']);
const command = process.argv[2] ?? '';
// Before the bundle is compiled: V8 accepts cached code only under the flags it was made with.
for (const v8Flag of cliV8Flags(command)) setFlagsFromString(v8Flag);
// A cache holds the functions the run that wrote it compiled, and is never rewritten while it is
// accepted: `probe --options-only` and the default probe (Provision, FolderSync, Sync) get one each,
// so a monitor's first run does not decide for good which of the two runs from cache.
const variant = !COMMANDS_WITH_OWN_CACHE.has(command) ? 'other' : command === 'probe' && process.argv.includes('--options-only') ? 'probe-options' : command;
const bundle = loadWithCodeCache(join(__dirname, 'cliMain.js'), { variant });
process.once('exit', bundle.saveCache);
(bundle.exports as typeof import('./main')).runFromCommandLine();
