// The history under real concurrency and real crashes: child processes (each like a VS Code
// window's extension host) append runs while others append, compact, or kill them with SIGKILL.
// Every run whose append() returned must survive; counts are asserted, never timings.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { sampleRun } from './helpers/historyRuns';

const APPENDER = path.join(__dirname, 'helpers', 'historyAppender.js');

interface Appender {
  child: ChildProcess;
  /** Ids the child reported after append() returned. */
  written: string[];
  /** Resolves when the child exited (normally or killed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once the child has reported at least `n` ids (or exited). */
  reported(n: number): Promise<void>;
}

function startAppender(directory: string, prefix: string, count: number, extraBodyBytes = 0): Appender {
  const child = spawn(process.execPath, [APPENDER, directory, prefix, String(count), String(extraBodyBytes)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const written: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let pending = '';
  let stderr = '';
  let done = false;
  const wake = () => {
    for (const w of [...waiters]) {
      if (done || written.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? ''; // an id without its newline was not reported yet
    written.push(...lines.filter((l) => l !== ''));
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      wake();
      resolve({ code, signal, stderr });
    }),
  );
  return { child, written, exited, reported: (n) => new Promise<void>((resolve) => { waiters.push({ n, resolve }); wake(); }) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('HistoryStore durability across processes', function () {
  this.timeout(120_000);
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'asd-history-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('loses no fully written run when appenders are killed with SIGKILL 100 times', async () => {
    const reported = new Set<string>();
    let kills = 0;
    // Four appenders at a time: kills land while the others are writing too. Every third one
    // writes runs of several disk pages, so a kill can also land inside one write.
    for (let round = 0; round < 25; round++) {
      const group = [0, 1, 2, 3].map((k) => startAppender(directory, `kill${round}-${k}`, 10_000, (round + k) % 3 === 0 ? 12_000 : 0));
      await Promise.all(
        group.map(async (appender) => {
          await appender.reported(1); // past start-up, inside the append loop
          await sleep(Math.random() * 8);
          appender.child.kill('SIGKILL');
          const { code, signal, stderr } = await appender.exited;
          assert.equal(signal, 'SIGKILL', `the appender should be killed, not fail (exit code ${code}): ${stderr}`);
          kills++;
          for (const id of appender.written) reported.add(id);
        }),
      );
    }
    assert.equal(kills, 100);

    const store = new HistoryStore(directory, { maxRuns: 100_000 });
    await store.load();
    await store.whenIdle();
    const stored = new Set((await store.summaries()).map((s) => s.id));
    const lost = [...reported].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `runs lost: ${lost.length} of ${reported.size}`);
    // Each of them opens too, and nothing is listed twice.
    assert.equal((await store.summaries()).length, stored.size);
    for (const id of reported) assert.equal((await store.get(id))?.id, id);
    // What the runs' folder holds is now all indexed: a second load has nothing to restore.
    const again = new HistoryStore(directory, { maxRuns: 100_000 });
    await again.load();
    await again.whenIdle();
    assert.equal((await again.summaries()).length, stored.size);
    assert.deepEqual(again.warnings.filter((w) => /restored|damaged/.test(w)), []);
  });

  it('ends with exactly 1,000 runs when two processes append 500 each at once', async () => {
    const appenders = [startAppender(directory, 'a', 500), startAppender(directory, 'b', 500)];
    for (const appender of appenders) {
      const { code, stderr } = await appender.exited;
      assert.equal(code, 0, stderr);
      assert.equal(appender.written.length, 500);
    }
    const store = new HistoryStore(directory, { maxRuns: 100_000 });
    const summaries = await store.summaries();
    assert.equal(summaries.length, 1000);
    assert.equal(new Set(summaries.map((s) => s.id)).size, 1000);
    for (const prefix of ['a', 'b']) {
      for (let i = 0; i < 500; i++) assert.ok(summaries.some((s) => s.id === `${prefix}-${i}`), `${prefix}-${i}`);
    }
    assert.equal(fs.readFileSync(path.join(directory, 'index.jsonl'), 'utf8').trim().split('\n').length, 1000);
    await store.whenIdle();
    assert.deepEqual(store.warnings, []);
  });

  it('loses no run another process appends while this one compacts and clears its deletions', async () => {
    const store = new HistoryStore(directory, { maxRuns: 100_000 });
    for (let i = 0; i < 200; i++) await store.append(sampleRun(i));
    const appender = startAppender(directory, 'other', 400);
    let compactions = 0;
    let next = 0;
    // Delete our own runs and compact over and over while the other process writes.
    while (appender.child.exitCode === null && next < 150) {
      await store.delete(sampleRun(next++).id);
      await store.compact();
      compactions++;
    }
    const { code, stderr } = await appender.exited;
    assert.equal(code, 0, stderr);
    assert.ok(compactions > 5, `only ${compactions} compactions overlapped the appender`);

    const fresh = new HistoryStore(directory, { maxRuns: 100_000 });
    const ids = new Set((await fresh.summaries()).map((s) => s.id));
    for (let i = 0; i < 400; i++) assert.ok(ids.has(`other-${i}`), `other-${i} was lost`);
    for (let i = 0; i < 200; i++) assert.equal(ids.has(sampleRun(i).id), i >= next, sampleRun(i).id);
    assert.equal(ids.size, 400 + 200 - next);
  });
});
