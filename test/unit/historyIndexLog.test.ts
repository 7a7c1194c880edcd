// The index log's parsing and its rewrite-versus-append protocol, with the races forced to happen
// at the worst moment (hooks) instead of hoping a timing lines up.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendIndexLines, completeSummary, parseIndex, summaryLine, tombstoneLine, UnparsedRun, type IndexRecord } from '../../src/history/indexLog';
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

    it('with quickScan, reads only the headline of lines summaryLine wrote, and the rest when asked', () => {
      const summaries = [1, 2, 3].map((i) => summarizeRun(sampleRun(i, i === 2 ? { userName: 'CONTOSO\\o"brien' } : {})));
      summaries[1].failedSummary = 'The server said "no" \\ {"s":1,"r":{"id":"x"}}';
      const text = `${summaries.map(summaryLine).join('\n')}\r\n${tombstoneLine('run-000001')}\n`;
      const quick = parseIndex(Buffer.from(text), 0, { quickScan: true });
      const full = parseIndex(Buffer.from(text));
      assert.deepEqual(quick.records.map((r) => r.kind), ['unparsedRun', 'unparsedRun', 'unparsedRun', 'deleted']);
      assert.deepEqual([quick.damagedLines, quick.endOfLastLine], [0, full.endOfLastLine]);
      summaries.forEach((summary, i) => {
        const record = quick.records[i];
        assert.ok(record.kind === 'unparsedRun');
        const { id, host, outcome, startedAt } = record.headline;
        assert.deepEqual({ id, host, outcome, startedAt }, { id: summary.id, host: summary.host, outcome: summary.outcome, startedAt: summary.startedAt });
        assert.deepEqual(completeSummary(record.headline), summary);
        assert.deepEqual(completeSummary(record.headline), (full.records[i] as IndexRecord & { kind: 'run' }).summary);
      });
    });

    it('with quickScan, leaves every line not in summaryLine form to the full parse', () => {
      const summary = summarizeRun(sampleRun(4));
      const { host, ...rest } = summary;
      const reordered = JSON.stringify({ s: 1, r: { host, ...rest } });
      const escapedId = summaryLine({ ...summary, id: 'run\\u0030' });
      const glued = `{"s":1,"r":{"id":"run-0${line(5)}`;
      const parsed = parseIndex(Buffer.from(`${reordered}\n${escapedId}\n${glued}\n`), 0, { quickScan: true });
      assert.deepEqual(parsed.records.map((r) => r.kind), ['run', 'run', 'run']);
      assert.deepEqual(runIds(parsed.records), ['run-000004', 'run\\u0030', 'run-000005']);
      assert.deepEqual([parsed.damagedLines, parsed.recoveredRecords], [1, 1]);
    });

    it('completeSummary refuses a line damaged after its headline or whose fields disagree with it', () => {
      const whole = line(6);
      const damaged = whole.replace(/"durationMs":(\d+)/, '"durationMs":$1x');
      assert.notEqual(damaged, whole);
      const record = parseIndex(Buffer.from(`${damaged}\n`), 0, { quickScan: true }).records[0];
      assert.ok(record.kind === 'unparsedRun', 'the headline alone looks whole');
      assert.equal(completeSummary(record.headline), undefined);
      const { id, host, outcome, startedAt } = record.headline;
      assert.equal(completeSummary(new UnparsedRun(id, `other-${host}`, outcome, startedAt, whole)), undefined);
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
