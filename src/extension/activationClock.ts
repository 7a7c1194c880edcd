// Marks on the extension host's clock (performance.now(), shared by everything in that process)
// for where activation time goes. extension.ts imports this module first, so the bundle evaluates
// it before anything else: its first mark is when VS Code started running the extension's code.
// The extension-host suite subtracts these from its own marks around `extension.activate()` to
// tell VS Code's share (reading the bundle, creating the context) from the extension's.

export interface ActivationMarks {
  /** The bundle started evaluating (after VS Code read and compiled it). */
  moduleStart: number;
  /** Every module of the bundle evaluated. */
  moduleEnd?: number;
  /** activate() was called / returned. */
  activateStart?: number;
  activateEnd?: number;
}

export const activationMarks: ActivationMarks = { moduleStart: performance.now() };

export function markActivation(mark: Exclude<keyof ActivationMarks, 'moduleStart'>): void {
  activationMarks[mark] ??= performance.now();
}
