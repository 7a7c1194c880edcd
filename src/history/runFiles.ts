// The full runs: one JSON file per run in `runs/`, named after the run id. A run is written whole
// to a private temporary name and renamed into place, so a reader (or a crash) only ever sees a
// whole file or none. Each file is self-contained, which is what lets the index be rebuilt from these
// files when it is lost or damaged. The ActiveSync session evidence the command steps share is
// written once per file (sharedEvidence.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { ProbeRun } from '../probe/runModel';
import { writeAll } from './diskWrites';
import { fileStamp } from './indexRewrite';
import { validateRun } from './runValidation';
import { restoreSharedEvidence } from './sharedEvidence';

export const RUNS_FOLDER = 'runs';
const TEMP_MARK = '.tmp-';

/**
 * File name for a run id. Ids from the probe are plain lower-case tokens and are used as they are;
 * anything else (path characters, upper case that would collide on case-insensitive disks, very
 * long ids) is hashed.
 */
export function runFileName(id: string): string {
  if (/^[a-z0-9][a-z0-9._-]{0,99}$/.test(id) && !id.includes(TEMP_MARK) && !id.includes('.corrupt-')) return `${id}.json`;
  return `h-${createHash('sha256').update(id).digest('hex').slice(0, 40)}.json`;
}

export function runFilePath(directory: string, id: string): string {
  return path.join(directory, RUNS_FOLDER, runFileName(id));
}

/** A run file written whole under a temporary name, not yet in place. */
export interface PreparedRunFile {
  tempPath: string;
  finalPath: string;
}

/**
 * Writes a run file whole under a private temporary name (flushed first when durable); on any
 * failure the temporary file is removed and the OS error (ENOSPC…) thrown. Done outside the
 * history lock: the bytes are the slow part, and other windows may write theirs meanwhile.
 */
export function prepareRunFile(directory: string, id: string, json: string, durable: boolean): PreparedRunFile {
  const finalPath = runFilePath(directory, id);
  const tempPath = `${finalPath}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = fs.openSync(tempPath, 'wx');
    try {
      writeAll(fd, Buffer.from(json, 'utf8'));
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    fs.rmSync(tempPath, { force: true });
    throw error;
  }
  return { tempPath, finalPath };
}

/** Renames a prepared run file into place (under the lock, just before its index line). */
export function commitRunFile(prepared: PreparedRunFile): void {
  fs.renameSync(prepared.tempPath, prepared.finalPath);
}

/** Removes a prepared run file that will not be committed (no effect once it was). */
export function discardRunFile(prepared: PreparedRunFile): void {
  fs.rmSync(prepared.tempPath, { force: true });
}

export function removeRunFile(directory: string, id: string): void {
  fs.rmSync(runFilePath(directory, id), { force: true });
}

export interface RunFolderListing {
  /** Names of complete run files. */
  runFiles: string[];
  /** Temporary files with the pid that wrote them. */
  tempFiles: Array<{ name: string; pid: number }>;
}

export function listRunFolder(directory: string): RunFolderListing {
  const listing: RunFolderListing = { runFiles: [], tempFiles: [] };
  let names: string[];
  try {
    names = fs.readdirSync(path.join(directory, RUNS_FOLDER));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return listing;
    throw error;
  }
  for (const name of names) {
    const temp = name.indexOf(TEMP_MARK);
    if (temp >= 0) listing.tempFiles.push({ name, pid: Number.parseInt(name.slice(temp + TEMP_MARK.length), 10) });
    else if (name.endsWith('.json') && !name.includes('.corrupt-')) listing.runFiles.push(name);
  }
  return listing;
}

/** Keeps a damaged run file for the user under a name the store ignores, instead of deleting it. */
export function moveRunFileAside(directory: string, name: string, stamp: string): string {
  const asideName = name.replace(/\.json$/, `.corrupt-${stamp}.json`);
  fs.renameSync(path.join(directory, RUNS_FOLDER, name), path.join(directory, RUNS_FOLDER, asideName));
  return path.join(directory, RUNS_FOLDER, asideName);
}

/** What a run file turned out to hold, for get() and for the check of the runs' folder alike. */
export type StoredRunRead =
  | { kind: 'run'; run: ProbeRun }
  | { kind: 'missing' }
  /** The file is there but could not be read (permissions, I/O error): left alone. */
  | { kind: 'unreadable'; message: string }
  /** Not JSON (cut short, overwritten): moved aside under a name the store ignores. */
  | { kind: 'damaged'; keptAs: string }
  /** JSON, but not a run this version reads, or the run of another id: left alone. */
  | { kind: 'notARun'; reason: string };

/** Reads, parses and checks one run file; a damaged one is moved aside, never deleted. */
export function readStoredRun(directory: string, name: string): StoredRunRead {
  let text: string;
  try {
    text = fs.readFileSync(path.join(directory, RUNS_FOLDER, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      return { kind: 'damaged', keptAs: moveRunFileAside(directory, name, fileStamp()) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'unreadable', message: (error as Error).message };
    }
  }
  const run = validateRun(value);
  if (typeof run === 'string') return { kind: 'notARun', reason: run };
  if (runFileName(run.id) !== name) return { kind: 'notARun', reason: 'its file holds another run' };
  const unrestorable = restoreSharedEvidence(run);
  if (unrestorable) return { kind: 'notARun', reason: unrestorable };
  return { kind: 'run', run };
}
