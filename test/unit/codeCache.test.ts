// The CLI's code cache (src/cli/codeCache.ts): written once, used on the next run, never used for
// another bundle or from a directory someone else can write to, and never a reason to fail.
// Each load runs in a fresh Node process, as the CLI does: inside one process V8 would answer
// from its in-memory compilation cache and the file would not be tested at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolCacheDirectory } from '../../src/cli/codeCache';

const LOADER = join(__dirname, '..', '..', 'src', 'cli', 'codeCache.js');

interface LoadReport {
  usedCache: boolean;
  cacheFile?: string;
  answer: unknown;
}

/** Loads `bundle` through the cache in a child process, saves the cache, reports what happened. */
function loadInChild(bundle: string, directory: string, env: NodeJS.ProcessEnv = {}, variant = 'probe'): LoadReport {
  const script = `
    const { loadWithCodeCache } = require(${JSON.stringify(LOADER)});
    const loaded = loadWithCodeCache(${JSON.stringify(bundle)}, { variant: ${JSON.stringify(variant)}, directory: ${JSON.stringify(directory)} });
    loaded.saveCache();
    process.stdout.write(JSON.stringify({ usedCache: loaded.usedCache, cacheFile: loaded.cacheFile, answer: loaded.exports.answer(20) }));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 15_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as LoadReport;
}

function bundleSource(offset: number): string {
  // Enough functions that V8 has something to cache; `offset` changes the code, not its length.
  const helpers = Array.from({ length: 50 }, (_, i) => `function helper${i}(x) { return x + ${i}; }`).join('\n');
  return `${helpers}\nexports.answer = (x) => helper${offset}(x) + helper0(1);\nexports.sawRequire = typeof require('node:path').join;\n`;
}

describe('CLI code cache', function () {
  this.timeout(60_000);
  let root: string;
  let bundle: string;
  let cacheDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'asd-code-cache-'));
    bundle = join(root, 'cliMain.js');
    cacheDir = join(root, 'cache');
    writeFileSync(bundle, bundleSource(1));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const cacheFiles = () => (existsSync(join(cacheDir, 'code-cache')) ? readdirSync(join(cacheDir, 'code-cache')) : []);

  it('compiles and writes the cache on the first run, and uses it on the next', function () {
    const first = loadInChild(bundle, cacheDir);
    assert.equal(first.usedCache, false);
    assert.equal(first.answer, 22);
    assert.ok(first.cacheFile && existsSync(first.cacheFile), 'the cache file was written');
    if (process.platform !== 'win32') {
      assert.equal(statSync(first.cacheFile).mode & 0o777, 0o600, 'only the user can read the cached code');
      assert.equal(statSync(join(cacheDir, 'code-cache')).mode & 0o777, 0o700);
    }
    const second = loadInChild(bundle, cacheDir);
    assert.equal(second.usedCache, true);
    assert.equal(second.cacheFile, first.cacheFile);
    assert.equal(second.answer, 22);
  });

  it('never uses the cache of another bundle, even one of the same length, and drops the old one', function () {
    const first = loadInChild(bundle, cacheDir);
    writeFileSync(bundle, bundleSource(7));
    const changed = loadInChild(bundle, cacheDir);
    assert.equal(changed.usedCache, false);
    assert.equal(changed.answer, 28, 'the new code ran, not the cached old one');
    assert.notEqual(changed.cacheFile, first.cacheFile);
    assert.deepEqual(cacheFiles(), [changed.cacheFile!.split(/[\\/]/).pop()], 'only the current bundle keeps a cache');
  });

  it('keeps one cache per variant, even when one variant\'s name begins with another\'s', function () {
    const options = loadInChild(bundle, cacheDir, {}, 'probe-options');
    const session = loadInChild(bundle, cacheDir, {}, 'probe');
    assert.notEqual(options.cacheFile, session.cacheFile);
    assert.deepEqual(cacheFiles().sort(), [options.cacheFile, session.cacheFile].map((f) => f!.split(/[\\/]/).pop()).sort(), 'writing one variant left the other in place');
    assert.equal(loadInChild(bundle, cacheDir, {}, 'probe-options').usedCache, true);
    assert.equal(loadInChild(bundle, cacheDir, {}, 'probe').usedCache, true);
  });

  it('compiles as usual when the cache file is damaged, then replaces it', function () {
    const first = loadInChild(bundle, cacheDir);
    writeFileSync(first.cacheFile!, Buffer.from('not V8 code at all'));
    const damaged = loadInChild(bundle, cacheDir);
    assert.equal(damaged.usedCache, false);
    assert.equal(damaged.answer, 22);
    assert.equal(loadInChild(bundle, cacheDir).usedCache, true, 'the rewritten cache is used again');
  });

  it('does not read or write a cache in a directory others can write to', function () {
    if (process.platform === 'win32') this.skip();
    mkdirSync(join(cacheDir, 'code-cache'), { recursive: true });
    chmodSync(join(cacheDir, 'code-cache'), 0o777);
    const report = loadInChild(bundle, cacheDir);
    assert.equal(report.cacheFile, undefined);
    assert.equal(report.answer, 22);
    assert.deepEqual(cacheFiles(), []);
  });

  it('runs the bundle when the cache directory cannot be created, or caching is turned off', function () {
    writeFileSync(join(root, 'a-file'), 'x');
    const blocked = loadInChild(bundle, join(root, 'a-file', 'below'));
    assert.equal(blocked.cacheFile, undefined);
    assert.equal(blocked.answer, 22);
    const off = loadInChild(bundle, cacheDir, { NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(off.cacheFile, undefined);
    assert.equal(off.answer, 22);
    assert.deepEqual(cacheFiles(), []);
  });

  it('keeps the cache in the tool\'s own directory for each platform', function () {
    assert.equal(toolCacheDirectory({ XDG_CACHE_HOME: '/xdg' }, 'linux'), join('/xdg', 'activesync-doctor'));
    assert.ok(toolCacheDirectory({ XDG_CACHE_HOME: 'relative' }, 'linux').endsWith(join('.cache', 'activesync-doctor')), 'a relative XDG_CACHE_HOME is ignored, as the XDG spec says');
    assert.ok(toolCacheDirectory({}, 'darwin').endsWith(join('Library', 'Caches', 'activesync-doctor')));
  });
});
