// Server identification from OPTIONS headers: each Exchange build line, Exchange Online (by build
// or by its back-end target), Z-Push (PHP or its realm), and the protocol version and command checks.
import assert from 'node:assert/strict';
import type { ServerProduct } from '../../src/probe/runModel';
import {
  hasUsableProtocolVersion,
  headerValues,
  identifyServer,
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

describe('identifyServer', () => {
  const cases: Array<{ name: string; headers: HeaderList; product: ServerProduct | undefined; source?: string; build?: string }> = [
    { name: 'Exchange 2003 SP2', headers: [['MS-Server-ActiveSync', '6.5.7638.1']], product: 'exchange2003', source: 'MS-Server-ActiveSync', build: '6.5.7638.1' },
    { name: 'Exchange 2007', headers: [['MS-Server-ActiveSync', '8.3.83.6']], product: 'exchange2007' },
    { name: 'Exchange 2010 (header name in lower case)', headers: [['ms-server-activesync', '14.00.0536.000']], product: 'exchange2010', build: '14.00.0536.000' },
    { name: 'Exchange 2013', headers: [['MS-Server-ActiveSync', '15.0']], product: 'exchange2013' },
    { name: 'Exchange 2016', headers: [['MS-Server-ActiveSync', '15.1'], ['Server', 'Microsoft-IIS/10.0']], product: 'exchange2016' },
    { name: 'Exchange 2019', headers: [['MS-Server-ActiveSync', '15.02.1544.011']], product: 'exchange2019' },
    { name: 'Exchange Online by build', headers: [['MS-Server-ActiveSync', '15.20']], product: 'exchangeOnline' },
    {
      name: 'Exchange Online by X-CalculatedBETarget under prod.outlook.com',
      headers: [['MS-Server-ActiveSync', '15.1'], ['X-CalculatedBETarget', 'AM0PR01MB1234.eurprd01.prod.outlook.com']],
      product: 'exchangeOnline',
    },
    {
      name: 'on-premises X-CalculatedBETarget stays on-premises',
      headers: [['MS-Server-ActiveSync', '15.1'], ['X-CalculatedBETarget', 'ex16.contoso.com']],
      product: 'exchange2016',
    },
    { name: 'Z-Push: 14.0 with X-Powered-By PHP', headers: [['MS-Server-ActiveSync', '14.0'], ['X-Powered-By', 'PHP/8.1.2']], product: 'zpush' },
    { name: 'Z-Push: 14.0 with realm ZPush', headers: [['MS-Server-ActiveSync', '14.0'], ['WWW-Authenticate', 'Basic realm="ZPush"']], product: 'zpush' },
    { name: 'plain 14.0 without Z-Push signs is Exchange 2010', headers: [['MS-Server-ActiveSync', '14.0'], ['X-Powered-By', 'ASP.NET']], product: 'exchange2010' },
    { name: 'PHP does not turn an Exchange 2016 build into Z-Push', headers: [['MS-Server-ActiveSync', '15.1'], ['X-Powered-By', 'PHP/8.1.2']], product: 'exchange2016' },
    { name: 'unknown build', headers: [['MS-Server-ActiveSync', '99.9']], product: 'unknown', build: '99.9' },
    { name: 'X-OWA-Version when MS-Server-ActiveSync is missing', headers: [['X-OWA-Version', '14.3.123.4']], product: 'exchange2010', source: 'X-OWA-Version', build: '14.3.123.4' },
    { name: 'X-CalculatedBETarget alone names Exchange Online', headers: [['X-CalculatedBETarget', 'x.namprd00.prod.outlook.com']], product: 'exchangeOnline', source: 'X-CalculatedBETarget', build: '' },
    { name: 'nothing to go by', headers: [['Server', 'nginx']], product: undefined },
    { name: 'no headers', headers: [], product: undefined },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.product ?? 'undefined'}`, () => {
      const identity = identifyServer(c.headers);
      assert.equal(identity?.product, c.product);
      if (c.source !== undefined) assert.equal(identity?.source, c.source);
      if (c.build !== undefined) assert.equal(identity?.build, c.build);
      if (identity) assert.ok(identity.productName.length > 0);
    });
  }
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
