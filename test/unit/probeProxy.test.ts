// Admins behind a forward proxy: the probe must tunnel through it (HTTPS_PROXY or an explicit
// option), honour NO_PROXY, still judge the server's own certificate, and say clearly when the
// proxy refuses. A tiny CONNECT proxy on loopback stands in for the real one.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { findScenario } from '../../src/lab/scenarios';
import { runProbe } from '../../src/probe/probe';
import { proxyFor } from '../../src/probe/proxyTunnel';

interface TestProxy {
  url: string;
  connects: string[];
  authorizations: string[];
  close(): Promise<void>;
}

/** A CONNECT-only proxy; `refuse` answers every tunnel request with that status line. */
function startProxy(refuse?: string): Promise<TestProxy> {
  const connects: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.removeListener('data', onData);
      const [requestLine, ...headerLines] = head.slice(0, end).split('\r\n');
      const [, authority] = requestLine.split(' ');
      connects.push(authority);
      const auth = headerLines.find((l) => /^proxy-authorization:/i.test(l));
      if (auth) authorizations.push(auth.split(':').slice(1).join(':').trim());
      if (refuse) {
        client.end(`${refuse}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const [host, port] = [authority.slice(0, authority.lastIndexOf(':')), Number(authority.slice(authority.lastIndexOf(':') + 1))];
      const upstream = connect(port, host === 'localhost' ? '127.0.0.1' : host, () => {
        client.write('HTTP/1.1 200 Connection established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        connects,
        authorizations,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

describe('probing through a forward proxy', function () {
  this.timeout(20_000);
  let lab: RunningLab;
  const scenario = findScenario('exchange2016-healthy')!;
  before(async () => {
    lab = await startLab({ scenarios: [scenario.id] });
  });
  after(async () => {
    await lab.close();
  });

  const probeVia = (proxyOptions: { proxy?: string; env?: NodeJS.ProcessEnv }) =>
    runProbe({
      target: lab.urlFor(scenario.id),
      userName: scenario.credentials.userName,
      password: scenario.credentials.password,
      extraCaPem: lab.caPem,
      timeouts: { overallMs: 8000 },
      env: proxyOptions.env ?? {},
      proxy: proxyOptions.proxy,
    });

  it('tunnels through HTTPS_PROXY and still checks the server certificate', async () => {
    const proxy = await startProxy();
    try {
      const run = await probeVia({ env: { HTTPS_PROXY: proxy.url } });
      assert.equal(run.outcome, 'passed', JSON.stringify(run.steps.map((s) => [s.id, s.status, s.summary])));
      const port = new URL(lab.urlFor(scenario.id)).port;
      assert.deepEqual(proxy.connects, [`localhost:${port}`], 'one tunnel, to the target');
      assert.equal(run.steps.find((s) => s.id === 'dns')?.status, 'skipped', 'the proxy resolves the name');
      assert.equal(run.steps.find((s) => s.id === 'tcp')?.evidence.proxy, '127.0.0.1:' + new URL(proxy.url).port);
      assert.match(run.steps.find((s) => s.id === 'tls')?.evidence.certificate?.subjectAltNames.join(' ') ?? '', /localhost/);
      assert.equal(run.settings.proxy, proxy.url);
    } finally {
      await proxy.close();
    }
  });

  it('uses an explicit proxy option, and sends proxy credentials only to the proxy, never stored', async () => {
    const proxy = await startProxy();
    try {
      const run = await probeVia({ proxy: proxy.url.replace('http://', 'http://proxyuser:proxy-secret@') });
      assert.equal(run.outcome, 'passed');
      assert.equal(proxy.authorizations.length, 1);
      assert.equal(Buffer.from(proxy.authorizations[0].replace(/^Basic /, ''), 'base64').toString(), 'proxyuser:proxy-secret');
      assert.ok(!JSON.stringify(run).includes('proxy-secret'), 'the proxy password is not in the run');
    } finally {
      await proxy.close();
    }
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    const proxy = await startProxy();
    try {
      const run = await probeVia({ env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,localhost' } });
      assert.equal(run.outcome, 'passed');
      assert.deepEqual(proxy.connects, []);
      assert.equal(run.steps.find((s) => s.id === 'dns')?.status, 'passed');
    } finally {
      await proxy.close();
    }
  });

  it('fails the connection step with proxy.error when the proxy refuses the tunnel', async () => {
    const proxy = await startProxy('HTTP/1.1 403 Forbidden');
    try {
      const run = await probeVia({ proxy: proxy.url });
      const tcp = run.steps.find((s) => s.id === 'tcp');
      assert.equal(tcp?.status, 'failed');
      assert.equal(tcp?.failure?.category, 'proxy.error');
      assert.match(tcp?.summary ?? '', /403 Forbidden/);
      assert.equal(run.outcome, 'failed');
      assert.ok(run.steps.filter((s) => ['tls', 'optionsAnonymous', 'optionsAuthenticated'].includes(String(s.id))).every((s) => s.status === 'skipped'));
    } finally {
      await proxy.close();
    }
  });

  it('fails clearly when the proxy setting is not usable', async () => {
    const run = await probeVia({ proxy: 'socks5://127.0.0.1:1080' });
    const failed = run.steps.find((s) => s.status === 'failed');
    assert.equal(failed?.failure?.category, 'proxy.error');
    assert.match(failed?.summary ?? '', /http:\/\/ proxies/);
  });

  it('matches NO_PROXY entries by suffix, port and wildcard', () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: 'http://proxy:8080', NO_PROXY: noProxy });
    assert.equal(proxyFor('mail.contoso.com', 443, undefined, env('.contoso.com')), undefined);
    assert.equal(proxyFor('mail.contoso.com', 443, undefined, env('contoso.com')), undefined);
    assert.equal(proxyFor('mail.contoso.com', 443, undefined, env('contoso.com:8443')), 'http://proxy:8080');
    assert.equal(proxyFor('mail.contoso.com', 443, undefined, env('*')), undefined);
    assert.equal(proxyFor('notcontoso.com', 443, undefined, env('contoso.com')), 'http://proxy:8080');
    assert.equal(proxyFor('mail.contoso.com', 443, '', env('')), undefined, 'an empty explicit proxy means none');
  });
});
