// The run history: every ProbeRun kept across restarts, shared by all VS Code windows (each its
// own extension-host process) and the CLI, in one folder (the extension's globalStorageUri).
//
// Layout and why:
//   runs/<id>.json   one file per full run, written to a temporary name and renamed into place.
//   index.jsonl      an append-only log of small summary lines and delete tombstones (indexLog.ts).
//   index.lock       held while the index is written: appends, rewrites (fileLock.ts); a link to
//                    index.lock.<pid>-<token>, the owner file each writing process keeps.
// The History tree needs a summary of every run, not their steps and HTTP evidence: a full run is
// a few KB, so 10,000 of them in one log would mean reading and parsing tens of MB before the tree
// shows anything. The index is a few hundred bytes a run and is all that loading reads, and of
// each line only the start the tree's first level needs (id, server, outcome, time): the rest is
// parsed by the check after the load, or by whatever needs a full summary first (indexLog.ts,
// quickScan). A run file is read when that run is opened. Run files are self-contained, so the index can always be rebuilt from
// them: a run whose index line was lost (a torn line, a damaged index, a crash between the two
// writes) is found on the next load and indexed again. A damaged run file costs that run only.
//
// Writes: every write to the index takes the history lock (index.lock, fileLock.ts), which an
// append holds for well under a millisecond: append = write the run file whole under a temporary
// name, then, under the lock, rename it into place and append one index line. So no two
// processes ever write the index at once, a rewrite never renames the file under an append, and
// a reader that sees a partial last line takes the lock before calling it torn (it may be another
// window's line still landing). Not fsynced by default:
// a killed process loses nothing it finished writing, a power cut can lose the last seconds of
// runs (pass `durable: true` to fsync every write; it costs ~6 ms a run on a loaded VM disk). A
// write the disk refuses (full disk) makes append() reject with the reason in words and leaves no
// part of that run behind. Rewrites of the index (compaction when deleted or expired lines pile
// up, repair, clear) fsync and rename atomically (indexRewrite.ts).
//
// Reading tolerates everything a crash or a person can do to the folder: a torn last line is
// dropped and the file repaired; unreadable lines make the store keep the damaged index as
// index.corrupt-<time>.jsonl, salvage every readable line and re-index run files; records this
// version does not understand are skipped. Each such event becomes one warning (warnings /
// onWarning), never an exception and never a silent loss.
//
// The file work is synchronous inside async methods: it is cheaper than a thread-pool round trip
// for these sizes and it keeps each operation atomic with respect to the others in this process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProbeRun } from '../probe/runModel';
import { acquireLock } from './fileLock';
import { appendIndexLines, completeSummary, INDEX_FILE, parseIndex, readFrom, summaryLine, tombstoneLine, UnparsedRun, type IndexRecord, type ParsedIndex } from './indexLog';
import { rewriteIndex } from './indexRewrite';
import { stringifyWithoutPasswords } from './passwordFilter';
import { reconcileRunFiles, type RunFileReconciliation } from './runFileReconciliation';
import { commitRunFile, discardRunFile, listRunFolder, prepareRunFile, readStoredRun, removeRunFile, runFileName, runFilePath, RUNS_FOLDER, type PreparedRunFile } from './runFiles';
import { groupByServer, hostGroupKey, sortNewestFirst, summarizeRun, type RunSummary, type ServerGroup } from './runSummary';
import { validateRun } from './runValidation';
import { runForStorage } from './sharedEvidence';
import { historyWriteError } from './storageErrors';

export type { RunSummary, ServerGroup } from './runSummary';

export interface HistoryStoreOptions {
  /** Retention: the newest runs kept; older ones are removed. Default 1000. */
  maxRuns?: number;
  /** fsync every append (survives a power cut, costs a few ms per run on most disks). Default false. */
  durable?: boolean;
}

type Listener<T> = (value: T) => void;

interface LoadOptions {
  /** Schedule the check of the run files (and of the lines the load only scanned). */
  checkRunFiles: boolean;
  /** Read only the headline of well-formed index lines (default true; see parseIndex). */
  quickScan?: boolean;
}

