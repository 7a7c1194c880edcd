// Server identification from every answer of a run: each Exchange build line, Exchange Online, Z-Push,
// Exchange behind a non-Microsoft front end, the Apache-fronted 2003 case, unknown servers; and the
// protocol version and command checks.
import assert from 'node:assert/strict';
import type { ProbeStep, ServerProduct } from '../../src/probe/runModel';
import { describeServer, identifyServer, observationsOf, type IdentityObservation } from '../../src/probe/serverIdentification';
import {
  hasUsableProtocolVersion,
  headerValues,
  missingEssentialCommands,
  parseList,
  pickDiagnosticHeaders,
  productFromBuild,
  type HeaderList,
} from '../../src/probe/serverIdentity';

describe('productFromBuild', () => {
  const builds: Array<[string, ServerProduct]> = [
    ['6.5.7638.1', 'exchange2003'],
    ['6.5.6944', 'exchange2003'],
    ['8.0', 'exchange2007'],
    ['8.3.83.6', 'exchange2007'],
    ['14.00.0536.000', 'exchange2010'],
    ['14.3.123.4', 'exchange2010'],
    ['15.0', 'exchange2013'],
    ['15.00.1497.012', 'exchange2013'],
    ['15.1', 'exchange2016'],
    ['15.01.2507.006', 'exchange2016'],
    ['15.2', 'exchange2019'],
    ['15.02.1544.011', 'exchange2019'],
    ['15.20', 'exchangeOnline'],
    ['15.20.7741.0', 'exchangeOnline'],
    [' 15.1 ', 'exchange2016'],
    ['16.0', 'unknown'],
    ['7.0', 'unknown'],
    ['15.3', 'unknown'],
    ['', 'unknown'],
    ['abc', 'unknown'],
    ['15', 'unknown'],
  ];
  for (const [build, product] of builds) {
    it(`${JSON.stringify(build)} → ${product}`, () => {
      assert.equal(productFromBuild(build), product);
    });
  }
});

