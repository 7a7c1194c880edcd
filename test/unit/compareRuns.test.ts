// The comparison model on pairs of real lab runs of the same address (the server changed between
// them, as when an admin applies a fix and runs the test again), on runs of two different servers,
// and on synthetic runs for the generic parts: steps and evidence the comparison has no code for,
// timing noise, and the documents a run file may hold.
import assert from 'node:assert/strict';
import { compareRuns, timingBeyondNoise, TIMING_NOISE } from '../../src/compare/compareRuns';
import { runFromDocument } from '../../src/compare/runDocument';
import type { RunComparison, StepComparison } from '../../src/compare/runComparison';
import { startLab } from '../../src/lab/labServer';
import type { ProbeRun } from '../../src/probe/runModel';
import { probeBeforeAndAfter } from './helpers/labBeforeAfter';
import { probeLabScenario } from './helpers/probeLabRuns';
import { buildRun, makeStep } from './helpers/runBuilder';

function step(c: RunComparison, key: string): StepComparison {
  const s = c.steps.find((x) => x.key === key);
  assert.ok(s, `no step ${key}; steps are ${c.steps.map((x) => x.key).join(', ')}`);
  return s;
}

function fact(s: StepComparison, key: string) {
  return s.changedFacts.find((f) => f.key === key);
}

