// A lab in its own process, for figures where the lab's server work must not share the bench's
// event loop (a batch is otherwise limited by one thread doing both ends of every handshake).
// The parent forks this file with the scenario ids (and optionally a simulated round-trip time,
// the lab's latencyMs); the lab reports its URLs and CA over IPC (ephemeral ports, so it never
// collides with another lab on the machine) and stops when the parent disconnects or exits.
import { fork } from 'node:child_process';

export interface LabInChild {
  urls: Record<string, string>;
  /** With `copies`: every copy's URL of each scenario (copy 0 first); otherwise the one URL. */
  allUrls: Record<string, string[]>;
  caPem: string;
  /** CPU time the lab's process has used so far (user + system, ms): the server's half of the work. */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

export interface LabInChildOptions {
  /** Simulated WAN round trip: the handshake and every answer wait this long (0: plain loopback). */
  latencyMs?: number;
  /** Start this many labs side by side (each on its own ports, one CA), for many distinct targets. Default 1. */
  copies?: number;
}

export function startLabInChild(scenarios: string[], options: LabInChildOptions = {}): Promise<LabInChild> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--lab', scenarios.join(','), '--latency', String(options.latencyMs ?? 0), '--copies', String(options.copies ?? 1)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the lab process exited early (${code})`)));
    child.once('message', (message) => {
      const { allUrls, caPem } = message as { allUrls: Record<string, string[]>; caPem: string };
      child.removeAllListeners('exit');
      resolve({
        urls: Object.fromEntries(Object.entries(allUrls).map(([id, list]) => [id, list[0]])),
        allUrls,
        caPem,
        cpuMs: () =>
          new Promise<number>((done) => {
            child.once('message', (reply) => done((reply as { cpuMs: number }).cpuMs));
            child.send('cpu');
          }),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      });
    });
  });
}

const at = process.argv.indexOf('--lab');
if (at >= 0 && process.send) {
  void (async () => {
    // Loaded here, in the lab's process only: the parent (the probing side) never needs the server.
    const { startLab } = await import('../src/lab/labServer');
    const ids = process.argv[at + 1].split(',');
    const latency = process.argv.indexOf('--latency');
    const latencyMs = latency >= 0 ? Number(process.argv[latency + 1]) : 0;
    const copiesAt = process.argv.indexOf('--copies');
    const copies = copiesAt >= 0 ? Number(process.argv[copiesAt + 1]) : 1;
    const labs: Array<Awaited<ReturnType<typeof startLab>>> = [];
    for (let i = 0; i < copies; i++) labs.push(await startLab({ scenarios: ids, latencyMs }));
    process.on('message', (message) => {
      if (message !== 'cpu') return;
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMs: (user + system) / 1000 });
    });
    process.once('disconnect', () => void Promise.all(labs.map((lab) => lab.close())).then(() => process.exit(0)));
    process.send?.({ allUrls: Object.fromEntries(ids.map((id) => [id, labs.map((lab) => lab.urlFor(id))])), caPem: labs[0].caPem });
  })();
}
