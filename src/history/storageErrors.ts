// What the history says when the disk refuses a write. The OS code stays on the error (`code`)
// for callers that branch on it; the message says in words why, e.g. "the disk is full (ENOSPC)",
// short enough for the extension to put after "The run could not be saved to history: ".
const WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the disk is read-only',
  EACCES: 'permission to write the history folder was denied',
  EPERM: 'the operating system did not allow the write',
  EIO: 'the disk reported an input/output error',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
};

export class HistoryWriteError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'HistoryWriteError';
    this.code = code;
  }
}

/** Wraps an error thrown while writing history files into one that says why in words. */
export function historyWriteError(error: unknown): HistoryWriteError {
  if (error instanceof HistoryWriteError) return error;
  const code = typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string' ? (error as NodeJS.ErrnoException).code : undefined;
  const words = code !== undefined && WORDS[code] !== undefined ? `${WORDS[code]} (${code})` : error instanceof Error ? error.message : String(error);
  return new HistoryWriteError(words, code, error);
}
