// Low-level writes shared by the run files and the index: a write() may write fewer bytes than
// asked (a disk filling up, a signal), and a rename is only durable once its folder is flushed.
import * as fs from 'node:fs';

/** Writes all of `data` at the file's position (or its end, for files opened to append). */
export function writeAll(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length; ) {
    const written = fs.writeSync(fd, data, offset, data.length - offset);
    // The OS reports a full disk as an error; a write of nothing at all must not loop forever either.
    if (written <= 0) throw new Error('The disk accepted no more bytes.');
    offset += written;
  }
}

export function fsyncDirectory(directory: string): void {
  try {
    const fd = fs.openSync(directory, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder; its rename is already durable enough once the file is flushed.
  }
}
