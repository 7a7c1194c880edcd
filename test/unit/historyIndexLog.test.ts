// The index log's parsing and its rewrite-versus-append protocol, with the races forced to happen
// at the worst moment (hooks) instead of hoping a timing lines up.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendIndexLines, parseIndex, summaryLine, tombstoneLine, type IndexRecord } from '../../src/history/indexLog';
import { rewriteIndex } from '../../src/history/indexRewrite';
import { summarizeRun } from '../../src/history/runSummary';
import { sampleRun } from './helpers/historyRuns';
import { useTempDirectory } from './helpers/suiteFixtures';

const line = (i: number) => summaryLine(summarizeRun(sampleRun(i)));
const runIds = (records: IndexRecord[]) => records.flatMap((r) => (r.kind === 'run' ? [r.summary.id] : []));

describe('history index log', () => {
  let directory: string;
  let indexPath: string;
  useTempDirectory('asd-history-', (created) => {
    directory = created;
    indexPath = path.join(directory, 'index.jsonl');
  });

  describe('parseIndex', () => {
    it('reads summaries and tombstones, and tells a torn tail from garbage', () => {
      const whole = `${line(1)}\r\n${tombstoneLine('run-000001')}\n\n${line(2)}\n`;
      const tail = '{"s":1,"r":{"id":"ru';
      const torn = parseIndex(Buffer.from(whole + tail));
      assert.deepEqual(torn.records.map((r) => r.kind), ['run', 'deleted', 'run']);
      assert.deepEqual([torn.damagedLines, torn.partialTailBytes, torn.endOfLastLine], [0, tail.length, Buffer.byteLength(whole)]);

      const garbageTail = parseIndex(Buffer.from(`${whole}PK\u0003\u0004`));
      assert.equal(garbageTail.damagedLines, 1);
      const garbageLine = parseIndex(Buffer.from(`${line(1)}\nnot json\n${line(2)}\n`));
      assert.deepEqual([garbageLine.damagedLines, garbageLine.recoveredRecords, runIds(garbageLine.records)], [1, 0, ['run-000001', 'run-000002']]);
    });

    it('recovers a whole record glued after a torn one, but not text that only quotes one', () => {
      const glued = parseIndex(Buffer.from(`{"s":1,"r":{"id":"run-0${line(3)}\n`));
      assert.deepEqual([glued.damagedLines, glued.recoveredRecords, runIds(glued.records)], [1, 1, ['run-000003']]);
      // Server text inside a summary is JSON-escaped, so it can never pose as a record.
      const quoted = summaryLine({ ...summarizeRun(sampleRun(4)), failedSummary: line(5) });
      assert.deepEqual(runIds(parseIndex(Buffer.from(`${quoted}\n`)).records), ['run-000004']);
    });
  });

  describe('rewrite while others append', () => {
    const keepEverything = (before: { records: IndexRecord[] }) => ({ keep: before.records });

    it('keeps lines appended between its read and its write', () => {
      fs.writeFileSync(indexPath, `${line(1)}\n`);
      const result = rewriteIndex(directory, (before) => {
        appendIndexLines(indexPath, [line(2)], false);
        return keepEverything(before);
      });
      assert.deepEqual(runIds(result.appendedMeanwhile), ['run-000002']);
      assert.deepEqual(runIds(parseIndex(fs.readFileSync(indexPath)).records), ['run-000001', 'run-000002']);
    });

    it('copies a line that reached the old file just before the rename', () => {
      fs.writeFileSync(indexPath, `${line(1)}\n`);
      rewriteIndex(directory, keepEverything, { beforeRename: () => fs.appendFileSync(indexPath, `${line(2)}\n`) });
      assert.deepEqual(runIds(parseIndex(fs.readFileSync(indexPath)).records), ['run-000001', 'run-000002']);
    });

    it('makes an appender that wrote to the replaced file write its line again', () => {
      fs.writeFileSync(indexPath, `${line(1)}\n`);
      let rewrites = 0;
      // The rewrite happens after the appender opened the old file and before it writes to it.
      const result = appendIndexLines(indexPath, [line(2)], false, {
        afterOpen: () => {
          if (rewrites++ === 0) rewriteIndex(directory, keepEverything);
        },
      });
      assert.equal(result, 'appended');
      assert.deepEqual(runIds(parseIndex(fs.readFileSync(indexPath)).records), ['run-000001', 'run-000002']);
    });

    it('refuses to glue a line to a torn tail', () => {
      fs.writeFileSync(indexPath, `${line(1)}\n{"s":1,"r":{"id":"to`);
      assert.equal(appendIndexLines(indexPath, [line(2)], false), 'tornTail');
      assert.ok(fs.readFileSync(indexPath, 'utf8').endsWith('"to'));
    });
  });
});
