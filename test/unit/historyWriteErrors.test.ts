// When the disk refuses a history write: the error says why in words and keeps the OS code, and
// append() leaves no part of the run behind (the full-disk test does this on a real tmpfs as root;
// this one needs no root: the index path is a folder, so every index write fails).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { historyWriteError } from '../../src/history/storageErrors';
import { sampleRun } from './helpers/historyRuns';

describe('history write errors', () => {
  it('says in words what the OS code means, and keeps the code', () => {
    const full = historyWriteError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    assert.deepEqual([full.message, full.code], ['the disk is full (ENOSPC)', 'ENOSPC']);
    assert.equal(historyWriteError(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })).message, 'the disk is read-only (EROFS)');
    // A code without words keeps the OS message rather than guessing.
    const odd = historyWriteError(Object.assign(new Error('EISDIR: illegal operation on a directory, open'), { code: 'EISDIR' }));
    assert.deepEqual([odd.message, odd.code], ['EISDIR: illegal operation on a directory, open', 'EISDIR']);
  });

  it('rejects an append whose index line cannot be written and leaves neither its run file nor a temporary file', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'asd-history-'));
    try {
      const store = new HistoryStore(directory);
      await store.append(sampleRun(1));
      const indexPath = path.join(directory, 'index.jsonl');
      const before = fs.readFileSync(indexPath);
      fs.renameSync(indexPath, `${indexPath}.kept`);
      fs.mkdirSync(indexPath);
      await assert.rejects(store.append(sampleRun(2)), (error: NodeJS.ErrnoException) => error.code === 'EISDIR');
      assert.deepEqual(fs.readdirSync(path.join(directory, 'runs')), ['run-000001.json']);
      // Once the index is back, what was stored before is intact and appending works again.
      fs.rmdirSync(indexPath);
      fs.renameSync(`${indexPath}.kept`, indexPath);
      assert.deepEqual(fs.readFileSync(indexPath), before);
      await store.append(sampleRun(3));
      const fresh = new HistoryStore(directory);
      assert.deepEqual((await fresh.summaries()).map((s) => s.id), ['run-000003', 'run-000001']);
      await fresh.whenIdle();
      assert.deepEqual([...store.warnings, ...fresh.warnings], []);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
