// Autodiscover inside a whole run and on the command line: an e-mail address as the target (the
// user name defaults to it), --autodiscover-url, the URL found becoming the target of the later
// steps, a given URL that differs (a warning naming both), an Autodiscover 401 that does not stop
// the test of a known URL, the input and usage errors, and the diagnosis of an Autodiscover that
// offers only Windows authentication.
import assert from 'node:assert/strict';
import { parseEmailTarget } from '../../src/probe/emailTarget';
import { defaultCandidates, chooseSrvTarget } from '../../src/protocol/autodiscoverPlaces';
import { exchangeOnlineJsonUrl, userNamedOrigins } from '../../src/probe/autodiscover/autodiscoverCandidates';
import { urlDifferences } from '../../src/probe/autodiscover/urlDifferences';
import { parseMobileSyncAnswer } from '../../src/protocol/autodiscoverPox';
import { answerFor, frameworkError, LAB_ALIAS, readMobileSyncRequest } from '../../src/lab/labAutodiscover';
import { mobileSyncRequest, MOBILESYNC_RESPONSE_SCHEMA } from '../../src/protocol/autodiscoverPox';
import { LAB_PASSWORD, LAB_UPN } from '../../src/lab/labAccounts';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { runProbe } from '../../src/probe/probe';
import type { ProbeRun } from '../../src/probe/runModel';
import { runCli } from './helpers/cliFakeIo';
import { NO_PROXY_ENV, stepOf } from './helpers/probeLabRuns';
import { buildRun, makeStep } from './helpers/runBuilder';
import { diagnose } from '../../src/diagnosis/diagnose';
import type { AutodiscoverAttemptEvidence } from '../../src/probe/runModel';

