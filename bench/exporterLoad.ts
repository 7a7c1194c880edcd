// Figure 7: the Prometheus exporter under a fleet's scrape load. 200 targets scraped every 15 s
// is 40 rounds of 200 scrapes in 10 minutes; the rounds run back to back (time compressed), each
// round's scrapes issued by a Prometheus-like client 50 at a time over kept-alive connections.
// Targets are 200 distinct lab endpoints (40 labs of the five healthy scenarios, in their own
// process, each round trip delayed 50 ms as over a WAN); the exporter runs in its own process
// with minIntervalSeconds 0, so every scrape is a real probe (no cached answers). Measured in
// the exporter's process: CPU time per probe, and memory after a full GC at the end of each
// round, to show the heap does not grow with the number of probes served. The scrape latency
// is compared with one probe's own time, measured against the same lab.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../src/lab/scenarios';
import { runProbe } from '../src/probe/probe';
import { startExporterInChild } from './exporterProcess';
import { startLabInChild } from './labProcess';
import { median, percentile, round, row, settle, timed, type BenchRow } from './stats';

const FIGURE = '7 exporter';
const HEALTHY = ['exchange2010-healthy', 'exchange2016-healthy', 'exchange2003-healthy', 'exchange2019-healthy', 'zpush-healthy'];
const TARGETS = 200;
const LATENCY_MS = 50;
const SCRAPE_INTERVAL_S = 15;
const ROUNDS = Number(process.env.BENCH_EXPORTER_ROUNDS ?? 40);
const WARM_UP_ROUNDS = 3;
const SCRAPER_CONCURRENCY = 50;
const SINGLE_ROUNDS = 20;
/** Rounds of single probes that only warm up the JIT before their CPU time counts. */
const SINGLE_WARM_UP_ROUNDS = 8;
const MB = 1024 * 1024;
const GROWTH_GOAL_MB = 5;

function scrape(agent: http.Agent, url: string): Promise<{ ms: number; status: number; success: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, success: /^activesync_probe_success 1$/m.test(body) }));
      })
      .on('error', reject);
  });
}

