// Reads a password or token from a file that only its owner can read, as monitoring systems keep
// them (Prometheus' password_file, a Nagios resource file). A file others can read or write is
// refused: the secret may already have leaked, and saying so beats using it quietly. The reading
// itself (a regular file only, never blocking on a FIFO, bounded) is the one every named file gets.
import type { Stats } from 'node:fs';
import { readRegularFileSync, UserFileError } from './boundedFileRead';

const MAX_SECRET_BYTES = 64 * 1024;

export class SecretFileError extends Error {}

export function readOwnerOnlySecret(path: string): string {
  let text: string;
  try {
    text = readRegularFileSync(path, 'secret file', MAX_SECRET_BYTES, 'that is not a password', (stat) => ownerOnly(path, stat));
  } catch (error) {
    throw error instanceof UserFileError ? new SecretFileError(error.message) : error;
  }
  // One trailing newline is the editor's, not the secret's.
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new SecretFileError(`The secret file ${path} is empty.`);
  return secret;
}

function ownerOnly(path: string, stat: Stats): void {
  if (process.platform === 'win32') return;
  if ((stat.mode & 0o077) !== 0) {
    throw new UserFileError(`The secret file ${path} can be read or written by others (mode ${(stat.mode & 0o777).toString(8)}); make it readable by its owner only (chmod 600).`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) {
    throw new UserFileError(`The secret file ${path} belongs to another user (uid ${stat.uid}); it must belong to the user running activesync-doctor.`);
  }
}
