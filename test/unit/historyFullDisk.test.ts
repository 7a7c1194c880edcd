// The history on a disk that fills up: a real, small tmpfs, so the kernel's own ENOSPC lands
// wherever it lands (a run file's bytes, the lock's owner file, an index line). Every run whose
// append() resolved must read back whole; once the disk is full append() must reject, saying so
// in words; no temporary file may stay behind, and freeing space must make the history whole and
// writable again without a warning. Mounting needs root (CI runs as root); elsewhere it is skipped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { parseIndex } from '../../src/history/indexLog';
import type { ProbeRun } from '../../src/probe/runModel';
import { sampleRun } from './helpers/historyRuns';

const TRIALS = 12;
/** Fill-ups per trial: after each, a little space is freed and appending goes on. */
const FILL_UPS = 5;

function mountSmallTmpfs(mountPoint: string): string | undefined {
  if (process.platform !== 'linux') return 'a tmpfs can only be mounted on Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (CI runs the unit tests as root)';
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (mounted.status !== 0) return `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message || '').trim()}`;
  return undefined;
}

/** A deterministic pseudo-random sequence, so a failing trial can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const leftovers = (directory: string) =>
  [...fs.readdirSync(directory), ...(fs.existsSync(path.join(directory, 'runs')) ? fs.readdirSync(path.join(directory, 'runs')) : [])].filter(
    (name) => name.includes('.tmp-') || name === 'index.lock' || name.startsWith('index.lock.stale-'),
  );

describe('HistoryStore on a full disk', function () {
  this.timeout(120_000);
  let mountPoint: string;
  let skipReason: string | undefined;
  before(function () {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'asd-history-full-'));
    skipReason = mountSmallTmpfs(mountPoint);
    if (skipReason) {
      console.log(`      skipped: ${skipReason}`);
      fs.rmSync(mountPoint, { recursive: true, force: true });
      this.skip();
    }
  });
  after(() => {
    if (skipReason) return;
    spawnSync('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it(`keeps every acknowledged run whole and rejects with "the disk is full" (${TRIALS} trials, ${FILL_UPS} fill-ups each)`, async () => {
    let acknowledged = 0;
    let rejected = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const next = random(trial + 1);
      const directory = path.join(mountPoint, `trial-${trial}`);
      const filler = path.join(mountPoint, 'filler');
      fs.rmSync(directory, { recursive: true, force: true });
      // Other data takes a varying share of the disk, so it fills at a different byte each trial.
      fs.writeFileSync(filler, Buffer.alloc(Math.floor(next() * 256 * 1024)));
      const store = new HistoryStore(directory, { maxRuns: 100_000 });
      if (trial % 2 === 1) await store.summaries(); // half the trials write to a loaded store
      const stored = new Map<string, ProbeRun>();
      let i = 0;
      for (let fillUp = 0; fillUp < FILL_UPS; fillUp++) {
        for (;;) {
          const run = sampleRun(i, { id: `t${trial}-${i}`, extraBodyBytes: Math.floor(next() * 9000) });
          i++;
          try {
            await store.append(run);
            stored.set(run.id, JSON.parse(JSON.stringify(run)) as ProbeRun); // as it reads back: undefined fields are not written
          } catch (error) {
            assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC', `trial ${trial}: ${(error as Error).message}`);
            assert.equal((error as Error).message, 'the disk is full (ENOSPC)');
            rejected++;
            break;
          }
        }
        assert.deepEqual(leftovers(directory), [], `trial ${trial}, fill-up ${fillUp}: files left behind`);
        // Free a little (a few pages of the filler) and go on writing.
        fs.truncateSync(filler, Math.max(0, fs.statSync(filler).size - Math.floor(4096 + next() * 16_384)));
      }
      acknowledged += stored.size;

      // Still full: everything acknowledged reads back whole, from another store as another window would.
      const index = parseIndex(fs.readFileSync(path.join(directory, 'index.jsonl')));
      assert.deepEqual([index.partialTailBytes, index.damagedLines], [0, 0], `trial ${trial}: the index was left torn`);
      const reader = new HistoryStore(directory, { maxRuns: 100_000 });
      assert.deepEqual(new Set((await reader.summaries()).map((s) => s.id)), new Set(stored.keys()), `trial ${trial}`);
      for (const [id, run] of stored) assert.deepEqual(await reader.get(id), run, `trial ${trial}: ${id} does not read back whole`);

      // With space again, a fresh load finds nothing to restore, hide or repair, and appends work.
      fs.rmSync(filler);
      const after = new HistoryStore(directory, { maxRuns: 100_000 });
      assert.equal((await after.summaries()).length, stored.size);
      await after.append(sampleRun(i, { id: `t${trial}-after` }));
      await after.whenIdle();
      assert.deepEqual(after.warnings, [], `trial ${trial}`);
      fs.rmSync(directory, { recursive: true, force: true });
    }
    assert.ok(rejected === TRIALS * FILL_UPS, `${rejected} rejections`);
    assert.ok(acknowledged > TRIALS * FILL_UPS, `only ${acknowledged} runs were stored before the disk filled`);
  });
});
