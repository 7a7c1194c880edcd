// What the history store does with a folder damaged by a crash or by hand: a torn last line, a
// line glued to a torn one, garbage in the middle, a file that is not JSON at all, a lost index,
// a damaged run file, a lock left by a dead process. Nothing readable may be lost, nothing may
// throw, and every repair is reported once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { summaryLine } from '../../src/history/indexLog';
import { summarizeRun } from '../../src/history/runSummary';
import { sampleRun } from './helpers/historyRuns';
import { useTempDirectory } from './helpers/suiteFixtures';

async function storeWith(directory: string, count: number): Promise<HistoryStore> {
  const store = new HistoryStore(directory);
  for (let i = 0; i < count; i++) await store.append(sampleRun(i));
  return store;
}

async function loadedIds(directory: string): Promise<{ ids: string[]; warnings: readonly string[] }> {
  const store = new HistoryStore(directory);
  await store.load();
  await store.whenIdle();
  return { ids: (await store.summaries()).map((s) => s.id).sort(), warnings: store.warnings };
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => sampleRun(i).id).sort();

describe('HistoryStore recovery', () => {
  let directory: string;
  let indexPath: string;
  useTempDirectory('asd-history-', (created) => {
    directory = created;
    indexPath = path.join(directory, 'index.jsonl');
  });

  it('drops a torn last line, warns once, repairs the file, and keeps appending', async () => {
    await storeWith(directory, 5);
    const torn = summaryLine(summarizeRun(sampleRun(99))).slice(0, 60);
    fs.appendFileSync(indexPath, torn);

    const store = new HistoryStore(directory);
    await store.load();
    await store.whenIdle();
    assert.deepEqual((await store.summaries()).map((s) => s.id).sort(), ids(5));
    assert.equal(store.warnings.length, 1, store.warnings.join('\n'));
    assert.match(store.warnings[0], /incomplete entry/);
    const text = fs.readFileSync(indexPath, 'utf8');
    assert.ok(text.endsWith('\n') && !text.includes(torn));
    assert.deepEqual(fs.readdirSync(directory).filter((n) => n.includes('corrupt')), [], 'a torn tail is not corruption');

    await store.append(sampleRun(5));
    await store.reload();
    assert.equal(store.warnings.length, 1);
    assert.deepEqual((await loadedIds(directory)).ids, ids(6));
  });

  it('repairs a torn last line before the next append when nobody loaded the history first', async () => {
    await storeWith(directory, 3);
    fs.appendFileSync(indexPath, '{"s":1,"r":{"id":"run-0000');
    const writer = new HistoryStore(directory);
    await writer.append(sampleRun(3));
    assert.match(writer.warnings.join('\n'), /incomplete entry/);
    const lines = fs.readFileSync(indexPath, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.ok(lines.every((l) => JSON.parse(l).s === 1), 'every line is whole');
    const { ids: loaded, warnings } = await loadedIds(directory);
    assert.deepEqual(loaded, ids(4));
    assert.deepEqual(warnings, []);
  });

  it('keeps a damaged index aside with its old bytes and salvages every readable line', async () => {
    await storeWith(directory, 6);
    const lines = fs.readFileSync(indexPath, 'utf8').split('\n');
    lines.splice(3, 0, 'this line is not JSON \u0000\u0001 at all');
    const damaged = lines.join('\n');
    fs.writeFileSync(indexPath, damaged);

    const { ids: loaded, warnings } = await loadedIds(directory);
    assert.deepEqual(loaded, ids(6));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /damaged \(1 unreadable line\)/);
    const copies = fs.readdirSync(directory).filter((n) => /^index\.corrupt-.*\.jsonl$/.test(n));
    assert.equal(copies.length, 1);
    assert.ok(warnings[0].includes(copies[0]), 'the warning names the copy');
    assert.equal(fs.readFileSync(path.join(directory, copies[0]), 'utf8'), damaged);
    assert.ok(!fs.readFileSync(indexPath, 'utf8').includes('not JSON'));
  });

  it('rebuilds the history from the run files when the index is not JSON at all', async () => {
    await storeWith(directory, 4);
    const garbage = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00, 0xff, 0xfe, 0x41]);
    fs.writeFileSync(indexPath, garbage);

    const { ids: loaded, warnings } = await loadedIds(directory);
    assert.deepEqual(loaded, ids(4));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /damaged/);
    assert.match(warnings[1], /4 runs were missing from the history index and were restored/);
    const copy = fs.readdirSync(directory).find((n) => n.startsWith('index.corrupt-')) as string;
    assert.deepEqual(fs.readFileSync(path.join(directory, copy)), garbage);
    // Restored for good: the next load finds them in the index and has nothing to say.
    assert.deepEqual(await loadedIds(directory), { ids: ids(4), warnings: [] });
  });

  it('recovers a whole line glued to the end of a torn one', async () => {
    await storeWith(directory, 2);
    const glued = `{"s":1,"r":{"id":"run-9${summaryLine(summarizeRun(sampleRun(2)))}\n`;
    fs.writeFileSync(path.join(directory, 'runs', 'run-000002.json'), JSON.stringify(sampleRun(2)));
    fs.appendFileSync(indexPath, glued);
    const store = new HistoryStore(directory);
    await store.load();
    // Read before the run-file check, so this shows the line itself was recovered.
    assert.deepEqual((await store.summaries()).map((s) => s.id).sort(), ids(3));
    await store.whenIdle();
    assert.equal(store.warnings.length, 1, store.warnings.join('\n'));
    assert.match(store.warnings[0], /damaged/);
  });

  describe('a line damaged after the part a load reads', () => {
    // A load reads only the start of each line (id, server, outcome, time); the rest is checked
    // after the tree is shown, or before, by whatever needs a run's full summary first.
    const damageThirdLine = (): string => {
      const lines = fs.readFileSync(indexPath, 'utf8').split('\n');
      lines[2] = lines[2].replace(/"durationMs":(\d+)/, '"durationMs":$1x');
      const damaged = lines.join('\n');
      fs.writeFileSync(indexPath, damaged);
      return damaged;
    };

    it('is found by the check after the load, kept aside, and its run restored from its file', async () => {
      await storeWith(directory, 5);
      const damaged = damageThirdLine();
      const store = new HistoryStore(directory);
      const groups = await store.groupByServer();
      assert.equal(groups.reduce((sum, g) => sum + g.count, 0), 5);
      assert.deepEqual(store.warnings, []);
      await store.whenIdle();
      assert.equal(store.warnings.length, 2, store.warnings.join('\n'));
      assert.match(store.warnings[0], /damaged \(1 unreadable line\)/);
      assert.match(store.warnings[1], /1 run was missing from the history index and was restored/);
      const copy = fs.readdirSync(directory).find((n) => n.startsWith('index.corrupt-')) as string;
      assert.equal(fs.readFileSync(path.join(directory, copy), 'utf8'), damaged);
      assert.deepEqual((await store.summaries()).map((s) => s.id).sort(), ids(5));
      assert.deepEqual(await loadedIds(directory), { ids: ids(5), warnings: [] });
    });

    it('makes summaries() asked before that check repair first and answer from the repaired list', async () => {
      await storeWith(directory, 5);
      damageThirdLine();
      const store = new HistoryStore(directory);
      const summaries = await store.summaries();
      assert.deepEqual(summaries.map((s) => s.id).sort(), ids(5).filter((id) => id !== 'run-000002'));
      assert.ok(summaries.every((s) => s.url.startsWith('https://') && Number.isFinite(s.durationMs)), 'full summaries');
      assert.match(store.warnings.join('\n'), /damaged \(1 unreadable line\)/);
      await store.whenIdle();
      assert.deepEqual((await store.summaries()).map((s) => s.id).sort(), ids(5));
    });

    it('gives the same summaries as a full read when nothing is damaged', async () => {
      await storeWith(directory, 12);
      const quick = new HistoryStore(directory);
      const server = (await quick.groupByServer())[0];
      const ofServer = await quick.summariesForServer(server.host);
      const expected = await storeWith(directory, 0);
      await expected.compact();
      assert.deepEqual(ofServer, (await expected.summaries()).filter((s) => s.host === server.host));
      assert.deepEqual(await quick.summaries(), await expected.summaries());
      await quick.whenIdle();
      assert.deepEqual(quick.warnings, []);
    });
  });

  it('restores runs whose index line was lost, and hides entries whose run file is gone', async () => {
    await storeWith(directory, 5);
    fs.rmSync(indexPath);
    assert.deepEqual((await loadedIds(directory)).ids, ids(5));

    fs.rmSync(path.join(directory, 'runs', 'run-000004.json'));
    const { ids: loaded, warnings } = await loadedIds(directory);
    assert.deepEqual(loaded, ids(4));
    assert.match(warnings.join('\n'), /1 run listed in the history has no stored file/);
  });

  it('keeps a damaged run file aside and reports it instead of throwing', async () => {
    const store = await storeWith(directory, 3);
    const file = path.join(directory, 'runs', 'run-000001.json');
    fs.writeFileSync(file, '{"schemaVersion":1,"id":"run-000001","tar');
    assert.equal(await store.get('run-000001'), undefined);
    assert.equal(store.warnings.length, 1);
    assert.match(store.warnings[0], /run-000001 was damaged/);
    assert.equal(fs.existsSync(file), false);
    const aside = fs.readdirSync(path.join(directory, 'runs')).filter((n) => n.startsWith('run-000001.corrupt-'));
    assert.equal(aside.length, 1);
    assert.deepEqual((await store.summaries()).map((s) => s.id), ['run-000002', 'run-000000']);
  });

  it('takes over a lock left by a process that died, and cleans up its temporary and lock files', async () => {
    await storeWith(directory, 3);
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    fs.writeFileSync(path.join(directory, 'index.lock'), JSON.stringify({ host: os.hostname(), pid: dead, token: 'x' }));
    const abandoned = path.join(directory, 'runs', `run-000007.json.tmp-${dead}-abcd`);
    fs.writeFileSync(abandoned, '{"half":');
    // What a process killed inside the lock's own steps leaves: its private name, a stale lock moved aside.
    const privateName = path.join(directory, `index.lock.${dead}-0badc0de`);
    fs.writeFileSync(privateName, JSON.stringify({ host: os.hostname(), pid: dead, token: 'y' }));
    const movedAside = path.join(directory, 'index.lock.stale-0123456789ab');
    fs.writeFileSync(movedAside, JSON.stringify({ host: os.hostname(), pid: dead, token: 'z' }));
    // A live process's private name is left alone.
    const livePrivateName = path.join(directory, `index.lock.${process.pid}-feedbeef`);
    fs.writeFileSync(livePrivateName, '');

    const store = new HistoryStore(directory);
    await store.delete('run-000000');
    await store.compact();
    assert.equal(fs.existsSync(path.join(directory, 'index.lock')), false);
    assert.deepEqual([fs.existsSync(privateName), fs.existsSync(movedAside), fs.existsSync(livePrivateName)], [false, false, true]);
    assert.equal(fs.readFileSync(indexPath, 'utf8').trim().split('\n').length, 2);
    await store.whenIdle();
    assert.equal(fs.existsSync(abandoned), false);
    assert.deepEqual((await loadedIds(directory)).ids, ['run-000001', 'run-000002']);
  });

  it('waits for a lock held by a live process instead of breaking it', async () => {
    await storeWith(directory, 2);
    const lockPath = path.join(directory, 'index.lock');
    const owner = JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'someone-else' });
    fs.writeFileSync(lockPath, owner);
    const store = new HistoryStore(directory);
    let cleared = false;
    const clearing = store.clear().then(() => (cleared = true));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(cleared, false);
    assert.equal(fs.readFileSync(lockPath, 'utf8'), owner);
    fs.rmSync(lockPath);
    await clearing;
    assert.deepEqual((await loadedIds(directory)).ids, []);
  });
});
