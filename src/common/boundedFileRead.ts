// Reads a file the user named (a CA file, a batch targets file, a run to compare) with a hard cap
// on its size. The cap is enforced while reading, not by asking stat: a device such as /dev/zero
// or a FIFO reports size 0 and never ends, and a file can grow between stat and read.
//
// fs's callback functions, promisified, rather than node:fs/promises: loading that module (its
// FileHandle class and helpers) costs a few milliseconds, paid by every CLI run since the CLI's
// entry imports UserFileError from here.
import { close, closeSync, constants, fstat, fstatSync, open, openSync, read, readSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';

const openFile = promisify(open);
const statFile = promisify(fstat);
const readFile = promisify(read);
const closeFile = promisify(close);

/** 4 MiB: far more than any list of servers or bundle of CA certificates someone keeps by hand. */
export const MAX_USER_FILE_BYTES = 4 * 1024 * 1024;

/** A file that cannot be used, with a message that names it; the CLI turns it into exit 2. */
export class UserFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFileError';
  }
}

export interface BoundedReadOptions {
  /** The cap; MAX_USER_FILE_BYTES unless the caller's files are known to be larger. */
  maxBytes?: number;
  /**
   * Refuse anything but a regular file (a directory, a device, a FIFO). For files that are only
   * ever saved documents; a CA file may come from a pipe (`--ca <(…)`), so this is the caller's choice.
   */
  regularFileOnly?: boolean;
  /** Why a file over the cap cannot be what was asked for; by default "that is not a <what> anyone keeps by hand". */
  oversizeReason?: string;
}

/** The file as UTF-8 text, or a UserFileError naming `file` (what: "CA file", "targets file"). */
export async function readBoundedFile(file: string, what: string, options: BoundedReadOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_USER_FILE_BYTES;
  const name = file.slice(0, 200);
  let fd: number;
  try {
    // Non-blocking so that a FIFO nobody writes to is refused below instead of hanging the open.
    fd = await openFile(file, options.regularFileOnly ? constants.O_RDONLY | constants.O_NONBLOCK : 'r');
  } catch (error) {
    throw new UserFileError(`Cannot read the ${what} ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    if (options.regularFileOnly && !(await statFile(fd)).isFile()) throw new UserFileError(`The ${what} ${name} is not a file (a directory, a device or a pipe).`);
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte beyond the cap tells "exactly at the cap" from "over it".
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await readFile(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new UserFileError(`${name} is larger than ${formatSize(maxBytes)}; ${options.oversizeReason ?? `that is not a ${what} anyone keeps by hand`}.`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (error) {
    if (error instanceof UserFileError) throw error;
    throw new UserFileError(`Cannot read the ${what} ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    await closeFile(fd).catch(() => undefined);
  }
}

/**
 * The synchronous form for configuration and secrets loaded before anything starts: a regular
 * file only (so /dev/zero and FIFOs are refused, the open not blocking on a FIFO), read up to its
 * size at open time and never past the cap. `check` judges the file's status first, on the very
 * descriptor that is read (a secret file's owner and mode), and throws a UserFileError to refuse
 * it. Otherwise a UserFileError naming `file`.
 */
export function readRegularFileSync(file: string, what: string, maxBytes = MAX_USER_FILE_BYTES, oversizeReason?: string, check?: (stat: Stats) => void): string {
  const name = file.slice(0, 200);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UserFileError(`Cannot read the ${what} ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UserFileError(`The ${what} ${name} is not a file (a directory, a device or a pipe).`);
    check?.(stat);
    if (stat.size > maxBytes) throw new UserFileError(`${name} is larger than ${formatSize(maxBytes)}; ${oversizeReason ?? `that is not a ${what} anyone keeps by hand`}.`);
    const buffer = Buffer.alloc(stat.size);
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, total);
      if (n === 0) break;
      total += n;
    }
    return buffer.subarray(0, total).toString('utf8');
  } catch (error) {
    if (error instanceof UserFileError) throw error;
    throw new UserFileError(`Cannot read the ${what} ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function formatSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
