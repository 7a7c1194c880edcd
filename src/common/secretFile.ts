// Reads a password or token from a file that only its owner can read, as monitoring systems keep
// them (Prometheus' password_file, a Nagios resource file). A file others can read or write is
// refused: the secret may already have leaked, and saying so beats using it quietly.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAX_SECRET_BYTES = 64 * 1024;

export class SecretFileError extends Error {}

export function readOwnerOnlySecret(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SecretFileError(`Cannot read the secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    // fstat on the descriptor we read from: the file cannot be swapped between the check and the read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretFileError(`The secret file ${path} is not a regular file.`);
    if (process.platform !== 'win32') {
      if ((stat.mode & 0o077) !== 0) {
        throw new SecretFileError(`The secret file ${path} can be read or written by others (mode ${(stat.mode & 0o777).toString(8)}); make it readable by its owner only (chmod 600).`);
      }
      const uid = process.getuid?.();
      if (uid !== undefined && uid !== 0 && stat.uid !== uid) {
        throw new SecretFileError(`The secret file ${path} belongs to another user (uid ${stat.uid}); it must belong to the user running activesync-doctor.`);
      }
    }
    if (stat.size > MAX_SECRET_BYTES) throw new SecretFileError(`The secret file ${path} is larger than 64 KB; that is not a password.`);
    const buffer = Buffer.alloc(stat.size);
    const read = stat.size ? readSync(fd, buffer, 0, stat.size, 0) : 0;
    // One trailing newline is the editor's, not the secret's.
    const secret = buffer.subarray(0, read).toString('utf8').replace(/\r?\n$/, '');
    if (!secret) throw new SecretFileError(`The secret file ${path} is empty.`);
    return secret;
  } finally {
    closeSync(fd);
  }
}
