// Rewrites the history index in place of the old one: compaction (drop deleted and expired runs),
// repair (drop a torn tail, salvage a damaged file) and clear all go through here. The caller
// holds the history lock, so only appenders run concurrently, and they must not lose a line:
//   1. read the old file up to its last complete line and decide what to keep;
//   2. write the kept lines, then every complete line appended since step 1, to a temporary file
//      in the same folder; fsync it (a rename of unsynced data can leave an empty file after a
//      power cut on some file systems);
//   3. if the old file is damaged, keep a hard link to it as index.corrupt-<time>.jsonl first;
//   4. rename the temporary file over index.jsonl (atomic), fsync the folder;
//   5. read the old file once more, through the descriptor opened in step 1, and append whatever
//      complete lines reached it before the rename. An appender whose write ends after the rename
//      sees the inode change and writes its line again itself (indexLog.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDirectory, writeAll } from './diskWrites';
import { appendIndexLines, INDEX_FILE, parseIndex, readFrom, type IndexRecord, type ParsedIndex } from './indexLog';

export interface RewritePlan {
  /** Records to write, in order. */
  keep: IndexRecord[];
}

export interface RewriteResult {
  /** What the old file held when the rewrite started. */
  before: ParsedIndex;
  /** Records other processes appended while we rewrote (already in the new file). */
  appendedMeanwhile: IndexRecord[];
  /** Complete but unreadable lines found in the old file (garbage, not a torn tail). */
  damagedLines: number;
  /** Size of the file we wrote: later reads can start here. */
  writtenBytes: number;
  /** Set when the old file was damaged and kept for the user. */
  corruptCopyPath?: string;
  /** Lines appended during the rename that could not be copied (the new file had a torn tail). */
  uncopiedLines: number;
}

const RETRYABLE_RENAME = new Set(['EPERM', 'EACCES', 'EBUSY']);

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Windows refuses a rename while another process has the target open without sharing delete: retry briefly. */
function renameWithRetry(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (error) {
      if (attempt >= 20 || !RETRYABLE_RENAME.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      sleepSync(25);
    }
  }
}

export function fileStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function keepCorruptCopy(indexPath: string, directory: string): string {
  let copyPath = path.join(directory, `index.corrupt-${fileStamp()}.jsonl`);
  if (fs.existsSync(copyPath)) copyPath = copyPath.replace(/\.jsonl$/, `-${randomBytes(3).toString('hex')}.jsonl`);
  try {
    fs.linkSync(indexPath, copyPath);
  } catch {
    fs.copyFileSync(indexPath, copyPath);
  }
  return copyPath;
}

/** Lets tests append at the worst moment; production code passes none. */
export interface RewriteHooks {
  beforeRename?(): void;
}

export function rewriteIndex(directory: string, plan: (before: ParsedIndex) => RewritePlan, hooks: RewriteHooks = {}): RewriteResult {
  const indexPath = path.join(directory, INDEX_FILE);
  let oldFd: number | undefined;
  try {
    oldFd = fs.openSync(indexPath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    const before = parseIndex(oldFd === undefined ? Buffer.alloc(0) : readFrom(oldFd, 0));
    const { keep } = plan(before);

    const tempPath = `${indexPath}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const keptText = keep.map((r) => `${r.line}\n`).join('');
    let copiedUpTo = before.endOfLastLine;
    let meanwhile: ParsedIndex | undefined;
    const tempFd = fs.openSync(tempPath, 'wx');
    let writtenBytes = 0;
    try {
      const keptBytes = Buffer.from(keptText, 'utf8');
      writeAll(tempFd, keptBytes);
      writtenBytes += keptBytes.length;
      if (oldFd !== undefined) {
        meanwhile = parseIndex(readFrom(oldFd, copiedUpTo));
        copiedUpTo += meanwhile.endOfLastLine;
        const text = meanwhile.records.map((r) => `${r.line}\n`).join('');
        if (text) {
          const textBytes = Buffer.from(text, 'utf8');
          writeAll(tempFd, textBytes);
          writtenBytes += textBytes.length;
        }
      }
      fs.fsyncSync(tempFd);
    } catch (error) {
      fs.closeSync(tempFd);
      fs.rmSync(tempPath, { force: true });
      throw error;
    }
    fs.closeSync(tempFd);

    const damagedLines = before.damagedLines + (meanwhile?.damagedLines ?? 0);
    const corruptCopyPath = damagedLines > 0 && oldFd !== undefined ? keepCorruptCopy(indexPath, directory) : undefined;
    hooks.beforeRename?.();
    try {
      renameWithRetry(tempPath, indexPath);
    } catch (error) {
      fs.rmSync(tempPath, { force: true });
      throw error;
    }
    fsyncDirectory(directory);

    const appendedMeanwhile = [...(meanwhile?.records ?? [])];
    let uncopiedLines = 0;
    if (oldFd !== undefined) {
      const late = parseIndex(readFrom(oldFd, copiedUpTo));
      if (late.records.length > 0) {
        appendedMeanwhile.push(...late.records);
        if (appendIndexLines(indexPath, late.records.map((r) => r.line), false) === 'tornTail') uncopiedLines = late.records.length;
      }
    }
    return { before, appendedMeanwhile, damagedLines, writtenBytes, corruptCopyPath, uncopiedLines };
  } finally {
    if (oldFd !== undefined) fs.closeSync(oldFd);
  }
}
