// `activesync-doctor diff`: the two file shapes it reads, its exit codes (0 no worse, 1 a step
// regressed, 2 bad input), its JSON and Markdown, and that nothing from a file reaches the
// terminal or the Markdown unescaped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunComparison } from '../../src/compare/runComparison';
import type { ProbeRun } from '../../src/probe/runModel';
import { runCli } from './helpers/cliFakeIo';
import { probeBeforeAndAfter } from './helpers/labBeforeAfter';
import { buildRun } from './helpers/runBuilder';

describe('activesync-doctor diff', function () {
  this.timeout(30_000);
  let dir: string;
  let earlier: ProbeRun;
  let later: ProbeRun;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'asd-diff-'));
    [earlier, later] = await probeBeforeAndAfter('coexistence-2003-basic-only', 'coexistence-2003-iwa-enabled');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('compares the coexistence fix from a probe --json file and a History export, exit 0', async () => {
    const a = file('earlier.json', { run: earlier, diagnosis: { causes: [] } });
    const b = file('later.json', later);
    const r = await runCli(['diff', a, b]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Comparison of two runs of https:\/\/localhost:\d+\/Microsoft-Server-ActiveSync\n/);
    assert.match(r.stdout, /\nVerdict: 401 → 200: the sign-in now works; every step now passes\n/);
    assert.match(r.stdout, /✗ failed \(401\)\s+✓ passed \(200\)\s+better/);
    assert.match(r.stdout, /HTTP status: 401 → 200/);
    assert.match(r.stdout, /Unchanged: Check the server address and user name; Resolve localhost in DNS;/);
  });

  it('compares oldest first whatever the order given', async () => {
    const r = await runCli(['diff', file('later.json', later), file('earlier.json', earlier), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(r.stdout) as RunComparison;
    assert.equal(c.before.id, earlier.id);
    assert.equal(c.verdict, '401 → 200: the sign-in now works; every step now passes');
  });

  it('exits 1 when a step regressed (the fix undone)', async () => {
    const undone = { ...earlier, id: 'undone', startedAt: new Date(Date.parse(later.startedAt) + 60_000).toISOString() };
    const r = await runCli(['diff', file('later.json', later), file('undone.json', undone)]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Verdict: 200 → 401: the sign-in no longer works/);
    assert.match(r.stdout, /worse/);
  });

  it('--markdown escapes what a server or file sent', async () => {
    const hostile = buildRun({ steps: { optionsAuthenticated: { status: 'failed', category: 'http.401' } } });
    hostile.server = { product: 'exchange2016', productName: '[click](https://evil.example) <img src=x>', build: '1|2', source: 'x' };
    const fixed = { ...buildRun(), startedAt: '2024-05-02T10:00:00.000Z', id: 'fixed', server: { product: 'exchange2016' as const, productName: 'Exchange', build: '15.1', source: 'x' } };
    const r = await runCli(['diff', file('h1.json', hostile), file('h2.json', fixed), '--markdown']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# ActiveSync Doctor comparison: /);
    assert.ok(r.stdout.includes('\\[click\\]\\(https\\:'), r.stdout);
    assert.ok(r.stdout.includes('\\<img') && !/(?<!\\)<img/.test(r.stdout), 'no raw HTML');
    assert.ok(r.stdout.includes('1\\|2'), 'a pipe cannot break the table');
  });

  it('no terminal escape sequence from a file reaches the terminal', async () => {
    const a = buildRun();
    a.steps[0].title = 'Input \u001b[31mred\u009b2J';
    const b = { ...buildRun(), id: 'b', startedAt: '2024-05-02T10:00:00.000Z' };
    b.steps[0].title = a.steps[0].title;
    for (const flags of [[], ['--json'], ['--markdown']]) {
      const r = await runCli(['diff', file('t1.json', a), file('t2.json', b), ...flags]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!/[\u001b\u009b]/.test(r.stdout), `raw escape in ${flags.join(' ') || 'text'} output`);
    }
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    ['one file', () => ['diff', file('one.json', earlier)], /Give two run files/],
    ['a missing file', () => ['diff', join(dir, 'nope.json'), file('x.json', later)], /Cannot read .*nope\.json: ENOENT/],
    ['a directory', () => ['diff', dir, file('x.json', later)], /is not a file/],
    ['text that is not JSON', () => ['diff', file('text.json', 'hello'), file('x.json', later)], /text\.json is not JSON/],
    ['a batch result', () => ['diff', file('batch.json', { runs: [earlier], summary: {} }), file('x.json', later)], /batch\.json is not a run to compare: it holds several runs/],
    ['a JSON object that is no run', () => ['diff', file('obj.json', { hello: 'world' }), file('x.json', later)], /obj\.json is not a run to compare: it is not a run this version reads \(unknown schemaVersion/],
    ['--json with --markdown', () => ['diff', file('a.json', earlier), file('b.json', later), '--json', '--markdown'], /Choose --json or --markdown/],
    ['an unknown flag', () => ['diff', file('a.json', earlier), file('b.json', later), '--html'], /Unknown option --html/],
  ];
  for (const [what, argv, message] of bad) {
    it(`exits 2 with one clear line for ${what}`, async () => {
      const r = await runCli(argv());
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    });
  }

  it('refuses a FIFO nobody writes to at once instead of waiting on it', async function () {
    const fifo = join(dir, 'run.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) this.skip();
    const r = await runCli(['diff', fifo, file('x.json', later)]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /run\.fifo is not a file/);
  });

  it('refuses a file larger than any run instead of loading it', async () => {
    const { MAX_RUN_FILE_BYTES } = await import('../../src/cli/diffCommand');
    const big = file('big.json', `{"pad":"${'x'.repeat(MAX_RUN_FILE_BYTES)}"}`);
    const r = await runCli(['diff', big, file('x.json', later)]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /big\.json is larger than 8 MiB/);
  });
});
