// The exporter in its own process for figure 7, so its CPU time and memory are its own, not the
// scraping load generator's. Forked with --expose-gc: on request it collects garbage and reports
// process.cpuUsage() and process.memoryUsage(), so heap growth is measured after a full GC
// rather than read off a sawtooth. Stops when the parent disconnects.
import { fork } from 'node:child_process';
import { parseExporterConfig } from '../src/exporter/exporterConfig';
import { startExporter } from '../src/exporter/exporterServer';
import { runProbe } from '../src/probe/probe';

export interface ExporterSample {
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface ExporterInChild {
  url: string;
  /** Full GC, then CPU time so far and memory. */
  sample(): Promise<ExporterSample>;
  close(): Promise<void>;
}

export function startExporterInChild(configYaml: string, env: NodeJS.ProcessEnv): Promise<ExporterInChild> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--exporter'], { execArgv: ['--expose-gc'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the exporter process exited early (${code})`)));
    child.once('message', (message) => {
      const { url } = message as { url: string };
      child.removeAllListeners('exit');
      resolve({
        url,
        sample: () =>
          new Promise((done) => {
            child.once('message', (m) => done(m as ExporterSample));
            child.send('sample');
          }),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
    child.send(configYaml);
  });
}

if (process.argv.includes('--exporter') && process.send) {
  process.once('message', (configYaml) => {
    void (async () => {
      const config = parseExporterConfig(String(configYaml), 'bench-exporter.yml', process.env);
      const exporter = await startExporter({ config, host: '127.0.0.1', port: 0, runProbe, env: {} });
      process.on('message', (m) => {
        if (m !== 'sample') return;
        (globalThis as { gc?: () => void }).gc?.();
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        process.send?.({ cpuMicros: cpu.user + cpu.system, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed } satisfies ExporterSample);
      });
      process.once('disconnect', () => void exporter.close(1000).then(() => process.exit(0)));
      process.send?.({ url: exporter.url });
    })();
  });
}
