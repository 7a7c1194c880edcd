// Figure 2: the whole CLI process (`node dist/cli.js probe …`) against a lab the bench runs,
// versus curl doing the same two OPTIONS requests on one connection, `node -e 0` as the floor
// any Node CLI pays before doing anything, and the hand-rolled client as a whole Node process
// (handRolledProcess.ts) as the floor of any Node client doing this network work. The CLI runs
// with its code cache warm (as every run after the first) and, in its own row, cold. Last, the
// CLI's default test (a device's first contact) against a lab in its own process that plays a
// distant server. Spawned asynchronously: the light lab lives in this process and must keep
// answering while a child runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLab } from '../src/lab/labServer';
import { findScenario } from '../src/lab/scenarios';
import { startLabInChild } from './labProcess';
import { median, REPO_ROOT, round, row, type BenchRow } from './stats';

const SCENARIO = 'exchange2016-healthy';
const WARM_UP = 2;
const ITERATIONS = 15;
const SESSION_ITERATIONS = 7;
const LATENCY_MS = 50;
const FIGURE = '2 CLI vs curl';
/** What the CLI may add to Node's own start-up (issue 19). */
const BEYOND_NODE_GOAL_MS = 30;

interface ProcessResult {
  ms: number;
  /** The child's CPU time (user + system), when bash could report it. */
  cpuMs?: number;
  code: number | null;
  stdout: string;
}

// The machine is shared: other work stretches wall time a lot, the child's own CPU time much less.
// bash reports what its child used (`times`, second line) and EPOCHREALTIME times the child alone,
// without bash's own start; where bash is missing (Windows), only wall time is measured. --norc:
// over a socket for stdin bash would otherwise read ~/.bashrc, whose own children `times` counts.
const TIMED_CHILD = 's=$EPOCHREALTIME; "$@"; c=$?; e=$EPOCHREALTIME; times >&2; echo "wall $s $e" >&2; exit $c';
const bash = process.platform === 'win32' ? '' : spawnSync('bash', ['-c', 'echo "${EPOCHREALTIME:+yes}"'], { encoding: 'utf8' }).stdout?.trim() === 'yes' ? 'bash' : '';

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = bash
      ? spawn(bash, ['--norc', '--noprofile', '-c', TIMED_CHILD, 'bash', command, ...args], { env: { ...env, LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...childTimes(stderr, performance.now() - t0), code, stdout }));
    child.stdin.end(stdin ?? '');
  });
}

