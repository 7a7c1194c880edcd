// `activesync-doctor lab`: runs the built-in lab until interrupted and prints each scenario's
// URL, test account and expected result; `--list` prints the scenarios and exits.
import { has, integerFlag, parseArgs, UsageError } from './cliArgs';
import type { CliIo } from './cliIo';

export const LAB_USAGE = `Usage: activesync-doctor lab [--port N] [--list]

Starts the built-in lab: loopback HTTPS servers that behave like Exchange 2003 to Exchange Online,
healthy and broken, one port per scenario (N, N+1, … with --port; random ports otherwise).
  --list   print the scenarios and their test accounts, then exit`;

export async function labCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { port: { value: true }, list: {} });
  if (args.positionals.length) throw new UsageError(`Unexpected argument "${args.positionals[0].slice(0, 40)}".`);
  const port = integerFlag(args, 'port', 1, 65_000);
  const { startLab, formatLabListing } = await import('../lab/labEntry');
  if (has(args, 'list')) {
    const { LAB_SCENARIOS } = await import('../lab/scenarios');
    io.stdout.write(`${LAB_SCENARIOS.length} lab scenarios (start them with: activesync-doctor lab):\n`);
    for (const s of LAB_SCENARIOS) io.stdout.write(`  ${s.id.padEnd(30)} ${s.title}\n     user ${s.credentials.userName}, password ${s.credentials.password}\n`);
    return 0;
  }
  let lab;
  try {
    lab = await startLab({ port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EADDRINUSE' ? `A lab port starting at ${port} is already in use; choose another --port.` : `The lab could not start: ${(error as Error).message}`);
  }
  io.stdout.write(formatLabListing(lab));
  io.stdout.write(`\nTry: activesync-doctor probe ${lab.urlFor('coexistence-2003-basic-only')} --user 'CONTOSO\\labuser' --ca ${lab.caFile}\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await lab.close();
  io.stdout.write('Lab stopped.\n');
  return 0;
}
