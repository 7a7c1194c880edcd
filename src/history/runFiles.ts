// The full runs: one JSON file per run in `runs/`, named after the run id. A run is written to a
// private temporary name and renamed into place, so a reader (or a crash) only ever sees a whole
// file or none. Each file is self-contained, which is what lets the index be rebuilt from these
// files when it is lost or damaged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';

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

export function writeRunFile(directory: string, id: string, json: string, durable: boolean): void {
  const finalPath = runFilePath(directory, id);
  const tempPath = `${finalPath}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(tempPath, 'wx');
  try {
    fs.writeSync(fd, json);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tempPath, finalPath);
  } catch (error) {
    fs.rmSync(tempPath, { force: true });
    throw error;
  }
}

/** The file's text, or undefined when it does not exist. */
export function readRunFile(directory: string, id: string): string | undefined {
  try {
    return fs.readFileSync(runFilePath(directory, id), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
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
