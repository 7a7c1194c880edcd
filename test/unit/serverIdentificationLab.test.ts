// Server identification against the lab, end to end: each identification rule on a real run, the
// report naming exactly one product (or "unknown"), the cross-check saying what each endpoint did
// with its own time, causes limited to the identified server, and a headline naming the steps run.
import assert from 'node:assert/strict';
import { renderHumanReport } from '../../src/cli/humanReport';
import { styleFor } from '../../src/cli/terminalStyle';
import { diagnose } from '../../src/diagnosis/diagnose';
import { renderRunMarkdown } from '../../src/diagnosis/markdownReport';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { findStep, type ServerProduct } from '../../src/probe/runModel';
import { productName } from '../../src/probe/serverIdentity';
import { probeLabScenario, stepOf } from './helpers/probeLabRuns';

const PLAIN = styleFor({ isTTY: false }, {});
const ALL_PRODUCTS: ServerProduct[] = ['exchange2003', 'exchange2007', 'exchange2010', 'exchange2013', 'exchange2016', 'exchange2019', 'exchangeOnline', 'zpush'];

interface Expectation {
  scenario: string;
  product: ServerProduct;
  build?: string;
  protocolVersion?: string;
  frontEnd?: RegExp;
  /** Clue sources the identification must have used. */
  clues: string[];
}

const EXPECTATIONS: Expectation[] = [
  { scenario: 'exchange2003-healthy', product: 'exchange2003', build: '6.5.7638.1', clues: ['MS-Server-ActiveSync', 'Server'] },
  { scenario: 'exchange2007-healthy', product: 'exchange2007', build: '8.0', clues: ['MS-Server-ActiveSync', 'X-Powered-By'] },
  { scenario: 'exchange2010-healthy', product: 'exchange2010', build: '14.00.0536.000', clues: ['MS-Server-ActiveSync'] },
  { scenario: 'exchange2013-healthy', product: 'exchange2013', build: '15.0', clues: ['MS-Server-ActiveSync', 'Exchange front-end headers'] },
  { scenario: 'exchange2016-healthy', product: 'exchange2016', build: '15.1', clues: ['MS-Server-ActiveSync'] },
  { scenario: 'exchange2019-healthy', product: 'exchange2019', build: '15.2', clues: ['MS-Server-ActiveSync', 'X-OWA-Version'] },
  { scenario: 'office365-needs-upn', product: 'exchangeOnline', clues: ['X-CalculatedBETarget'] },
  { scenario: 'zpush-healthy', product: 'zpush', build: '', protocolVersion: '14.0', clues: ['WWW-Authenticate realm', 'MS-Server-ActiveSync'] },
  { scenario: 'exchange2003-behind-apache', product: 'exchange2003', build: '6.5.7638.1', frontEnd: /^Apache/, clues: ['MS-Server-ActiveSync', 'X-Powered-By', 'WWW-Authenticate'] },
  { scenario: 'exchange2010-behind-nginx', product: 'exchange2010', build: '14.03.0123.004', frontEnd: /^nginx/, clues: ['MS-Server-ActiveSync', 'Server'] },
  { scenario: 'unnamed-activesync-server', product: 'unknown', protocolVersion: '14.1', clues: ['MS-Server-ActiveSync', 'X-Powered-By'] },
];

