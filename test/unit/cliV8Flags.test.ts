// The V8 flags the CLI sets for itself (src/cli/cliV8Flags.ts): `batch` trades some collector CPU
// for a smaller heap, the other commands keep V8's defaults apart from the baseline WebAssembly tier,
// and the flags are set before the bundle is compiled, so the batch command's code cache made
// under them is accepted on the next run rather than rewritten every time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliV8Flags } from '../../src/cli/cliV8Flags';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('cliV8Flags', () => {
  it('batch favours memory size; every command keeps undici’s WebAssembly on the baseline tier', () => {
    assert.deepEqual(cliV8Flags('batch'), ['--liftoff-only', '--optimize-for-size']);
    for (const command of ['probe', 'exporter', 'lab', 'diff', 'demo', '', '--help', '__proto__']) {
      assert.deepEqual(cliV8Flags(command), ['--liftoff-only'], command);
    }
  });

  it('the batch command’s code cache, made under its flags, is accepted on the next run', function () {
    this.timeout(30_000);
    const home = mkdtempSync(join(tmpdir(), 'cli-v8-flags-'));
    try {
      const targets = join(home, 'targets.txt');
      // Nothing listens on port 1: each run ends quickly with a refused connection (exit 1).
      writeFileSync(targets, 'https://127.0.0.1:1/Microsoft-Server-ActiveSync\n');
      const cacheDirectory = join(home, 'activesync-doctor', 'code-cache');
      const run = () => {
        const r = spawnSync(process.execPath, [CLI, 'batch', targets, '--no-cross-check'], { encoding: 'utf8', env: { PATH: process.env.PATH, XDG_CACHE_HOME: home }, timeout: 20_000 });
        assert.equal(r.status, 1, r.stderr);
        const files = readdirSync(cacheDirectory).filter((name) => name.startsWith('cliMain-batch-'));
        assert.equal(files.length, 1, files.join(', '));
        const { mtimeMs, size } = statSync(join(cacheDirectory, files[0]));
        return { name: files[0], mtimeMs, size };
      };
      const first = run();
      // A rejected cache would be rewritten at exit (a new modification time).
      assert.deepEqual(run(), first);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
