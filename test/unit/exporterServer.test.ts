// The exporter over real HTTP: probes against the lab answered as metrics, bounded labels, the
// allow-list, rate limiting and shared probes (a scrape storm signs in once), the concurrency cap,
// cancellation when the scraper hangs up, the scraper's timeout header, the exporter's own
// authentication, and a graceful stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExporterConfig, type ExporterConfig } from '../../src/exporter/exporterConfig';
import { startExporter, type RunningExporter } from '../../src/exporter/exporterServer';
import { refusedSignIn, type ProbeRunner } from '../../src/exporter/probeScheduler';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { runProbe } from '../../src/probe/probe';
import type { ProbeOptions } from '../../src/probe/probeOptions';
import type { ProbeRun } from '../../src/probe/runModel';
import { buildRun, makeStep } from './helpers/runBuilder';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}

/** Sample lines of the text format as `name{labels}` → value. */
function samples(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function config(text: string): ExporterConfig {
  return parseExporterConfig(text, 'test.yml', { PW: 'Lab-Passw0rd!', TOKEN: 'tok-123', BASIC_PW: 'prom-pw' });
}

/** A probe that answers when the test says so, recording what it was asked. */
function gatedProbe(result: (options: ProbeOptions) => ProbeRun = () => buildRun({ userName: 'u' })) {
  const calls: ProbeOptions[] = [];
  const gates: Array<() => void> = [];
  const runner: ProbeRunner = (options) => {
    calls.push(options);
    return new Promise((resolve) => {
      const finish = () => resolve(options.signal?.aborted ? { ...result(options), outcome: 'cancelled' } : result(options));
      gates.push(finish);
      options.signal?.addEventListener('abort', finish, { once: true });
    });
  };
  return { runner, calls, openAll: () => gates.splice(0).forEach((g) => g()) };
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('Prometheus exporter', () => {
  let lab: RunningLab;
  const started: RunningExporter[] = [];
  const exporter = async (cfg: ExporterConfig, runner: ProbeRunner = runProbe, now?: () => number) => {
    const e = await startExporter({ config: cfg, host: '127.0.0.1', port: 0, runProbe: runner, env: {}, now });
    started.push(e);
    return e;
  };

  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'coexistence-2003-basic-only'] });
  });
  after(() => lab.close());
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close(0)));
  });

  const labConfig = () => {
    const port = (id: string) => new URL(lab.urlFor(id)).port;
    return config(`modules:\n  lab:\n    user: labuser@contoso.example\n    passwordEnv: PW\n    caFile: ${lab.caFile}\nallowedTargets:\n  - localhost:${port('exchange2016-healthy')}\n  - localhost:${port('coexistence-2003-basic-only')}\n`);
  };

  it('answers a healthy and a broken lab server with the probe metrics', async () => {
    const e = await exporter(labConfig());
    const healthy = await get(e.url, `/probe?module=lab&target=${encodeURIComponent(lab.urlFor('exchange2016-healthy'))}`);
    assert.equal(healthy.status, 200, healthy.body);
    assert.match(String(healthy.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const h = samples(healthy.body);
    assert.equal(h.get('activesync_probe_success'), 1);
    assert.ok(h.get('activesync_probe_duration_seconds')! > 0);
    assert.equal(h.get('activesync_step_success{step="tls"}'), 1);
    assert.equal(h.get('activesync_http_status_code{step="optionsAnonymous"}'), 401);
    assert.equal(h.get('activesync_http_status_code{step="optionsAuthenticated"}'), 200);
    const notAfter = h.get('activesync_tls_cert_not_after_seconds')!;
    assert.ok(notAfter > Date.now() / 1000 + 300 * 86400, 'the lab certificate is valid for about a year');
    const info = [...h.keys()].find((k) => k.startsWith('activesync_server_info'));
    assert.match(info ?? '', /^activesync_server_info\{product="exchange2016",build="[0-9.]+",protocol_versions="[0-9.,]+16\.1"\}$/);
    assert.ok(![...h.keys()].some((k) => k.startsWith('activesync_failure_info')));

    const broken = await get(e.url, `/probe?module=lab&target=localhost:${new URL(lab.urlFor('coexistence-2003-basic-only')).port}`, { Accept: 'application/openmetrics-text;version=1.0.0' });
    assert.equal(broken.status, 200);
    assert.match(String(broken.headers['content-type']), /^application\/openmetrics-text/);
    assert.ok(broken.body.endsWith('# EOF\n'));
    const b = samples(broken.body);
    assert.equal(b.get('activesync_probe_success'), 0);
    assert.equal(b.get('activesync_step_success{step="optionsAuthenticated"}'), 0);
    assert.equal(b.get('activesync_failure_info{category="http.401"}'), 1);
    assert.ok(b.has('activesync_tls_cert_not_after_seconds'));

    const own = samples((await get(e.url, '/metrics')).body);
    assert.equal(own.get('activesync_exporter_probes_total{module="lab",result="success"}'), 1);
    assert.equal(own.get('activesync_exporter_probes_total{module="lab",result="failure"}'), 1);
    assert.equal(own.get('activesync_exporter_probes_in_flight'), 0);
    assert.ok(own.has('process_cpu_seconds_total'));
  });

  it('never turns server text into a label: an odd build or version is dropped or replaced', async () => {
    const hostile = buildRun({ userName: 'u', steps: { optionsAuthenticated: { status: 'passed', evidence: { protocolVersions: ['16.1', '99.9"}', ' 14.0 '] } } } });
    hostile.server = { product: 'exchange2016', productName: 'x', build: '15.1"} 1\nevil_metric 1', source: 'MS-Server-ActiveSync' };
    const e = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\n'), async () => hostile);
    const answer = await get(e.url, '/probe?target=mail.contoso.com');
    assert.ok(answer.body.includes('activesync_server_info{product="exchange2016",build="unrecognised",protocol_versions="14.0,16.1"} 1'), answer.body);
    assert.ok(!answer.body.includes('evil_metric'));
  });

  it('refuses targets outside the allow-list, and credentials in a target, without probing', async () => {
    const probe = gatedProbe();
    const e = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\n'), probe.runner);
    assert.equal((await get(e.url, '/probe?module=m&target=evil.example')).status, 403);
    assert.equal((await get(e.url, '/probe?module=m&target=mail.contoso.com:444')).status, 403);
    assert.equal((await get(e.url, `/probe?module=m&target=${encodeURIComponent('https://u:p@mail.contoso.com')}`)).status, 400);
    assert.equal((await get(e.url, '/probe?module=nope&target=mail.contoso.com')).status, 400);
    assert.equal((await get(e.url, '/probe?module=m')).status, 400);
    assert.equal(probe.calls.length, 0);
    const own = samples((await get(e.url, '/metrics')).body);
    assert.equal(own.get('activesync_exporter_scrapes_total{answer="target_not_allowed"}'), 2);
    assert.equal(own.get('activesync_exporter_scrapes_total{answer="bad_request"}'), 2);
  });

  it('a scrape storm signs in once: concurrent scrapes share one probe, later ones get the cached result', async () => {
    let clock = 1_000_000;
    const probe = gatedProbe();
    const e = await exporter(config('modules:\n  m:\n    user: u\n    passwordEnv: PW\n    minIntervalSeconds: 30\nallowedTargets: [mail.contoso.com]\n'), probe.runner, () => clock);
    const storm = Array.from({ length: 40 }, () => get(e.url, '/probe?module=m&target=mail.contoso.com'));
    await tick(300);
    assert.equal(probe.calls.length, 1, 'forty scrapes in flight, one probe');
    probe.openAll();
    const answers = await Promise.all(storm);
    assert.ok(answers.every((a) => a.status === 200 && samples(a.body).get('activesync_probe_success') === 1));
    assert.equal(probe.calls.length, 1, 'any scrape that arrived after the probe got its result, cached');
    clock += 10_000;
    const cached = samples((await get(e.url, '/probe?module=m&target=mail.contoso.com')).body);
    assert.equal(cached.get('activesync_probe_cached_result'), 1);
    assert.equal(cached.get('activesync_probe_result_age_seconds'), 10);
    assert.equal(probe.calls.length, 1);
    clock += 21_000;
    const again = get(e.url, '/probe?module=m&target=mail.contoso.com');
    await tick(50);
    assert.equal(probe.calls.length, 2, 'after minIntervalSeconds the target is probed again');
    probe.openAll();
    assert.equal(samples((await again).body).get('activesync_probe_cached_result'), 0);
  });

  it('after a refused sign-in the target is not signed in to again before the back-off ends', async () => {
    let clock = 5_000_000;
    const refused = buildRun({ userName: 'u', steps: { optionsAuthenticated: { status: 'failed', category: 'http.401' } } });
    assert.ok(refusedSignIn(refused));
    let calls = 0;
    const e = await exporter(config('modules:\n  m:\n    user: u\n    passwordEnv: PW\n    minIntervalSeconds: 15\n    signInFailureBackoffSeconds: 300\nallowedTargets: [mail.contoso.com]\n'), async () => (calls++, refused), () => clock);
    for (let minute = 0; minute < 5; minute++) {
      const answer = samples((await get(e.url, '/probe?module=m&target=mail.contoso.com')).body);
      assert.equal(answer.get('activesync_probe_success'), 0);
      clock += 60_000;
    }
    assert.equal(calls, 1, 'five scrapes over five minutes, one failed sign-in');
    await get(e.url, '/probe?module=m&target=mail.contoso.com');
    assert.equal(calls, 2, 'the back-off has ended');
  });

  it('caps probes in flight, queues a few within their timeout, and answers 503 beyond the queue', async () => {
    const probe = gatedProbe();
    const e = await exporter(config('modules:\n  m:\n    minIntervalSeconds: 0\nallowedTargets: [a.example, b.example, c.example, d.example]\nmaxConcurrentProbes: 2\nmaxQueuedProbes: 1\n'), probe.runner);
    const pending = ['a', 'b', 'c'].map((h) => get(e.url, `/probe?target=${h}.example`));
    await tick(100);
    assert.equal(probe.calls.length, 2);
    assert.equal(e.scheduler.inFlight, 2);
    assert.equal(e.scheduler.queued, 1);
    const refused = await get(e.url, '/probe?target=d.example');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    probe.openAll();
    await tick(50);
    assert.equal(probe.calls.length, 3, 'the queued scrape got the freed slot');
    probe.openAll();
    assert.deepEqual((await Promise.all(pending)).map((a) => a.status), [200, 200, 200]);
  });

  it('cancels the probe when the scraper disconnects', async () => {
    const probe = gatedProbe();
    const e = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\n'), probe.runner);
    const req = http.get(`${e.url}/probe?target=mail.contoso.com`, { agent: false });
    req.on('error', () => undefined);
    await tick(100);
    assert.equal(probe.calls.length, 1);
    assert.equal(probe.calls[0].signal?.aborted, false);
    req.destroy();
    await tick(100);
    assert.equal(probe.calls[0].signal?.aborted, true);
    const own = samples((await get(e.url, '/metrics')).body);
    assert.equal(own.get('activesync_exporter_scrapes_total{answer="cancelled"}'), 1);
    assert.equal(own.get('activesync_exporter_probes_total{module="m",result="cancelled"}'), 1);
  });

  it("honours X-Prometheus-Scrape-Timeout-Seconds, answering half a second before the scraper gives up", async () => {
    const seen: number[] = [];
    const e = await exporter(config('modules:\n  m:\n    timeoutSeconds: 20\n    minIntervalSeconds: 0\nallowedTargets: [mail.contoso.com]\n'), async (o) => (seen.push(o.timeouts!.overallMs!), buildRun()));
    await get(e.url, '/probe?target=mail.contoso.com', { 'X-Prometheus-Scrape-Timeout-Seconds': '3' });
    await get(e.url, '/probe?target=mail.contoso.com', { 'X-Prometheus-Scrape-Timeout-Seconds': '60' });
    await get(e.url, '/probe?target=mail.contoso.com');
    assert.equal(seen.length, 3);
    assert.ok(seen[0] <= 2500 && seen[0] > 2000, `${seen[0]}`);
    assert.ok(seen[1] <= 20_000 && seen[1] > 19_000, `${seen[1]}`);
    assert.ok(seen[2] <= 20_000 && seen[2] > 19_000, `${seen[2]}`);
  });

  it('requires the configured bearer token or basic credentials on every path', async () => {
    const bearer = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\nexporterAuth:\n  bearerTokenEnv: TOKEN\n'), async () => buildRun());
    for (const path of ['/', '/metrics', '/probe?target=mail.contoso.com']) {
      const none = await get(bearer.url, path);
      assert.equal(none.status, 401, path);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await get(bearer.url, path, { Authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await get(bearer.url, path, { Authorization: 'Bearer tok-123' })).status, 200, path);
    }
    const basic = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\nexporterAuth:\n  basicUser: prometheus\n  basicPasswordEnv: BASIC_PW\n'), async () => buildRun());
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    assert.equal((await get(basic.url, '/metrics')).status, 401);
    assert.equal((await get(basic.url, '/metrics', { Authorization: `Basic ${b64('prometheus:nope')}` })).status, 401);
    assert.equal((await get(basic.url, '/metrics', { Authorization: `Basic ${b64('prometheus:prom-pw')}` })).status, 200);
  });

  it('serves a status page and plain-text reports of the last probes, with no way to inject markup', async () => {
    const e = await exporter(labConfig());
    await get(e.url, `/probe?module=lab&target=${encodeURIComponent(lab.urlFor('coexistence-2003-basic-only'))}`);
    const page = await get(e.url, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.match(page.body, /<td>lab<\/td><td>labuser@contoso\.example<\/td>/);
    const link = /href="(\/report\?id=[0-9a-f-]+)"/.exec(page.body);
    assert.ok(link, page.body);
    const report = await get(e.url, link[1]);
    assert.equal(report.status, 200);
    assert.match(String(report.headers['content-type']), /^text\/plain/);
    assert.equal(report.headers['x-content-type-options'], 'nosniff');
    assert.match(report.body, /401/);
    assert.ok(!report.body.includes('Lab-Passw0rd!'));
    assert.equal((await get(e.url, '/report?id=unknown')).status, 404);
  });

  it('lets a running probe finish when stopped, within the grace period', async () => {
    const probe = gatedProbe();
    const e = await exporter(config('modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\n'), probe.runner);
    const answer = get(e.url, '/probe?target=mail.contoso.com');
    await tick(100);
    const closing = e.close(5_000);
    await tick(50);
    probe.openAll();
    assert.equal((await answer).status, 200, 'the scrape in flight got its answer');
    await closing;
  });

  it('the CLI stops on SIGTERM with exit 0, and refuses a broken configuration with exit 2', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'exporter-cli-'));
    try {
      const file = join(dir, 'exporter.yml');
      writeFileSync(file, 'modules:\n  m: {}\nallowedTargets: [mail.contoso.com]\n');
      const child = spawn(process.execPath, [CLI, 'exporter', '--config', file, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      while (!/listening on (http:\/\/\S+)/.test(out)) {
        if (child.exitCode !== null) assert.fail(`the exporter exited: ${out}`);
        await tick(50);
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)![1];
      assert.equal((await get(url, '/metrics')).status, 200);
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0);
      assert.match(out, /SIGTERM: stopping/);
      assert.match(out, /exporter stopped/);

      writeFileSync(file, 'modules:\n  m:\n    password: x\nallowedTargets: [mail.contoso.com]\n');
      const bad = spawn(process.execPath, [CLI, 'exporter', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      bad.stderr.on('data', (c: Buffer) => (err += c.toString()));
      assert.equal(await new Promise((resolve) => bad.once('exit', resolve)), 2);
      assert.match(err, /exporter\.yml line 3: "password" is not accepted/);
      assert.ok(!err.includes('    at '), 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Prometheus exporter: e-mail addresses as targets', () => {
  const ADDRESS = 'labuser@contoso.example';
  let lab: RunningLab;
  const started: RunningExporter[] = [];
  const requests: Array<{ scenarioId: string; path: string }> = [];
  /** An exporter whose probes find the lab scenario's Autodiscover where devices look (the lab has no DNS). */
  const exporterFor = async (scenarioId: string, moduleYaml = `    user: ${ADDRESS}\n    passwordEnv: PW\n    caFile: ${lab.caFile}\n    minIntervalSeconds: 30\n`) => {
    const discovery = lab.autodiscoverDiscovery(scenarioId);
    const e = await startExporter({
      config: config(`modules:\n  lab:\n${moduleYaml}allowedTargets:\n  - ${ADDRESS}\n`),
      host: '127.0.0.1',
      port: 0,
      runProbe: (options) => runProbe({ ...options, autodiscoverDiscovery: discovery }),
      env: {},
    });
    started.push(e);
    return e;
  };
  const scrape = (e: RunningExporter, target = ADDRESS) => get(e.url, `/probe?module=lab&target=${encodeURIComponent(target)}`);

  before(async () => {
    lab = await startLab({ scenarios: ['autodiscover-healthy', 'autodiscover-error-600'], onRequest: (info) => requests.push(info) });
  });
  after(() => lab.close());
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close(0)));
  });

  it('probes an allow-listed address as probe does: Autodiscover first, then the server it hands out', async () => {
    const e = await exporterFor('autodiscover-healthy');
    const answer = await scrape(e, 'LabUser@Contoso.Example');
    assert.equal(answer.status, 200, answer.body);
    const m = samples(answer.body);
    assert.equal(m.get('activesync_probe_success'), 1);
    assert.equal(m.get('activesync_step_success{step="autodiscover"}'), 1);
    assert.equal(m.get('activesync_step_success{step="optionsAuthenticated"}'), 1);
    assert.ok(m.has('activesync_tls_cert_not_after_seconds'), 'the certificate of the server Autodiscover handed out');
    // The address is the target (Prometheus's instance label); no metric of the answer names it or holds a secret.
    assert.ok(!answer.body.includes(ADDRESS) && !answer.body.includes('Lab-Passw0rd!'), answer.body);
    for (const key of m.keys()) assert.match(key, /^[a-z_]+(\{[a-z_]+="[A-Za-z0-9_.,]*"(,[a-z_]+="[A-Za-z0-9_.,]*")*\})?$/, key);

    // One address is one target for the rate limit, whatever its case.
    const again = samples((await scrape(e)).body);
    assert.equal(again.get('activesync_probe_cached_result'), 1);
    const page = await get(e.url, '/');
    assert.ok(page.body.includes(`${ADDRESS} → ${lab.urlFor('autodiscover-healthy')}`), 'the status page names the address and the server found');
  });

  it('counts Autodiscover refusing the password as a refused sign-in, for the back-off', () => {
    const withAutodiscover = (category: 'autodiscover.unauthorized' | 'autodiscover.error') => {
      const run = buildRun({ userName: 'u' });
      run.steps.splice(1, 0, makeStep('autodiscover', { status: 'failed', category }));
      return run;
    };
    assert.ok(refusedSignIn(withAutodiscover('autodiscover.unauthorized')));
    assert.ok(!refusedSignIn(withAutodiscover('autodiscover.error')));
  });

  it('answers an Autodiscover failure as the failed autodiscover step and its category', async () => {
    const e = await exporterFor('autodiscover-error-600');
    const m = samples((await scrape(e)).body);
    assert.equal(m.get('activesync_probe_success'), 0);
    assert.equal(m.get('activesync_step_success{step="autodiscover"}'), 0);
    assert.equal(m.get('activesync_failure_info{category="autodiscover.error"}'), 1);
    assert.ok(![...m.keys()].some((k) => k.startsWith('activesync_step_success{step="dns"}')), 'nothing ran after it');
  });

  it('refuses an address that is not listed, and an address with a module that has no account, before anything is sent', async () => {
    const before = requests.length;
    const listed = await exporterFor('autodiscover-healthy');
    const other = await scrape(listed, 'someone.else@contoso.example');
    assert.equal(other.status, 403);
    assert.match(other.body, /someone\.else@contoso\.example is not in allowedTargets/);
    // The address allows Autodiscover for it, not a probe of its domain's host.
    assert.equal((await scrape(listed, 'contoso.example')).status, 403);
    const anonymous = await exporterFor('autodiscover-healthy', '    caFile: ' + lab.caFile + '\n');
    const refused = await scrape(anonymous);
    assert.equal(refused.status, 400);
    assert.match(refused.body, /module "lab" has no user: an e-mail target needs the test account/);
    assert.equal(requests.length, before, 'no request reached the lab');
    const own = samples((await get(anonymous.url, '/metrics')).body);
    assert.equal(own.get('activesync_exporter_scrapes_total{answer="bad_request"}'), 1);
  });
});
