// The input step inside a real run: refused input never reaches the network (counted on a
// loopback listener), credentials typed into the address never reach the run, hostile input
// gives a small run, and the user-name forms are judged and used.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startLab, type LabRequestInfo, type RunningLab } from '../../src/lab/labServer';
import { runProbe } from '../../src/probe/probe';
import { NO_PROXY_ENV, probeLabScenario, stepOf } from './helpers/probeLabRuns';

const SENTINEL = 'S3ntinel-Pa55!';

/** A loopback TCP listener that counts connections and answers each request with a bare 404. */
async function countingServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('probe: the input step in a real run', () => {
  let lab: RunningLab;
  const requests: LabRequestInfo[] = [];
  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'coexistence-2003-basic-only'], onRequest: (r) => requests.push(r) });
  });
  after(async () => {
    await lab?.close();
  });
  beforeEach(() => {
    requests.length = 0;
  });

  describe('plain http', () => {
    let counter: Awaited<ReturnType<typeof countingServer>>;
    before(async () => {
      counter = await countingServer();
    });
    after(async () => {
      await counter?.close();
    });

    it('without allowHttp: the input step fails naming --allow-http and nothing is sent', async () => {
      const before = counter.connections();
      const run = await runProbe({ target: `http://127.0.0.1:${counter.port}/`, userName: 'jdoe@contoso.com', password: SENTINEL, env: NO_PROXY_ENV });
      const input = stepOf(run, 'input');
      assert.equal(input.status, 'failed');
      assert.equal(input.failure?.category, 'input.plainHttpNotAllowed');
      assert.match(input.summary, /--allow-http/);
      for (const s of run.steps.slice(1)) assert.equal(s.status, 'skipped', String(s.id));
      assert.equal(run.outcome, 'failed');
      // Give a stray connect attempt time to land before counting.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(counter.connections() - before, 0);
    });

    it('with allowHttp the same target is contacted (the counter works) and the run warns', async () => {
      const before = counter.connections();
      const run = await runProbe({ target: `http://127.0.0.1:${counter.port}/`, allowHttp: true, env: NO_PROXY_ENV });
      assert.ok(counter.connections() - before >= 1);
      assert.equal(stepOf(run, 'input').status, 'warning');
      assert.equal(stepOf(run, 'input').failure?.category, 'input.plainHttp');
      assert.equal(stepOf(run, 'tls').status, 'skipped');
      assert.equal(stepOf(run, 'optionsAnonymous').failure?.category, 'http.404');
      assert.equal(run.settings.allowHttp, true);
    });
  });

  describe('credentials in the address', () => {
    it('https://user:password@host: stripped from the run, not used, with a warning', async () => {
      const url = new URL(lab.urlFor('exchange2016-healthy'));
      const run = await runProbe({ target: `https://jdoe:${SENTINEL}@localhost:${url.port}${url.pathname}`, extraCaPem: lab.caPem, env: NO_PROXY_ENV });
      const json = JSON.stringify(run);
      assert.ok(!json.includes(SENTINEL));
      assert.ok(!json.includes('jdoe'));
      assert.equal(run.target.input, `https://localhost:${url.port}${url.pathname}`);
      assert.equal(stepOf(run, 'input').status, 'warning');
      assert.ok(stepOf(run, 'input').children.some((c) => c.id === 'input.input.credentialsInUrl'));
      // The password in the URL was not used: only the anonymous request went out.
      assert.deepEqual(requests.map((r) => r.auth), ['anonymous']);
      assert.equal(stepOf(run, 'optionsAuthenticated').status, 'skipped');
    });

    it('user:password@host without a scheme: stripped from the run too', async () => {
      const port = new URL(lab.urlFor('exchange2016-healthy')).port;
      const run = await runProbe({ target: `jdoe:${SENTINEL}@localhost:${port}`, extraCaPem: lab.caPem, env: NO_PROXY_ENV });
      assert.ok(!JSON.stringify(run).includes(SENTINEL), `run.target.input is ${JSON.stringify(run.target.input)}`);
    });
  });

  describe('address forms end to end', () => {
    const port = () => new URL(lab.urlFor('exchange2016-healthy')).port;
    const ipv6Loopback = async (): Promise<boolean> => {
      const server = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '::1', resolve));
        return true;
      } catch {
        return false;
      } finally {
        server.close();
      }
    };

    for (const form of ['[::1]:PORT', 'https://[::1]:PORT/']) {
      it(`IPv6 literal ${form}: no DNS, connects to ::1, the certificate's IP SAN matches`, async function () {
        if (!(await ipv6Loopback())) this.skip();
        const run = await probeLabScenario(lab, 'exchange2016-healthy', { target: form.replace('PORT', port()) });
        assert.equal(run.target.url, `https://[::1]:${port()}/Microsoft-Server-ActiveSync`);
        assert.equal(run.target.host, '::1');
        assert.equal(stepOf(run, 'dns').status, 'skipped');
        assert.equal(stepOf(run, 'tcp').evidence.remoteAddress, '::1');
        assert.equal(stepOf(run, 'tls').status, 'passed');
        assert.equal(run.outcome, 'passed');
      });
    }

    it('IPv4 literal 127.0.0.1:PORT passes the same way', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { target: `127.0.0.1:${port()}` });
      assert.equal(stepOf(run, 'dns').evidence.resolvedVia, 'literal');
      assert.equal(stepOf(run, 'tcp').evidence.remoteAddress, '127.0.0.1');
      assert.equal(run.outcome, 'passed');
    });

    it('a trailing dot (localhost.) is dropped before DNS and the certificate check', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { target: `localhost.:${port()}` });
      assert.equal(run.target.host, 'localhost');
      assert.equal(stepOf(run, 'tls').status, 'passed');
      assert.equal(run.outcome, 'passed');
    });
  });

  describe('hostile input', () => {
    it('a 1 MB target: the run resolves with a small input failure', async () => {
      const run = await runProbe({ target: 'x'.repeat(1_000_000), env: NO_PROXY_ENV });
      assert.equal(stepOf(run, 'input').failure?.category, 'input.invalidUrl');
      assert.ok(JSON.stringify(run).length < 20_000, `run JSON is ${JSON.stringify(run).length} characters`);
    });

    for (const target of ['file:///etc/passwd', 'javascript:alert(1)']) {
      it(`${target}: refused as an unsupported scheme`, async () => {
        const run = await runProbe({ target, env: NO_PROXY_ENV });
        assert.equal(stepOf(run, 'input').failure?.category, 'input.unsupportedScheme');
        assert.equal(run.target.url, '');
        assert.equal(stepOf(run, 'dns').status, 'skipped');
      });
    }

    it('an empty target is refused', async () => {
      const run = await runProbe({ target: '', env: NO_PROXY_ENV });
      assert.equal(stepOf(run, 'input').failure?.category, 'input.invalidUrl');
    });
  });

  describe('user-name forms', () => {
    it('a bare name against outlook.office365.com warns and the run goes on', async () => {
      // connectTo keeps the run on loopback: nothing listens on port 1.
      const run = await runProbe({ target: 'outlook.office365.com:1', connectTo: '127.0.0.1', userName: 'jdoe', password: SENTINEL, env: NO_PROXY_ENV });
      const input = stepOf(run, 'input');
      assert.equal(input.status, 'warning');
      assert.equal(input.failure?.category, 'input.userNameForm');
      assert.equal(input.evidence.userNameForm, 'bare');
      assert.equal(stepOf(run, 'tcp').failure?.category, 'tcp.refused');
    });

    it('DOMAIN\\user signs in to the healthy lab server', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { userName: 'CONTOSO\\labuser' });
      assert.equal(stepOf(run, 'input').evidence.userNameForm, 'downLevel');
      assert.equal(stepOf(run, 'input').status, 'passed');
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(requests.slice(0, 2).map((r) => [r.auth, r.userName]), [['anonymous', undefined], ['accepted', 'CONTOSO\\labuser']]);
      // The device's commands that follow sign in as the same user.
      assert.ok(requests.length > 2 && requests.slice(2).every((r) => r.auth === 'accepted' && r.userName === 'CONTOSO\\labuser'), JSON.stringify(requests));
    });

    it('the UPN signs in to the healthy lab server', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { userName: 'labuser@contoso.example' });
      assert.equal(stepOf(run, 'input').evidence.userNameForm, 'upn');
      assert.equal(run.outcome, 'passed');
    });

    it('a user name with two backslashes is refused before anything is sent', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { userName: 'CONTOSO\\a\\b' });
      assert.equal(stepOf(run, 'input').failure?.category, 'input.userNameForm');
      assert.deepEqual(requests, []);
    });

    it('an unknown authentication method is refused in the input step', async () => {
      const run = await probeLabScenario(lab, 'exchange2016-healthy', { auth: 'kerberos' as never });
      assert.equal(stepOf(run, 'input').failure?.category, 'input.userNameForm');
      assert.match(stepOf(run, 'input').summary, /kerberos/);
      assert.deepEqual(requests, []);
    });
  });
});