describe('compareRuns on lab runs before and after a change', function () {
  this.timeout(30_000);

  it('coexistence 401, then Integrated Windows authentication enabled on the 2003 back end: 401 → 200, the sign-in now works', async () => {
    const [before, after] = await probeBeforeAndAfter('coexistence-2003-basic-only', 'coexistence-2003-iwa-enabled');
    assert.equal(before.outcome, 'failed');
    assert.equal(after.outcome, 'passed');
    const c = compareRuns(before, after);
    assert.equal(c.sameServer, true);
    assert.equal(c.regressed, false);
    assert.equal(c.improved, true);
    assert.equal(c.verdict, '401 → 200: the sign-in now works; every step now passes');
    const auth = step(c, 'optionsAuthenticated');
    assert.equal(auth.statusChange, 'improved');
    assert.deepEqual([auth.before?.httpStatus, auth.after?.httpStatus], [401, 200]);
    assert.deepEqual([fact(auth, 'http.status')?.before, fact(auth, 'http.status')?.after], ['401', '200']);
    // One identification per run: the same Exchange 2010 build on both (X-OWA-Version before, MS-Server-ActiveSync after).
    assert.equal(fact(auth, 'server.build'), undefined);
    assert.ok(auth.sameFacts.includes('Server build'), auth.sameFacts.join(', '));
    // The front end did not change: same certificate, same anonymous challenge, steps before it unchanged.
    for (const id of ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous']) assert.deepEqual(step(c, id).changedFacts, [], id);
    assert.ok(step(c, 'tls').sameFacts.includes('Certificate fingerprint (SHA-256)'));
    assert.deepEqual(c.testChanges.map((t) => t.key), ['labScenario']);
  });

  it('an expired certificate, then renewed: TLS now passes and the certificate was replaced, with both expiry dates', async () => {
    const [before, after] = await probeBeforeAndAfter('tls-expired', 'exchange2016-healthy');
    const c = compareRuns(before, after);
    const tls = step(c, 'tls');
    assert.equal(tls.statusChange, 'improved');
    assert.equal(tls.before?.failureCategory, 'tls.expired');
    const expiry = fact(tls, 'certificate.validTo');
    assert.ok(expiry?.before && expiry.after && Date.parse(expiry.before) < Date.now() && Date.parse(expiry.after) > Date.now(), JSON.stringify(expiry));
    assert.ok(fact(tls, 'certificate.fingerprint256')?.before !== fact(tls, 'certificate.fingerprint256')?.after);
    // The lab's renewed certificate has the same subject and issuer: reported as unchanged, not as a change.
    assert.equal(fact(tls, 'certificate.subject'), undefined);
    assert.ok(tls.sameFacts.includes('Certificate issuer'));
    assert.equal(c.verdict, `tls.expired → passed: the certificate and TLS are now accepted; every step now passes; the certificate was replaced (it now expires ${expiry.after}, before ${expiry.before})`);
    assert.equal(step(c, 'optionsAuthenticated').statusChange, 'nowTested');
    assert.equal(c.regressed, false);
  });

  it('a server that now offers Basic besides Integrated Windows authentication: the anonymous OPTIONS now passes for a Basic client', async () => {
    const [before, after] = await probeBeforeAndAfter('iwa-only-2003', 'iwa-and-basic');
    const c = compareRuns(before, after);
    const offered = fact(step(c, 'optionsAnonymous'), 'challenges');
    assert.deepEqual([offered?.before, offered?.after, offered?.added, offered?.removed], ['Negotiate, NTLM', 'Negotiate, NTLM, Basic', ['Basic'], []]);
    assert.equal(c.verdict, 'http.schemeNotOffered → passed: the anonymous OPTIONS now gets the answer a device expects; every step now passes; Basic is now offered');
  });

  it('the same change seen by an NTLM client: no step changes status, and the verdict names the change in offered methods', async () => {
    const [before, after] = await probeBeforeAndAfter('iwa-and-basic', 'iwa-only-2003', { auth: 'ntlm' });
    assert.equal(before.outcome, 'passed');
    const c = compareRuns(before, after);
    assert.equal(c.regressed, false);
    assert.equal(c.verdict, 'No step changed status: still passes; Basic is no longer offered');
  });

  it('Integrated Windows authentication taken away from a Basic client is a regression', async () => {
    const [before, after] = await probeBeforeAndAfter('iwa-and-basic', 'iwa-only-2003');
    const c = compareRuns(before, after);
    assert.equal(c.regressed, true);
    assert.equal(step(c, 'optionsAnonymous').statusChange, 'regressed');
    assert.match(c.verdict, /^passed → http\.schemeNotOffered: the anonymous OPTIONS no longer gets the answer a device expects; Basic is no longer offered$/);
  });

  it('two runs of an unchanged server: nothing changed, request ids and the like are not reported', async () => {
    const lab = await startLab({ scenarios: ['exchange2016-healthy'] });
    let runs: ProbeRun[];
    try {
      runs = [await probeLabScenario(lab, 'exchange2016-healthy'), await probeLabScenario(lab, 'exchange2016-healthy')];
    } finally {
      await lab.close();
    }
    const c = compareRuns(runs[0], runs[1]);
    assert.deepEqual(c.steps.flatMap((s) => s.changedFacts.map((f) => `${s.key} ${f.key}`)), []);
    assert.ok(c.steps.every((s) => s.statusChange === 'same'));
    assert.equal(c.verdict, 'No step changed status: still passes');
    assert.deepEqual(c.testChanges, []);
  });

  it('runs of two different servers say so first and never call a difference a fix', async () => {
    const lab = await startLab({ scenarios: ['coexistence-2003-basic-only', 'exchange2016-healthy'] });
    let a: ProbeRun, b: ProbeRun;
    try {
      a = await probeLabScenario(lab, 'coexistence-2003-basic-only');
      b = await probeLabScenario(lab, 'exchange2016-healthy');
    } finally {
      await lab.close();
    }
    const c = compareRuns(a, b);
    assert.equal(c.sameServer, false);
    assert.match(c.verdict, /^Two different servers \(https:\/\/localhost:\d+\/Microsoft-Server-ActiveSync and https:\/\/localhost:\d+\/Microsoft-Server-ActiveSync\): a side-by-side, not a before-and-after; /);
    assert.doesNotMatch(c.verdict, /now works|now offered|replaced/);
    assert.match(c.verdict, /on the first, .* on the second/);
    assert.ok(c.testChanges.some((t) => t.key === 'target'));
  });
});

describe('compareRuns on synthetic runs', () => {
  it('compares a step it has no code for by its evidence, nested fields included', () => {
    const folderSync = (count: number, status: 'passed' | 'failed') =>
      makeStep('folderSync', { status, evidence: { folderCount: count, policy: { allowSimplePassword: false, maxInactivityMinutes: 15 } } as never });
    const before = buildRun();
    const after = buildRun();
    before.steps.push(folderSync(12, 'passed'));
    after.steps.push(folderSync(14, 'failed'));
    after.steps[after.steps.length - 1].evidence = { ...(after.steps[after.steps.length - 1].evidence as object), policy: { allowSimplePassword: true, maxInactivityMinutes: 15 } } as never;
    const c = compareRuns(before, after);
    const s = step(c, 'folderSync');
    assert.equal(s.statusChange, 'regressed');
    assert.deepEqual(s.changedFacts.map((f) => [f.label, f.before, f.after]), [
      ['Folder count', '12', '14'],
      ['Policy: Allow simple password', 'no', 'yes'],
    ]);
    assert.deepEqual(s.sameFacts, ['Policy: Max inactivity minutes']);
    assert.equal(c.regressed, true);
    assert.equal(c.verdict, 'passed → failed: Step folderSync no longer passes');
  });

  it('a step only the earlier run had is placed where it was and counted as no longer tested, not as worse', () => {
    const before = buildRun();
    const after = buildRun();
    after.steps = after.steps.filter((s) => s.id !== 'tcp');
    const c = compareRuns(before, after);
    assert.deepEqual(c.steps.filter((s) => s.depth === 0).map((s) => s.key), ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck']);
    assert.equal(step(c, 'tcp').statusChange, 'noLongerTested');
    assert.equal(c.regressed, false);
  });

  it('timings: a change counts only beyond both the absolute and the relative noise floor', () => {
    assert.deepEqual(TIMING_NOISE, { minDifferenceMs: 250, minRatio: 1.5 });
    assert.equal(timingBeyondNoise(100, 300), false, '200 ms is under the floor');
    assert.equal(timingBeyondNoise(100, 400), true);
    assert.equal(timingBeyondNoise(400, 100), true, 'faster counts too');
    assert.equal(timingBeyondNoise(10_000, 10_400), false, '4 % of a slow step is noise');
    const before = buildRun();
    const after = buildRun();
    after.steps.find((s) => s.id === 'dns')!.durationMs = 900;
    const c = compareRuns(before, after);
    assert.deepEqual(step(c, 'dns').timing, { beforeMs: 12, afterMs: 900, beyondNoise: true });
    assert.equal(step(c, 'tcp').timing?.beyondNoise, false);
  });

  it('a change in how the test was run is named in the verdict', () => {
    const c = compareRuns(buildRun({ auth: 'basic', userName: 'a@contoso.com' }), buildRun({ auth: 'ntlm', userName: 'a@contoso.com' }));
    assert.equal(c.verdict, 'No step changed status: still passes; the test itself changed too (authentication method basic → ntlm)');
  });

  it('a cancelled run is not read as a result', () => {
    const c = compareRuns(buildRun(), buildRun({ cancelled: true }));
    assert.equal(c.verdict, 'The later run was cancelled, so the two runs cannot be compared step by step.');
  });

  it('keeps the checklist ticks set between the two runs only', () => {
    const before = buildRun();
    const after = { ...buildRun(), startedAt: '2024-05-01T12:00:00.000Z' };
    const tick = (at: string) => ({ checklistId: 'c', checklistTitle: 'C', stepId: at, stepText: 'do it', tickedAt: at });
    const c = compareRuns(before, after, { ticks: [tick('2024-05-01T09:00:00.000Z'), tick('2024-05-01T11:00:00.000Z'), tick('2024-05-01T13:00:00.000Z')] });
    assert.deepEqual(c.ticksBetween?.map((t) => t.tickedAt), ['2024-05-01T11:00:00.000Z']);
  });
});

describe('runFromDocument', () => {
  const run = buildRun();
  it('reads a bare run (History export) and { run, diagnosis } (probe --json)', () => {
    assert.equal((runFromDocument(run) as ProbeRun).id, run.id);
    assert.equal((runFromDocument({ run, diagnosis: {} }) as ProbeRun).id, run.id);
  });
  it('gives a reason for anything else', () => {
    assert.match(runFromDocument({ runs: [run], summary: {} }) as string, /batch result/);
    assert.match(runFromDocument([run]) as string, /array/);
    assert.match(runFromDocument('run') as string, /not a JSON object/);
    assert.match(runFromDocument({ ...run, schemaVersion: 99 }) as string, /schemaVersion 99/);
    assert.match(runFromDocument({ run: { hello: 1 } }) as string, /not a run this version reads/);
  });
});