describe('Autodiscover: pure parts', () => {
  it('reads an e-mail address, not a URL with user info', () => {
    assert.deepEqual(parseEmailTarget(' jdoe@Contoso.COM '), { address: 'jdoe@contoso.com', localPart: 'jdoe', domain: 'contoso.com' });
    for (const notAnAddress of ['mail.contoso.com', 'https://jdoe@mail.contoso.com/', 'jdoe:pw@mail.contoso.com', 'jdoe@localhost', 'a@b@contoso.com', 'jdoe@contoso.com/x', 'CONTOSO\\jdoe']) {
      assert.equal(parseEmailTarget(notAnAddress), undefined, notAnAddress);
    }
    assert.equal(parseEmailTarget('jdoe@bücher.example')?.domain, 'xn--bcher-kva.example');
  });

  it('lists the places devices look, in their order', () => {
    assert.deepEqual(defaultCandidates('contoso.com'), [
      { source: 'domain', url: 'https://contoso.com/autodiscover/autodiscover.xml' },
      { source: 'autodiscoverHost', url: 'https://autodiscover.contoso.com/autodiscover/autodiscover.xml' },
      { source: 'httpRedirect', url: 'http://autodiscover.contoso.com/autodiscover/autodiscover.xml' },
      { source: 'srv', url: '_autodiscover._tcp.contoso.com' },
    ]);
    // Only the names derived from the address may get the credentials; the http one never.
    assert.deepEqual([...userNamedOrigins(defaultCandidates('contoso.com'))], ['https://contoso.com:443', 'https://autodiscover.contoso.com:443']);
  });

  it('picks the SRV record with the lowest priority, then the highest weight', () => {
    assert.equal(
      chooseSrvTarget([
        { name: 'b.contoso.com', port: 443, priority: 10, weight: 5 },
        { name: 'a.contoso.com.', port: 8443, priority: 0, weight: 1 },
        { name: 'c.contoso.com', port: 443, priority: 0, weight: 9 },
      ]),
      'https://c.contoso.com/autodiscover/autodiscover.xml',
    );
    assert.equal(chooseSrvTarget([{ name: 'a.contoso.com', port: 8443, priority: 0, weight: 0 }]), 'https://a.contoso.com:8443/autodiscover/autodiscover.xml');
    assert.equal(chooseSrvTarget([{ name: '.', port: 0, priority: 0, weight: 0 }]), undefined);
  });

  it('asks Exchange Online at its JSON endpoint, and nothing else there', () => {
    assert.equal(exchangeOnlineJsonUrl('https://autodiscover-s.outlook.com/autodiscover/autodiscover.xml', 'jdoe@contoso.com'), 'https://outlook.office365.com/autodiscover/autodiscover.json/v1.0/jdoe%40contoso.com?Protocol=ActiveSync');
    assert.equal(exchangeOnlineJsonUrl('https://autodiscover.contoso.com/autodiscover/autodiscover.xml', 'jdoe@contoso.com'), undefined);
  });

  it('names the parts in which two ActiveSync URLs differ', () => {
    assert.deepEqual(urlDifferences('https://mail.contoso.com/Microsoft-Server-ActiveSync', 'https://MAIL.contoso.com:443/microsoft-server-activesync/'), []);
    assert.deepEqual(urlDifferences('https://old.contoso.com:8443/Microsoft-Server-ActiveSync', 'https://mail.contoso.com/Microsoft-Server-ActiveSync'), ['host', 'port']);
    assert.deepEqual(urlDifferences('http://mail.contoso.com/eas/Microsoft-Server-ActiveSync', 'https://mail.contoso.com/Microsoft-Server-ActiveSync'), ['scheme', 'port', 'path']);
  });

  it('the lab answers in the mobilesync schema, which the probe\'s parser reads back', () => {
    const request = readMobileSyncRequest(mobileSyncRequest(LAB_UPN));
    assert.deepEqual(request, { emailAddress: LAB_UPN, schema: MOBILESYNC_RESPONSE_SCHEMA });
    const settings = answerFor({ kind: 'settings' }, request, 'https://mail.contoso.example/Microsoft-Server-ActiveSync');
    assert.match(settings, /<Autodiscover xmlns="http:\/\/schemas\.microsoft\.com\/exchange\/autodiscover\/responseschema\/2006"><Response xmlns="http:\/\/schemas\.microsoft\.com\/exchange\/autodiscover\/mobilesync\/responseschema\/2006">/);
    assert.deepEqual(parseMobileSyncAnswer(settings), { kind: 'settings', url: 'https://mail.contoso.example/Microsoft-Server-ActiveSync', name: 'https://mail.contoso.example/Microsoft-Server-ActiveSync', displayName: 'Lab User', emailAddress: LAB_UPN, culture: 'en:us' });
    assert.deepEqual(parseMobileSyncAnswer(answerFor({ kind: 'redirect' }, request, '')), { kind: 'redirect', emailAddress: LAB_ALIAS });
    assert.equal((parseMobileSyncAnswer(frameworkError('600')) as { code?: string }).code, '600');
    // A request asking for another schema gets 601; one that is not a request, 600.
    assert.equal((parseMobileSyncAnswer(answerFor({ kind: 'settings' }, { emailAddress: LAB_UPN, schema: 'urn:other' }, '')) as { code?: string }).code, '601');
    assert.equal((parseMobileSyncAnswer(answerFor({ kind: 'settings' }, readMobileSyncRequest('<html/>'), '')) as { code?: string }).code, '600');
  });
});

