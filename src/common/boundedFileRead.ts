// Reads a file the user named (a CA file, a batch targets file) with a hard cap on its size.
// The cap is enforced while reading, not by asking stat: a device such as /dev/zero or a FIFO
// reports size 0 and never ends, and a file can grow between stat and read.
import { open } from 'node:fs/promises';

/** 4 MiB: far more than any list of servers or bundle of CA certificates someone keeps by hand. */
export const MAX_USER_FILE_BYTES = 4 * 1024 * 1024;

/** A file that cannot be used, with a message that names it; the CLI turns it into exit 2. */
export class UserFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFileError';
  }
}

/** The file as UTF-8 text, or a UserFileError naming `file` (what: "CA file", "targets file"). */
export async function readBoundedFile(file: string, what: string, maxBytes = MAX_USER_FILE_BYTES): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UserFileError(`Cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte beyond the cap tells "exactly at the cap" from "over it".
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new UserFileError(`${file} is larger than ${formatSize(maxBytes)}; that is not a ${what} anyone keeps by hand.`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } catch (error) {
    if (error instanceof UserFileError) throw error;
    throw new UserFileError(`Cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function formatSize(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