const DEFAULT_MAX_RUNS = 1000;
/** A background compaction gives way quickly if another window holds the lock. */
const BACKGROUND_LOCK_TIMEOUT_MS = 250;
const FOREGROUND_LOCK_TIMEOUT_MS = 10_000;
/** Run files this recent may belong to an append of an older version, which wrote without the lock. */
const IN_FLIGHT_GRACE_MS = 2_000;
const TORN_TAIL_WARNING = 'The history index ended with an incomplete entry (a window or the computer stopped while saving); the index was repaired.';

/** A listener's bug must not break the store's operation that happened to notify it. */
function callSafely<T>(listener: Listener<T>, value: T): void {
  try {
    listener(value);
  } catch {
    // ignored on purpose
  }
}

export class HistoryStore {
  readonly directory: string;
  readonly maxRuns: number;
  private readonly durable: boolean;
  private readonly indexPath: string;
  private readonly lockPath: string;

  /** Live runs in index order. A load reads only what the tree's first level needs (UnparsedRun). */
  private readonly byId = new Map<string, RunSummary | UnparsedRun>();
  private readonly deletedIds = new Set<string>();
  private newestFirstCache: Array<RunSummary | UnparsedRun> | undefined;
  private loaded = false;
  /** Index file identity and how far we have read it, for cheap incremental reloads. */
  private indexInode: bigint | undefined;
  private readOffset = 0;
  /** Records in the index file as far as we know: lines beyond the live runs are obsolete. */
  private recordCount = 0;
  /** Bumped whenever the list of runs changes; listeners hear about each new version once. */
  private version = 0;
  private announcedVersion = 0;

  private queue: Promise<unknown> = Promise.resolve();
  private background: Promise<void> = Promise.resolve();
  private compactionScheduled = false;
  /** > 0 while this store holds the history lock (its operations run one at a time, see enqueue). */
  private lockDepth = 0;

  private readonly warningList: string[] = [];
  private readonly warned = new Set<string>();
  private readonly warningListeners = new Set<Listener<string>>();
  private readonly changeListeners = new Set<Listener<void>>();

  constructor(directory: string, options: HistoryStoreOptions = {}) {
    this.directory = directory;
    this.maxRuns = Math.max(1, Math.floor(options.maxRuns ?? DEFAULT_MAX_RUNS));
    this.durable = options.durable ?? false;
    this.indexPath = path.join(directory, INDEX_FILE);
    this.lockPath = path.join(directory, 'index.lock');
  }

  /** Every problem met so far, in plain words for the user (a damaged file, a skipped record…). */
  get warnings(): readonly string[] {
    return this.warningList;
  }

  onWarning(listener: Listener<string>): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  /** Fires after the list of runs changed (our own writes or another window's, seen by reload). */
  onDidChange(listener: Listener<void>): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Reads the index (other methods call this when needed). The run files are then checked in the
   * background (see whenIdle): runs the index lost are restored and announced by onDidChange.
   */
  load(): Promise<void> {
    return this.enqueue(() => this.loadNow());
  }

  /**
   * Picks up what other windows wrote: reads only the new end of the index when it grew, or
   * everything when it was rewritten. Resolves to true when the list of runs changed.
   */
  reload(): Promise<boolean> {
    return this.enqueue(async () => {
      const before = this.version;
      await this.reloadNow();
      return this.version !== before;
    });
  }

