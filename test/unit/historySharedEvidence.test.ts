// A run file holds the ActiveSync session evidence the command steps share once, and reading
// gives back the run the probe produced; files written before (the evidence in every step) still
// read as they are, and a sharing list that cannot be followed is reported, not guessed at.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HistoryStore } from '../../src/history/historyStore';
import { runFileName } from '../../src/history/runFiles';
import { SHARED_EAS_KEY } from '../../src/history/sharedEvidence';
import type { EasEvidence, ProbeRun, ProbeStep } from '../../src/probe/runModel';
import { sampleRun } from './helpers/historyRuns';
import { useTempDirectory } from './helpers/suiteFixtures';

function commandStep(id: ProbeStep['id'], eas: EasEvidence): ProbeStep {
  return { id, title: id, status: 'passed', summary: `${id} answered.`, startedAt: '2025-01-01T00:00:00.000Z', durationMs: 20, details: [], evidence: { eas }, children: [] };
}

const session = (): EasEvidence => ({
  protocolVersion: '16.1',
  deviceId: 'ActiveSyncDoctorProbe',
  deviceType: 'ActiveSyncDoctor',
  commands: [
    { command: 'Provision', statusCode: 200, status: 1, bodyBytes: 172, requestXml: '<Provision xmlns="Provision:"/>', responseXml: '<Provision><Status>1</Status></Provision>' },
    { command: 'FolderSync', statusCode: 200, status: 1, bodyBytes: 377, requestXml: '<FolderSync><SyncKey>0</SyncKey></FolderSync>', responseXml: '<FolderSync><Status>1</Status></FolderSync>' },
  ],
  folders: [{ serverId: '5', parentId: '0', name: 'Inbox', type: 2, typeName: 'Inbox' }],
});

/** A run whose three command steps carry one session object, as the probe builds it. */
function runWithSession(index: number, eas: (step: number) => EasEvidence = (() => { const one = session(); return () => one; })()): ProbeRun {
  const run = sampleRun(index);
  run.steps.push(commandStep('provision', eas(0)), commandStep('folderSync', eas(1)), commandStep('sync', eas(2)));
  return run;
}

/** The run as JSON keeps it (no undefined properties). */
const asStored = (run: ProbeRun): ProbeRun => JSON.parse(JSON.stringify(run)) as ProbeRun;
const occurrences = (text: string, of: string) => text.split(of).length - 1;

describe('HistoryStore: shared ActiveSync evidence in run files', () => {
  let directory: string;
  useTempDirectory('asd-history-shared-', (created) => (directory = created));
  const runFile = (id: string) => path.join(directory, 'runs', runFileName(id));

  it('writes the evidence the command steps share once, and reads back the run the probe produced', async () => {
    const run = runWithSession(1);
    const store = new HistoryStore(directory);
    await store.append(run);
    const text = fs.readFileSync(runFile(run.id), 'utf8');
    assert.equal(occurrences(text, '"deviceType":"ActiveSyncDoctor"'), 1);
    const first = run.steps.findIndex((s) => s.id === 'provision');
    assert.deepEqual(JSON.parse(text)[SHARED_EAS_KEY], [first, first + 1, first + 2]);

    const read = (await new HistoryStore(directory).get(run.id)) as ProbeRun;
    assert.deepEqual(read, asStored(run));
    assert.ok(!(SHARED_EAS_KEY in read));
    assert.equal(read.steps[first + 2].evidence.eas, read.steps[first].evidence.eas, 'one object again, as the probe had it');
  });

  it('also shares identical copies (a run that went through JSON), and never evidence that differs', async () => {
    const copies = runWithSession(2, () => session());
    const differing = runWithSession(3, (step) => ({ ...session(), protocolVersion: step === 2 ? '14.1' : '16.1' }));
    const store = new HistoryStore(directory);
    await store.append(copies);
    await store.append(differing);
    assert.equal(occurrences(fs.readFileSync(runFile(copies.id), 'utf8'), '"deviceType"'), 1);
    const differingText = fs.readFileSync(runFile(differing.id), 'utf8');
    assert.equal(occurrences(differingText, '"deviceType"'), 2);
    assert.deepEqual(JSON.parse(differingText)[SHARED_EAS_KEY].length, 2);
    assert.deepEqual(await store.get(copies.id), asStored(copies));
    assert.deepEqual(await store.get(differing.id), asStored(differing));
  });

  it('reads a run file written before the evidence was shared, with it in every step', async () => {
    const run = runWithSession(4);
    await new HistoryStore(directory).append(sampleRun(5));
    fs.writeFileSync(runFile(run.id), JSON.stringify(run));
    const store = new HistoryStore(directory);
    await store.load();
    await store.whenIdle();
    assert.deepEqual(await store.get(run.id), asStored(run));
    assert.match(store.warnings.join('\n'), /1 run was missing from the history index and was restored/);
  });

  it('reports a sharing list that cannot be followed instead of showing the run without its evidence', async () => {
    const run = runWithSession(6);
    const store = new HistoryStore(directory);
    await store.append(run);
    const stored = JSON.parse(fs.readFileSync(runFile(run.id), 'utf8'));
    stored[SHARED_EAS_KEY] = [0, 99];
    fs.writeFileSync(runFile(run.id), JSON.stringify(stored));
    assert.equal(await store.get(run.id), undefined);
    assert.match(store.warnings.join('\n'), /malformed shared ActiveSync evidence/);
  });
});
