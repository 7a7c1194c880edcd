// `activesync-doctor exporter --config FILE [--listen 127.0.0.1:9746]`: the Prometheus
// multi-target exporter (src/exporter/). Runs until SIGTERM or SIGINT, then stops taking
// scrapes, lets running probes finish for a few seconds and exits 0.
import { isIP } from 'node:net';
import { terminalSafe } from '../common/textSafety';
import { flag, integerFlag, parseArgs, UsageError } from './cliArgs';
import type { CliIo } from './cliIo';

export const DEFAULT_EXPORTER_LISTEN = '127.0.0.1:9746';

export const EXPORTER_USAGE = `Usage: activesync-doctor exporter --config FILE [--listen HOST:PORT] [--grace-seconds N]

A Prometheus exporter in the blackbox exporter's pattern: Prometheus scrapes
  /probe?target=<host or host:port>&module=<module>
and gets the probe's result as metrics. /metrics has the exporter's own metrics, / a status page.

  --config FILE       modules (user, passwordEnv or passwordFile, auth, steps, timeoutSeconds, caFile …)
                      and allowedTargets, in YAML or JSON (see the README's Monitoring section)
  --listen HOST:PORT  where to listen, default ${DEFAULT_EXPORTER_LISTEN} (loopback); port 0 picks a free one
  --grace-seconds N   on SIGTERM, how long running probes may finish (default 10)

Exit codes: 0 stopped by a signal, 2 usage or configuration error.`;

/** HOST:PORT, [v6]:PORT or :PORT (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new UsageError(`--listen takes HOST:PORT, e.g. ${DEFAULT_EXPORTER_LISTEN}, not "${text.slice(0, 60)}".`);
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError('--listen: the port must be 0 to 65535.');
  if (m[1] && isIP(m[1]) !== 6) throw new UsageError(`--listen: "${m[1].slice(0, 40)}" is not an IPv6 address.`);
  return { host, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function exporterCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { config: { value: true }, listen: { value: true }, 'grace-seconds': { value: true } });
  if (args.positionals.length) throw new UsageError(`Unexpected argument "${args.positionals[0].slice(0, 40)}" (see exporter --help).`);
  const configFile = flag(args, 'config');
  if (!configFile) throw new UsageError('Give the configuration file: activesync-doctor exporter --config activesync-exporter.yml');
  const { host, port } = parseListen(flag(args, 'listen') ?? DEFAULT_EXPORTER_LISTEN);
  const graceSeconds = integerFlag(args, 'grace-seconds', 0, 300) ?? 10;

  const { loadExporterConfig, ExporterConfigError, startExporter, runProbe } = await import('../exporter/exporterEntry');
  let config;
  try {
    config = loadExporterConfig(configFile, io.env);
  } catch (error) {
    if (error instanceof ExporterConfigError) throw new UsageError(`the exporter configuration is not usable:\n${error.message}`);
    throw error;
  }
  let exporter;
  try {
    exporter = await startExporter({ config, host, port, runProbe, env: io.env });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EADDRINUSE' ? `${host}:${port} is already in use; choose another --listen.` : `cannot listen on ${host}:${port}: ${code ?? (error as Error).message}`);
  }
  if (!isLoopback(host) && !config.exporterAuth) {
    io.stderr.write(`activesync-doctor: warning: listening on ${terminalSafe(host)} without exporterAuth: anyone who reaches this port can make the exporter probe the allowed targets.\n`);
  }
  io.stdout.write(`activesync-doctor exporter listening on ${exporter.url} (${config.modules.size} module(s), ${config.allowedTargets.length} allowed target(s))\n`);

  const signal = await new Promise<string>((resolve) => {
    const onTerm = () => done('SIGTERM');
    const onInt = () => done('SIGINT');
    const done = (name: string) => {
      process.removeListener('SIGTERM', onTerm);
      process.removeListener('SIGINT', onInt);
      resolve(name);
    };
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  });
  io.stdout.write(`${signal}: stopping (running probes get ${graceSeconds} s to finish)\n`);
  await exporter.close(graceSeconds * 1000);
  io.stdout.write('exporter stopped\n');
  return 0;
}
