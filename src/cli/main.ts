// The activesync-doctor command line; its commands are the table COMMANDS below. Usage errors
// exit 2 with one clear line; failures of the server under test exit 1 with the report; nothing
// shows a stack trace unless ACTIVESYNC_DOCTOR_DEBUG is set.
import { ENGINE_VERSION } from '../common/engineVersion';
import { UserFileError } from '../common/boundedFileRead';
import { terminalSafe } from '../common/textSafety';
import { UsageError } from './cliArgs';
import type { CliIo } from './cliIo';

const USAGE = `activesync-doctor ${ENGINE_VERSION}: Exchange ActiveSync connectivity diagnosis

Commands:
  probe <url|host|address>     run the connectivity test (see: activesync-doctor probe --help)
  batch <file> [options]       test every server listed in a file, a few at a time
  diff <earlier> <later>       compare two runs saved as JSON: what changed, and a verdict
  exporter --config FILE       Prometheus exporter: /probe?target=…&module=… answers metrics
  lab [--port N] [--list]      run the built-in lab of Exchange-like servers
  demo                         probe two lab scenarios and explain them (what npm start runs)

Examples:
  activesync-doctor probe mail.contoso.com --user user@contoso.com
  activesync-doctor probe user@contoso.com                        # find the server with Autodiscover first
  echo "$PASSWORD" | activesync-doctor probe mail.contoso.com --user 'CONTOSO\\jdoe' --password-stdin --json
  activesync-doctor probe --lab coexistence-2003-basic-only
  activesync-doctor diff before.json after.json`;

const DEMO_USAGE = `Usage: activesync-doctor demo

Starts the built-in lab and probes two of its scenarios, a healthy Exchange 2016 and the classic
"OPTIONS returned HTTP 401", printing both reports with their diagnosis (what npm start runs).
It takes no options; activesync-doctor probe --lab SCENARIO runs one scenario with probe's options.`;

interface CliCommand {
  /** Printed for --help. */
  usage?: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

// Each command is loaded only when asked for: `lab` pulls in node-forge, `probe` undici.
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  probe: () => import('./probeCommand').then((m) => ({ usage: m.PROBE_USAGE, run: m.probeCommand })),
  batch: () => import('./batchCommand').then((m) => ({ usage: m.BATCH_USAGE, run: m.batchCommand })),
  diff: () => import('./diffCommand').then((m) => ({ usage: m.DIFF_USAGE, run: m.diffCommand })),
  exporter: () => import('./exporterCommand').then((m) => ({ usage: m.EXPORTER_USAGE, run: m.exporterCommand })),
  lab: () => import('./labCommand').then((m) => ({ usage: m.LAB_USAGE, run: m.labCommand })),
  demo: () =>
    import('./demoCommand').then((m) => ({
      usage: DEMO_USAGE,
      run: (argv, io) => {
        // An option meant for probe (--format nagios, --json) must not be silently ignored.
        if (argv.length) throw new UsageError(`demo takes no options or arguments (got "${argv[0].slice(0, 40)}"); for your own server use: activesync-doctor probe --help`);
        return m.demoCommand(io);
      },
    })),
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return command ? 0 : 2;
    }
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${ENGINE_VERSION}\n`);
      return 0;
    }
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UsageError(`Unknown command "${command.slice(0, 40)}". Commands: ${Object.keys(COMMANDS).join(', ')} (--help for more).`);
    const { usage, run } = await load();
    if (wantsHelp && usage) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    return await run(rest, io);
  } catch (error) {
    if (command === 'probe' && (await import('./probeCommand')).wantsNagiosFormat(rest)) {
      // A monitoring system reads stdout and the exit code: a broken check is UNKNOWN (3), never 2.
      const { nagiosUnknown } = await import('./nagiosOutput');
      const result = nagiosUnknown(error instanceof UsageError || error instanceof UserFileError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`);
      io.stdout.write(result.text);
      return result.exitCode;
    }
    if (error instanceof UsageError || error instanceof UserFileError) {
      io.stderr.write(`activesync-doctor: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    io.stderr.write(`activesync-doctor: unexpected error: ${terminalSafe((error as Error).message ?? String(error))}\n`);
    if (io.env.ACTIVESYNC_DOCTOR_DEBUG) io.stderr.write(`${(error as Error).stack}\n`);
    return 2;
  }
}

/** What the installed `activesync-doctor` command runs (src/cli/cliLauncher.ts loads this bundle). */
export function runFromCommandLine(): void {
  // `activesync-doctor … | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  // process.stdin is made on first read of the property (a stream over the pipe, file or terminal:
  // several milliseconds), so it is passed on as a getter, read only by a run that needs it.
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Everything is written; don't wait for closed connections to finish tearing down
      // (undici's socket close, TLS shutdown). Exit once stdout and stderr have flushed.
      // The lab command resolves only after the lab has stopped, so this never cuts it short.
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    () => {
      process.exitCode = 2;
    },
  );
}
