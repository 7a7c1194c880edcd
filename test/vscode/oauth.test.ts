// OAuth in the extension host: a lab OAuth scenario signs in at the lab authority (the extension's
// lab path), the account fills the user name, the diagnosis of a refused token names its cause,
// and no token (nothing shaped like a JWT) reaches history, globalState, the log or an export.
// A second test takes the path a real user's run takes, vscode.authentication.getSession, with a
// test-only authentication provider (another id) standing in for Microsoft's.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, filesUnder } from './extensionTestSupport';

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

  it('signs in through vscode.authentication.getSession, with a test-only provider standing in for Microsoft\'s', async () => {
    const doctor = await api();
    // A hybrid server: the token is asked for the server's own URL (https://localhost here).
    const lab = await doctor.labOAuth('hybrid-modern-auth');
    const providerId = 'activesync-doctor-test-accounts';
    const asked: string[][] = [];
    const sessions: vscode.AuthenticationSession[] = [];
    const changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
    // Like Microsoft's provider for an account already signed in to VS Code: a token for new scopes
    // comes silently (here from the lab authority), so createSession is never needed.
    const mint = async (scopes: readonly string[]): Promise<vscode.AuthenticationSession> => {
      // The resource scopes go to the lab authority; VS Code's own markers (tenant, client) do not.
      const token = await lab.signIn(scopes.filter((scope) => /^https:\/\//.test(scope)));
      const account = token.account ?? 'unknown';
      const session: vscode.AuthenticationSession = { id: `session-${sessions.length}`, accessToken: token.accessToken, account: { id: account, label: account }, scopes: [...scopes] };
      sessions.push(session);
      return session;
    };
    let created = 0;
    const provider: vscode.AuthenticationProvider = {
      onDidChangeSessions: changed.event,
      getSessions: async (scopes) => {
        if (!scopes) return [...sessions];
        asked.push([...scopes]);
        return [sessions.find((s) => scopes.every((scope) => s.scopes.includes(scope))) ?? (await mint(scopes))];
      },
      createSession: async (scopes) => {
        created++;
        return mint(scopes);
      },
      removeSession: async () => undefined,
    };
    const registration = vscode.authentication.registerAuthenticationProvider(providerId, 'ActiveSync Doctor test accounts', provider, { supportsMultipleAccounts: true });
    doctor.useAuthenticationProviderForTests!(providerId);
    const expected = ['https://localhost/EAS.AccessAsUser.All', 'offline_access', 'VSCODE_TENANT:contoso.onmicrosoft.example', 'VSCODE_CLIENT_ID:11111111-2222-4333-8444-555555555555'];
    // The person lets the extension use the account, as from the Accounts menu ("Grant access…" and
    // the account picker): VS Code refuses to show its consent dialog in extension tests, but the
    // picker is a quick pick. Until then the extension gets no session.
    assert.equal(await vscode.authentication.getSession(providerId, expected), undefined);
    await vscode.commands.executeCommand(`${providerId}${EXTENSION_ID}Access`);
    let granted: vscode.AuthenticationSession | undefined;
    // The picker opens asynchronously: accept it once it shows, then ask without prompting.
    for (let i = 0; i < 50 && !granted; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      granted = await vscode.authentication.getSession(providerId, expected, { silent: true });
    }
    assert.ok(granted, 'the account picker never granted the extension access');
    asked.length = 0;
    const config = vscode.workspace.getConfiguration('activesyncDoctor');
    const settings: Array<[string, unknown]> = [
      ['authentication', 'oauth'],
      ['oauth.tenant', 'contoso.onmicrosoft.example'],
      ['oauth.clientId', '11111111-2222-4333-8444-555555555555'],
      ['extraCaFile', lab.caFile],
    ];
    for (const [key, value] of settings) await config.update(key, value, vscode.ConfigurationTarget.Global);
    try {
      const run = await doctor.runWithInputs({ target: lab.url });
      assert.ok(run, 'the run finished');
      assert.equal(run.outcome, 'passed', JSON.stringify(run.steps.map((s) => [s.id, s.status, s.summary])));
      assert.equal(run.userName, 'labuser@contoso.example', 'the session\'s account fills the user name');
      const authenticated = run.steps.find((s) => s.id === 'optionsAuthenticated')!;
      assert.equal(authenticated.evidence.authScheme, 'Bearer');
      assert.equal(authenticated.evidence.oauthSignIn?.source, `VS Code account (${providerId})`);
      assert.equal(authenticated.evidence.oauthToken?.audience, 'https://localhost');
      for (const id of ['provision', 'folderSync', 'sync']) assert.equal(run.steps.find((s) => s.id === id)?.status, 'passed', id);
      // What the extension asked of the provider: the ActiveSync permission, a refresh token, the tenant and the client id from the settings.
      assert.ok(asked.length > 0, 'the extension never asked the provider');
      for (const scopes of asked) assert.deepEqual(scopes, expected);
      assert.equal(created, 0);
      const token = sessions[0].accessToken;
      assert.match(token, JWT_SHAPE);
      for (const file of filesUnder(doctor.history.directory)) assert.ok(!fs.readFileSync(file, 'latin1').includes(token), file);
      assert.ok(!JSON.stringify(doctor.globalStateEntries()).includes(token), 'globalState');
      assert.ok(!doctor.logLines().join('\n').includes(token), 'log lines');
      for (const format of ['markdown', 'json'] as const) assert.ok(!((await doctor.exportText(run.id, format)) ?? '').includes(token), `${format} export`);
    } finally {
      for (const [key] of settings) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
      doctor.useAuthenticationProviderForTests!(undefined);
      registration.dispose();
      changed.dispose();
    }
  });
});
