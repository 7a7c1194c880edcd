// Plain Node tests of what "Run Batch Test" says and decides without VS Code (batchReport.ts): the
// summary sentence, the log line per target, which run Test Steps shows, which targets are lab
// endpoints; and the validation of the findings the diagnosis page draws (webviewProtocol.ts).
import * as assert from 'node:assert/strict';
import { batchLogLine, batchSummaryText, countOutcomes, labScenarioOf, runToShow } from '../../src/extension/batchReport';
import { parseFindings } from '../../src/webview/webviewProtocol';
import type { ProbeRun } from '../../src/probe/runModel';
import { buildRun } from './helpers/runBuilder';

function runWith(id: string, outcome: 'passed' | 'warning' | 'failed' | 'cancelled'): ProbeRun {
  const run =
    outcome === 'passed'
      ? buildRun()
      : outcome === 'cancelled'
        ? buildRun({ cancelled: true, steps: { tls: { status: 'failed', category: 'run.cancelled' } } })
        : buildRun({ steps: { optionsAuthenticated: { status: outcome, category: 'http.401', summary: `401 for ${id}` } } });
  return { ...run, id };
}

describe('extension: batch report', () => {
  it('counts outcomes and says them in one sentence, cancelled only when some were', () => {
    const runs = [runWith('a', 'passed'), runWith('b', 'failed'), runWith('c', 'warning'), runWith('d', 'failed'), runWith('e', 'passed')];
    assert.deepEqual(countOutcomes(runs), { passed: 2, warnings: 1, failed: 2, cancelled: 0 });
    assert.equal(batchSummaryText(runs), '5 servers: 2 passed, 1 warning, 2 failed');
    assert.equal(batchSummaryText([runWith('a', 'passed')]), '1 server: 1 passed, 0 warnings, 0 failed');
    const withCancel = [...runs, runWith('f', 'cancelled')];
    assert.equal(withCancel[5].outcome, 'cancelled');
    assert.equal(batchSummaryText(withCancel), '6 servers: 2 passed, 1 warning, 2 failed, 1 cancelled');
  });

  it('writes one line per target: progress, file line, outcome, URL, user and the step to look at', () => {
    const failed = { ...runWith('x', 'failed'), userName: 'CONTOSO\\jdoe' };
    assert.equal(
      batchLogLine(failed, 3, 12, 7),
      '[3/12] line 7 failed https://mail.contoso.com/Microsoft-Server-ActiveSync as CONTOSO\\jdoe: Step optionsAuthenticated: 401 for x',
    );
    const passed = runWith('y', 'passed');
    assert.match(batchLogLine(passed, 1, 1), /^\[1\/1\] passed https:\/\/mail\.contoso\.com\/Microsoft-Server-ActiveSync without credentials: optionsAuthenticated passed$/);
  });

  it('folds newlines from server text so each target stays one line', () => {
    const run = buildRun({ steps: { optionsAnonymous: { status: 'failed', category: 'http.500', summary: 'first\r\nsecond\nthird' } } });
    const line = batchLogLine(run, 1, 2);
    assert.doesNotMatch(line, /[\r\n]/);
    assert.match(line, /first second third$/);
  });

  it('shows the last failed run in file order, else the last run, else nothing', () => {
    const a = runWith('a', 'failed');
    const b = runWith('b', 'failed');
    const c = runWith('c', 'passed');
    assert.equal(runToShow([a, b, c])?.id, 'b');
    assert.equal(runToShow([c, runWith('d', 'warning')])?.id, 'd');
    assert.equal(runToShow([]), undefined);
  });

  it('recognises lab endpoints by loopback host and port, whatever way the target is written', () => {
    const endpoints = [{ scenarioId: 'exchange2016-healthy', port: 40001 }, { scenarioId: 'status-403', port: 40002 }];
    assert.equal(labScenarioOf('https://localhost:40002/Microsoft-Server-ActiveSync', endpoints), 'status-403');
    assert.equal(labScenarioOf('127.0.0.1:40001', endpoints), 'exchange2016-healthy');
    assert.equal(labScenarioOf('https://[::1]:40001/Microsoft-Server-ActiveSync', endpoints), 'exchange2016-healthy');
    assert.equal(labScenarioOf('https://mail.contoso.com:40001/', endpoints), undefined, 'not loopback');
    assert.equal(labScenarioOf('https://localhost:40003/', endpoints), undefined, 'no lab endpoint there');
    assert.equal(labScenarioOf('http://localhost:40001/', endpoints), undefined, 'the lab speaks https only');
    assert.equal(labScenarioOf('https://localhost/', endpoints), undefined);
    assert.equal(labScenarioOf('not a url at all ::', endpoints), undefined);
    assert.equal(labScenarioOf('https://localhost:40001/', []), undefined);
  });
});

describe('extension: findings for the diagnosis page', () => {
  const good = { id: 'auth.iwaFixVerified', title: 'Fix verified', explanation: 'NTLM works', evidence: [{ stepId: 'optionsAuthenticated', label: 'Signed in with', value: 'NTLM' }] };

  it('keeps well-formed findings as they are', () => {
    assert.deepEqual(parseFindings([good]), [good]);
    assert.deepEqual(parseFindings([{ ...good, evidence: undefined }]), [{ ...good, evidence: [] }]);
  });

  it('drops malformed findings and evidence lines instead of failing', () => {
    assert.deepEqual(parseFindings(undefined), []);
    assert.deepEqual(parseFindings('auth.iwaFixVerified'), []);
    assert.deepEqual(parseFindings([null, 7, { ...good, id: '' }, { ...good, title: 3 }, { ...good, explanation: 'x'.repeat(5000) }]), []);
    const [kept] = parseFindings([{ ...good, evidence: [{ label: 'ok', value: 'v' }, { label: 1, value: 'v' }, { label: 'l', value: 'v', stepId: 5 }, null] }]);
    assert.deepEqual(kept.evidence, [{ label: 'ok', value: 'v' }]);
  });

  it('keeps at most 20 findings', () => {
    assert.equal(parseFindings(Array.from({ length: 30 }, (_, i) => ({ ...good, id: `f${i}` }))).length, 20);
  });
});
