// E-mail addresses in a batch: read as `probe` reads them (the run starts with Autodiscover and
// signs in as the address unless the line names a user), against the lab's Autodiscover
// scenarios over real loopback sockets, labelled by the address in the table, the one-line
// outcomes and the JUnit report; bad lines still stop the batch with their line numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type LabRequestInfo, type RunningLab } from '../../src/lab/labServer';
import { LAB_DOWN_LEVEL, LAB_PASSWORD, LAB_UPN } from '../../src/lab/labAccounts';
import { runBatch } from '../../src/probe/batch';
import { parseBatchTargets } from '../../src/probe/batchTargets';
import { firstFailedStep } from '../../src/probe/runModel';
import { runCli } from './helpers/cliFakeIo';

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('batch targets file: e-mail addresses', () => {
  it('takes an address as the server, signing in as it unless the line names another user', () => {
    const { targets, errors } = parseBatchTargets(['jdoe@contoso.com', 'Jane.Roe@Contoso.COM CONTOSO\\monitor', 'mail.contoso.com,jdoe@contoso.com'].join('\n'));
    assert.deepEqual(errors, []);
    assert.deepEqual(targets, [
      { line: 1, target: 'jdoe@contoso.com', userName: 'jdoe@contoso.com' },
      { line: 2, target: 'Jane.Roe@Contoso.COM', userName: 'CONTOSO\\monitor' },
      { line: 3, target: 'mail.contoso.com', userName: 'jdoe@contoso.com' },
    ]);
  });

  it('reports a bad address or user with its line number, like any other bad line', () => {
    const { targets, errors } = parseBatchTargets(['jdoe@contoso.com', 'jdoe@contoso..com', 'jdoe@contoso.com a:b', 'jdoe@contoso.com CONTOSO\\a\\b'].join('\n'));
    assert.deepEqual(targets.map((t) => t.line), [1]);
    assert.deepEqual(errors.map((e) => e.line), [2, 3, 4]);
    assert.match(errors[0].message, /not a valid host name/);
    assert.match(errors[1].message, /cannot contain ":"/);
    assert.match(errors[2].message, /DOMAIN\\user/);
  });
});

describe('batch with e-mail targets against the lab', function () {
  const SCENARIOS = ['autodiscover-healthy', 'autodiscover-redirect', 'autodiscover-error-600', 'exchange2010-healthy'];
  let lab: RunningLab;
  let dir: string;
  const requests: LabRequestInfo[] = [];
  const autodiscoverUrl = (id: string) => `${new URL(lab.urlFor(id)).origin}/autodiscover/autodiscover.xml`;

  before(async () => {
    lab = await startLab({ scenarios: SCENARIOS, onRequest: (info) => requests.push(info) });
    dir = mkdtempSync(join(tmpdir(), 'batch-email-'));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeTargets = (name: string, lines: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('runBatch walks the places devices look for an address, as probe does (redirects included)', async () => {
    for (const id of ['autodiscover-healthy', 'autodiscover-redirect']) {
      const result = await runBatch([{ target: LAB_UPN, userName: LAB_UPN, password: LAB_PASSWORD }], { extraCaPem: lab.caPem, autodiscoverDiscovery: lab.autodiscoverDiscovery(id), mode: 'options' });
      const run = result.runs[0];
      assert.equal(run.outcome, 'passed', `${id}: ${firstFailedStep(run)?.summary}`);
      assert.equal(run.steps[1].id, 'autodiscover', id);
      assert.equal(run.target.input, LAB_UPN);
      assert.equal(run.target.url, lab.urlFor(id), `${id}: the steps after Autodiscover tested the URL it handed out`);
    }
  });

  it('the batch command: an address line is found by Autodiscover, labelled by the address; a server line is tested as written', async () => {
    const file = writeTargets('mixed.txt', ['# one user by address, one server by name', LAB_UPN, `${lab.urlFor('exchange2010-healthy')} ${LAB_DOWN_LEVEL}`]);
    const junit = join(dir, 'report.xml');
    const before = requests.length;
    const r = await runCli(['batch', file, '--ca', lab.caFile, '--autodiscover-url', autodiscoverUrl('autodiscover-healthy'), '--junit', junit], { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    const port = new URL(lab.urlFor('autodiscover-healthy')).port;
    assert.match(lines[1], new RegExp(`^1\\s+${esc(LAB_UPN)} → localhost:${port}\\s+${esc(LAB_UPN)}\\s+passed`));
    assert.match(lines[2], new RegExp(`^2\\s+localhost:${new URL(lab.urlFor('exchange2010-healthy')).port}\\s`));
    assert.ok(lines.some((l) => l.startsWith(`1. PASSED ${LAB_UPN} → ${lab.urlFor('autodiscover-healthy')}: `)), r.stdout);
    assert.ok(!r.stdout.includes(LAB_PASSWORD));
    // Autodiscover was asked for the address, with the address's own credentials; the server line never was.
    const asked = requests.slice(before).filter((q) => /autodiscover\.xml/i.test(q.path));
    assert.ok(asked.length >= 1);
    assert.ok(asked.every((q) => q.scenarioId === 'autodiscover-healthy'), 'only the address asked Autodiscover');
    const report = readFileSync(junit, 'utf8');
    assert.match(report, new RegExp(`<testcase name="${esc(LAB_UPN)} as ${esc(LAB_UPN)}" classname="activesync\\.contoso\\.example"`));
  });

  it('an Autodiscover failure is that line\'s failure, reported for the address', async () => {
    const file = writeTargets('error600.txt', [LAB_UPN]);
    const r = await runCli(['batch', file, '--ca', lab.caFile, '--autodiscover-url', autodiscoverUrl('autodiscover-error-600'), '--json'], { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
    assert.equal(r.code, 1, r.stderr);
    const run = JSON.parse(r.stdout).runs[0];
    assert.equal(run.target.input, LAB_UPN);
    assert.equal(firstFailedStep(run)?.id, 'autodiscover');
    assert.equal(firstFailedStep(run)?.failure?.category, 'autodiscover.error');
  });

  it('exits 2 naming the bad lines of a file with addresses, before anything is sent', async () => {
    const before = requests.length;
    const file = writeTargets('bad.txt', [LAB_UPN, 'jdoe@contoso..example', `${LAB_UPN} ${LAB_UPN} ${LAB_PASSWORD}`]);
    const r = await runCli(['batch', file, '--ca', lab.caFile, '--autodiscover-url', autodiscoverUrl('autodiscover-healthy')], { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /2 unusable lines; nothing was tested/);
    assert.match(r.stderr, /line 2: "contoso\.\.example" is not a valid host name/);
    assert.match(r.stderr, /line 3: expected a server and an optional user name, found 3 fields/);
    assert.ok(!r.stderr.includes(LAB_PASSWORD));
    assert.equal(r.stdout, '');
    assert.equal(requests.length, before, 'nothing was sent');
  });

  it('--autodiscover-url must be https', async () => {
    const file = writeTargets('one.txt', [LAB_UPN]);
    const r = await runCli(['batch', file, '--autodiscover-url', 'http://autodiscover.contoso.example/autodiscover/autodiscover.xml'], { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--autodiscover-url takes an https:\/\/ URL/);
  });
});
