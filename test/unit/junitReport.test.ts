// `batch FILE --junit report.xml`: one test case per target, failures naming the failed step and
// the top cause, and a file that validates against the common JUnit schema
// (test/fixtures/junit-common.xsd) with libxml2's xmllint, which .ci/run installs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { renderJunitReport, xmlSafe } from '../../src/cli/junitReport';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import type { BatchResult } from '../../src/probe/batch';
import { runCli } from './helpers/cliFakeIo';
import { buildRun } from './helpers/runBuilder';

const SCHEMA = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'junit-common.xsd');
const xmllintAvailable = spawnSync('xmllint', ['--version']).status === 0;

function validate(file: string): void {
  const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `xmllint rejected ${file}:\n${r.stderr}`);
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'testsuite' });

describe('JUnit report (batch --junit)', () => {
  let lab: RunningLab;
  let dir: string;

  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'coexistence-2003-basic-only', 'anonymous-access'] });
    dir = mkdtempSync(join(tmpdir(), 'junit-'));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one test case per target: passed, failed with the step and top cause, warning as passed', async function () {
    const targets = join(dir, 'servers.txt');
    writeFileSync(targets, [`${lab.urlFor('exchange2016-healthy')} labuser@contoso.example`, `${lab.urlFor('coexistence-2003-basic-only')} CONTOSO\\labuser`, lab.urlFor('anonymous-access')].join('\n'));
    const report = join(dir, 'report.xml');
    const r = await runCli(['batch', targets, '--ca', lab.caFile, '--junit', report], { env: { ACTIVESYNC_PASSWORD: 'Lab-Passw0rd!' } });
    assert.equal(r.code, 1, r.stderr);
    const xml = readFileSync(report, 'utf8');
    const doc = parser.parse(xml);
    const suite = doc.testsuites.testsuite[0];
    assert.equal(suite.name, 'servers.txt');
    assert.equal(suite.tests, '3');
    assert.equal(suite.failures, '1');
    assert.equal(suite.errors, '0');
    assert.equal(suite.skipped, '0');
    const [healthy, coexistence, anonymous] = suite.testcase;
    assert.match(healthy.name, /as labuser@contoso\.example$/);
    assert.equal(healthy.failure, undefined);
    assert.equal(coexistence.failure.type, 'http.401');
    assert.match(coexistence.failure.message, /^optionsAuthenticated: .*most likely: Exchange 2003 mailbox/);
    assert.match(coexistence.failure['#text'], /Failed step: optionsAuthenticated/);
    assert.equal(anonymous.failure, undefined);
    assert.match(anonymous['system-out'], /optionsAnonymous: warning/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');
    if (!xmllintAvailable) return this.skip();
    validate(report);
  });

  it('hostile server text stays data: escaped, XML-illegal characters replaced, and still valid', function () {
    const hostile = 'denied ]]> <script>alert(1)</script> & "quotes" \u0001\u0008\u000c\ufffe end';
    const runs = [
      buildRun({ userName: 'x"><y', steps: { optionsAuthenticated: { status: 'failed', category: 'http.403', summary: hostile } } }),
      buildRun({ cancelled: true }),
      buildRun({ steps: { input: { status: 'failed', category: 'internal', summary: 'Internal error: boom' } } }),
    ];
    const result: BatchResult = { runs, passed: 0, warnings: 0, failed: 2, cancelled: 1, durationMs: 1234.5 };
    const xml = renderJunitReport(result, { suiteName: 'hostile <suite>', startedAt: new Date('2026-01-02T03:04:05.678Z') });
    assert.ok(!xml.includes('<script>'));
    assert.ok(!/[\u0001\u0008\u000c\ufffe]/.test(xml));
    const doc = parser.parse(xml);
    const suite = doc.testsuites.testsuite[0];
    assert.equal(suite.name, 'hostile <suite>');
    assert.equal(suite.failures, '1');
    assert.equal(suite.errors, '1');
    assert.equal(suite.skipped, '1');
    assert.equal(suite.timestamp, '2026-01-02T03:04:05');
    assert.ok(suite.testcase[0].failure.message.includes('<script>alert(1)</script>'), 'the text round-trips as text');
    assert.ok(suite.testcase[1].skipped !== undefined);
    assert.equal(suite.testcase[2].error.type, 'internal');
    assert.equal(xmlSafe('a\u0000b'), 'a\\x00b');
    if (!xmllintAvailable) return this.skip();
    const file = join(dir, 'hostile.xml');
    writeFileSync(file, xml);
    validate(file);
  });

  it('a report that cannot be written is refused before any probing, with exit 2', async () => {
    const targets = join(dir, 'one.txt');
    writeFileSync(targets, `${lab.urlFor('exchange2016-healthy')}\n`);
    const r = await runCli(['batch', targets, '--junit', join(dir, 'no-such-dir', 'r.xml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--junit .*cannot write/);
    assert.equal(r.stdout, '');
    assert.ok(!existsSync(join(dir, 'no-such-dir')));
  });
});