  /**
   * Stores a run. Any property named "password" is dropped on the way to disk. Rejects, with the
   * reason in words (e.g. the disk is full), when the run is not whole on disk; nothing of it is
   * left behind then, and nothing stored before is touched.
   */
  append(run: ProbeRun): Promise<RunSummary> {
    return this.enqueue(async () => {
      const problem = validateRun(run);
      if (typeof problem === 'string') throw new Error(`Not a run this version can store: ${problem}.`);
      if (this.deletedIds.has(run.id)) throw new Error(`Run ${run.id} was deleted and cannot be stored again.`);
      const summary = summarizeRun(run);
      let prepared: PreparedRunFile | undefined;
      try {
        this.ensureFolders();
        prepared = prepareRunFile(this.directory, run.id, stringifyWithoutPasswords(runForStorage(run)), this.durable);
        const ready = prepared;
        // The file goes into place and its line into the index under one hold of the lock: a
        // window checking the runs' folder under the lock never sees one without the other.
        await this.withLock(FOREGROUND_LOCK_TIMEOUT_MS, async () => {
          commitRunFile(ready);
          try {
            await this.appendToIndex([summaryLine(summary)]);
          } catch (error) {
            // No line, no file: the run is not half there (and the next load would not restore it).
            try {
              removeRunFile(this.directory, run.id);
            } catch {
              // the check of the runs' folder after the next load indexes it instead
            }
            throw error;
          }
        });
      } catch (error) {
        if (prepared) discardRunFile(prepared);
        throw historyWriteError(error);
      }
      if (this.loaded) this.apply({ kind: 'run', summary, line: '' });
      this.recordCount++;
      this.scheduleCompactionIfNeeded();
      return summary;
    });
  }

  /** The full run, or undefined if it is not stored (or its file is unreadable: see warnings). */
  get(id: string): Promise<ProbeRun | undefined> {
    return this.enqueue(async () => {
      if (this.deletedIds.has(id)) return undefined;
      const read = readStoredRun(this.directory, runFileName(id));
      switch (read.kind) {
        case 'run':
          return read.run;
        case 'missing':
          if (this.byId.delete(id)) this.markChanged();
          return undefined;
        case 'unreadable':
          this.warn(`Run ${id} could not be read: ${read.message}`);
          return undefined;
        case 'notARun':
          this.warn(`The stored run ${id} was skipped: ${read.reason}.`);
          return undefined;
        case 'damaged':
          this.warn(`The stored run ${id} was damaged and cannot be shown; its file was kept as ${read.keptAs}.`);
          try {
            // A tombstone takes it out of every window's list; the damaged bytes stay in the copy.
            await this.appendToIndex([tombstoneLine(id)]);
            this.recordCount++;
          } catch (error) {
            this.warn(`The damaged run ${id} could not be removed from the history index: ${(error as Error).message}`);
          }
          this.apply({ kind: 'deleted', id, line: '' });
          return undefined;
      }
    });
  }

