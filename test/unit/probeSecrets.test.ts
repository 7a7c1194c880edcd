// The password never leaves memory: not in the run (JSON), not in the log lines, in any form
// (plain, Base64, or inside the Basic Authorization value), whichever path the run takes:
// a 401 with the cross-check, a healthy 200, a 451 followed with credentials, a redirect or a
// cancel.
import assert from 'node:assert/strict';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { LAB_PASSWORD } from '../../src/lab/labAccounts';
import { assertNoSecret, probeLabScenario, secretForms, stepOf } from './helpers/probeLabRuns';

const SENTINEL = 'S3ntinel-Pa55!';

describe('probe: the password never appears in the run or the log', () => {
  let lab: RunningLab;
  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'wrong-password', 'coexistence-2003-basic-only', 'status-451-redirect', 'status-457', 'anonymous-access'] });
  });
  after(async () => {
    await lab?.close();
  });

  it('the secret forms include the Base64 of user:password that a Basic header carries', () => {
    const forms = secretForms('labuser@contoso.example', SENTINEL);
    assert.ok(forms.includes(SENTINEL));
    assert.ok(forms.includes(Buffer.from(`labuser@contoso.example:${SENTINEL}`).toString('base64')));
  });

  const sentinelRuns: Array<[string, string]> = [
    ['wrong-password', 'labuser@contoso.example'],
    ['coexistence-2003-basic-only', 'CONTOSO\\labuser'],
    ['exchange2016-healthy', 'labuser'],
    ['anonymous-access', 'labuser@contoso.example'],
  ];
  for (const [id, userName] of sentinelRuns) {
    it(`${id} as ${userName} with the sentinel password: absent from run JSON and log lines`, async () => {
      const lines: string[] = [];
      const run = await probeLabScenario(lab, id, { userName, password: SENTINEL, log: (line) => lines.push(line) });
      // The run did send credentials (and the cross-check too), so the check is meaningful.
      assert.equal(stepOf(run, 'optionsAuthenticated').evidence.http?.[0].requestHeaders.find(([n]) => n === 'Authorization')?.[1], 'Basic [redacted]');
      assert.ok(lines.some((l) => l.includes('Basic as')), 'the log shows the authenticated request');
      const forms = secretForms(userName, SENTINEL);
      assertNoSecret(JSON.stringify(run), forms, 'run JSON');
      assertNoSecret(lines.join('\n'), forms, 'log lines');
    });
  }

  it('the cross-check requests carry the redacted header only', async () => {
    const run = await probeLabScenario(lab, 'wrong-password', { password: SENTINEL });
    const exchanges = stepOf(run, 'crossCheck').evidence.http ?? [];
    assert.equal(exchanges.length, 2);
    for (const e of exchanges) assert.deepEqual(e.requestHeaders.find(([n]) => n === 'Authorization'), ['Authorization', 'Basic [redacted]']);
  });

  const rightPasswordRuns = ['exchange2016-healthy', 'status-451-redirect', 'status-457', 'coexistence-2003-basic-only'];
  for (const id of rightPasswordRuns) {
    it(`${id} with the right password (accepted, followed, or cross-checked): absent too`, async () => {
      const lines: string[] = [];
      const run = await probeLabScenario(lab, id, { log: (line) => lines.push(line) });
      const forms = secretForms(run.userName ?? '', LAB_PASSWORD);
      assertNoSecret(JSON.stringify(run), forms, 'run JSON');
      assertNoSecret(lines.join('\n'), forms, 'log lines');
    });
  }

  it('a cancelled run holds no password either', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const run = await probeLabScenario(lab, 'exchange2016-healthy', {
      password: SENTINEL,
      signal: controller.signal,
      log: (line) => lines.push(line),
      onStepStart: (id) => {
        if (id === 'optionsAuthenticated') controller.abort();
      },
    });
    assert.equal(run.outcome, 'cancelled');
    const forms = secretForms('labuser@contoso.example', SENTINEL);
    assertNoSecret(JSON.stringify(run), forms, 'run JSON');
    assertNoSecret(lines.join('\n'), forms, 'log lines');
  });
});
