// Figure 3: what VS Code start-up pays for the extension. Bundle sizes from the files (the
// development build in dist/ and a minified build like the one `npm run package` ships), the
// activate() time measured inside real VS Code when the extension-host tests left it behind, and
// a plain-Node proxy: require dist/extension.js with a stand-in vscode module and call activate().
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, row, type BenchRow } from './stats';

const FIGURE = '3 start-up';
const PROXY_RUNS = 10;
/** Where the extension-host suite may record activate() time (first match wins). */
const ACTIVATION_FILES = ['test-artifacts/activation.json', 'test-artifacts/vscode/activation.json'];

export async function extensionStartup(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const extensionJs = join(REPO_ROOT, 'dist', 'extension.js');
  const engineJs = join(REPO_ROOT, 'dist', 'engine.js');
  for (const [label, file, goal] of [
    ['dist/extension.js (loads at activation)', extensionJs, true],
    ['dist/engine.js (loads on first command)', engineJs, false],
  ] as const) {
    if (!existsSync(file)) {
      rows.push({ figure: FIGURE, label, unit: 'KB', note: 'missing: run node scripts/build.mjs' });
      continue;
    }
    rows.push(row({ figure: FIGURE, label: `${label}, development build`, unit: 'KB', goal: goal ? { max: 400, of: 'value' } : undefined }, statSync(file).size / 1024));
  }
  rows.push(...(await productionSizes()));
  rows.push(...measuredActivation());
  rows.push(...(await proxyActivation(extensionJs)));
  return rows;
}

/** The same entry points bundled as `npm run package` does (minified, no source maps), in memory. */
async function productionSizes(): Promise<BenchRow[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const build = async (entry: string, external: string[]) => {
    const result = await esbuild.build({
      entryPoints: [join(REPO_ROOT, entry)],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      write: false,
      logLevel: 'silent',
      external,
      // As scripts/build.mjs does: the lab (node-forge) is its own bundle, required only when a lab starts.
      plugins: [
        {
          name: 'lab-as-separate-bundle',
          setup(b) {
            b.onResolve({ filter: /(^|\/)labEntry$/ }, (args) => (args.kind === 'entry-point' ? undefined : { path: './lab.js', external: true }));
          },
        },
      ],
      define: { __ENGINE_VERSION__: JSON.stringify(version) },
    });
    return result.outputFiles[0].contents.length / 1024;
  };
  return [
    row({ figure: FIGURE, label: 'extension.js, minified as packaged', unit: 'KB', goal: { max: 400, of: 'value' } }, await build('src/extension/extension.ts', ['vscode', './engine.js'])),
    row({ figure: FIGURE, label: 'engine.js (first command), minified as packaged', unit: 'KB' }, await build('src/engine/index.ts', [])),
    row({ figure: FIGURE, label: 'lab.js (only when a lab starts), minified as packaged', unit: 'KB' }, await build('src/lab/labEntry.ts', [])),
  ];
}

/**
 * activate() inside real VS Code, as the extension-host suite recorded it on its last run: the
 * extension's own code (its modules evaluating plus the activate() call; the goal) and the whole
 * `extension.activate()` a caller waits for, which adds VS Code's own work (reading the bundle,
 * setting up the context's storage) and swings with the machine's load.
 */
function measuredActivation(): BenchRow[] {
  const ownLabel = "activate() inside VS Code: the extension's own code (modules + activate())";
  const wholeLabel = 'activate() inside VS Code: the whole extension.activate(), VS Code included';
  for (const relative of ACTIVATION_FILES) {
    const file = join(REPO_ROOT, relative);
    if (!existsSync(file)) continue;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof data.activateMs !== 'number') return [{ figure: FIGURE, label: wholeLabel, unit: 'ms', note: `${relative} holds no activateMs number` }];
      const load = Array.isArray(data.loadAverage) ? `, load average ${data.loadAverage.join(' ')}` : '';
      const note = `from ${relative}, written ${statSync(file).mtime.toISOString()}${load}`;
      const rows: BenchRow[] = [];
      if (typeof data.extensionMs === 'number') rows.push({ ...row({ figure: FIGURE, label: ownLabel, unit: 'ms', goal: { max: 30, of: 'value' } }, data.extensionMs), note });
      rows.push({ ...row({ figure: FIGURE, label: wholeLabel, unit: 'ms' }, data.activateMs), note: `${note}; parts ${JSON.stringify(data.parts ?? {})}` });
      return rows;
    } catch (error) {
      return [{ figure: FIGURE, label: wholeLabel, unit: 'ms', note: `${relative} is unreadable: ${(error as Error).message}` }];
    }
  }
  return [{ figure: FIGURE, label: ownLabel, unit: 'ms', note: 'not measured (run npm run test:vscode first)' }];
}

async function proxyActivation(extensionJs: string): Promise<BenchRow[]> {
  const script = join(__dirname, 'activationProxy.js');
  if (!existsSync(extensionJs)) return [];
  const requireMs: number[] = [];
  const activateMs: number[] = [];
  let engineLoaded = false;
  let error: string | undefined;
  for (let i = 0; i < PROXY_RUNS; i++) {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [script, extensionJs], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')));
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    const result = JSON.parse(out) as { requireMs: number; activateMs: number; engineLoaded: boolean; error?: string };
    requireMs.push(result.requireMs);
    activateMs.push(result.activateMs);
    engineLoaded ||= result.engineLoaded;
    error ??= result.error;
  }
  const note = 'PROXY: plain Node, stand-in vscode module, fresh process each time';
  return [
    { ...row({ figure: FIGURE, label: 'require(dist/extension.js) [proxy]', unit: 'ms' }, requireMs), note },
    {
      ...row({ figure: FIGURE, label: 'activate() with a fake context [proxy]', unit: 'ms' }, activateMs),
      note: `${note}${engineLoaded ? '; WARNING: activate() loaded engine.js' : '; engine.js not loaded'}${error ? `; activate() threw: ${error}` : ''}`,
    },
  ];
}
