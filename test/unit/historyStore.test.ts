// The history store's behaviour on real files: storing, reading back, ordering, grouping,
// deleting, clearing, retention, compaction, picking up another window's runs, and keeping
// passwords off the disk.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { exportRunJson } from '../../src/history/runExport';
import { sortNewestFirst, summarizeRun } from '../../src/history/runSummary';
import type { ProbeRun } from '../../src/probe/runModel';
import { sampleRun } from './helpers/historyRuns';
import { useTempDirectory } from './helpers/suiteFixtures';

function indexLines(directory: string): string[] {
  return fs.readFileSync(path.join(directory, 'index.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
}

function runFiles(directory: string): string[] {
  return fs.readdirSync(path.join(directory, 'runs')).sort();
}

/** Every file under the folder, as text. */
function everythingOnDisk(directory: string): string {
  const parts: string[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else parts.push(fs.readFileSync(full, 'utf8'));
    }
  };
  visit(directory);
  return parts.join('\n');
}

describe('HistoryStore', () => {
  let directory: string;
  useTempDirectory('asd-history-', (created) => (directory = created));

  it('keeps appended runs across instances and returns each full run', async () => {
    const writer = new HistoryStore(directory);
    const runs = [sampleRun(1), sampleRun(2, { outcome: 'passed' }), sampleRun(3, { labScenario: 'wrongPassword' })];
    for (const run of runs) await writer.append(run);

    const reader = new HistoryStore(directory);
    await reader.load();
    for (const run of runs) assert.deepEqual(await reader.get(run.id), JSON.parse(JSON.stringify(run)));
    assert.equal(await reader.get('no-such-run'), undefined);
    const summary = (await reader.summaries()).find((s) => s.id === runs[0].id);
    assert.deepEqual(summary, {
      id: runs[0].id,
      host: runs[0].target.host,
      url: runs[0].target.url,
      userName: 'CONTOSO\\jdoe',
      outcome: 'failed',
      startedAt: runs[0].startedAt,
      durationMs: 840,
      failedStepId: 'optionsAuthenticated',
      failedSummary: 'The server refused the credentials: HTTP 401 Unauthorized.',
    });
    assert.equal((await reader.summaries()).find((s) => s.id === runs[2].id)?.labScenario, 'wrongPassword');
    assert.deepEqual(reader.warnings, []);
  });

  it('lists runs newest first whatever order they were stored in', async () => {
    const store = new HistoryStore(directory);
    for (const i of [5, 1, 9, 3, 7]) await store.append(sampleRun(i));
    // A start time written with an offset is ordered by the instant it names.
    await store.append(sampleRun(100, { id: 'offset-time', startedAt: '2025-01-01T01:00:30+01:00' }));
    const fresh = new HistoryStore(directory);
    assert.deepEqual(
      (await fresh.summaries()).map((s) => s.id),
      ['run-000009', 'run-000007', 'run-000005', 'run-000003', 'run-000001', 'offset-time'],
    );
  });

  it('orders runs the same whether they arrive in time order (one pass) or not (a sort), ties by id', () => {
    const at = (id: string, startedAt: string) => summarizeRun(sampleRun(0, { id, startedAt }));
    const inOrder = [
      at('b', '2025-01-01T00:00:00.000Z'),
      at('a', '2025-01-01T00:00:01.000Z'),
      at('c', '2025-01-01T00:00:01.000Z'),
      at('offset', '2025-01-01T01:00:02+01:00'),
    ];
    const expected = ['offset', 'c', 'a', 'b'];
    assert.deepEqual(sortNewestFirst(inOrder).map((s) => s.id), expected);
    assert.deepEqual(sortNewestFirst([inOrder[2], inOrder[0], inOrder[3], inOrder[1]]).map((s) => s.id), expected);
    assert.deepEqual(inOrder.map((s) => s.id), ['b', 'a', 'c', 'offset'], 'the input is left as it was');
  });

  it('groups runs by server, newest server first, with the count and the latest outcome', async () => {
    const store = new HistoryStore(directory);
    await store.append(sampleRun(1, { host: 'mail.contoso.com', outcome: 'failed' }));
    await store.append(sampleRun(2, { host: 'eas.fabrikam.com', outcome: 'failed' }));
    await store.append(sampleRun(3, { host: 'MAIL.contoso.com', outcome: 'passed' }));
    await store.append(sampleRun(4, { host: 'eas.fabrikam.com', outcome: 'warning' }));
    await store.append(sampleRun(5, { host: 'mail.contoso.com', outcome: 'cancelled' }));

    const groups = await new HistoryStore(directory).groupByServer();
    assert.deepEqual(
      groups.map((g) => [g.host, g.count, g.latestOutcome, g.latestRunId]),
      [
        ['mail.contoso.com', 3, 'cancelled', 'run-000005'],
        ['eas.fabrikam.com', 2, 'warning', 'run-000004'],
      ],
    );
    assert.deepEqual(
      (await store.summariesForServer('Mail.Contoso.com')).map((s) => s.id),
      ['run-000005', 'run-000003', 'run-000001'],
    );
  });

  it('deletes a run for good, in this window and the next', async () => {
    const store = new HistoryStore(directory);
    for (let i = 0; i < 3; i++) await store.append(sampleRun(i));
    assert.equal(await store.delete('run-000001'), true);
    assert.equal(await store.delete('run-000001'), false);
    assert.equal(await store.delete('never-stored'), false);
    assert.equal(await store.get('run-000001'), undefined);
    assert.deepEqual(runFiles(directory), ['run-000000.json', 'run-000002.json']);

    const other = new HistoryStore(directory);
    assert.deepEqual((await other.summaries()).map((s) => s.id), ['run-000002', 'run-000000']);
    await assert.rejects(store.append(sampleRun(1)), /deleted/);
  });

  it('clears everything and keeps working afterwards', async () => {
    const store = new HistoryStore(directory);
    for (let i = 0; i < 4; i++) await store.append(sampleRun(i));
    await store.delete('run-000002');
    await store.clear();
    assert.deepEqual(await store.summaries(), []);
    assert.deepEqual(runFiles(directory), []);
    assert.deepEqual(indexLines(directory), []);
    assert.deepEqual(await new HistoryStore(directory).summaries(), []);

    await store.append(sampleRun(10));
    assert.deepEqual((await new HistoryStore(directory).summaries()).map((s) => s.id), ['run-000010']);
  });

  it('keeps only the newest maxRuns runs and removes the older ones from disk', async () => {
    const store = new HistoryStore(directory, { maxRuns: 5 });
    for (let i = 0; i < 40; i++) await store.append(sampleRun(i));
    const newestFive = ['run-000039', 'run-000038', 'run-000037', 'run-000036', 'run-000035'];
    assert.deepEqual((await store.summaries()).map((s) => s.id), newestFive);
    await store.whenIdle();
    await store.compact();
    assert.deepEqual(runFiles(directory), [...newestFive].reverse().map((id) => `${id}.json`));
    assert.equal(indexLines(directory).length, 5);
    assert.deepEqual((await new HistoryStore(directory, { maxRuns: 5 }).summaries()).map((s) => s.id), newestFive);
    assert.equal(await store.get('run-000001'), undefined);
  });

  it('compacts deleted runs out of the index by itself and keeps the rest intact', async () => {
    const store = new HistoryStore(directory, { maxRuns: 1000 });
    for (let i = 0; i < 150; i++) await store.append(sampleRun(i));
    for (let i = 0; i < 150; i += 3) await store.delete(sampleRun(i).id);
    for (let i = 1; i < 150; i += 3) await store.delete(sampleRun(i).id);
    await store.whenIdle();
    // 150 runs + 100 tombstones would be 250 lines; compaction leaves one line per kept run.
    const kept = Array.from({ length: 50 }, (_, k) => sampleRun(3 * k + 2).id);
    assert.equal(indexLines(directory).length, 50);
    const fresh = new HistoryStore(directory);
    assert.deepEqual((await fresh.summaries()).map((s) => s.id).sort(), kept.sort());
    assert.deepEqual(await fresh.get(kept[7]), JSON.parse(JSON.stringify(sampleRun(3 * 7 + 2))));
  });

  it('never compacts a store that has not loaded the history (its empty list is not a sign of obsolete lines)', async () => {
    const writer = new HistoryStore(directory, { maxRuns: 100_000 });
    await writer.append(sampleRun(0));
    const indexInode = fs.statSync(path.join(directory, 'index.jsonl')).ino;
    for (let i = 1; i < 150; i++) await writer.append(sampleRun(i));
    await writer.whenIdle();
    assert.equal(fs.statSync(path.join(directory, 'index.jsonl')).ino, indexInode, 'the index was rewritten');
    assert.equal(indexLines(directory).length, 150);
  });

  it('picks up runs another window appended, deleted or compacted away', async () => {
    const mine = new HistoryStore(directory);
    const theirs = new HistoryStore(directory);
    await mine.append(sampleRun(1));
    assert.equal((await theirs.summaries()).length, 1);
    let changes = 0;
    theirs.onDidChange(() => changes++);

    await mine.append(sampleRun(2));
    await mine.append(sampleRun(3));
    assert.equal(await theirs.reload(), true);
    assert.deepEqual((await theirs.summaries()).map((s) => s.id), ['run-000003', 'run-000002', 'run-000001']);
    assert.equal(changes, 1);
    assert.equal(await theirs.reload(), false);

    await mine.delete('run-000002');
    await mine.compact(); // replaces the file: the other window must notice and read it whole
    await mine.append(sampleRun(4));
    assert.equal(await theirs.reload(), true);
    assert.deepEqual((await theirs.summaries()).map((s) => s.id), ['run-000004', 'run-000003', 'run-000001']);
    assert.equal(changes, 2);
  });

  it('never writes a password field to disk, in the run or in an export', async () => {
    const secret = 'Sup3r-Secret-Pa55';
    const run = sampleRun(1) as ProbeRun & Record<string, unknown>;
    run.password = secret;
    (run.settings as unknown as Record<string, unknown>).Password = secret;
    (run.steps[0].evidence as Record<string, unknown>).nested = [{ PASSWORD: secret, kept: 'yes' }];
    const store = new HistoryStore(directory);
    await store.append(run);

    const onDisk = everythingOnDisk(directory);
    assert.ok(onDisk.includes('"kept":"yes"'), 'the run was written');
    assert.ok(!onDisk.includes(secret));
    assert.ok(!/password/i.test(onDisk));

    const stored = (await new HistoryStore(directory).get(run.id)) as unknown as Record<string, unknown>;
    assert.equal(stored.password, undefined);
    assert.equal((stored.settings as Record<string, unknown>).Password, undefined);

    const exported = exportRunJson(run);
    assert.ok(!exported.includes(secret));
    assert.ok(exported.includes('\n  "id": "run-000001"'), 'pretty-printed');
    const { password: _dropped, ...withoutPassword } = JSON.parse(JSON.stringify(sampleRun(1)));
    assert.deepEqual(JSON.parse(exported).settings, withoutPassword.settings);
    assert.deepEqual(JSON.parse(exported).target, withoutPassword.target);
  });

  it('refuses to store something that is not a run of this schema', async () => {
    const store = new HistoryStore(directory);
    const future = { ...sampleRun(1), schemaVersion: 2 } as unknown as ProbeRun;
    await assert.rejects(store.append(future), /schemaVersion/);
    await assert.rejects(store.append({ ...sampleRun(2), steps: undefined } as unknown as ProbeRun), /steps/);
    assert.equal(fs.existsSync(path.join(directory, 'runs', 'run-000001.json')), false);
  });

  it('skips, with a warning, index entries and run files this version does not understand', async () => {
    const store = new HistoryStore(directory);
    await store.append(sampleRun(1));
    fs.appendFileSync(path.join(directory, 'index.jsonl'), '{"s":7,"r":{"id":"from-the-future"}}\n{"s":1,"r":{"id":"x"}}\n');
    const future = { ...sampleRun(2), schemaVersion: 99 };
    fs.writeFileSync(path.join(directory, 'runs', 'run-000002.json'), JSON.stringify(future));

    const reader = new HistoryStore(directory);
    const warnings: string[] = [];
    reader.onWarning((w) => warnings.push(w));
    await reader.load();
    await reader.whenIdle();
    assert.deepEqual((await reader.summaries()).map((s) => s.id), ['run-000001']);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.ok(warnings.some((w) => /newer than this version/.test(w)));
    assert.ok(warnings.some((w) => /missing host/.test(w)));
    assert.ok(warnings.some((w) => /1 stored run file was skipped/.test(w)));
    assert.deepEqual(reader.warnings, warnings);
    // Nothing it did not understand was thrown away.
    assert.ok(fs.existsSync(path.join(directory, 'runs', 'run-000002.json')));
    await reader.compact();
    assert.ok(indexLines(directory).some((l) => l.includes('from-the-future')));
  });

  it('stores runs whose ids are not safe file names under hashed names', async () => {
    const store = new HistoryStore(directory);
    const odd = sampleRun(1, { id: '../../Escape Me' });
    await store.append(odd);
    assert.ok(runFiles(directory).every((name) => /^h-[0-9a-f]{40}\.json$/.test(name)));
    assert.equal(fs.readdirSync(path.dirname(directory)).includes('Escape Me.json'), false);
    assert.deepEqual(await new HistoryStore(directory).get(odd.id), JSON.parse(JSON.stringify(odd)));
  });
});
