// The V8 flags the CLI's process sets for itself, per command. The launcher applies them before
// the bundle is compiled (V8 accepts cached code only under the flags it was made with, and each
// command that sets its own flags has its own code cache). Only the CLI's own process: the engine
// never changes V8's flags, and the extension never changes VS Code's.

/**
 * A CLI run parses a handful of HTTP responses: compiling undici's llhttp WebAssembly with the
 * optimising tier costs ~50 ms of background work that delays exit, and ~10 MB of native memory;
 * the baseline tier is plenty.
 */
const EVERY_COMMAND = ['--liftoff-only'];

/**
 * `batch` may hold 256 probes in flight: their garbage comes in bursts that let V8 grow the young
 * generation to its 2 × 16 MB and the old one by its usual factor, ~25 MB of RSS over the same
 * batch with this flag (bench/README.md, figure 6), for some more CPU time in the collector. A
 * batch waits on round trips, not on that CPU.
 */
const BY_COMMAND: Readonly<Record<string, readonly string[]>> = {
  batch: ['--optimize-for-size'],
};

export function cliV8Flags(command: string): string[] {
  return [...EVERY_COMMAND, ...(Object.hasOwn(BY_COMMAND, command) ? BY_COMMAND[command] : [])];
}