/** Wall and CPU time of the child from TIMED_CHILD's last three lines; the parent's own timing when they are missing. */
function childTimes(stderr: string, parentMs: number): { ms: number; cpuMs?: number } {
  const lines = stderr.trimEnd().split('\n').slice(-3);
  const wall = /^wall (\d+)[.,](\d{6}) (\d+)[.,](\d{6})$/.exec(lines[2] ?? '');
  const cpu = [...(lines[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
  if (!wall || cpu.length !== 2) return { ms: parentMs };
  const ms = (Number(wall[3]) - Number(wall[1])) * 1000 + (Number(wall[4]) - Number(wall[2])) / 1000;
  return { ms, cpuMs: cpu.reduce((sum, [, min, sec]) => sum + (Number(min) * 60 + Number(sec)) * 1000, 0) };
}

export async function cliVsCurl(): Promise<BenchRow[]> {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run node scripts/build.mjs');
  const curl = spawnSync('which', ['curl'], { encoding: 'utf8' }).stdout.trim();
  const handRolled = join(REPO_ROOT, 'out', 'bench', 'handRolledProcess.js');
  const lab = await startLab({ scenarios: [SCENARIO] });
  // The CLI's code cache goes to a directory of this run, never the user's own cache.
  const cacheHome = mkdtempSync(join(tmpdir(), 'asd-bench-cache-'));
  try {
    const url = lab.urlFor(SCENARIO);
    const { userName, password } = findScenario(SCENARIO)!.credentials;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ACTIVESYNC_PASSWORD: password, XDG_CACHE_HOME: cacheHome };
    const cliArgs = [cli, 'probe', url, '--user', userName, '--ca', lab.caFile, '--options-only'];
    const passed = (what: string) => (r: ProcessResult) => {
      if (r.code !== 0) throw new Error(`${what} exited ${r.code} against ${SCENARIO}`);
    };
    let coldRun = 0;

    const sides: Array<{ name: 'cli' | 'cold' | 'curl' | 'node' | 'hand'; run: () => Promise<ProcessResult>; check: (r: ProcessResult) => void }> = [
      // OPTIONS only, the same work as the curl side.
      { name: 'cli', run: () => runProcess(process.execPath, cliArgs, env), check: passed('the CLI') },
      // A cache directory no run has used: the first run after installing or upgrading.
      { name: 'cold', run: () => runProcess(process.execPath, cliArgs, { ...env, XDG_CACHE_HOME: join(cacheHome, `cold-${coldRun++}`) }), check: passed('the CLI (cold cache)') },
      { name: 'node', run: () => runProcess(process.execPath, ['-e', '0'], env), check: () => undefined },
      { name: 'hand', run: () => runProcess(process.execPath, [handRolled, url, lab.caFile, userName], env), check: passed('the hand-rolled client process') },
    ];
    if (curl) {
      // One curl process, two requests on one connection (--next); the credentials arrive in a
      // config read from standard input, never on the command line.
      const common = ['-s', '-o', '/dev/null', '-w', '%{http_code} ', '--cacert', lab.caFile, '-X', 'OPTIONS'];
      const config = `user = "${userName.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}:${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`;
      sides.push({
        name: 'curl',
        run: () => runProcess(curl, [...common, url, '--next', ...common, '-K', '-', url], env, config),
        check: (r) => {
          if (r.stdout.trim() !== '401 200') throw new Error(`curl got "${r.stdout.trim()}" instead of "401 200"`);
        },
      });
    }

    for (let i = 0; i < WARM_UP; i++) for (const side of sides) side.check(await side.run());
    const samples: Record<string, number[]> = { cli: [], cold: [], curl: [], node: [], hand: [] };
    const cpu: Record<string, number[]> = { cli: [], cold: [], curl: [], node: [], hand: [] };
    for (let i = 0; i < ITERATIONS; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const result = await side.run();
        side.check(result);
        samples[side.name].push(result.ms);
        if (result.cpuMs !== undefined) cpu[side.name].push(result.cpuMs);
      }
    }

    const nodeRow = row({ figure: FIGURE, label: 'node -e 0 (floor for any Node CLI)', unit: 'ms' }, samples.node);
    const nodeMs = nodeRow.median ?? 0;
    const handRow = row(
      { figure: FIGURE, label: 'hand-rolled client as a whole Node process (floor for any Node client)', unit: 'ms', note: `${Math.round(median(samples.hand) - nodeMs)} ms beyond node -e 0: net, tls, dns and the handshake` },
      samples.hand,
    );
    const beyondFloor = row(
      {
        figure: FIGURE,
        label: 'CLI minus node -e 0',
        unit: 'ms',
        goal: { max: BEYOND_NODE_GOAL_MS, of: 'value' },
        note: `what the CLI adds on top of starting Node; the hand-rolled process adds ${Math.round(median(samples.hand) - nodeMs)} ms`,
      },
      samples.cli.map((ms) => ms - nodeMs),
    );
    const cpuRows = cpu.cli.length ? cpuTimeRows(cpu) : [];
    const coldRow = row({ figure: FIGURE, label: 'activesync-doctor probe, first run (code cache empty)', unit: 'ms', note: 'compiles the bundle and writes the cache at exit' }, samples.cold);
    const session = await fullSession(cli, env);
    if (!curl) {
      return [
        { figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms', note: 'curl not installed: no baseline, ratio not measured' },
        row({ figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms' }, samples.cli),
        nodeRow,
        handRow,
        beyondFloor,
        ...cpuRows,
        coldRow,
        session,
      ];
    }
    const curlRow = row({ figure: FIGURE, label: 'curl, 2× OPTIONS on one connection', unit: 'ms' }, samples.curl);
    const cliRow = row(
      { figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms', baseline: curlRow.median, baselineLabel: 'curl', goal: { max: 2, of: 'ratio' } },
      samples.cli,
    );
    return [cliRow, curlRow, nodeRow, handRow, beyondFloor, ...cpuRows, coldRow, session];
  } finally {
    await lab.close();
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

/** The same sides by CPU time (user + system of the child), which other work on the machine disturbs far less than wall time. */
function cpuTimeRows(cpu: Record<string, number[]>): BenchRow[] {
  const node = median(cpu.node);
  const beyond = (side: string) => Math.round(median(cpu[side]) - node);
  return [
    row({ figure: FIGURE, label: 'CPU time: node -e 0', unit: 'ms' }, cpu.node),
    row({ figure: FIGURE, label: 'CPU time: hand-rolled client process', unit: 'ms', note: `${beyond('hand')} ms beyond node -e 0` }, cpu.hand),
    row(
      { figure: FIGURE, label: 'CPU time: activesync-doctor probe', unit: 'ms', baseline: round(median(cpu.hand)), baselineLabel: 'hand-rolled process', note: `${beyond('cli')} ms beyond node -e 0${cpu.curl.length ? `; curl uses ${Math.round(median(cpu.curl))} ms in all` : ''}` },
      cpu.cli,
    ),
    row({ figure: FIGURE, label: 'CPU time: activesync-doctor probe, first run (code cache empty)', unit: 'ms', note: `${beyond('cold')} ms beyond node -e 0` }, cpu.cold),
  ];
}

/**
 * The CLI's default test, a device's first contact (OPTIONS twice, Provision, FolderSync, Sync…),
 * as a whole process against a lab in its own process that waits LATENCY_MS before the handshake
 * and every answer; the baseline is the sum of those round trips plus `node -e 0`.
 */
async function fullSession(cli: string, env: NodeJS.ProcessEnv): Promise<BenchRow> {
  const lab = await startLabInChild([SCENARIO], { latencyMs: LATENCY_MS });
  const dir = mkdtempSync(join(tmpdir(), 'asd-bench-session-'));
  try {
    const caFile = join(dir, 'lab-ca.pem');
    writeFileSync(caFile, lab.caPem);
    const { userName } = findScenario(SCENARIO)!.credentials;
    const args = [cli, 'probe', lab.urls[SCENARIO], '--user', userName, '--ca', caFile, '--json'];
    let roundTrips = 0;
    const run = async () => {
      const r = await runProcess(process.execPath, args, env);
      if (r.code !== 0) throw new Error(`the CLI's full session exited ${r.code} against ${SCENARIO}`);
      roundTrips = 1 + countExchanges(JSON.parse(r.stdout).run);
      return r.ms;
    };
    await run(); // warm-up: fills this command's code cache
    const node: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < SESSION_ITERATIONS; i++) {
      wall.push(await run());
      node.push((await runProcess(process.execPath, ['-e', '0'], env)).ms);
    }
    const baseline = roundTrips * LATENCY_MS + median(node);
    return row(
      {
        figure: FIGURE,
        label: `activesync-doctor probe, full first contact (default), ${LATENCY_MS} ms round trip`,
        unit: 'ms',
        baseline: round(baseline),
        baselineLabel: `${roundTrips} round trips + node -e 0`,
        note: `${Math.round(median(wall) - baseline)} ms of the CLI's own work over the network and Node's start-up; ${SESSION_ITERATIONS} runs`,
      },
      wall,
    );
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface JsonStep {
  evidence?: { http?: unknown[] };
  children?: JsonStep[];
}

/** HTTP exchanges in a run printed as JSON, each once (a step may quote another step's exchange). */
function countExchanges(run: { steps: JsonStep[] }): number {
  const seen = new Set<string>();
  const visit = (steps: JsonStep[]) => {
    for (const s of steps) {
      for (const h of s.evidence?.http ?? []) seen.add(JSON.stringify(h));
      visit(s.children ?? []);
    }
  };
  visit(run.steps);
  return seen.size;
}