describe('server identification against the lab', () => {
  let lab: RunningLab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await lab?.close();
  });

  for (const e of EXPECTATIONS) {
    it(`${e.scenario} → ${e.product}${e.frontEnd ? ' behind a reverse proxy' : ''}, and the report names no other product`, async () => {
      const run = await probeLabScenario(lab, e.scenario);
      const server = run.server;
      assert.ok(server, 'the run carries one identification');
      assert.equal(server.product, e.product, JSON.stringify(server));
      if (e.build !== undefined) assert.equal(server.build, e.build);
      assert.equal(server.protocolVersion, e.protocolVersion);
      if (e.frontEnd) assert.match(server.frontEnd ?? '', e.frontEnd);
      else assert.equal(server.frontEnd, undefined);
      for (const source of e.clues) assert.ok(server.clues?.some((c) => c.source === source), `clue ${source} in ${JSON.stringify(server.clues)}`);
      if (e.product === 'unknown') assert.ok(server.note && server.note.length > 0, 'an unknown server says why');

      const diagnosis = diagnose(run);
      const texts = [renderHumanReport(run, diagnosis, { style: PLAIN, width: 100, verbose: true }), diagnosis.headline];
      for (const text of texts) {
        const named = ALL_PRODUCTS.filter((p) => text.includes(productName(p)));
        assert.ok(named.every((p) => p === e.product), `${named.join(', ')} named in: ${text}`);
      }
      // The human report's Server line names the identified product.
      if (e.product !== 'unknown') assert.ok(texts[0].includes(`Server: ${productName(e.product)}`), texts[0]);
      else assert.match(texts[0], /Server: Unknown server/);
      // The OPTIONS step shows the raw value, never its own reading of it.
      const authed = stepOf(run, 'optionsAuthenticated');
      assert.ok(!ALL_PRODUCTS.some((p) => authed.summary.includes(productName(p))), authed.summary);
      if (e.protocolVersion) assert.doesNotMatch(renderHumanReport(run, diagnosis, { style: PLAIN, width: 100, verbose: false }), /build 14\.[01]\b/);
      assert.match(renderRunMarkdown(run, diagnosis), /## Server/);
    });
  }

  it('Z-Push refusing a password: no Exchange 2003 coexistence, OWA or Active Directory advice; its own logs instead', async () => {
    const run = await probeLabScenario(lab, 'zpush-healthy', { password: 'Wrong-Passw0rd!' });
    assert.equal(run.server?.product, 'zpush');
    const d = diagnose(run);
    const ids = d.causes.map((c) => c.id);
    assert.ok(ids.includes('auth.wrongCredentials'), ids.join(', '));
    for (const exchangeOnly of ['auth.coexistence2003IwaMissing', 'auth.activeSyncDirectoryAuth', 'auth.userNameForm']) assert.ok(!ids.includes(exchangeOnly), `${exchangeOnly} listed for Z-Push`);
    const wrong = d.causes.find((c) => c.id === 'auth.wrongCredentials')!;
    assert.ok(!wrong.checks.some((c) => /OWA|Outlook on the web|Active Directory/.test(c)), wrong.checks.join(' | '));
    assert.ok(wrong.checks.some((c) => /z-push-error\.log/.test(c)), wrong.checks.join(' | '));
    assert.deepEqual(wrong.checklistIds, []);
    assert.ok(wrong.supporting.some((s) => /Z-Push/.test(s.value)), 'the identified server is part of the evidence');
  });

  it('the same wrong password at Exchange 2016 keeps the Exchange advice', async () => {
    const run = await probeLabScenario(lab, 'wrong-password');
    const wrong = diagnose(run).causes.find((c) => c.id === 'auth.wrongCredentials')!;
    assert.ok(wrong.checks.some((c) => /Outlook on the web/.test(c)));
  });

  it('the cross-check says what each endpoint did, and each child shows its own time', async () => {
    const run = await probeLabScenario(lab, 'coexistence-2003-basic-only');
    const cross = stepOf(run, 'crossCheck');
    assert.match(cross.summary, /^EWS accepted the same credentials \(HTTP 200\); Autodiscover accepted the same credentials \(HTTP 200\)\./);
    const children = ['crossCheck.ews', 'crossCheck.autodiscover'].map((id) => findStep(run, id)!);
    // The accepted Autodiscover answer is read (fast-xml-parser) and its MobileSync URL shown.
    assert.deepEqual(children[1].details.find((d) => d.label === 'ActiveSync URL it hands out')?.value, lab.urlFor('coexistence-2003-basic-only'));
    for (const c of children) assert.ok(c.durationMs > 0, `${c.id} took ${c.durationMs} ms`);
    const sum = children.reduce((t, c) => t + c.durationMs, 0);
    assert.ok(sum <= cross.durationMs + 1, `children ${sum} ms within the step's ${cross.durationMs} ms`);
  });

  it('a cross-check where one endpoint refuses and the other gives no verdict says exactly that', async () => {
    // Z-Push has neither EWS nor Autodiscover (404), so with a wrong password only its 401s are refusals.
    const run = await probeLabScenario(lab, 'wrong-password');
    const cross = stepOf(run, 'crossCheck');
    assert.match(cross.summary, /EWS refused the same credentials \(HTTP 401\); Autodiscover refused the same credentials \(HTTP 401\)/);
    const zpush = await probeLabScenario(lab, 'zpush-healthy', { password: 'Wrong-Passw0rd!' });
    const zcross = stepOf(zpush, 'crossCheck');
    assert.match(zcross.summary, /EWS gave no verdict \(HTTP 404\); Autodiscover gave no verdict \(HTTP 404\)/);
    assert.doesNotMatch(zcross.summary, /refused/);
    const d = diagnose(zpush);
    assert.ok(!d.causes.some((c) => /EWS and Autodiscover refused/.test(c.explanation)));
  });

  it('the headline names the steps that ran', async () => {
    const passed = await probeLabScenario(lab, 'exchange2016-healthy');
    assert.match(diagnose(passed).headline, /^A device could provision, list 12 folders and sync the Inbox \(3 items\) \(full session: Provision, FolderSync, Sync; /);
    const light = await probeLabScenario(lab, 'exchange2016-healthy', { mode: 'options' });
    assert.match(diagnose(light).headline, /were not run, so whether a phone can sync is not proven \(OPTIONS only; /);
    const failed = await probeLabScenario(lab, 'status-403');
    assert.match(diagnose(failed).headline, /\(OPTIONS only\)/);
    const anonymousOnly = await probeLabScenario(lab, 'exchange2016-healthy', { userName: undefined, password: undefined });
    assert.match(diagnose(anonymousOnly).headline, /anonymous OPTIONS only/);
  });
});
