// Batch probing against the lab over real loopback sockets: outcomes in input order whatever
// finishes first, the worker pool's bound on runs in flight, cancel, and the `batch` command run
// in-process (table, JSON, exit codes, line-numbered file errors, password sources).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import { renderBatchReport, writeBatchJson } from '../../src/cli/batchCommand';
import { styleFor } from '../../src/cli/terminalStyle';
import { startLab, type LabRequestInfo, type RunningLab } from '../../src/lab/labServer';
import { findScenario } from '../../src/lab/scenarios';
import { LAB_PASSWORD, LAB_UPN } from '../../src/lab/labAccounts';
import { runBatch, type BatchTarget } from '../../src/probe/batch';
import { firstFailedStep } from '../../src/probe/runModel';

/** Healthy, 401 with the right password, TLS failures: what an admin's list of servers looks like. */
const MIXED = ['exchange2016-healthy', 'coexistence-2003-basic-only', 'tls-self-signed', 'exchange2019-healthy', 'tls-expired', 'office365-needs-upn'];

interface CapturedIo {
  io: Parameters<typeof main>[1];
  stdout(): string;
  stderr(): string;
}

function capture(env: NodeJS.ProcessEnv, stdinText?: string): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => into.push(chunk.toString('utf8')));
    return stream;
  };
  const stdin = (stdinText === undefined ? Readable.from([]) : Readable.from([stdinText])) as unknown as NodeJS.ReadStream;
  return {
    io: { stdout: sink(out), stderr: sink(err), stdin, env },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

describe('batch probing', function () {
  let lab: RunningLab;
  let dir: string;
  const requests: LabRequestInfo[] = [];

  before(async () => {
    lab = await startLab({ scenarios: [...MIXED, 'silent'], onRequest: (info) => requests.push(info) });
    dir = mkdtempSync(join(tmpdir(), 'batch-test-'));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const targetsFor = (ids: string[]): BatchTarget[] => ids.map((id) => ({ target: lab.urlFor(id), userName: LAB_UPN, password: LAB_PASSWORD }));
  const writeTargets = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('returns one run per target in input order, each judged as its scenario expects, at concurrency 3', async () => {
    const finishedOrder: number[] = [];
    const result = await runBatch(targetsFor(MIXED), {
      concurrency: 3,
      extraCaPem: lab.caPem,
      onRunFinished: (_run, index) => finishedOrder.push(index),
    });
    assert.equal(result.runs.length, MIXED.length);
    MIXED.forEach((id, i) => {
      const run = result.runs[i];
      const expected = findScenario(id)!.expected;
      assert.equal(run.target.url, lab.urlFor(id), `run ${i} is for ${id}`);
      assert.equal(run.outcome, expected.outcome, `${id}: outcome`);
      assert.equal(firstFailedStep(run)?.id, expected.failedStep, `${id}: failing step`);
      assert.equal(firstFailedStep(run)?.failure?.category, expected.category, `${id}: category`);
    });
    assert.deepEqual([...finishedOrder].sort((a, b) => a - b), MIXED.map((_, i) => i), 'onRunFinished once per target');
    assert.equal(result.passed, 2);
    assert.equal(result.failed, 4);
    assert.equal(result.warnings + result.cancelled, 0);
    assert.ok(result.peakRssBytes && result.peakRssBytes > 0);
    assert.ok(!JSON.stringify(result.runs).includes(LAB_PASSWORD), 'no password in any run');
  });

  for (const concurrency of [1, 3]) {
    it(`never has more than ${concurrency} run(s) in flight, and does reach ${concurrency}`, async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const ids = [...MIXED, ...MIXED];
      const result = await runBatch(targetsFor(ids), {
        concurrency,
        extraCaPem: lab.caPem,
        crossCheck: false,
        onRunStarted: () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
        },
        onRunFinished: () => inFlight--,
      });
      assert.equal(maxInFlight, concurrency);
      assert.equal(inFlight, 0);
      assert.equal(result.runs.length, ids.length);
    });
  }

  it('starts no more workers than there are targets, and handles an empty list', async () => {
    let started = 0;
    const result = await runBatch(targetsFor(['exchange2016-healthy']), { concurrency: 16, extraCaPem: lab.caPem, onRunStarted: () => started++ });
    assert.equal(started, 1);
    assert.equal(result.passed, 1);
    const empty = await runBatch([], {});
    assert.deepEqual(empty.runs, []);
  });

  it('refuses a concurrency outside 1..256', async () => {
    for (const concurrency of [0, -1, 1.5, 257, Number.NaN]) {
      await assert.rejects(runBatch(targetsFor(['exchange2016-healthy']), { concurrency }), RangeError, String(concurrency));
    }
  });

  /** Five targets at a silent server, two in flight, cancelled once both have started. */
  async function cancelledSilentBatch() {
    const controller = new AbortController();
    let started = 0;
    const silent = Array.from({ length: 5 }, () => ({ target: lab.urlFor('silent'), userName: LAB_UPN, password: LAB_PASSWORD }));
    const result = await runBatch(silent, {
      concurrency: 2,
      extraCaPem: lab.caPem,
      domain: 'CONTOSO',
      // Far beyond mocha's timeout: only the cancel can end these runs in time.
      timeouts: { overallMs: 120_000, tlsMs: 120_000 },
      signal: controller.signal,
      onRunStarted: () => {
        if (++started === 2) setTimeout(() => controller.abort(), 50);
      },
    });
    return { result, started };
  }

  it('cancel ends the batch: targets not yet started end as cancelled without being probed', async () => {
    const { result, started } = await cancelledSilentBatch();
    assert.equal(result.runs.length, 5);
    assert.equal(started, 2, 'no run started after the cancel');
    for (const run of result.runs.slice(2)) {
      assert.equal(run.outcome, 'cancelled');
      assert.equal(run.target.url, lab.urlFor('silent'));
      assert.equal(run.steps[0].failure?.category, 'run.cancelled');
    }
    // Probed or not, every run records the settings the same way.
    for (const run of result.runs) assert.equal(run.settings.domain, 'CONTOSO');
  });

  it('a cancellable batch with 24 runs in flight warns nothing, and cancelling it still ends every run', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const silent = Array.from({ length: 24 }, () => ({ target: lab.urlFor('silent'), userName: LAB_UPN, password: LAB_PASSWORD }));
      let started = 0;
      const result = await runBatch(silent, {
        concurrency: 24,
        extraCaPem: lab.caPem,
        timeouts: { overallMs: 120_000, tlsMs: 120_000 },
        signal: controller.signal,
        onRunStarted: () => {
          if (++started === 24) setTimeout(() => controller.abort(), 50);
        },
      });
      // Node emits its warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(result.cancelled, 24);
      assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('cancel ends the runs in flight as cancelled, not as failed', async () => {
    const { result } = await cancelledSilentBatch();
    for (const run of result.runs.slice(0, 2)) {
      assert.equal(run.outcome, 'cancelled', JSON.stringify(run.steps.find((s) => s.status === 'failed')?.failure));
      assert.ok(run.steps.some((s) => s.failure?.category === 'run.cancelled'));
    }
    assert.equal(result.cancelled, 5);
  });

  describe('the batch command', () => {
    it('prints the table and one line per target in input order, and exits 1 when a target failed', async () => {
      const file = writeTargets('mixed.txt', ['# mixed', ...MIXED.map((id, i) => (i % 2 ? `${lab.urlFor(id)},${LAB_UPN}` : `${lab.urlFor(id)} ${LAB_UPN}`))]);
      const c = capture({ ACTIVESYNC_PASSWORD: LAB_PASSWORD });
      const code = await main(['batch', file, '--ca', lab.caFile, '--concurrency', '3'], c.io);
      assert.equal(code, 1, c.stderr());
      const out = c.stdout();
      const lines = out.split('\n');
      assert.match(lines[0], /^#\s+Target\s+User\s+Outcome\s+Failing step\s+ms$/);
      MIXED.forEach((id, i) => {
        const expected = findScenario(id)!.expected;
        const row = lines[i + 1];
        assert.ok(row.startsWith(`${i + 1} `), row);
        assert.ok(row.includes(`localhost:${new URL(lab.urlFor(id)).port}`), `${row} names ${id}`);
        assert.match(row, new RegExp(`\\b${expected.outcome}\\b${expected.failedStep ? `\\s+${expected.failedStep}\\b` : ''}`));
        assert.ok(lines.some((l) => l.startsWith(`${i + 1}. ${expected.outcome === 'passed' ? 'PASSED' : 'FAILED'} ${lab.urlFor(id)}: `)), `one-line outcome for ${id}`);
      });
      assert.match(out, /6 tests in [\d.]+ s: 2 passed, 0 with warnings, 4 failed\./);
      assert.ok(!out.includes(LAB_PASSWORD));
    });

    it('a batch of one says "1 test"', async () => {
      const file = writeTargets('one.txt', [`${lab.urlFor('exchange2016-healthy')} ${LAB_UPN}`]);
      const c = capture({ ACTIVESYNC_PASSWORD: LAB_PASSWORD });
      assert.equal(await main(['batch', file, '--ca', lab.caFile], c.io), 0, c.stderr());
      assert.match(c.stdout(), /\n1 test in [\d.]+ s: 1 passed, 0 with warnings, 0 failed\.\n/);
    });

    it('--json prints { runs, summary } and exits 0 when every target passed', async () => {
      const file = writeTargets('healthy.txt', [`${lab.urlFor('exchange2016-healthy')} ${LAB_UPN}`, lab.urlFor('exchange2019-healthy')]);
      const c = capture({ ACTIVESYNC_PASSWORD: LAB_PASSWORD });
      const code = await main(['batch', file, '--ca', lab.caFile, '--json'], c.io);
      assert.equal(code, 0, c.stderr());
      const parsed = JSON.parse(c.stdout());
      assert.deepEqual(Object.keys(parsed).sort(), ['runs', 'summary']);
      // Written run by run, byte for byte what one JSON.stringify of the whole document prints.
      assert.equal(c.stdout(), `${JSON.stringify(parsed, null, 2)}\n`);
      assert.equal(parsed.runs.length, 2);
      assert.equal(parsed.runs[0].userName, LAB_UPN);
      assert.equal(parsed.runs[1].userName, undefined, 'a line without a user is probed anonymously');
      assert.deepEqual(
        { total: parsed.summary.total, passed: parsed.summary.passed, failed: parsed.summary.failed, concurrency: parsed.summary.concurrency },
        { total: 2, passed: 2, failed: 0, concurrency: 8 },
      );
      assert.ok(!c.stdout().includes(LAB_PASSWORD));
    });

    it('the JSON written run by run matches one JSON.stringify of the document, with no runs too', () => {
      const summary = { total: 0, passed: 0, note: 'a "quoted"\nline → ✓' };
      for (const runs of [[], [{ id: 'a', steps: [{ id: 'dns', evidence: [], nested: { deep: [1, { x: null }] } }] }, { id: 'b', steps: [] }]]) {
        let text = '';
        const out = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
        writeBatchJson(out, runs as never, summary);
        assert.equal(text, `${JSON.stringify({ runs, summary }, null, 2)}\n`);
      }
    });

    it('reads the one password from standard input with --password-stdin', async () => {
      const file = writeTargets('stdin.txt', [`${lab.urlFor('exchange2016-healthy')} ${LAB_UPN}`]);
      const right = capture({}, `${LAB_PASSWORD}\n`);
      assert.equal(await main(['batch', file, '--ca', lab.caFile, '--password-stdin', '--json'], right.io), 0, right.stderr());
      const wrong = capture({}, 'not-the-password\n');
      assert.equal(await main(['batch', file, '--ca', lab.caFile, '--password-stdin', '--json', '--no-cross-check'], wrong.io), 1);
      assert.equal(firstFailedStep(JSON.parse(wrong.stdout()).runs[0])?.failure?.category, 'http.401');
    });

    it('exits 2 naming every malformed line, before any request reaches a server', async () => {
      const before = requests.length;
      const file = writeTargets('bad.txt', [
        `${lab.urlFor('exchange2016-healthy')} ${LAB_UPN}`,
        '# fine so far',
        `${lab.urlFor('exchange2016-healthy')} ${LAB_UPN} ${LAB_PASSWORD}`,
        'ftp://files.contoso.com',
      ]);
      const c = capture({ ACTIVESYNC_PASSWORD: LAB_PASSWORD });
      assert.equal(await main(['batch', file, '--ca', lab.caFile], c.io), 2);
      assert.match(c.stderr(), /2 unusable lines/);
      assert.match(c.stderr(), /line 3: expected a server and an optional user name/);
      assert.match(c.stderr(), /line 4: The "ftp:" scheme/);
      assert.ok(!c.stderr().includes(LAB_PASSWORD), 'the password typed into the file is not echoed');
      assert.equal(c.stdout(), '');
      assert.equal(requests.length, before, 'nothing was sent');
    });

    it('exits 2 for usage errors: no file, a missing file, a bad concurrency, a user without a password', async () => {
      const file = writeTargets('one.txt', [`${lab.urlFor('exchange2016-healthy')} ${LAB_UPN}`]);
      const cases: Array<[string[], RegExp]> = [
        [['batch'], /one targets file/],
        [['batch', join(dir, 'missing.txt')], /Cannot read the targets file .*ENOENT/],
        [['batch', file, '--concurrency', '0'], /--concurrency must be between 1 and 256/],
        [['batch', file, '--password', 'x'], /Unknown option --password/],
        [['batch', writeTargets('empty.txt', ['# nothing', ''])], /lists no servers/],
        [['batch', file], /no password/],
      ];
      for (const [argv, message] of cases) {
        const c = capture({});
        assert.equal(await main(argv, c.io), 2, argv.join(' '));
        assert.match(c.stderr(), message);
      }
    });
  });

  it('shows server text in the report without terminal escape sequences', async () => {
    const result = await runBatch(targetsFor(['coexistence-2003-basic-only']), { extraCaPem: lab.caPem, crossCheck: false });
    const failed = firstFailedStep(result.runs[0])!;
    failed.summary = 'Server says \u001b[2J\u001b[31mall good\u0007';
    const text = renderBatchReport(result, styleFor({ isTTY: false }, {}));
    assert.ok(!/[\u001b\u0007]/.test(text), JSON.stringify(text));
    assert.match(text, /Server says \\x1b\[2J\\x1b\[31mall good\\x07/);
  });
});
