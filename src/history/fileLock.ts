// A cross-process lock file for every write to the history index: appends (with their run file),
// compaction, clear and repair. Two VS Code windows are two processes, so an in-memory mutex is not
// enough.
//
// Taking the lock is one hard link: each process writes, once, an owner file under a private name
// (`index.lock.<pid>-<token>`, naming host, pid and token) and links it to `index.lock`, which
// fails if that name exists. Creating a file costs milliseconds on a busy ext4 disk while a link
// costs microseconds, and appends take the lock for every run (figure 5 of `npm run bench`). The
// owner file's mtime is set just before each link: the lock's mtime tells the age of the hold and
// one hold from the next, and unlike ctime it survives the rename that breaks a stale lock.
// A lock is stale when its owner's process is gone (same host) or when it is older than `staleMs`
// (owner on another host, or a reused pid); a stale lock is renamed away, never deleted in place,
// so two processes breaking it at once cannot both win against a fresh lock. Owner files of dead
// processes and stale locks moved aside are removed by the next lock; a process removes its own
// owner file when it exits.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LockOptions {
  /** Give up after this long. */
  timeoutMs?: number;
  /** A lock this old is stale whoever holds it. Rewrites of 10,000 runs take well under a second. */
  staleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(path: string) {
    super(`The history is busy in another window (lock ${path}); try again in a moment.`);
    this.name = 'LockTimeoutError';
  }
}

interface LockOwner {
  host: string;
  pid: number;
  token: string;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An owner file older than this is removed even if a process with its pid runs (a reused pid). */
const OWNER_FILE_MAX_AGE_MS = 24 * 60 * 60_000;

/** This process's owner file for each lock it has taken, created on first use. */
const ownerFiles = new Map<string, string>();
let removeOwnerFilesOnExit = false;

function ownerFileFor(lockPath: string): string {
  const known = ownerFiles.get(lockPath);
  if (known !== undefined) return known;
  const owner: LockOwner = { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };
  const ownerPath = `${lockPath}.${process.pid}-${owner.token}`;
  try {
    fs.writeFileSync(ownerPath, JSON.stringify(owner), { flag: 'wx' });
  } catch (error) {
    fs.rmSync(ownerPath, { force: true }); // a full disk can leave it empty
    throw error;
  }
  ownerFiles.set(lockPath, ownerPath);
  if (!removeOwnerFilesOnExit) {
    removeOwnerFilesOnExit = true;
    process.once('exit', () => {
      for (const file of ownerFiles.values()) fs.rmSync(file, { force: true });
    });
  }
  return ownerPath;
}

/** Identity of one hold of the lock: which owner file, linked when. */
interface Hold {
  ino: bigint;
  mtimeNs: bigint;
}

function holdOf(file: string): Hold | undefined {
  try {
    const stat = fs.statSync(file, { bigint: true });
    return { ino: stat.ino, mtimeNs: stat.mtimeNs };
  } catch {
    return undefined;
  }
}

const sameHold = (a: Hold | undefined, b: Hold | undefined) => a !== undefined && b !== undefined && a.ino === b.ino && a.mtimeNs === b.mtimeNs;

/** Tries once; resolves to the hold taken, or undefined when someone else holds the lock. */
function tryTake(lockPath: string): Hold | undefined {
  const ownerPath = ownerFileFor(lockPath);
  const now = new Date();
  try {
    fs.utimesSync(ownerPath, now, now);
    fs.linkSync(ownerPath, lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return undefined;
    if (code === 'ENOENT') {
      ownerFiles.delete(lockPath); // removed from outside (a cleared folder): write it again
      return tryTake(lockPath);
    }
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      // File systems without hard links: exclusive create, then write (a tiny window where it is empty).
      try {
        fs.copyFileSync(ownerPath, lockPath, fs.constants.COPYFILE_EXCL);
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
        throw inner;
      }
    } else {
      throw error;
    }
  }
  return holdOf(lockPath);
}

/** The owner named in a lock or owner file is a process of this host that is gone. */
function ownerIsDead(content: string): boolean {
  try {
    const owner = JSON.parse(content) as LockOwner;
    return owner.host === os.hostname() && typeof owner.pid === 'number' && !isProcessAlive(owner.pid);
  } catch {
    return false; // unreadable content: only age decides
  }
}

/**
 * Removes what dead processes left next to the lock: their owner files (`index.lock.<pid>-…`) and
 * stale locks moved aside (`index.lock.stale-…`) by a process killed before it removed them.
 */
function removeAbandonedLockFiles(lockPath: string, staleMs: number): void {
  const directory = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const ownerName = /^(\d+)-[0-9a-f]+$/.exec(rest);
    const file = path.join(directory, name);
    try {
      let abandoned = false;
      if (ownerName) {
        const pid = Number(ownerName[1]);
        abandoned = pid !== process.pid && (!isProcessAlive(pid) || Date.now() - fs.statSync(file).mtimeMs > OWNER_FILE_MAX_AGE_MS);
      } else if (rest.startsWith('stale-')) {
        // A rename sets ctime: a lock moved aside a moment ago (maybe to be put back) is kept.
        abandoned = ownerIsDead(fs.readFileSync(file, 'utf8')) || Date.now() - fs.statSync(file).ctimeMs > staleMs;
      }
      if (abandoned) fs.rmSync(file, { force: true });
    } catch {
      // removed meanwhile by its owner
    }
  }
}

function isStale(lockPath: string, staleMs: number): Hold | undefined {
  let stat: fs.BigIntStats;
  let content: string;
  try {
    stat = fs.statSync(lockPath, { bigint: true });
    content = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return undefined; // gone already: just retry
  }
  const hold = { ino: stat.ino, mtimeNs: stat.mtimeNs };
  return Date.now() - Number(stat.mtimeMs) > staleMs || ownerIsDead(content) ? hold : undefined;
}

/** Moves a stale lock away; if what we moved turns out to be a newer hold, puts it back. */
function breakStaleLock(lockPath: string, stale: Hold): void {
  const asidePath = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(lockPath, asidePath);
  } catch {
    return; // someone else moved it first
  }
  try {
    const moved = holdOf(asidePath);
    if (moved !== undefined && !sameHold(moved, stale)) {
      try {
        fs.linkSync(asidePath, lockPath);
      } catch {
        // a newer lock took the name meanwhile: it wins either way
      }
    }
  } finally {
    fs.rmSync(asidePath, { force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Takes the lock, waiting for it; resolves to the function that releases it. */
export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<() => void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const hold = tryTake(lockPath);
    if (hold !== undefined) {
      removeAbandonedLockFiles(lockPath, staleMs);
      return () => {
        // Only our own hold: after a very long pause it may have been broken as stale and retaken.
        if (sameHold(holdOf(lockPath), hold)) fs.rmSync(lockPath, { force: true });
      };
    }
    const stale = isStale(lockPath, staleMs);
    if (stale !== undefined) {
      breakStaleLock(lockPath, stale);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(lockPath);
    // Appends hold the lock for well under a millisecond: look again every millisecond or so
    // for a while, then back off (a rewrite, or a holder the OS paused).
    const ceilingMs = attempt < 30 ? 1 : Math.min(40, 2 ** Math.min(attempt - 30, 5));
    await sleep(ceilingMs / 2 + Math.random() * ceilingMs);
  }
}
