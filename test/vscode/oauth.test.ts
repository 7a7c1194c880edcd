// OAuth in the extension host: a lab OAuth scenario signs in at the lab authority (the extension's
// lab path), the account fills the user name, the diagnosis of a refused token names its cause,
// and no token (nothing shaped like a JWT) reaches history, globalState, the log or an export.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { api, filesUnder } from './extensionTestSupport';

const JWT_SHAPE = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

describe('ActiveSync Doctor: OAuth (Exchange Online) runs', function () {
  this.timeout(90_000);

  it('signs in at the lab authority, names the account, and keeps no token anywhere', async () => {
    const doctor = await api();
    // Offered only because VS Code runs the extension's tests.
    assert.equal(typeof doctor.useAuthenticationProviderForTests, 'function');

    const passed = await doctor.runLabScenario('exchange-online-oauth');
    assert.ok(passed, 'the run finished');
    assert.equal(passed.outcome, 'passed', JSON.stringify(passed.steps.map((s) => [s.id, s.status, s.summary])));
    assert.equal(passed.userName, 'labuser@contoso.onmicrosoft.example', 'the signed-in account fills the user name');
    const authenticated = passed.steps.find((s) => s.id === 'optionsAuthenticated')!;
    assert.equal(authenticated.evidence.authScheme, 'Bearer');
    assert.equal(authenticated.evidence.oauthToken?.audience, 'https://outlook.office365.com');

    const refused = await doctor.runLabScenario('exchange-online-oauth-wrong-audience');
    assert.equal(refused?.outcome, 'failed');
    doctor.diagnosis.showRun(refused!);
    assert.equal(doctor.diagnosis.lastShown()?.diagnosis?.causes[0]?.id, 'oauth.wrongAudience');

    // A token really is what the lab hands out, so the shape check below can fail.
    const lab = await doctor.labOAuth('exchange-online-oauth');
    const sample = await lab.signIn(['https://outlook.office365.com/EAS.AccessAsUser.All']);
    assert.match(sample.accessToken, JWT_SHAPE);

    for (const file of filesUnder(doctor.history.directory)) assert.doesNotMatch(fs.readFileSync(file, 'latin1'), JWT_SHAPE, file);
    assert.doesNotMatch(JSON.stringify(doctor.globalStateEntries()), JWT_SHAPE, 'globalState');
    assert.doesNotMatch(doctor.logLines().join('\n'), JWT_SHAPE, 'log lines');
    assert.ok(doctor.logLines().some((l) => /devicelogin/.test(l)), 'the sign-in instructions went to the log');
    const logFiles = filesUnder(path.dirname(doctor.logDirectory)).filter((f) => f.includes('ActiveSync Doctor') || f.startsWith(doctor.logDirectory));
    for (const file of logFiles) assert.doesNotMatch(fs.readFileSync(file, 'latin1'), JWT_SHAPE, file);
    for (const run of [passed, refused!]) {
      for (const format of ['markdown', 'json'] as const) assert.doesNotMatch((await doctor.exportText(run.id, format)) ?? '', JWT_SHAPE, `${format} export`);
    }
    assert.equal((await doctor.savedPasswordKeys()).filter((k) => JWT_SHAPE.test(k)).length, 0);
  });
});
