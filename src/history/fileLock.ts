// A cross-process lock file for the rare operations that rewrite the history index (compaction,
// clear, repair). Appends never take it. Two VS Code windows are two processes, so an in-memory
// mutex is not enough.
//
// The lock file is created complete in one step (written under a private name, then hard-linked
// to the lock name, which fails if it exists), so nobody ever sees an empty lock. It names its
// owner (host, pid, random token). A lock is stale when its owner's process is gone (same host)
// or when it is older than `staleMs` (owner on another host, or a reused pid); a stale lock is
// renamed away, never deleted in place, so two processes breaking it at once cannot both win
// against a fresh lock.
import * as fs from 'node:fs';
import * as os from 'node:os';
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

function tryCreate(lockPath: string, content: string): boolean {
  const tempPath = `${lockPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tempPath, content, { flag: 'wx' });
  try {
    fs.linkSync(tempPath, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      // File systems without hard links: exclusive create, then write (a tiny window where it is empty).
      try {
        fs.writeFileSync(lockPath, content, { flag: 'wx' });
        return true;
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw inner;
      }
    }
    throw error;
  } finally {
    fs.rmSync(tempPath, { force: true });
  }
}

function isStale(lockPath: string, content: string, staleMs: number): boolean {
  let ageMs: number;
  try {
    ageMs = Date.now() - fs.statSync(lockPath).mtimeMs;
  } catch {
    return false; // gone already: just retry
  }
  if (ageMs > staleMs) return true;
  try {
    const owner = JSON.parse(content) as LockOwner;
    return owner.host === os.hostname() && typeof owner.pid === 'number' && !isProcessAlive(owner.pid);
  } catch {
    return false; // unreadable content: only age decides
  }
}

/** Moves a stale lock away; if what we moved turns out to be someone's fresh lock, puts it back. */
function breakStaleLock(lockPath: string, staleContent: string): void {
  const asidePath = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    fs.renameSync(lockPath, asidePath);
  } catch {
    return; // someone else moved it first
  }
  try {
    if (fs.readFileSync(asidePath, 'utf8') !== staleContent) {
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
  const owner: LockOwner = { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };
  const content = JSON.stringify(owner);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (tryCreate(lockPath, content)) {
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === content) fs.rmSync(lockPath, { force: true });
        } catch {
          // already gone (broken as stale after a very long pause): nothing to release
        }
      };
    }
    let existing: string | undefined;
    try {
      existing = fs.readFileSync(lockPath, 'utf8');
    } catch {
      continue; // released between our attempt and the read
    }
    if (isStale(lockPath, existing, staleMs)) {
      breakStaleLock(lockPath, existing);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(lockPath);
    await sleep(10 + Math.random() * 30);
  }
}
