// Cancellation plumbing. A run has one AbortSignal (the caller's cancel plus the overall
// deadline); every wait in the probe goes through `withAbort` so a cancel lands within
// milliseconds, and the reason tells a timeout from a cancel.

export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';

  constructor(readonly reason: 'cancelled' | 'timeout') {
    super(reason === 'cancelled' ? 'The run was cancelled.' : 'The run took longer than its overall time limit.');
  }
}

export function abortReason(signal: AbortSignal): RunAbortedError {
  const r: unknown = signal.reason;
  if (r instanceof RunAbortedError) return r;
  return new RunAbortedError('cancelled');
}

/** Races a promise with the signal; `onAbort` releases whatever the promise holds (a socket). */
export function withAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const listener = () => {
      onAbort?.();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', listener, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', listener);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', listener);
        reject(e);
      },
    );
  });
}

/** A promise that rejects after `ms` with the given error; `clear()` stops the timer. */
export function deadline(ms: number, makeError: () => Error): { promise: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(makeError()), ms);
  });
  promise.catch(() => undefined);
  return { promise, clear: () => clearTimeout(timer) };
}
