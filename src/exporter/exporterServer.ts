// The Prometheus multi-target exporter, in the blackbox exporter's pattern:
//   GET /probe?target=…&module=…  runs (or, rate-limited, repeats) one probe and answers its metrics;
//   GET /metrics                  the exporter's own metrics (probes, rejections, in flight, process);
//   GET /                         a short status page: modules and the last probes, linking to
//   GET /report?id=…              the report of one of those probes (plain text).
// It listens on loopback unless told otherwise, can require a bearer token or basic credentials,
// probes only allow-listed targets, and never takes a credential from a scrape.
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { escapeHtml, stripControlCharacters } from '../common/textSafety';
import { ENGINE_VERSION } from '../common/engineVersion';
import { diagnose } from '../diagnosis/diagnose';
import { renderRunMarkdown } from '../diagnosis/markdownReport';
import type { ProbeRun } from '../probe/runModel';
import { runTargetWithServer } from '../probe/runTargetLabel';
import type { ExporterConfig, ExporterModule } from './exporterConfig';
import { negotiateFormat, renderProbeMetrics, setExpositionFormat } from './probeMetrics';
import { ProbeScheduler, type ProbeRunner } from './probeScheduler';
import { resolveScrapeTarget } from './targetAllowList';

/** Prometheus sends its scrape timeout; answer a little before it so the answer is not thrown away. */
const SCRAPE_TIMEOUT_OFFSET_SECONDS = 0.5;
const MIN_PROBE_SECONDS = 0.5;
const RECENT_RUNS = 50;

export interface ExporterOptions {
  config: ExporterConfig;
  host: string;
  port: number;
  runProbe: ProbeRunner;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds clock for the scheduler (tests). */
  now?: () => number;
}

export interface RunningExporter {
  url: string;
  port: number;
  scheduler: ProbeScheduler;
  /** Stop listening, let running probes finish for up to graceMs, then cancel them and close. */
  close(graceMs?: number): Promise<void>;
}

interface RecentRun {
  run: ProbeRun;
  module: string;
}

export type RejectionReason = 'unauthorized' | 'bad_request' | 'unknown_module' | 'target_not_allowed' | 'busy' | 'not_found';