  /** Summaries of the kept runs, newest first, at most maxRuns. Shared objects: treat them as read-only. */
  summaries(): Promise<RunSummary[]> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      return this.completeSummaries(this.newestFirst());
    });
  }

  /** The first level of the History tree: one group per server, newest first. */
  groupByServer(): Promise<ServerGroup[]> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      return groupByServer(this.newestFirst());
    });
  }

  /** The second level: the runs against one server, newest first. */
  summariesForServer(host: string): Promise<RunSummary[]> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      const key = hostGroupKey(host);
      return this.completeSummaries(this.newestFirst().filter((s) => hostGroupKey(s.host) === key));
    });
  }

  /** Deletes one run; resolves to false when there was no such run. */
  delete(id: string): Promise<boolean> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      const existed = this.byId.has(id) || fs.existsSync(runFilePath(this.directory, id));
      if (!existed) return false;
      try {
        await this.withLock(FOREGROUND_LOCK_TIMEOUT_MS, async () => {
          await this.appendToIndex([tombstoneLine(id)]);
          removeRunFile(this.directory, id);
        });
      } catch (error) {
        throw historyWriteError(error);
      }
      this.apply({ kind: 'deleted', id, line: '' });
      this.recordCount++;
      this.scheduleCompactionIfNeeded();
      return true;
    });
  }

  /** Deletes every run (runs another window stores while this happens are kept). */
  clear(): Promise<void> {
    return this.enqueue(async () => {
      this.ensureFolders();
      await this.rewriteLocked('clear', FOREGROUND_LOCK_TIMEOUT_MS);
      this.loaded = true;
    });
  }

  /** Rewrites the index without deleted and expired runs (also happens by itself). */
  compact(): Promise<void> {
    return this.enqueue(async () => {
      this.ensureFolders();
      await this.rewriteLocked('compact', FOREGROUND_LOCK_TIMEOUT_MS);
      this.loaded = true;
    });
  }

  /**
   * Resolves when the background work this store started is done: the check of the run files
   * that follows a load (restoring runs a damaged index lost) and compaction.
   */
  async whenIdle(): Promise<void> {
    for (let background = this.background; ; background = this.background) {
      await background;
      await this.queue;
      if (background === this.background) return;
    }
  }

  // ---- internals ----

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result.finally(() => this.fireChangeIfNeeded());
  }

  /** Runs `work` holding the history lock; nested calls (an append that repairs first) reuse it. */
  private async withLock<T>(timeoutMs: number, work: () => Promise<T>): Promise<T> {
    if (this.lockDepth > 0) return work();
    this.ensureFolders();
    const release = await acquireLock(this.lockPath, { timeoutMs });
    this.lockDepth++;
    try {
      return await work();
    } finally {
      this.lockDepth--;
      release();
    }
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warningList.push(message);
    for (const listener of this.warningListeners) callSafely(listener, message);
  }

  private markChanged(): void {
    this.version++;
    this.newestFirstCache = undefined;
  }

  private fireChangeIfNeeded(): void {
    if (this.version === this.announcedVersion) return;
    this.announcedVersion = this.version;
    for (const listener of this.changeListeners) callSafely(listener, undefined);
  }

  private ensureFolders(): void {
    fs.mkdirSync(path.join(this.directory, RUNS_FOLDER), { recursive: true });
  }

  private async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.loadNow();
  }

  private newestFirst(): Array<RunSummary | UnparsedRun> {
    if (!this.newestFirstCache) this.newestFirstCache = sortNewestFirst([...this.byId.values()]).slice(0, this.maxRuns);
    return this.newestFirstCache;
  }

  private apply(record: IndexRecord): void {
    if (record.kind === 'run' || record.kind === 'unparsedRun') {
      const run = record.kind === 'run' ? record.summary : record.headline;
      if (this.deletedIds.has(run.id)) return;
      const known = this.byId.get(run.id);
      if (known && known.startedAt === run.startedAt && known.outcome === run.outcome) return;
      this.byId.set(run.id, run);
      this.markChanged();
    } else if (record.kind === 'deleted') {
      this.deletedIds.add(record.id);
      if (this.byId.delete(record.id)) this.markChanged();
    }
  }

  private resetState(): void {
    if (this.byId.size > 0) this.markChanged();
    this.byId.clear();
    this.deletedIds.clear();
    this.recordCount = 0;
    this.newestFirstCache = undefined;
  }

  private applyAll(records: readonly IndexRecord[]): void {
    const skipped = new Map<string, number>();
    for (const record of records) {
      if (record.kind === 'unknown') skipped.set(record.reason, (skipped.get(record.reason) ?? 0) + 1);
      else this.apply(record);
    }
    this.recordCount += records.length;
    for (const [reason, count] of skipped) {
      this.warn(`${count} history ${count === 1 ? 'entry was' : 'entries were'} skipped: ${reason}.`);
    }
  }

  /**
   * The full summaries of `runs` (entries of newestFirst), parsing the index lines a load only
   * scanned. A line that turns out damaged or edited makes the store read the index again in full,
   * which repairs it as any load would: the answer then comes from the repaired list.
   */
  private async completeSummaries(runs: ReadonlyArray<RunSummary | UnparsedRun>): Promise<RunSummary[]> {
    const complete: RunSummary[] = [];
    let completedAny = false;
    for (const run of runs) {
      if (!(run instanceof UnparsedRun)) {
        complete.push(run);
        continue;
      }
      const summary = completeSummary(run);
      if (!summary) {
        await this.loadNow({ checkRunFiles: true, quickScan: false });
        const ids = new Set(runs.map((r) => r.id));
        return this.completeSummaries(this.newestFirst().filter((r) => ids.has(r.id)));
      }
      // Same id, host, outcome and start: its place in the list and in every group is unchanged,
      // so this is no change to announce.
      this.byId.set(summary.id, summary);
      completedAny = true;
      complete.push(summary);
    }
    const cached = this.newestFirstCache;
    if (completedAny && cached) {
      for (let i = 0; i < cached.length; i++) if (cached[i] instanceof UnparsedRun) cached[i] = this.byId.get(cached[i].id) ?? cached[i];
    }
    return complete;
  }

  private readIndex(): { buffer: Buffer; inode: bigint | undefined } {
    let fd: number;
    try {
      fd = fs.openSync(this.indexPath, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { buffer: Buffer.alloc(0), inode: undefined };
      throw error;
    }
    try {
      return { inode: fs.fstatSync(fd, { bigint: true }).ino, buffer: readFrom(fd, 0) };
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Reads the whole index. quickScan (the default) reads only the headline of each line it can;
   * the check after a load parses the rest, and so does whatever needs a run's full summary first.
   */
  private async loadNow(options: LoadOptions = { checkRunFiles: true }): Promise<void> {
    const parseOptions = { quickScan: options.quickScan ?? true };
    let read: { buffer: Buffer; inode: bigint | undefined };
    try {
      read = this.readIndex();
    } catch (error) {
      this.warn(`The history could not be read (${(error as Error).message}); it starts empty.`);
      this.resetState();
      this.loaded = true;
      return;
    }
    let parsed = parseIndex(read.buffer, 0, parseOptions);
    let settled = parsed.damagedLines === 0 && parsed.partialTailBytes === 0;
    if (!settled) {
      // A partial last line may be another window's append still landing: only under the lock,
      // where nobody writes, is it torn for sure. Damage is repaired under the same lock.
      try {
        await this.withLock(FOREGROUND_LOCK_TIMEOUT_MS, async () => {
          read = this.readIndex();
          parsed = parseIndex(read.buffer, 0, parseOptions);
          if (parsed.damagedLines === 0 && parsed.partialTailBytes === 0) {
            settled = true;
            return;
          }
          if (parsed.damagedLines === 0) this.warn(TORN_TAIL_WARNING);
          await this.rewriteLocked('repair', FOREGROUND_LOCK_TIMEOUT_MS);
        });
      } catch (error) {
        // Another window holds the lock for long (or the folder is read-only): show what is
        // readable now, and read the whole file again next time so the check is retried.
        if (parsed.damagedLines > 0) this.warn(`The history index needs a repair that could not run yet: ${(error as Error).message}`);
        this.resetState();
        this.applyAll(parsed.records);
        this.indexInode = undefined;
        this.readOffset = 0;
      }
    }
    if (settled) {
      this.resetState();
      this.applyAll(parsed.records);
      this.indexInode = read.inode;
      this.readOffset = parsed.endOfLastLine;
    }
    this.loaded = true;
    if (options.checkRunFiles) this.scheduleBackground(() => this.reconcileWithRunFiles());
    this.scheduleCompactionIfNeeded();
  }

  private async reloadNow(options: LoadOptions = { checkRunFiles: true }): Promise<void> {
    if (!this.loaded) return this.loadNow(options);
    let stat: fs.BigIntStats;
    try {
      stat = fs.statSync(this.indexPath, { bigint: true });
    } catch {
      return this.loadNow(options);
    }
    if (stat.ino !== this.indexInode || Number(stat.size) < this.readOffset) return this.loadNow(options);
    if (Number(stat.size) === this.readOffset) return;
    const fd = fs.openSync(this.indexPath, 'r');
    let parsed: ParsedIndex;
    try {
      if (fs.fstatSync(fd, { bigint: true }).ino !== this.indexInode) return this.loadNow(options);
      parsed = parseIndex(readFrom(fd, this.readOffset));
    } finally {
      fs.closeSync(fd);
    }
    if (parsed.damagedLines > 0) return this.loadNow(options);
    this.applyAll(parsed.records);
    this.readOffset += parsed.endOfLastLine;
  }

  /**
   * Appends index lines under the lock, repairing a torn tail first if there is one: with the lock
   * held nobody else is writing, so a partial last line is a crash's leftover, never a line in flight.
   */
  private async appendToIndex(lines: string[]): Promise<void> {
    await this.withLock(FOREGROUND_LOCK_TIMEOUT_MS, async () => {
      if (appendIndexLines(this.indexPath, lines, this.durable) === 'appended') return;
      this.warn(TORN_TAIL_WARNING);
      await this.rewriteLocked('repair', FOREGROUND_LOCK_TIMEOUT_MS);
      if (appendIndexLines(this.indexPath, lines, this.durable) !== 'appended') {
        throw new Error('The history index could not be repaired; the run was not recorded.');
      }
    });
  }

  /**
   * Rewrites the index under the lock and rebuilds the in-memory list from what was written.
   * compact and repair keep the newest maxRuns live runs; clear keeps only what other windows
   * append while it runs.
   */
  private async rewriteLocked(kind: 'compact' | 'repair' | 'clear', lockTimeoutMs: number): Promise<void> {
    await this.withLock(lockTimeoutMs, async () => this.rewriteHoldingLock(kind));
  }

  private rewriteHoldingLock(kind: 'compact' | 'repair' | 'clear'): void {
    let dropIds: string[] = [];
    const result = rewriteIndex(this.directory, (before) => {
      if (kind === 'clear') {
        dropIds = before.records.flatMap((r) => (r.kind === 'run' ? [r.summary.id] : []));
        return { keep: [] };
      }
      const live = new Map<string, IndexRecord & { kind: 'run' }>();
      const deleted = new Set<string>();
      const unknown: IndexRecord[] = [];
      for (const record of before.records) {
        if (record.kind === 'run') {
          if (!deleted.has(record.summary.id)) live.set(record.summary.id, record);
        } else if (record.kind === 'deleted') {
          deleted.add(record.id);
          live.delete(record.id);
        } else {
          unknown.push(record);
        }
      }
      // Summaries whose run file is gone (removed by hand) go too. Listed after reading the index:
      // a run file is written before its line, so every line read has its file listed by now.
      const existingFiles = new Set(listRunFolder(this.directory).runFiles);
      const present = [...live.values()].filter((r) => existingFiles.has(runFileName(r.summary.id)));
      const kept = sortNewestFirst(present.map((r) => r.summary)).slice(0, this.maxRuns);
      const keptIds = new Set(kept.map((s) => s.id));
      dropIds = [...live.keys()].filter((id) => !keptIds.has(id));
      // Oldest first, so the file keeps growing in time order; newer-format lines are kept as they are.
      const keep: IndexRecord[] = [...unknown, ...kept.reverse().map((s) => live.get(s.id) as IndexRecord)];
      return { keep };
    });

    const keptByTail = new Set(result.appendedMeanwhile.flatMap((r) => (r.kind === 'run' ? [r.summary.id] : [])));
    for (const id of dropIds) if (!keptByTail.has(id)) removeRunFile(this.directory, id);
    if (kind === 'clear') this.removeUnindexedRunFiles(keptByTail);

    // Rebuild the list from the new file: the kept records plus whatever others appended.
    const read = this.readIndex();
    const parsed = parseIndex(read.buffer);
    this.resetState();
    this.applyAll(parsed.records);
    this.indexInode = read.inode;
    this.readOffset = parsed.endOfLastLine;

    if (result.damagedLines > 0) {
      this.warn(
        `The history index was damaged (${result.damagedLines} unreadable ${result.damagedLines === 1 ? 'line' : 'lines'}) and was rebuilt. ` +
          `The damaged file was kept as ${result.corruptCopyPath ?? '(it was gone)'}; its readable entries were kept ` +
          'and runs missing from it are restored from their files.',
      );
    }
    if (result.uncopiedLines > 0) {
      this.warn(`${result.uncopiedLines} history entries written by another window during a rewrite could not be copied; they are restored from their files on the next load.`);
    }
  }

  /** After a clear: run files nobody indexes any more, except very recent ones (an older version's append in flight). */
  private removeUnindexedRunFiles(keepIds: ReadonlySet<string>): void {
    const keepNames = new Set([...keepIds].map(runFileName));
    for (const name of listRunFolder(this.directory).runFiles) {
      if (keepNames.has(name)) continue;
      const file = path.join(this.directory, RUNS_FOLDER, name);
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > IN_FLIGHT_GRACE_MS) fs.rmSync(file, { force: true });
      } catch {
        // removed meanwhile
      }
    }
  }

  /**
   * Brings the index and the run files into agreement after a full load (runFileReconciliation.ts),
   * under the lock and after reading what other windows appended up to now.
   */
  private async reconcileWithRunFiles(): Promise<void> {
    await this.withLock(FOREGROUND_LOCK_TIMEOUT_MS, async () => {
      await this.reloadNow({ checkRunFiles: false });
      // Every line the load only scanned is parsed and checked now, off the tree's path.
      await this.completeSummaries([...this.byId.values()]);
      let found: RunFileReconciliation;
      try {
        found = reconcileRunFiles(this.directory, this.byId.keys(), this.deletedIds);
      } catch (error) {
        this.warn(`The stored runs could not be listed: ${(error as Error).message}`);
        return;
      }
      for (const keptAs of found.damagedKeptAs) this.warn(`A stored run file was damaged and cannot be shown; it was kept as ${keptAs}.`);
      const skipped = found.notRuns;
      if (skipped > 0) this.warn(`${skipped} stored run ${skipped === 1 ? 'file was' : 'files were'} skipped: not a run this version can read.`);
      const restored = found.restored;
      if (restored.length > 0) {
        await this.appendToIndex(restored.map(summaryLine));
        for (const summary of restored) this.apply({ kind: 'run', summary, line: '' });
        this.recordCount += restored.length;
        this.warn(`${restored.length} ${restored.length === 1 ? 'run was' : 'runs were'} missing from the history index and ${restored.length === 1 ? 'was' : 'were'} restored from ${restored.length === 1 ? 'its file' : 'their files'}.`);
      }
      const missing = found.missingIds;
      if (missing.length > 0) {
        for (const id of missing) this.byId.delete(id);
        this.markChanged();
        this.warn(`${missing.length} ${missing.length === 1 ? 'run listed in the history has' : 'runs listed in the history have'} no stored file (removed outside the extension?) and ${missing.length === 1 ? 'was' : 'were'} hidden.`);
      }
    });
  }

  private needsCompaction(): boolean {
    // Unloaded, byId is empty and every line would look obsolete: only a loaded store can judge.
    if (!this.loaded) return false;
    const live = this.byId.size;
    const slack = Math.max(10, Math.ceil(this.maxRuns * 0.1));
    return live > this.maxRuns + slack || this.recordCount - live > Math.max(100, live);
  }

  /**
   * Work that need not delay the caller (checking run files after a load, compaction) runs in the
   * queue after what the caller asks next: the tree appears first, corrections follow as changes.
   */
  private scheduleBackground(work: () => Promise<void>): void {
    const previous = this.background;
    this.background = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.enqueue(work))
      .catch((error: Error) => {
        if (error.name !== 'LockTimeoutError') this.warn(`History maintenance failed: ${error.message}`);
      })
      .then(() => previous);
  }

  /** Compaction gives way to other windows: if one holds the lock, the next write tries again. */
  private scheduleCompactionIfNeeded(): void {
    if (this.compactionScheduled || !this.needsCompaction()) return;
    this.compactionScheduled = true;
    this.scheduleBackground(async () => {
      this.compactionScheduled = false;
      if (this.needsCompaction()) await this.rewriteLocked('compact', BACKGROUND_LOCK_TIMEOUT_MS);
    });
  }
}
