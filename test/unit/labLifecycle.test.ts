// Starting and stopping the lab: the scenario catalogue, ports and URLs, subsets, the CA file,
// the listing text and close() leaving nothing behind.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { formatLabListing, startLab } from '../../src/lab/labServer';
import { findScenario, LAB_SCENARIOS } from '../../src/lab/scenarios';
import { LAB_PASSWORD } from '../../src/lab/labAccounts';
import { freePort } from './helpers/freePort';

const STABLE_IDS = [
  'autodiscover-healthy',
  'autodiscover-redirect',
  'autodiscover-redirect-loop',
  'autodiscover-old-server',
  'autodiscover-error-600',
  'autodiscover-none-reachable',
  'autodiscover-windows-auth-only',
  'exchange2010-healthy',
  'exchange2016-healthy',
  'exchange2003-healthy',
  'exchange2019-healthy',
  'zpush-healthy',
  'coexistence-2003-basic-only',
  'coexistence-2003-iwa-enabled',
  'office365-needs-upn',
  'exchange-online-bearer-only',
  'wrong-password',
  'anonymous-access',
  'status-403',
  'status-404-not-eas',
  'status-449',
  'status-451-redirect',
  'status-456',
  'status-457',
  'status-500',
  'status-503',
  'proxy-stripped-headers',
  'versions-too-old',
  'iwa-only-2003',
  'iwa-and-basic',
  'negotiate-only',
  'tls-self-signed',
  'tls-expired',
  'tls-wrong-name',
  'tls10-only',
  'silent',
  'exchange2007-healthy',
  'exchange2013-healthy',
  'exchange2003-behind-apache',
  'exchange2010-behind-nginx',
  'unnamed-activesync-server',
  'device-quarantined',
  'device-blocked',
  'user-disabled-for-eas',
  'sync-backend-500',
  'foldersync-451',
  'remote-wipe-pending',
  'maximum-devices',
  'coexistence-2003-exchange-vdir',
  'exchange-online-oauth',
  'exchange-online-oauth-wrong-audience',
  'exchange-online-oauth-missing-scope',
  'exchange-online-oauth-expired',
  'exchange-online-oauth-eas-disabled',
  'exchange-online-oauth-conditional-access',
  'hybrid-modern-auth',
  'hybrid-modern-auth-not-configured',
];

function connectOutcome(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('lab server: catalogue and lifecycle', () => {
  it('has exactly the stable scenario ids, each with a coherent expectation', () => {
    assert.deepEqual(LAB_SCENARIOS.map((s) => s.id).sort(), [...STABLE_IDS].sort());
    for (const s of LAB_SCENARIOS) {
      assert.equal(findScenario(s.id), s);
      const { outcome, failedStep, warningStep, category } = s.expected;
      if (outcome === 'passed') assert.equal(category, undefined, s.id);
      if (outcome === 'failed') assert.ok(failedStep && category, s.id);
      if (outcome === 'warning') assert.ok(warningStep && category && !failedStep, s.id);
    }
    assert.equal(findScenario('no-such-scenario'), undefined);
    assert.notEqual(findScenario('wrong-password')!.credentials.password, LAB_PASSWORD);
  });

  it('starts every scenario on its own port and close() leaves nothing listening', async () => {
    const lab = await startLab();
    const running = lab.endpoints.map((e) => e.scenario.id);
    const skipped = lab.unavailable.map((u) => u.scenario.id);
    assert.deepEqual([...running, ...skipped].sort(), [...STABLE_IDS].sort());
    assert.equal(new Set(lab.endpoints.map((e) => e.port)).size, lab.endpoints.length);
    assert.equal(lab.host, 'localhost');
    for (const e of lab.endpoints) {
      assert.equal(e.url, `https://localhost:${e.port}/Microsoft-Server-ActiveSync`);
      assert.equal(lab.urlFor(e.scenario.id), e.url);
    }
    assert.throws(() => lab.urlFor('no-such-scenario'), /not running/);
    assert.equal(readFileSync(lab.caFile, 'utf8'), lab.caPem);
    assert.match(lab.caPem, /^-----BEGIN CERTIFICATE-----/);

    for (const e of lab.endpoints.slice(0, 3)) assert.equal(await connectOutcome(e.port), 'connected');
    await lab.close();
    for (const e of lab.endpoints) assert.equal(await connectOutcome(e.port), 'ECONNREFUSED', e.scenario.id);
    assert.equal(existsSync(lab.caFile), false);
    await lab.close(); // a second close is harmless
  });

  it('starts a subset, adding the scenario a 451 redirects to', async () => {
    const lab = await startLab({ scenarios: ['status-451-redirect'] });
    try {
      assert.deepEqual(lab.endpoints.map((e) => e.scenario.id).sort(), ['exchange2016-healthy', 'status-451-redirect']);
    } finally {
      await lab.close();
    }
  });

  it('uses base port + catalogue position when a port is given', async () => {
    const index = LAB_SCENARIOS.findIndex((s) => s.id === 'exchange2016-healthy');
    const base = (await freePort()) - index;
    const lab = await startLab({ port: base, scenarios: ['exchange2016-healthy'] });
    try {
      assert.equal(lab.endpoints[0].port, base + index);
    } finally {
      await lab.close();
    }
  });

  it('rejects unknown scenarios and non-loopback hosts', async () => {
    await assert.rejects(startLab({ scenarios: ['nope'] }), /Unknown lab scenario "nope"/);
    await assert.rejects(startLab({ host: '0.0.0.0' }), /loopback only/);
  });

  it('lists every scenario with URL, user, password and expectation', async () => {
    const lab = await startLab({ scenarios: ['wrong-password', 'coexistence-2003-basic-only'] });
    try {
      const text = formatLabListing(lab);
      for (const e of lab.endpoints) {
        assert.ok(text.includes(e.scenario.id));
        assert.ok(text.includes(e.url));
        assert.ok(text.includes(e.scenario.credentials.userName));
        assert.ok(text.includes(e.scenario.credentials.password));
      }
      assert.ok(text.includes('failed at optionsAuthenticated (http.401)'));
      assert.ok(text.includes(lab.caFile));
    } finally {
      await lab.close();
    }
  });
});
