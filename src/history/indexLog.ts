// The history index: `index.jsonl`, an append-only JSON Lines log with one small line per event.
//   {"s":1,"r":{"id":…,"host":…}}  a run was added (its RunSummary; "s" is the line format version)
//   {"deleted":"<id>","at":"<iso>"} a run was deleted (tombstones are sticky: an id never comes back)
// Replaying the log gives the list of runs without opening any run file.
//
// Appenders hold the history lock (fileLock.ts) while they write, as rewrites do, so a line is
// never read while another process is still writing it and a rewrite never replaces the file
// under an append. Each line is still written with one write() on a file opened with O_APPEND,
// and the appender still checks after its write that the file was not replaced (writing its line
// again if it was) and a rewrite still copies lines that reached the old file: an older version
// of the extension in another window appends without the lock, and must lose nothing either.
// A write the disk cut short (full disk) is cut back to the last whole line before the error is
// thrown, so the next append does not find a torn tail.
import * as fs from 'node:fs';
import type { RunOutcome } from '../probe/runModel';
import { writeAll } from './diskWrites';
import { stringifyWithoutPasswords } from './passwordFilter';
import type { RunHeadline, RunSummary } from './runSummary';
import { validateSummary } from './runValidation';

export const INDEX_FILE = 'index.jsonl';
export const INDEX_LINE_FORMAT = 1;

export type IndexRecord =
  | { kind: 'run'; summary: RunSummary; line: string }
  /**
   * A line in exactly the form summaryLine writes, of which only the fields that sorting and
   * grouping need were read (quickScan). The rest is parsed and checked later (completeSummary).
   */
  | { kind: 'unparsedRun'; headline: UnparsedRun; line: string }
  | { kind: 'deleted'; id: string; line: string }
  /** Valid JSON this version does not understand (e.g. from a newer version): skipped, but kept by rewrites. */
  | { kind: 'unknown'; reason: string; line: string };

export interface ParsedIndex {
  records: IndexRecord[];
  /** Complete lines that are not JSON at all: the file is damaged. */
  damagedLines: number;
  /** Records recovered from the end of damaged lines (a torn line with a whole record glued after it). */
  recoveredRecords: number;
  /** Offset just after the last newline: where the next read should start. */
  endOfLastLine: number;
  /** Bytes after the last newline: a line still being written, or one torn by a crash. */
  partialTailBytes: number;
}

/** Every line we write starts like this; a tail that does not is garbage, not a torn write. */
const RECORD_START = 0x7b; // '{'

export function summaryLine(summary: RunSummary): string {
  return stringifyWithoutPasswords({ s: INDEX_LINE_FORMAT, r: summary });
}

export function tombstoneLine(id: string): string {
  return JSON.stringify({ deleted: id, at: new Date().toISOString() });
}

function recordFromJson(value: unknown, line: string): IndexRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'unknown', reason: 'not a JSON object', line };
  const object = value as Record<string, unknown>;
  if (object.s === INDEX_LINE_FORMAT) {
    const summary = validateSummary(object.r);
    return typeof summary === 'string' ? { kind: 'unknown', reason: summary, line } : { kind: 'run', summary, line };
  }
  if (typeof object.deleted === 'string') return { kind: 'deleted', id: object.deleted, line };
  if (object.s !== undefined) return { kind: 'unknown', reason: `index line format ${JSON.stringify(object.s)} is newer than this version`, line };
  return { kind: 'unknown', reason: 'not a history record', line };
}

/** A torn line followed, on the same line, by a whole record: keep the record. */
function recoverGluedRecord(line: string): IndexRecord | undefined {
  for (let i = line.length; i > 0; ) {
    i = Math.max(line.lastIndexOf('{"s":', i - 1), line.lastIndexOf('{"deleted":', i - 1));
    if (i <= 0) return undefined;
    try {
      const record = recordFromJson(JSON.parse(line.slice(i)), line.slice(i));
      if (record.kind !== 'unknown') return record;
    } catch {
      // not a whole record from here: look further left
    }
  }
  return undefined;
}

/** A run known from a quick scan of its index line: enough to sort and group, and the line for the rest. */
export class UnparsedRun implements RunHeadline {
  constructor(
    readonly id: string,
    readonly host: string,
    readonly outcome: RunOutcome,
    readonly startedAt: string,
    readonly line: string,
  ) {}
}

/**
 * The start of a line as summaryLine writes it (JSON.stringify of a summary built by summarizeRun,
 * keys in that order), up to the fields sorting and grouping use. Those fields are copied as they
 * stand, so they must hold no escapes; anything else takes the full parse.
 */
const SUMMARY_LINE_START =
  /^\{"s":1,"r":\{"id":"([^"\\]+)","host":"([^"\\]*)","url":"(?:[^"\\]|\\.)*","outcome":"(passed|warning|failed|cancelled)","startedAt":"([^"\\]+)","durationMs":[-\d]/;

/**
 * The headline of a line summaryLine wrote, or undefined. A torn line with another record glued
 * after it is never taken: `{"` outside the two opening braces can only start a record, since a
 * quote inside a JSON string is always escaped.
 */
function quickHeadline(line: string): UnparsedRun | undefined {
  if (!line.endsWith('}}') || line.indexOf('{"', 12) !== -1) return undefined;
  const match = SUMMARY_LINE_START.exec(line);
  if (!match) return undefined;
  return new UnparsedRun(match[1], match[2], match[3] as RunOutcome, match[4], line);
}

/** A line's record; damaged lines are counted in `parsed` (and a record glued at their end kept). */
function parseLine(line: string, parsed: ParsedIndex): IndexRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    parsed.damagedLines++;
    const recovered = recoverGluedRecord(line);
    if (recovered) parsed.recoveredRecords++;
    return recovered;
  }
  return recordFromJson(value, line);
}

