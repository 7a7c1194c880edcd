// Loads the CLI's main bundle with V8's code cache, so a command run every few minutes by a
// monitoring system does not compile the same megabyte of JavaScript each time: the bytecode V8
// produced on an earlier run (script.createCachedData at exit, so it includes the functions the
// command compiled lazily) is handed back to vm.Script. Node 22.1+ has module.enableCompileCache,
// but its cache is made right after compiling, before those functions exist; measured on Node 24,
// it saved less than this (bench/README.md, figure 2), so this one path serves every version.
//
// The cache is an optimisation and never a reason to fail: every file-system error is ignored
// and the bundle is then compiled as usual. Cached code is code, so it is read only from a
// directory that is the user's own (not a symlink, owned by them, writable by no one else), and
// it is keyed by a hash of the bundle's bytes, the Node version and the architecture: a changed
// bundle never meets bytecode compiled from another one, and V8 itself rejects data made by
// another V8 or with other flags (the file is then rewritten).
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type ModuleLoader from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

// The CommonJS loader, taken from this file's own module object rather than require('node:module'):
// that public module also loads Node's ES module loader and source-map support, which a CLI run
// never uses (about half a millisecond of every start-up).
const Module = module.constructor as typeof ModuleLoader;

const TOOL_DIRECTORY = 'activesync-doctor';
/** What follows a variant's prefix in its cache file's name: the key (32 hex digits) and ".bin". */
const CACHE_KEY_FILE = /^[0-9a-f]{32}\.bin$/;

/** The tool's own cache directory: XDG on Linux, the platform's cache folder elsewhere, the temp directory as a last resort. */
export function toolCacheDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, TOOL_DIRECTORY);
  let home = '';
  try {
    home = homedir();
  } catch {
    // No home directory (a service account): fall through to the temp directory.
  }
  if (platform === 'win32' && env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA)) return join(env.LOCALAPPDATA, TOOL_DIRECTORY, 'Cache');
  if (home && platform === 'darwin') return join(home, 'Library', 'Caches', TOOL_DIRECTORY);
  if (home && platform !== 'win32') return join(home, '.cache', TOOL_DIRECTORY);
  const uid = typeof process.getuid === 'function' ? `-${process.getuid()}` : '';
  return join(tmpdir(), `${TOOL_DIRECTORY}${uid}`);
}

/** Creates the directory if needed; true only when no one but this user can write into it. */
export function isPrivateDirectory(directory: string): boolean {
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const stat = lstatSync(directory);
    if (!stat.isDirectory()) return false;
    if (typeof process.getuid !== 'function') return true; // Windows: the per-user profile folder.
    return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export interface CodeCacheOptions {
  /** Part of the cache file's name: one cache per command, since each compiles different functions. */
  variant: string;
  directory?: string;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedBundle {
  exports: unknown;
  /** Where the cache was (or would be) read from; undefined when caching is off or the directory is not private. */
  cacheFile?: string;
  /** Whether V8 used the cached code for this load. */
  usedCache: boolean;
  /** Writes the cache if this load could not use one; call it late (at exit) so lazily compiled functions are in it. Never throws. */
  saveCache(): void;
}

/** require() of `file` (a CommonJS bundle), with its compiled code cached between runs. */
export function loadWithCodeCache(file: string, options: CodeCacheOptions): LoadedBundle {
  const env = options.env ?? process.env;
  const bytes = readFileSync(file);
  const directory = join(options.directory ?? toolCacheDirectory(env), 'code-cache');
  const usable = !env.NODE_DISABLE_COMPILE_CACHE && isPrivateDirectory(directory);
  const prefix = `${basename(file, '.js')}-${options.variant}-`;
  const key = createHash('sha256').update(bytes).update(`\0${process.version}\0${process.arch}\0${options.variant}`).digest('hex').slice(0, 32);
  const cacheFile = usable ? join(directory, `${prefix}${key}.bin`) : undefined;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // First run with this bundle: compiled as usual, cached by saveCache().
    }
  }
  // The build keeps the bundle ASCII (scripts/build.mjs), which decodes far faster as Latin-1.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const usedCache = cachedData !== undefined && !script.cachedDataRejected;
  const mod = new Module(file, module);
  mod.filename = file;
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: ModuleLoader, filename: string, dirname: string) => void;
  compiled.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  let saved = usedCache || !cacheFile;
  return {
    exports: mod.exports,
    cacheFile,
    usedCache,
    saveCache: () => {
      if (saved || !cacheFile) return;
      saved = true;
      writeCache(script, directory, cacheFile, prefix);
    },
  };
}

function writeCache(script: Script, directory: string, cacheFile: string, prefix: string): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    // Atomic: a concurrent run reads the old file or the new one, never half of one.
    renameSync(temporary, cacheFile);
    // Caches of earlier bundles are dead weight once this one is written. Only this variant's:
    // the key must follow the prefix directly ("probe-" is also how "probe-options-" begins).
    for (const name of readdirSync(directory)) {
      if (name.startsWith(prefix) && CACHE_KEY_FILE.test(name.slice(prefix.length)) && join(directory, name) !== cacheFile) rmSync(join(directory, name), { force: true });
    }
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing more to do: the next run compiles as usual.
    }
  }
}
