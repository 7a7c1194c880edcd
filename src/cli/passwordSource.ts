// Where the CLI gets a password: --password-stdin, the ACTIVESYNC_PASSWORD variable, or a
// prompt that does not echo on a terminal. Never from an argument (it would land in shell
// history and the process list).
import type { Readable } from 'node:stream';

type Output = NodeJS.WritableStream;
import { UsageError } from './cliArgs';

export async function readPasswordFromStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > 64 * 1024) throw new UsageError('--password-stdin read more than 64 KB; that is not a password.');
    chunks.push(b);
  }
  // One trailing newline is the shell's, not the password's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads a line from a TTY without echoing it. */
export function promptHidden(prompt: string, input: NodeJS.ReadStream, output: Output): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    let value = '';
    const done = (error?: Error) => {
      input.setRawMode?.(wasRaw);
      input.pause();
      input.removeListener('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

export async function resolvePassword(options: {
  userName?: string;
  fromStdin: boolean;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stderr: Output;
}): Promise<string | undefined> {
  if (!options.userName) return undefined;
  if (options.fromStdin) return readPasswordFromStdin(options.stdin);
  if (options.env.ACTIVESYNC_PASSWORD !== undefined) return options.env.ACTIVESYNC_PASSWORD;
  if (options.stdin.isTTY) return promptHidden(`Password for ${options.userName}: `, options.stdin, options.stderr);
  throw new UsageError('A user name was given but no password: use --password-stdin, set ACTIVESYNC_PASSWORD, or run in a terminal to be asked.');
}