describe('Autodiscover in a run', () => {
  let lab: RunningLab;
  const autodiscoverUrlOf = (id: string) => `${new URL(lab.urlFor(id)).origin}/autodiscover/autodiscover.xml`;
  const probe = (target: string, extra: Partial<Parameters<typeof runProbe>[0]> = {}): Promise<ProbeRun> =>
    runProbe({ target, password: LAB_PASSWORD, extraCaPem: lab.caPem, env: NO_PROXY_ENV, mode: 'options', ...extra });

  before(async () => {
    lab = await startLab({ scenarios: ['autodiscover-healthy', 'autodiscover-old-server', 'exchange2016-healthy', 'exchange-online-bearer-only'] });
  });
  after(async () => {
    await lab?.close();
  });

  it('an e-mail address signs in as itself and tests the URL Autodiscover found', async () => {
    const run = await probe(LAB_UPN, { autodiscoverDiscovery: lab.autodiscoverDiscovery('autodiscover-healthy') });
    assert.equal(run.outcome, 'passed', JSON.stringify(run.steps.map((s) => [s.id, s.status, s.summary])));
    assert.equal(run.userName, LAB_UPN);
    assert.equal(run.target.input, LAB_UPN);
    assert.equal(run.target.url, lab.urlFor('autodiscover-healthy'));
    assert.equal(run.settings.autodiscover, true);
    assert.deepEqual(run.steps.map((s) => s.id).slice(0, 3), ['input', 'autodiscover', 'dns']);
    assert.equal(stepOf(run, 'dns').title, 'Resolve localhost in DNS');
  });

  it('a URL given with --autodiscover-url that hands out another URL: a warning with both, and the later steps test the one handed out', async () => {
    const given = lab.urlFor('exchange2016-healthy');
    const run = await probe(given, { userName: LAB_UPN, autodiscoverUrl: autodiscoverUrlOf('autodiscover-old-server') });
    const step = stepOf(run, 'autodiscover');
    assert.equal(step.status, 'warning');
    assert.equal(step.failure?.category, 'autodiscover.mismatch');
    assert.ok(step.summary.includes(given) && step.summary.includes(lab.urlFor('versions-too-old')), step.summary);
    assert.equal(run.target.url, lab.urlFor('versions-too-old'));
    assert.equal(stepOf(run, 'optionsAuthenticated').failure?.category, 'eas.noUsableVersion');
    assert.equal(run.settings.autodiscoverUrl, autodiscoverUrlOf('autodiscover-old-server'));
  });

  it('a 401 at Autodiscover is reported as Autodiscover\'s (offering only OAuth: the password was not checked), and the known URL is still tested', async () => {
    const given = lab.urlFor('exchange2016-healthy');
    const run = await probe(given, { userName: LAB_UPN, autodiscoverUrl: autodiscoverUrlOf('exchange-online-bearer-only') });
    const step = stepOf(run, 'autodiscover');
    assert.equal(step.failure?.category, 'autodiscover.oauthOnly');
    assert.match(step.summary, /not Basic, so the password sent was not checked/);
    assert.equal(stepOf(run, 'optionsAuthenticated').status, 'passed');
    assert.equal(stepOf(run, 'optionsAuthenticated').failure, undefined);
    assert.equal(run.target.url, given);
  });

  it('without an address Autodiscover cannot run: the input step says so', async () => {
    const run = await probe(lab.urlFor('exchange2016-healthy'), { userName: 'CONTOSO\\labuser', autodiscover: true });
    assert.equal(stepOf(run, 'input').failure?.category, 'input.missingUser');
    assert.equal(stepOf(run, 'autodiscover').status, 'skipped');
  });

  it('an http:// Autodiscover URL is refused before anything is sent', async () => {
    const run = await probe(LAB_UPN, { autodiscoverUrl: 'http://localhost:1/autodiscover/autodiscover.xml' });
    assert.equal(stepOf(run, 'input').failure?.category, 'input.invalidUrl');
    assert.ok(run.steps.slice(1).every((s) => s.status === 'skipped'));
  });

  it('a run without Autodiscover has no autodiscover step', async () => {
    const run = await probe(lab.urlFor('exchange2016-healthy'), { userName: LAB_UPN });
    assert.equal(run.steps.some((s) => s.id === 'autodiscover'), false);
    assert.equal(run.settings.autodiscover, undefined);
  });

  describe('command line', () => {
    it('probe --help shows the e-mail address form and both flags', async () => {
      const r = await runCli(['probe', '--help']);
      assert.equal(r.code, 0);
      for (const text of ['<url|host|e-mail address>', '--autodiscover ', '--autodiscover-url URL']) assert.ok(r.stdout.includes(text), text);
    });

    it('usage errors: an http Autodiscover URL, --autodiscover without an address', async () => {
      const http = await runCli(['probe', 'jdoe@contoso.com', '--autodiscover-url', 'http://autodiscover.contoso.com/autodiscover/autodiscover.xml']);
      assert.equal(http.code, 2);
      assert.match(http.stderr, /--autodiscover-url takes an https:\/\/ URL/);
      const noAddress = await runCli(['probe', 'mail.contoso.com', '--autodiscover', '--user', 'CONTOSO\\jdoe']);
      assert.equal(noAddress.code, 2);
      assert.match(noAddress.stderr, /Autodiscover asks for an e-mail address/);
    });

    it('probe user@domain --autodiscover-url: the address is the user, Autodiscover then the rest', async () => {
      const r = await runCli(['probe', LAB_UPN, '--autodiscover-url', autodiscoverUrlOf('autodiscover-healthy'), '--ca', lab.caFile, '--options-only', '--json', '--proxy', ''], { env: { ACTIVESYNC_PASSWORD: LAB_PASSWORD } });
      assert.equal(r.code, 0, r.stderr);
      const { run } = JSON.parse(r.stdout) as { run: ProbeRun };
      assert.equal(run.userName, LAB_UPN);
      assert.equal(stepOf(run, 'autodiscover').status, 'passed');
      assert.equal(run.target.url, lab.urlFor('autodiscover-healthy'));
    });

    it('probe --lab autodiscover-windows-auth-only: the methods offered, that devices use Basic there, and the fix', async () => {
      const r = await runCli(['probe', '--lab', 'autodiscover-windows-auth-only', '--options-only']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /answered 401 offering Negotiate and NTLM, not Basic\. Phones sign in to Autodiscover with Basic/);
      assert.match(r.stdout, /Most likely: Autodiscover on localhost:\d+ offers only Negotiate\s+and NTLM: devices that sign in with Basic cannot use it \(high confidence\)/);
      assert.match(r.stdout, /Set-AutodiscoverVirtualDirectory -Identity "<SERVER>\\Autodiscover \(Default Web Site\)" -BasicAuthentication \$true/);
      assert.match(r.stdout, /Checklist autodiscover-basic-auth: Let devices sign in to Autodiscover with Basic/);
      assert.ok(!r.stdout.includes(LAB_PASSWORD));
    });

    it('probe --lab with an Autodiscover scenario starts from the address', async () => {
      const r = await runCli(['probe', '--lab', 'autodiscover-none-reachable', '--options-only']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /No Autodiscover server could be reached for labuser@contoso\.example/);
      assert.match(r.stdout, /Devices cannot reach any Autodiscover server for the domain/);
    });
  });
});