/**
 * The full record of a line quickScan left unparsed, or undefined when the line turns out not to
 * be one (damaged in the middle, edited by hand): the caller then reads the index in full.
 */
export function completeSummary(headline: UnparsedRun): RunSummary | undefined {
  let value: unknown;
  try {
    value = JSON.parse(headline.line);
  } catch {
    return undefined;
  }
  const full = recordFromJson(value, headline.line);
  if (full.kind !== 'run') return undefined;
  const { summary } = full;
  const same = summary.id === headline.id && summary.host === headline.host && summary.outcome === headline.outcome && summary.startedAt === headline.startedAt;
  return same ? summary : undefined;
}

export interface ParseOptions {
  /**
   * Read only the headline of lines in summaryLine's exact form ('unparsedRun' records): what
   * showing the History tree needs, at a fraction of the cost of JSON.parse on every line.
   */
  quickScan?: boolean;
}

/** Parses the complete lines of `buffer` from `start`. */
export function parseIndex(buffer: Buffer, start = 0, options: ParseOptions = {}): ParsedIndex {
  const lastNewline = buffer.lastIndexOf(0x0a);
  const endOfLastLine = lastNewline >= start ? lastNewline + 1 : start;
  const parsed: ParsedIndex = {
    records: [],
    damagedLines: 0,
    recoveredRecords: 0,
    endOfLastLine,
    partialTailBytes: buffer.length - endOfLastLine,
  };
  // Text without any newline that is not even the start of a record (e.g. a file that is not
  // JSON Lines at all) is damage, which the store keeps a copy of, rather than a torn tail.
  if (parsed.partialTailBytes > 0 && buffer[endOfLastLine] !== RECORD_START) parsed.damagedLines++;
  if (endOfLastLine === start) return parsed;
  const text = buffer.toString('utf8', start, endOfLastLine);
  for (let from = 0; from < text.length; ) {
    const newline = text.indexOf('\n', from);
    // tolerate a file re-saved with CRLF
    const end = newline > from && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
    const line = text.slice(from, end);
    from = newline + 1;
    if (line.trim() === '') continue;
    const headline = options.quickScan ? quickHeadline(line) : undefined;
    const record = headline ? { kind: 'unparsedRun' as const, headline, line } : parseLine(line, parsed);
    if (record) parsed.records.push(record);
  }
  return parsed;
}

/** Reads `[start, end of file)` of an open file. */
export function readFrom(fd: number, start: number): Buffer {
  const size = fs.fstatSync(fd).size;
  if (size <= start) return Buffer.alloc(0);
  const buffer = Buffer.allocUnsafe(size - start);
  let read = 0;
  while (read < buffer.length) {
    const n = fs.readSync(fd, buffer, read, buffer.length - read, start + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

/** Removes the part of a line a failed write left at the end (best effort: the disk may refuse that too). */
function cutBackTo(fd: number, size: bigint): void {
  try {
    if (fs.fstatSync(fd, { bigint: true }).size > size) fs.ftruncateSync(fd, Number(size));
  } catch {
    // a torn tail left behind is repaired by the next load or append
  }
}

export type AppendResult = 'appended' | 'tornTail';

/** Lets tests run a rewrite at the worst moment; production code passes none. */
export interface AppendHooks {
  afterOpen?(): void;
}

/**
 * Appends whole lines in one write; the caller holds the history lock. Refuses ('tornTail') when
 * the file does not end with a newline, because our line would be glued to the torn one: the
 * caller repairs the file first. Throws the OS error when the write fails (the file is cut back).
 */
export function appendIndexLines(indexPath: string, lines: readonly string[], durable: boolean, hooks: AppendHooks = {}): AppendResult {
  const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
  for (let attempt = 0; attempt < 10; attempt++) {
    const fd = fs.openSync(indexPath, 'a+');
    let writtenInode: bigint;
    try {
      hooks.afterOpen?.();
      const stat = fs.fstatSync(fd, { bigint: true });
      if (stat.size > 0n) {
        const last = Buffer.alloc(1);
        fs.readSync(fd, last, 0, 1, Number(stat.size - 1n));
        if (last[0] !== 0x0a) return 'tornTail';
      }
      try {
        writeAll(fd, data);
        if (durable) fs.fsyncSync(fd);
      } catch (error) {
        cutBackTo(fd, stat.size);
        throw error;
      }
      writtenInode = stat.ino;
    } finally {
      fs.closeSync(fd);
    }
    let currentInode: bigint | undefined;
    try {
      currentInode = fs.statSync(indexPath, { bigint: true }).ino;
    } catch {
      currentInode = undefined; // replaced and not there yet: write again
    }
    if (currentInode === writtenInode) return 'appended';
    // The file was replaced by a rewrite while we wrote: make sure the line is in the new one too.
  }
  throw new Error(`History index ${indexPath} keeps being replaced; the run was not recorded.`);
}
