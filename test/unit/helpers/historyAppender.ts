// Child process for the history durability tests, standing in for a VS Code window's extension
// host. Appends runs to a history folder in a loop and reports on stdout, one line each:
//   +<id>   once append() has returned (the run must survive whatever happens next)
//   -<id>   once delete() of one of its own runs has returned
//   !<json> every warning the store raised (a test expects none unless it caused one)
// Usage: node historyAppender.js <directory> <prefix> <count> [extraBodyBytes] [plain|window]
// "window" mode behaves like a window with the History view open: it loads the history first,
// deletes one of its own earlier runs every 20 appends and compacts every 100, so rewrites happen
// while the other processes append.
import { writeSync } from 'node:fs';
import { HistoryStore } from '../../../src/history/historyStore';
import { sampleRun } from './historyRuns';

async function main(): Promise<void> {
  const [directory, prefix, countText, extraText, mode] = process.argv.slice(2);
  const count = Number(countText);
  const extraBodyBytes = Number(extraText ?? 0);
  const store = new HistoryStore(directory, { maxRuns: 100_000 });
  store.onWarning((warning) => process.stdout.write(`!${JSON.stringify(warning)}\n`));
  const window = mode === 'window';
  if (window) await store.summaries();
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    await store.append(sampleRun(i, { id, extraBodyBytes }));
    process.stdout.write(`+${id}\n`);
    if (window && i % 20 === 19) {
      const victim = `${prefix}-${i - 10}`;
      if (await store.delete(victim)) process.stdout.write(`-${victim}\n`);
    }
    if (window && i % 100 === 99) await store.compact();
  }
  await store.whenIdle();
}

main().catch((error) => {
  // Synchronous: process.exit() would drop an asynchronous write to a pipe.
  writeSync(2, `${(error as Error).stack}\n`);
  process.exit(1);
});
