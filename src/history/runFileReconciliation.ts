// Brings the index and the runs' folder into agreement after a full load. Run files are
// self-contained, so nothing written is lost to a damaged index: a run file without an index line
// is read and restored; files of deleted runs are removed; summaries without a file are reported;
// temporary files of processes that died mid-write are cleaned up. The caller holds the history
// lock and has read the index up to its end under it: no append is in flight, so a file without a
// line is a real orphan (a crash between the two writes, or a line a damaged index lost), never
// another window's run whose line is about to land.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './fileLock';
import { listRunFolder, readStoredRun, runFileName, RUNS_FOLDER } from './runFiles';
import { summarizeRun, type RunSummary } from './runSummary';

/** A temporary file older than this belongs to nobody, whatever its pid says (a reused pid). */
const TEMP_FILE_MAX_AGE_MS = 60 * 60_000;

export interface RunFileReconciliation {
  /** Runs found in files the index does not list: the caller indexes them again. */
  restored: RunSummary[];
  /** Live runs of the index whose file is gone (removed outside the extension). */
  missingIds: string[];
  /** Where damaged run files (not JSON) were moved. */
  damagedKeptAs: string[];
  /** Files that are JSON but not a run this version reads: left as they are. */
  notRuns: number;
}

export function reconcileRunFiles(directory: string, liveIds: Iterable<string>, deletedIds: ReadonlySet<string>): RunFileReconciliation {
  const listing = listRunFolder(directory);
  const liveByName = new Map<string, string>();
  for (const id of liveIds) liveByName.set(runFileName(id), id);
  const deletedNames = new Set([...deletedIds].map(runFileName));

  const result: RunFileReconciliation = { restored: [], missingIds: [], damagedKeptAs: [], notRuns: 0 };
  const seen = new Set<string>();
  for (const name of listing.runFiles) {
    if (liveByName.has(name)) {
      seen.add(name);
      continue;
    }
    if (deletedNames.has(name)) {
      fs.rmSync(path.join(directory, RUNS_FOLDER, name), { force: true });
      continue;
    }
    const read = readStoredRun(directory, name);
    if (read.kind === 'damaged') result.damagedKeptAs.push(read.keptAs);
    else if (read.kind === 'notARun') result.notRuns++;
    else if (read.kind === 'run') result.restored.push(summarizeRun(read.run));
    // missing (removed meanwhile) and unreadable files are left for the next check
  }
  for (const [name, id] of liveByName) if (!seen.has(name)) result.missingIds.push(id);

  for (const temp of listing.tempFiles) removeTempFileIfAbandoned(path.join(directory, RUNS_FOLDER, temp.name), temp.pid);
  try {
    for (const name of fs.readdirSync(directory)) {
      const match = /^index\.jsonl\.tmp-(\d+)-/.exec(name);
      if (match) removeTempFileIfAbandoned(path.join(directory, name), Number(match[1]));
    }
  } catch {
    // the folder vanished: the next write recreates it
  }
  return result;
}

function removeTempFileIfAbandoned(file: string, pid: number): void {
  try {
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    if (ageMs > TEMP_FILE_MAX_AGE_MS || (pid !== process.pid && !isProcessAlive(pid))) fs.rmSync(file, { force: true });
  } catch {
    // gone already
  }
}
