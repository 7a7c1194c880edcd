// Child process for the history durability tests: appends runs to a history folder in a loop and
// prints each run id once append() has returned, so the parent knows which runs were fully written.
// Usage: node historyAppender.js <directory> <prefix> <count> [extraBodyBytes]
import { writeSync } from 'node:fs';
import { HistoryStore } from '../../../src/history/historyStore';
import { sampleRun } from './historyRuns';

async function main(): Promise<void> {
  const [directory, prefix, countText, extraText] = process.argv.slice(2);
  const count = Number(countText);
  const extraBodyBytes = Number(extraText ?? 0);
  const store = new HistoryStore(directory, { maxRuns: 100_000 });
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${i}`;
    await store.append(sampleRun(i, { id, extraBodyBytes }));
    process.stdout.write(`${id}\n`);
  }
  await store.whenIdle();
}

main().catch((error) => {
  // Synchronous: process.exit() would drop an asynchronous write to a pipe.
  writeSync(2, `${(error as Error).stack}\n`);
  process.exit(1);
});