describe('identifyServer: one identification from all the answers', () => {
  const obs = (...steps: HeaderList[]): IdentityObservation[] => steps.map((headers, i) => ({ stepId: `step${i}`, headers }));
  const IIS = ['Server', 'Microsoft-IIS/7.5'] as [string, string];
  const cases: Array<{ name: string; observations: IdentityObservation[]; product: ServerProduct | undefined; build?: string; protocolVersion?: string; frontEnd?: string; source?: string; note?: RegExp }> = [
    { name: 'Exchange 2003 SP2 on IIS 6', observations: obs([['Server', 'Microsoft-IIS/6.0'], ['MS-Server-ActiveSync', '6.5.7638.1']]), product: 'exchange2003', build: '6.5.7638.1', source: 'MS-Server-ActiveSync' },
    { name: 'Exchange 2007 (8.x build line)', observations: obs([['Server', 'Microsoft-IIS/6.0'], ['MS-Server-ActiveSync', '8.0']]), product: 'exchange2007', build: '8.0' },
    { name: 'Exchange 2010 (MS-ASHTTP example, header name in lower case)', observations: obs([IIS, ['ms-server-activesync', '14.00.0536.000']]), product: 'exchange2010', build: '14.00.0536.000' },
    { name: 'Exchange 2013', observations: obs([['MS-Server-ActiveSync', '15.0']]), product: 'exchange2013' },
    { name: 'Exchange 2016', observations: obs([['MS-Server-ActiveSync', '15.1'], ['Server', 'Microsoft-IIS/10.0']]), product: 'exchange2016' },
    { name: 'Exchange 2019', observations: obs([['MS-Server-ActiveSync', '15.02.1544.011']]), product: 'exchange2019' },
    { name: 'Exchange Online by build line 15.20', observations: obs([['MS-Server-ActiveSync', '15.20']]), product: 'exchangeOnline', source: 'MS-Server-ActiveSync' },
    {
      name: 'Exchange Online by its back-end target, even with a 15.1 build',
      observations: obs([['MS-Server-ActiveSync', '15.1'], ['X-CalculatedBETarget', 'AM0PR01MB1234.eurprd01.prod.outlook.com']]),
      product: 'exchangeOnline',
      source: 'X-CalculatedBETarget',
    },
    { name: 'an on-premises back-end target stays on-premises', observations: obs([['MS-Server-ActiveSync', '15.1'], ['X-CalculatedBETarget', 'ex16.contoso.com']]), product: 'exchange2016' },
    {
      name: 'Z-Push by its realm: 14.0 is shown as a protocol version, not a build',
      observations: obs([['Server', 'Apache'], ['WWW-Authenticate', 'Basic realm="ZPush"']], [['Server', 'Apache'], ['MS-Server-ActiveSync', '14.0']]),
      product: 'zpush',
      build: '',
      protocolVersion: '14.0',
      source: 'WWW-Authenticate realm',
    },
    {
      name: 'Z-Push by X-Z-Push-Version on a command answer',
      observations: obs([['MS-Server-ActiveSync', '14.0']], [['X-Z-Push-Version', '2.6.4'], ['MS-Server-ActiveSync', '14.0']]),
      product: 'zpush',
      build: '2.6.4',
      protocolVersion: '14.0',
      source: 'X-Z-Push-Version',
    },
    { name: 'Z-Push set to protocol 2.5 announces 6.5.7638.1: still Z-Push, protocol 2.5', observations: obs([['WWW-Authenticate', 'Basic realm="ZPush"'], ['MS-Server-ActiveSync', '6.5.7638.1']]), product: 'zpush', protocolVersion: '2.5' },
    {
      name: 'Exchange 2010 behind nginx: the build decides, nginx is its front end (not Z-Push)',
      observations: obs([['Server', 'nginx'], ['WWW-Authenticate', 'Negotiate'], ['WWW-Authenticate', 'NTLM']], [['Server', 'nginx'], ['X-Powered-By', 'ASP.NET'], ['MS-Server-ActiveSync', '14.03.0123.004']]),
      product: 'exchange2010',
      build: '14.03.0123.004',
      frontEnd: 'nginx',
    },
    {
      name: 'a non-Microsoft reverse proxy in front of Exchange 2016',
      observations: obs([['Server', 'BigIP'], ['MS-Server-ActiveSync', '15.1'], ['X-FEServer', 'EX16']]),
      product: 'exchange2016',
      frontEnd: 'BigIP',
    },
    {
      name: 'Exchange 2003 behind Apache, with ASP.NET and Windows sign-in passed through: Exchange 2003 behind Apache',
      observations: obs([['Server', 'Apache/2.4.57'], ['WWW-Authenticate', 'NTLM'], ['WWW-Authenticate', 'Basic realm="mail.contoso.com"']], [['Server', 'Apache/2.4.57'], ['X-Powered-By', 'ASP.NET'], ['MS-Server-ActiveSync', '6.5.7638.1']]),
      product: 'exchange2003',
      frontEnd: 'Apache/2.4.57',
    },
    {
      name: 'Exchange 2003\'s build behind Apache with nothing else: unknown, not Z-Push and not Exchange 2003',
      observations: obs([['Server', 'Apache'], ['MS-Server-ActiveSync', '6.5.7638.1']]),
      product: 'unknown',
      build: '6.5.7638.1',
      note: /reverse proxy or a server that imitates it/,
    },
    { name: 'Exchange 2003\'s build on PHP: an imitation, unknown', observations: obs([['X-Powered-By', 'PHP/5.3.3'], ['MS-Server-ActiveSync', '6.5.7638.1']]), product: 'unknown', note: /imitates Exchange 2003/ },
    { name: 'a Windows NTLM challenge supports Exchange 2003 behind a proxy', observations: [{ stepId: 'optionsAuthenticated', headers: [['Server', 'nginx'], ['MS-Server-ActiveSync', '6.5.7638.1']], ntlmChallenge: { targetName: 'CONTOSO', netbiosDomain: 'CONTOSO', netbiosComputer: 'EX2003', dnsDomain: 'contoso.com', dnsComputer: 'ex2003.contoso.com', windowsVersion: '5.2.3790', windowsRelease: 'Windows Server 2003' } }], product: 'exchange2003', frontEnd: 'nginx' },
    { name: 'a protocol version without a product mark: unknown, shown as a protocol version', observations: obs([['Server', 'nginx'], ['X-Powered-By', 'PHP/8.2.1'], ['MS-Server-ActiveSync', '14.1']]), product: 'unknown', protocolVersion: '14.1', note: /protocol version 14\.1/ },
    { name: '14.0 with ASP.NET is still not an Exchange build', observations: obs([['MS-Server-ActiveSync', '14.0'], ['X-Powered-By', 'ASP.NET']]), product: 'unknown', protocolVersion: '14.0' },
    { name: 'PHP does not turn an Exchange 2016 build into Z-Push', observations: obs([['MS-Server-ActiveSync', '15.1'], ['X-Powered-By', 'PHP/8.1.2']]), product: 'exchange2016' },
    { name: 'Z-Push realm and an Exchange OWA version contradict: unknown', observations: obs([['WWW-Authenticate', 'Basic realm="ZPush"'], ['X-OWA-Version', '15.1.2507.6']]), product: 'unknown', note: /contradict/ },
    { name: 'an unknown build number', observations: obs([['MS-Server-ActiveSync', '99.9']]), product: 'unknown', build: '99.9' },
    { name: 'X-OWA-Version when MS-Server-ActiveSync is missing (cross-check answers)', observations: obs([IIS, ['WWW-Authenticate', 'Basic realm=""']], [['X-OWA-Version', '14.3.123.4']]), product: 'exchange2010', source: 'X-OWA-Version', build: '14.3.123.4' },
    { name: 'only the front-end headers of Exchange 2013+: unknown, says so', observations: obs([['X-FEServer', 'EX1']]), product: 'unknown', note: /Exchange 2013 or later/ },
    { name: 'nothing to go by: unknown', observations: obs([['Server', 'nginx']]), product: 'unknown', note: /Nothing in the answers/ },
    { name: 'no answers at all: no identification', observations: obs([]), product: undefined },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.product ?? 'none'}`, () => {
      const identity = identifyServer(c.observations);
      assert.equal(identity?.product, c.product);
      if (!identity) return;
      if (c.build !== undefined) assert.equal(identity.build, c.build);
      assert.equal(identity.protocolVersion, c.protocolVersion);
      assert.equal(identity.frontEnd, c.frontEnd);
      if (c.source !== undefined) assert.equal(identity.source, c.source);
      if (c.note) assert.match(identity.note ?? '', c.note);
      assert.ok((identity.clues ?? []).length > 0, 'the evidence used is recorded');
      // One product per identification: the line names at most one ActiveSync product.
      const named = ['Exchange', 'Z-Push'].filter((p) => describeServer(identity).includes(p));
      assert.ok(named.length <= 1, describeServer(identity));
    });
  }

  it('Z-Push reads as "protocol version 14.0", never as a build', () => {
    const identity = identifyServer(obs([['WWW-Authenticate', 'Basic realm="ZPush"'], ['MS-Server-ActiveSync', '14.0']]))!;
    assert.equal(describeServer(identity), 'Z-Push (protocol version 14.0)');
    assert.doesNotMatch(describeServer(identity), /build/);
  });

  it('Autodiscover answers (another host, maybe) do not take part', () => {
    const steps = [
      { id: 'autodiscover', title: '', status: 'passed', summary: '', startedAt: '', durationMs: 0, details: [], evidence: { http: [{ method: 'POST', url: 'x', requestHeaders: [], response: { statusCode: 200, statusText: 'OK', headers: [['X-OWA-Version', '15.1.2507.6']], bodyBytes: 0, bodySnippet: '', bodyTruncated: false } }] }, children: [] },
    ] as unknown as ProbeStep[];
    assert.equal(identifyServer(observationsOf(steps)), undefined);
  });
});

describe('protocol versions and commands', () => {
  const versionCases: Array<[string[], boolean]> = [
    [['1.0', '2.0'], false],
    [['1.0', '2.0', '2.1'], false],
    [['2.5'], true],
    [['1.0', '2.0', '2.1', '2.5'], true],
    [['12.0'], true],
    [['14.0', '14.1', '16.0', '16.1'], true],
    [[], false],
    [['abc', ''], false],
  ];
  for (const [versions, usable] of versionCases) {
    it(`hasUsableProtocolVersion(${JSON.stringify(versions)}) is ${usable}`, () => {
      assert.equal(hasUsableProtocolVersion(versions), usable);
    });
  }

  it('missingEssentialCommands names Provision, FolderSync and Sync when absent, case-insensitively', () => {
    assert.deepEqual(missingEssentialCommands([]), ['Provision', 'FolderSync', 'Sync']);
    assert.deepEqual(missingEssentialCommands(['sync', 'FOLDERSYNC', 'Ping']), ['Provision']);
    assert.deepEqual(missingEssentialCommands(parseList('Sync,SendMail,FolderSync,Provision,Ping')), []);
  });

  it('parseList trims, drops empty entries and caps the list', () => {
    assert.deepEqual(parseList(' 2.5, 12.0 ,,14.1 '), ['2.5', '12.0', '14.1']);
    assert.deepEqual(parseList(undefined), []);
    assert.equal(parseList(Array.from({ length: 500 }, (_, i) => `C${i}`).join(',')).length, 200);
  });

  it('headerValues keeps repeated headers in order; pickDiagnosticHeaders keeps only the Exchange ones', () => {
    const headers: HeaderList = [['WWW-Authenticate', 'Negotiate'], ['Content-Type', 'text/html'], ['www-authenticate', 'NTLM'], ['X-FEServer', 'FE1'], ['X-BEServer', 'BE1']];
    assert.deepEqual(headerValues(headers, 'WWW-AUTHENTICATE'), ['Negotiate', 'NTLM']);
    assert.deepEqual(pickDiagnosticHeaders(headers), [['X-FEServer', 'FE1'], ['X-BEServer', 'BE1']]);
  });
});
