// History folders written by earlier versions must keep loading. The fixture was written by the
// store as it was before appends took the lock (index.jsonl with summary lines and a tombstone,
// runs/<id>.json, one hashed file name); it is copied before use because loading may write.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { sampleRun } from './helpers/historyRuns';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'history-2026-12');

describe('HistoryStore reads history folders of earlier versions', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'asd-history-format-'));
    fs.cpSync(FIXTURE, directory, { recursive: true });
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('lists, opens and extends the folder written in December 2026 without a warning', async () => {
    const store = new HistoryStore(directory);
    const summaries = await store.summaries();
    assert.deepEqual(
      summaries.map((s) => [s.id, s.host, s.outcome]),
      [
        ['Fixture Upper/Case id', 'mail.fabrikam.com', 'warning'],
        ['fixture-4', 'mail4.contoso.com', 'failed'],
        ['fixture-3', 'mail3.contoso.com', 'passed'],
        ['fixture-1', 'mail1.contoso.com', 'failed'],
        ['fixture-0', 'mail0.contoso.com', 'passed'],
      ],
    );
    const hashed = await store.get('Fixture Upper/Case id');
    assert.equal(hashed?.labScenario, 'tls-expired');
    assert.equal(hashed?.steps.length, 6);
    const plain = await store.get('fixture-1');
    assert.equal(plain?.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'failed');
    assert.equal(await store.get('fixture-2'), undefined, 'the deleted run stays deleted');

    await store.append(sampleRun(9, { id: 'after-upgrade' }));
    assert.equal(await store.delete('fixture-0'), true);
    await store.whenIdle();
    assert.deepEqual(store.warnings, []);

    const again = new HistoryStore(directory);
    assert.deepEqual((await again.summaries()).map((s) => s.id), ['after-upgrade', 'Fixture Upper/Case id', 'fixture-4', 'fixture-3', 'fixture-1']);
    await again.whenIdle();
    assert.deepEqual(again.warnings, []);
  });
});
