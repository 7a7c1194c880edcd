// In-process CLI runs for tests: main(argv, io) with PassThrough streams standing in for the
// terminal, so a test reads exactly what a user would see, plus the exit code.
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../../src/cli/cliIo';
import { main } from '../../../src/cli/main';

export interface FakeIoOptions {
  /** Text piped to standard input (ended after it); undefined: an empty, ended pipe. */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** Pretend standard output is a terminal (to check colour is used only then). */
  stdoutIsTty?: boolean;
  columns?: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs the CLI in this process. The env is exactly what is given: nothing leaks in from the test runner. */
export async function runCli(argv: string[], options: FakeIoOptions = {}): Promise<CliResult> {
  const out = collector();
  const err = collector();
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const stdout = out.stream as unknown as CliIo['stdout'];
  if (options.stdoutIsTty) Object.assign(stdout, { isTTY: true, columns: options.columns ?? 100 });
  const io: CliIo = {
    stdout,
    stderr: err.stream as unknown as CliIo['stderr'],
    stdin: stdin as unknown as NodeJS.ReadStream,
    env: { ...(options.env ?? {}) },
  };
  const code = await main(argv, io);
  // Let the PassThrough streams deliver what was written.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out.text(), stderr: err.text() };
}
