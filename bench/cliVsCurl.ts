// Figure 2: the whole CLI process (`node dist/cli.js probe …`) against a lab the bench runs,
// versus curl doing the same two OPTIONS requests on one connection, and `node -e 0` as the
// floor any Node CLI pays before doing anything. Spawned asynchronously: the lab lives in this
// process and must keep answering while a child runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLab } from '../src/lab/labServer';
import { findScenario } from '../src/lab/scenarios';
import { REPO_ROOT, row, type BenchRow } from './stats';

const SCENARIO = 'exchange2016-healthy';
const WARM_UP = 2;
const ITERATIONS = 15;
const FIGURE = '2 CLI vs curl';

interface ProcessResult {
  ms: number;
  code: number | null;
  stdout: string;
}

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout }));
    child.stdin.end(stdin ?? '');
  });
}

export async function cliVsCurl(): Promise<BenchRow[]> {
  const cli = join(REPO_ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run node scripts/build.mjs');
  const curl = spawnSync('which', ['curl'], { encoding: 'utf8' }).stdout.trim();
  const lab = await startLab({ scenarios: [SCENARIO] });
  try {
    const url = lab.urlFor(SCENARIO);
    const { userName, password } = findScenario(SCENARIO)!.credentials;
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ACTIVESYNC_PASSWORD: password };

    const sides: Array<{ name: 'cli' | 'curl' | 'node'; run: () => Promise<ProcessResult>; check: (r: ProcessResult) => void }> = [
      {
        name: 'cli',
        // OPTIONS only, the same work as the curl side.
        run: () => runProcess(process.execPath, [cli, 'probe', url, '--user', userName, '--ca', lab.caFile, '--options-only'], env),
        check: (r) => {
          if (r.code !== 0) throw new Error(`the CLI exited ${r.code} against ${SCENARIO}`);
        },
      },
      { name: 'node', run: () => runProcess(process.execPath, ['-e', '0'], env), check: () => undefined },
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
    const samples: Record<string, number[]> = { cli: [], curl: [], node: [] };
    for (let i = 0; i < ITERATIONS; i++) {
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const result = await side.run();
        side.check(result);
        samples[side.name].push(result.ms);
      }
    }

    const nodeRow = row({ figure: FIGURE, label: 'node -e 0 (floor for any Node CLI)', unit: 'ms' }, samples.node);
    if (!curl) {
      return [
        { figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms', note: 'curl not installed: no baseline, ratio not measured' },
        row({ figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms' }, samples.cli),
        nodeRow,
      ];
    }
    const curlRow = row({ figure: FIGURE, label: 'curl, 2× OPTIONS on one connection', unit: 'ms' }, samples.curl);
    const cliRow = row(
      { figure: FIGURE, label: 'activesync-doctor probe (whole process)', unit: 'ms', baseline: curlRow.median, baselineLabel: 'curl', goal: { max: 2, of: 'ratio' } },
      samples.cli,
    );
    const beyondFloor = row(
      {
        figure: FIGURE,
        label: 'CLI minus node -e 0, vs curl',
        unit: 'ms',
        baseline: curlRow.median,
        baselineLabel: 'curl',
        note: 'what the CLI adds on top of starting Node',
      },
      samples.cli.map((ms) => ms - (nodeRow.median ?? 0)),
    );
    return [cliRow, curlRow, nodeRow, beyondFloor];
  } finally {
    await lab.close();
  }
}