export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const { config } = options;
  const own = new Registry<RegistryContentType>();
  collectDefaultMetrics({ register: own });
  const probesTotal = new Counter({ name: 'activesync_exporter_probes_total', help: 'Probes run (not cached answers), by module and result.', labelNames: ['module', 'result'] as const, registers: [own] });
  const answersTotal = new Counter({ name: 'activesync_exporter_scrapes_total', help: 'Answers to /probe: probed, cached (rate limited), or why it was refused.', labelNames: ['answer'] as const, registers: [own] });
  const recent: RecentRun[] = [];

  const scheduler = new ProbeScheduler({
    maxConcurrentProbes: config.maxConcurrentProbes,
    maxQueuedProbes: config.maxQueuedProbes,
    runProbe: options.runProbe,
    env: options.env,
    now: options.now,
    onProbeFinished: (module, run) => {
      probesTotal.inc({ module: module.name, result: !run || run.outcome === 'cancelled' ? 'cancelled' : run.outcome === 'failed' ? 'failure' : 'success' });
      if (run && run.outcome !== 'cancelled') {
        recent.unshift({ run, module: module.name });
        recent.length = Math.min(recent.length, RECENT_RUNS);
      }
    },
  });
  new Gauge({ name: 'activesync_exporter_probes_in_flight', help: 'Probes running now.', registers: [own], collect() { this.set(scheduler.inFlight); } });
  new Gauge({ name: 'activesync_exporter_probes_queued', help: 'Scrapes waiting for a probe slot.', registers: [own], collect() { this.set(scheduler.queued); } });
  for (const answer of ['probed', 'cached', 'cancelled', 'unauthorized', 'bad_request', 'unknown_module', 'target_not_allowed', 'busy']) answersTotal.inc({ answer }, 0);

  const authorized = authorizer(config);
  // Requests being answered: on stop, each gets its answer written before connections are cut.
  const answering = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const done = handle(req, res)
      .catch(() => {
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      })
      .finally(() => answering.delete(done));
    answering.add(done);
  });
  // Scrapes are short requests; a client that dribbles its headers is cut off.
  server.headersTimeout = 10_000;
  server.requestTimeout = 330_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://exporter');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
    }
    if (!authorized(req.headers.authorization)) {
      answersTotal.inc({ answer: 'unauthorized' });
      res.setHeader('WWW-Authenticate', config.exporterAuth?.kind === 'basic' ? 'Basic realm="activesync-doctor exporter", charset="UTF-8"' : 'Bearer realm="activesync-doctor exporter"');
      return send(res, 401, 'text/plain; charset=utf-8', 'unauthorized\n');
    }
    switch (url.pathname) {
      case '/probe':
        return probe(url, req, res);
      case '/metrics': {
        setExpositionFormat(own, negotiateFormat(req.headers.accept));
        return send(res, 200, own.contentType, await own.metrics());
      }
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', statusPage(config, recent));
      case '/report': {
        const entry = recent.find((r) => r.run.id === url.searchParams.get('id'));
        if (!entry) return send(res, 404, 'text/plain; charset=utf-8', 'no such recent probe (the exporter keeps the last 50)\n');
        return send(res, 200, 'text/plain; charset=utf-8', stripControlCharacters(renderRunMarkdown(entry.run, diagnose(entry.run))));
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /probe?target=…&module=…, /metrics or /\n');
    }
  }

  async function probe(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const moduleName = url.searchParams.get('module') ?? (config.modules.size === 1 ? [...config.modules.keys()][0] : null);
    const module = moduleName === null ? undefined : config.modules.get(moduleName);
    if (!module) {
      answersTotal.inc({ answer: 'unknown_module' });
      return send(res, 400, 'text/plain; charset=utf-8', `unknown module${moduleName ? ` "${stripControlCharacters(moduleName.slice(0, 64))}"` : ''}; configured: ${[...config.modules.keys()].join(', ')}\n`);
    }
    const target = resolveScrapeTarget(url.searchParams.get('target'), config.allowedTargets);
    if (!target.ok) {
      const notAllowed = /not in allowedTargets/.test(target.reason);
      answersTotal.inc({ answer: notAllowed ? 'target_not_allowed' : 'bad_request' });
      return send(res, notAllowed ? 403 : 400, 'text/plain; charset=utf-8', `${stripControlCharacters(target.reason)}\n`);
    }
    if ('address' in target && !module.userName) {
      // Autodiscover signs in as devices do; without the module's account the run would have no password to send.
      answersTotal.inc({ answer: 'bad_request' });
      return send(res, 400, 'text/plain; charset=utf-8', `module "${module.name}" has no user: an e-mail target needs the test account that signs in to Autodiscover.\n`);
    }
    const controller = new AbortController();
    // The scraper hung up (its own timeout, a restart): nobody will read this answer.
    const onClose = () => {
      if (!res.writableEnded) controller.abort();
    };
    res.on('close', onClose);
    try {
      const outcome = await scheduler.scrape({ module, target: 'address' in target ? target.address : target.url, timeoutMs: scrapeBudgetMs(module, req.headers['x-prometheus-scrape-timeout-seconds']), signal: controller.signal });
      if (outcome.kind === 'cancelled') {
        answersTotal.inc({ answer: 'cancelled' });
        return;
      }
      if (outcome.kind === 'busy') {
        answersTotal.inc({ answer: 'busy' });
        res.setHeader('Retry-After', '5');
        return send(res, 503, 'text/plain; charset=utf-8', `busy: ${outcome.reason}\n`);
      }
      answersTotal.inc({ answer: outcome.cached ? 'cached' : 'probed' });
      const { contentType, body } = await renderProbeMetrics(outcome.run, { cached: outcome.cached, ageSeconds: outcome.ageSeconds }, negotiateFormat(req.headers.accept));
      send(res, 200, contentType, body);
    } finally {
      res.off('close', onClose);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    scheduler,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await scheduler.shutdown(graceMs);
        // Probes are over; the answers built from them take a moment more to be written.
        await Promise.race([Promise.all(answering), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** The module's timeout, shortened to fit the scraper's (minus a margin to deliver the answer). */
export function scrapeBudgetMs(module: ExporterModule, header: string | string[] | undefined): number {
  let seconds = module.timeoutSeconds;
  const offered = Number(Array.isArray(header) ? header[0] : header);
  if (header !== undefined && Number.isFinite(offered) && offered > 0) seconds = Math.min(seconds, offered - SCRAPE_TIMEOUT_OFFSET_SECONDS);
  return Math.round(Math.max(MIN_PROBE_SECONDS, seconds) * 1000);
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...(contentType.startsWith('text/html') ? { 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" } : {}),
  });
  res.end(body);
}

/** Checks the scraper's Authorization header against the configured token or credentials, in constant time. */
function authorizer(config: ExporterConfig): (header: string | undefined) => boolean {
  const auth = config.exporterAuth;
  if (!auth) return () => true;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const expected = digest(auth.kind === 'bearer' ? `Bearer ${auth.token}` : `${auth.userName}:${auth.password}`);
  return (header) => {
    if (!header) return false;
    let presented: string;
    if (auth.kind === 'bearer') {
      const m = /^Bearer +(\S+)$/i.exec(header.trim());
      if (!m) return false;
      presented = `Bearer ${m[1]}`;
    } else {
      const m = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(header.trim());
      if (!m) return false;
      presented = Buffer.from(m[1], 'base64').toString('utf8');
    }
    return timingSafeEqual(digest(presented), expected);
  };
}

function statusPage(config: ExporterConfig, recent: RecentRun[]): string {
  const e = escapeHtml;
  const modules = [...config.modules.values()]
    .map((m) => `<tr><td>${e(m.name)}</td><td>${e(m.userName ?? '(anonymous)')}</td><td>${e(m.auth)}</td><td>${e(m.steps)}</td><td>${m.timeoutSeconds} s</td><td>${m.minIntervalSeconds} s / ${m.signInFailureBackoffSeconds} s</td></tr>`)
    .join('\n');
  const targets = config.allowedTargets.map((t) => `<li>${e(t.kind === 'address' ? t.address : `${t.host}:${t.port}`)}</li>`).join('\n');
  const runs = recent
    .map((r) => {
      const target = runTargetWithServer(r.run);
      return `<tr><td>${e(r.run.finishedAt)}</td><td>${e(r.module)}</td><td>${e(stripControlCharacters(target))}</td><td>${e(r.run.outcome)}</td><td>${Math.round(r.run.durationMs)} ms</td><td><a href="/report?id=${encodeURIComponent(r.run.id)}">report</a></td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ActiveSync Doctor exporter</title></head>
<body>
<h1>ActiveSync Doctor exporter ${e(ENGINE_VERSION)}</h1>
<p>Probe a target: <code>/probe?target=HOST&amp;module=NAME</code> (or <code>target=ADDRESS</code>: Autodiscover finds the server). The exporter's own metrics: <a href="/metrics">/metrics</a>.</p>
<h2>Modules</h2>
<table><thead><tr><th>Module</th><th>User</th><th>Sign-in</th><th>Steps</th><th>Timeout</th><th>Min. interval / after a refused sign-in</th></tr></thead>
<tbody>
${modules}
</tbody></table>
<h2>Allowed targets</h2>
<ul>
${targets}
</ul>
<h2>Last probes</h2>
${recent.length ? `<table><thead><tr><th>Finished</th><th>Module</th><th>Target</th><th>Outcome</th><th>Time</th><th></th></tr></thead>\n<tbody>\n${runs}\n</tbody></table>` : '<p>None yet.</p>'}
</body></html>
`;
}
