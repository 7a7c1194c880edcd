// The exporter under a real Prometheus (Debian's `prometheus` package), not a mock: the lab plays a
// healthy and a broken Exchange, the exporter runs as the CLI process it is in production, and
// Prometheus scrapes it with the scrape job documented in examples/monitoring/prometheus.yml (only
// targets, module, exporter address and interval changed) and loads the documented alert rules.
// After two scrapes of each target, Prometheus's HTTP API must show probe success 1 for the
// healthy server, 0 for the broken one, and the certificate expiry for both; an e-mail address as
// a target (Autodiscover first) must show up as its own instance, labelled by the address.
// Prometheus is installed with apt-get when missing and we are root; otherwise the suite is skipped
// and says why. Everything listens on loopback, on ports picked free at run time.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { freePort } from '../unit/helpers/freePort';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const EXAMPLES = join(ROOT, 'examples', 'monitoring');
const HEALTHY = 'exchange2016-healthy';
const BROKEN = 'coexistence-2003-basic-only';
const AUTODISCOVER = 'autodiscover-healthy';
const ADDRESS = 'labuser@contoso.example';

function hasPrometheus(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's prometheus package when we may; returns why not otherwise. */
function ensurePrometheus(): string | undefined {
  if (hasPrometheus()) return undefined;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'prometheus is not installed and this is not a root Linux shell to apt-get install it';
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return 'prometheus is not installed and there is no apt-get';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', 'prometheus'], { stdio: 'inherit', env }) : update;
  // As root on a machine with apt, a failed install is a failure of this suite, not a reason to skip.
  assert.equal(install.status, 0, 'apt-get install prometheus failed');
  assert.ok(hasPrometheus(), 'prometheus is still missing after apt-get install');
  return undefined;
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string): Promise<VectorSample[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: VectorSample[] } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

function byInstance(samples: VectorSample[]): Map<string, number> {
  return new Map(samples.map((s) => [s.metric.instance, Number(s.value[1])]));
}

function stopProcess(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

describe('exporter scraped by a real Prometheus', function () {
  this.timeout(15 * 60_000);
  let lab: RunningLab | undefined;
  let exporter: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  let dir: string;
  let promUrl = '';
  let exporterLog = '';
  let prometheusLog = '';
  const instance = (id: string) => `localhost:${new URL(lab!.urlFor(id)).port}`;

  before(async function () {
    const why = ensurePrometheus();
    if (why) {
      console.log(`  skipped: ${why}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'prometheus-it-'));
    lab = await startLab({ scenarios: [HEALTHY, BROKEN, AUTODISCOVER] });

    // The exporter, as a process, with the lab's CA given to its module.
    const exporterConfig = {
      // The lab's contoso.example has no DNS: the address asks the Autodiscover scenario's endpoint.
      modules: { lab: { user: 'labuser@contoso.example', passwordEnv: 'LAB_MONITOR_PASSWORD', auth: 'basic', steps: 'full', timeoutSeconds: 10, caFile: lab.caFile, autodiscoverUrl: `${new URL(lab.urlFor(AUTODISCOVER)).origin}/autodiscover/autodiscover.xml` } },
      allowedTargets: [instance(HEALTHY), instance(BROKEN), ADDRESS],
    };
    writeFileSync(join(dir, 'exporter.yml'), stringify(exporterConfig));
    exporter = spawn(process.execPath, [CLI, 'exporter', '--config', join(dir, 'exporter.yml'), '--listen', '127.0.0.1:0'], {
      env: { PATH: process.env.PATH, LAB_MONITOR_PASSWORD: 'Lab-Passw0rd!' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exporter.stdout!.on('data', (c: Buffer) => (exporterLog += c.toString()));
    exporter.stderr!.on('data', (c: Buffer) => (exporterLog += c.toString()));
    const exporterAddress = await waitFor('the exporter to listen', 20_000, async () => /listening on http:\/\/(\S+)/.exec(exporterLog)?.[1]);

    // The documented job, pointed at this exporter and these targets, scraping every 2 s.
    const documented = parse(readFileSync(join(EXAMPLES, 'prometheus.yml'), 'utf8'));
    const job = documented.scrape_configs[0];
    job.scrape_interval = '2s';
    job.scrape_timeout = '1900ms';
    job.params.module = ['lab'];
    job.static_configs = [{ targets: [instance(HEALTHY), instance(BROKEN), ADDRESS] }];
    const addressRule = job.relabel_configs.find((r: { target_label: string }) => r.target_label === '__address__');
    assert.ok(addressRule, 'the documented job sets __address__ to the exporter');
    addressRule.replacement = exporterAddress;
    documented.global = { evaluation_interval: '2s' };
    copyFileSync(join(EXAMPLES, 'activesync-alerts.yml'), join(dir, 'activesync-alerts.yml'));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(documented));

    const check = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    assert.equal(check.status, 0, `promtool rejected the documented job or rules:\n${check.stdout}${check.stderr}`);

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stdout!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    prometheus.stderr!.on('data', (c: Buffer) => (prometheusLog += c.toString()));
    await waitFor('Prometheus to be ready', 60_000, async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
  });

  after(async () => {
    await stopProcess(prometheus);
    const exporterExit = await stopProcess(exporter);
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (exporter) assert.equal(exporterExit, 0, `the exporter did not stop cleanly on SIGTERM:\n${exporterLog}`);
  });

  it('reports probe success 1 for the healthy server and 0 for the broken one after two scrapes, with the certificate expiry', async () => {
    const targets = [instance(HEALTHY), instance(BROKEN)];
    try {
      await waitFor('two scrapes of each target', 90_000, async () => {
        const counts = byInstance(await query(promUrl, 'count_over_time(activesync_probe_success{job="activesync"}[10m])'));
        return targets.every((t) => (counts.get(t) ?? 0) >= 2) ? counts : undefined;
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\nexporter log:\n${exporterLog}\nprometheus log:\n${prometheusLog}`);
    }
    const up = byInstance(await query(promUrl, 'up{job="activesync"}'));
    assert.equal(up.get(instance(HEALTHY)), 1);
    assert.equal(up.get(instance(BROKEN)), 1, 'a broken server is a successful scrape with probe success 0, not a failed scrape');

    const success = byInstance(await query(promUrl, 'activesync_probe_success'));
    assert.equal(success.get(instance(HEALTHY)), 1);
    assert.equal(success.get(instance(BROKEN)), 0);

    const expiry = byInstance(await query(promUrl, 'activesync_tls_cert_not_after_seconds'));
    for (const t of targets) assert.ok((expiry.get(t) ?? 0) > Date.now() / 1000 + 300 * 86400, `certificate expiry of ${t}: ${expiry.get(t)}`);

    const failure = await query(promUrl, 'activesync_failure_info');
    assert.deepEqual(failure.map((s) => [s.metric.instance, s.metric.category]), [[instance(BROKEN), 'http.401']]);

    // The documented alert rules are loaded and evaluate against these series.
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(loaded.map((r) => r.name).sort(), ['ActiveSyncCertificateExpiringSoon', 'ActiveSyncProbeFailing']);
    await waitFor('the alert rules to be evaluated', 30_000, async () => {
      const now = ((await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof rules).data.groups.flatMap((g) => g.rules);
      return now.every((r) => r.health === 'ok') ? true : undefined;
    });
    const pending = await query(promUrl, 'ALERTS{alertname="ActiveSyncProbeFailing"}');
    assert.deepEqual(pending.map((s) => [s.metric.instance, s.metric.alertstate]), [[instance(BROKEN), 'pending']], 'the failing target is pending (for: 5m), the healthy one is not');
  });

  it('scrapes an e-mail address as a target of its own: instance is the address, Autodiscover its first step', async () => {
    await waitFor('two scrapes of the address', 90_000, async () => {
      const counts = byInstance(await query(promUrl, 'count_over_time(activesync_probe_success{job="activesync"}[10m])'));
      return (counts.get(ADDRESS) ?? 0) >= 2 ? counts : undefined;
    });
    assert.equal(byInstance(await query(promUrl, 'up{job="activesync"}')).get(ADDRESS), 1);
    assert.equal(byInstance(await query(promUrl, 'activesync_probe_success')).get(ADDRESS), 1, exporterLog);
    assert.equal(byInstance(await query(promUrl, 'activesync_step_success{step="autodiscover"}')).get(ADDRESS), 1);
    // One series set per address: no label but instance names it, and none holds the server found.
    const series = await query(promUrl, `{instance="${ADDRESS}"}`);
    for (const s of series) {
      for (const [name, value] of Object.entries(s.metric)) if (name !== 'instance' && name !== '__param_target') assert.ok(!value.includes('@') && !value.includes('localhost'), `${name}="${value}"`);
    }
  });
});