describe('Autodiscover diagnosis: a 401 offering neither Basic nor OAuth', () => {
  const attempt = (url: string, offeredSchemes: string[], server: string | undefined) => ({
    record: { method: 'POST', url, source: 'autodiscoverHost', emailAddress: LAB_UPN, outcome: 'unauthorized', statusCode: 401, credentialsSent: true, offeredSchemes, durationMs: 5 } satisfies AutodiscoverAttemptEvidence,
    child: makeStep('autodiscover.1', {
      status: 'failed',
      evidence: { http: [{ method: 'POST', url, requestHeaders: [], response: { statusCode: 401, statusText: 'Unauthorized', headers: [...(server ? [['Server', server] as [string, string]] : []), ...offeredSchemes.map((s): [string, string] => ['WWW-Authenticate', s])], bodyBytes: 0, bodySnippet: '', bodyTruncated: false } }] },
    }, `POST ${url} (autodiscover.<domain>)`),
  });
  const runWith = (attempts: Array<ReturnType<typeof attempt>>) => {
    const run = buildRun({ userName: LAB_UPN });
    const step = makeStep('autodiscover', { status: 'failed', category: 'autodiscover.basicNotOffered', message: 'no Basic', children: attempts.map((a) => a.child), evidence: { autodiscover: { emailAddress: LAB_UPN, finalEmailAddress: LAB_UPN, attempts: attempts.map((a) => a.record) } } });
    run.steps = [run.steps[0], step, ...run.steps.slice(1).map((s) => ({ ...s, status: 'skipped' as const }))];
    run.outcome = 'failed';
    return diagnose(run).causes[0];
  };

  it('leads with the cause, the methods offered as evidence for, and nothing against when IIS itself asked', () => {
    const cause = runWith([attempt('https://autodiscover.contoso.com/autodiscover/autodiscover.xml', ['Negotiate', 'NTLM'], 'Microsoft-IIS/10.0')]);
    assert.equal(cause.id, 'autodiscover.basicNotOffered');
    assert.equal(cause.confidence, 'high');
    assert.ok(cause.supporting.some((e) => e.value === 'Negotiate, NTLM'));
    assert.deepEqual(cause.against, []);
    assert.deepEqual(cause.checklistIds, ['autodiscover-basic-auth']);
  });

  it('counts against it a place that does offer Basic, and a 401 that a proxy in front answered', () => {
    const cause = runWith([
      attempt('https://contoso.com/autodiscover/autodiscover.xml', ['Negotiate', 'NTLM'], 'nginx'),
      attempt('https://autodiscover.contoso.com/autodiscover/autodiscover.xml', ['Negotiate', 'NTLM', 'Basic'], 'Microsoft-IIS/10.0'),
    ]);
    assert.equal(cause.id, 'autodiscover.basicNotOffered');
    assert.ok(cause.against.some((e) => /offers Basic/.test(e.label) && /Basic/.test(e.value)), JSON.stringify(cause.against));
    assert.ok(cause.against.some((e) => /^nginx, not IIS/.test(e.value)), JSON.stringify(cause.against));
  });
});