export async function exporterLoad(): Promise<BenchRow[]> {
  const copies = TARGETS / HEALTHY.length;
  const lab = await startLabInChild(HEALTHY, { latencyMs: LATENCY_MS, copies });
  const dir = mkdtempSync(join(tmpdir(), 'bench-exporter-'));
  writeFileSync(join(dir, 'lab-ca.pem'), lab.caPem);
  const modules = HEALTHY.map((id, i) => `  m${i}:\n    user: '${findScenario(id)!.credentials.userName.replace(/'/g, "''")}'\n    passwordEnv: LAB_PASSWORD\n    caFile: ${join(dir, 'lab-ca.pem')}\n    minIntervalSeconds: 0\n    timeoutSeconds: 10`).join('\n');
  const targets = HEALTHY.flatMap((id, i) => lab.allUrls[id].map((url) => ({ module: `m${i}`, hostPort: new URL(url).host })));
  const config = `modules:\n${modules}\nallowedTargets:\n${targets.map((t) => `  - ${t.hostPort}`).join('\n')}\nmaxConcurrentProbes: 64\nmaxQueuedProbes: 256\n`;
  const exporter = await startExporterInChild(config, { LAB_PASSWORD: findScenario(HEALTHY[0])!.credentials.password });
  const agent = new http.Agent({ keepAlive: true, maxSockets: SCRAPER_CONCURRENCY });
  try {
    // One probe's own time against the same lab, the floor of any scrape's latency.
    // Its CPU time in this process is the baseline for the exporter's CPU per probe.
    const singles: number[] = [];
    let singleCpuMicros = 0;
    for (let k = 0; k < SINGLE_ROUNDS; k++) {
      for (const id of HEALTHY) {
        const { userName, password } = findScenario(id)!.credentials;
        const cpu0 = process.cpuUsage();
        const { ms } = await timed(() => runProbe({ target: lab.urls[id], userName, password, extraCaPem: lab.caPem, env: {} }));
        const cpu = process.cpuUsage(cpu0);
        if (k >= SINGLE_WARM_UP_ROUNDS) singleCpuMicros += cpu.user + cpu.system;
        singles.push(ms);
      }
    }
    const singleCpuMs = singleCpuMicros / 1000 / ((SINGLE_ROUNDS - SINGLE_WARM_UP_ROUNDS) * HEALTHY.length);

    const latencies: number[] = [];
    const roundMs: number[] = [];
    const heapMB: number[] = [];
    const rssMB: number[] = [];
    let cpuAfterWarmUp = 0;
    let failures = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: SCRAPER_CONCURRENCY }, async () => {
          while (next < targets.length) {
            const t = targets[next++];
            const answer = await scrape(agent, `${exporter.url}/probe?module=${t.module}&target=${t.hostPort}`);
            if (answer.status !== 200 || !answer.success) failures++;
            if (r >= WARM_UP_ROUNDS) latencies.push(answer.ms);
          }
        }),
      );
      roundMs.push(performance.now() - t0);
      const sample = await exporter.sample();
      if (r === WARM_UP_ROUNDS - 1) cpuAfterWarmUp = sample.cpuMicros;
      if (r >= WARM_UP_ROUNDS - 1) {
        heapMB.push(sample.heapUsedBytes / MB);
        rssMB.push(sample.rssBytes / MB);
      }
      if (r === ROUNDS - 1) {
        const probes = (ROUNDS - WARM_UP_ROUNDS) * TARGETS;
        const cpuPerProbeMs = (sample.cpuMicros - cpuAfterWarmUp) / 1000 / probes;
        if (failures) throw new Error(`${failures} scrapes failed or reported a failed probe`);
        const simulatedMinutes = (ROUNDS * SCRAPE_INTERVAL_S) / 60;
        const heapGrowth = heapMB[heapMB.length - 1] - heapMB[0];
        // Least-squares slope of the post-GC heap over the measured rounds, per 1000 probes.
        const xs = heapMB.map((_, i) => i);
        const mx = (xs.length - 1) / 2;
        const my = heapMB.reduce((a, b) => a + b, 0) / heapMB.length;
        const slope = xs.reduce((s, x, i) => s + (x - mx) * (heapMB[i] - my), 0) / Math.max(1e-9, xs.reduce((s, x) => s + (x - mx) ** 2, 0));
        return [
          row({ figure: FIGURE, label: `CPU per probe in the exporter process (${TARGETS} targets, ${LATENCY_MS} ms round trip, ${probes} probes)`, unit: 'ms', baseline: round(singleCpuMs, 3), baselineLabel: 'CPU of runProbe alone, same lab, same run', note: `${round((cpuPerProbeMs * TARGETS) / (SCRAPE_INTERVAL_S * 1000) * 100, 1)} % of one core for ${TARGETS} targets every ${SCRAPE_INTERVAL_S} s; ${ROUNDS} rounds = ${simulatedMinutes} simulated minutes, run back to back` }, round(cpuPerProbeMs, 3)),
          row({ figure: FIGURE, label: `scrape latency, p50 (p99 in the note), ${SCRAPER_CONCURRENCY} scrapes at a time`, unit: 'ms', baseline: round(median(singles)), baselineLabel: 'one probe alone against the same lab', note: `p99 ${round(percentile(latencies, 99))} ms; a round of ${TARGETS} scrapes took ${round(median(roundMs))} ms (median) against ${SCRAPE_INTERVAL_S * 1000} ms of real time` }, latencies),
          row({ figure: FIGURE, label: `heap after full GC: growth from round ${WARM_UP_ROUNDS} to round ${ROUNDS}`, unit: 'MB', goal: { max: GROWTH_GOAL_MB, of: 'value' }, note: `${round(heapMB[0], 1)} → ${round(heapMB[heapMB.length - 1], 1)} MB; trend ${round((slope / TARGETS) * 1000, 3)} MB per 1000 probes` }, round(heapGrowth, 2)),
          row({ figure: FIGURE, label: 'RSS of the exporter process after full GC, first and last round', unit: 'MB', note: `${round(rssMB[0], 1)} → ${round(rssMB[rssMB.length - 1], 1)} MB` }, round(rssMB[rssMB.length - 1], 1)),
        ];
      }
      await settle(5);
    }
    throw new Error('no rounds ran');
  } finally {
    agent.destroy();
    await exporter.close();
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
