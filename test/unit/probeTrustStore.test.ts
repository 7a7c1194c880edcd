// Trust beyond the --ca option: the operating system's store and NODE_EXTRA_CA_CERTS must count,
// or an on-premises server signed by an internal CA (trusted by the OS) would be called untrusted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { describeTrustStore, systemTrustStore } from '../../src/probe/tlsStep';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('TLS trust store', function () {
  this.timeout(30_000);
  let lab: RunningLab;
  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy'] });
  });
  after(async () => {
    await lab.close();
  });

  // Asynchronous on purpose: the lab lives in this process and must keep answering.
  function probe(env: NodeJS.ProcessEnv): Promise<{ code: number; tls: { status: string; failure?: { category: string }; details: Array<{ label: string; value: string }> } }> {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, [CLI, 'probe', lab.urlFor('exchange2016-healthy'), '--json', '--no-cross-check', '--timeout', '15000'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' }, (error, stdout) => {
        try {
          const parsed = JSON.parse(stdout) as { run: { steps: Array<{ id: string; status: string; failure?: { category: string }; details: Array<{ label: string; value: string }> }> } };
          const tls = parsed.run.steps.find((s) => s.id === 'tls');
          assert.ok(tls, 'the run has a TLS step');
          resolve({ code: error ? Number((error as { code?: number }).code) : 0, tls });
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  it('does not trust the lab CA by default', async () => {
    const { tls, code } = await probe({});
    assert.equal(tls.status, 'failed');
    // The lab sends only its leaf, so OpenSSL cannot tell an unknown root from a missing intermediate.
    assert.ok(['tls.untrusted', 'tls.missingIntermediate'].includes(tls.failure?.category ?? ''), tls.failure?.category);
    assert.equal(code, 1);
  });

  it('trusts a CA given through NODE_EXTRA_CA_CERTS without --ca', async () => {
    const { code, tls } = await probe({ NODE_EXTRA_CA_CERTS: lab.caFile });
    assert.equal(tls.status, 'passed', JSON.stringify(tls.details));
    assert.equal(code, 0);
  });

  it('falls back to the operating system store when Node\'s roots do not verify the chain', async function () {
    // Node 20 reads the OS bundle file (SSL_CERT_FILE overrides it, as in OpenSSL); newer Node asks
    // the OS, which this test cannot seed, so it runs where the bundle file is what counts.
    if ('getCACertificates' in (await import('node:tls'))) this.skip();
    const { code, tls } = await probe({ SSL_CERT_FILE: lab.caFile });
    assert.equal(tls.status, 'passed', JSON.stringify(tls.details));
    assert.equal(code, 0);
    const roots = tls.details.find((d) => d.label === 'Trusted roots')?.value ?? '';
    assert.ok(roots.includes(lab.caFile), roots);
  });

  it('names the roots it checked against', () => {
    const line = describeTrustStore('pem');
    assert.match(line, /^Node\.js bundled roots/);
    assert.match(line, /extra CA file$/);
    if (systemTrustStore().pems.length) assert.ok(line.includes(systemTrustStore().source), line);
  });
});
