// The run record every probe and every unprobed batch target starts from.
import assert from 'node:assert/strict';
import { newRunShell } from '../../src/probe/runShell';
import { normalizeTarget } from '../../src/probe/targetInput';

describe('newRunShell', () => {
  it('records the target and settings, the proxy without its credentials, and never a password', () => {
    const target = normalizeTarget('mail.contoso.com');
    const run = newRunShell(
      { target: 'mail.contoso.com', userName: 'CONTOSO\\jdoe', auth: 'ntlm', domain: ' CONTOSO ', proxy: 'http://puser:proxy-secret@proxy.contoso.com:3128', timeouts: { overallMs: 5000 } },
      target,
      new Date('2026-01-02T03:04:05Z'),
    );
    assert.equal(run.target.url, 'https://mail.contoso.com/Microsoft-Server-ActiveSync');
    assert.equal(run.userName, 'CONTOSO\\jdoe');
    assert.deepEqual(run.settings, { auth: 'ntlm', domain: 'CONTOSO', crossCheck: true, ignoreTrust: false, allowHttp: false, timeoutMs: 5000, proxy: 'http://proxy.contoso.com:3128', mode: 'commands', deviceId: 'ActiveSyncDoctorProbe', deviceType: 'ActiveSyncDoctor' });
    assert.equal(run.startedAt, '2026-01-02T03:04:05.000Z');
    assert.ok(!JSON.stringify(run).includes('proxy-secret'));
  });

  it('takes the proxy from HTTPS_PROXY unless NO_PROXY covers the host', () => {
    const target = normalizeTarget('mail.contoso.com');
    const via = (env: NodeJS.ProcessEnv) => newRunShell({ target: 'mail.contoso.com', env }, target, new Date()).settings.proxy;
    assert.equal(via({ HTTPS_PROXY: 'http://proxy:8080' }), 'http://proxy:8080');
    assert.equal(via({ HTTPS_PROXY: 'http://proxy:8080', NO_PROXY: '.contoso.com' }), undefined);
  });
});
