// One build for everything: esbuild bundles the extension, the engine it loads lazily,
// the CLI and the webview script; tests and benchmarks are transpiled file by file into out/.
// Flags: --production (minify, no source maps), --if-needed (skip when dist/ is newer than the sources).
import * as esbuild from 'esbuild';
import { cpSync, rmSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');

function walk(dir, filter, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, filter, out);
    else if (filter(full)) out.push(full);
  }
  return out;
}

function newestMtime(dirs) {
  let newest = 0;
  for (const d of dirs) for (const f of walk(join(root, d), () => true)) newest = Math.max(newest, statSync(f).mtimeMs);
  return newest;
}

if (args.has('--if-needed')) {
  const stamp = join(root, 'dist', '.build-stamp');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(['src', 'media', 'test', 'bench', 'scripts'])) {
    process.exit(0);
  }
}

// Imports of the lab (src/lab/labEntry.ts) stay a runtime require of ./lab.js in the other bundles,
// so node-forge loads only when a lab actually starts; likewise the exporter (prom-client, yaml)
// is ./exporter.js, loaded only by the exporter command, and the device-code sign-in (msal-node,
// undici's fetch) is ./oauth.js, loaded only when a CLI run signs in with OAuth.
const separateBundles = { labEntry: './lab.js', exporterEntry: './exporter.js', deviceCodeSignIn: './oauth.js' };
const keepSeparateBundles = {
  name: 'keep-separate-bundles',
  setup(build) {
    build.onResolve({ filter: /(^|\/)(labEntry|exporterEntry|deviceCodeSignIn)$/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: separateBundles[args.path.split('/').pop()], external: true },
    );
  },
};

// undici's HTTP/1 client requires its HTTP/2 client at load, which loads node:http2 (the largest
// built-in module a probe would pull in). The probe never offers h2 in ALPN, so the HTTP/2 client
// is only reached if a server could negotiate it: it is loaded then, on first call, not at start-up.
const lazyHttp2Client = {
  name: 'lazy-undici-http2-client',
  setup(build) {
    build.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      args.importer.endsWith(join('undici', 'lib', 'dispatcher', 'client.js')) ? { path: 'undici/lib/dispatcher/client-h2.js', namespace: 'lazy-h2' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-h2' }, (args) => ({
      contents: `let connectH2;\nmodule.exports = function lazyConnectH2(...args) {\n  connectH2 ??= require(${JSON.stringify(args.path)});\n  return connectH2(...args);\n};\n`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

// undici's client and its util module require node:http at load for two things a probe rarely
// reaches: the default header size limit (the engine always passes its own) and IncomingMessage
// (to recognise a request body that is one when destroying it). node:http is the largest built-in
// module left on a probe's start-up path, so both are read from it on first use instead. The
// edits are exact: if an undici upgrade changes these lines, the build stops and says so.
const UNDICI_HTTP_EDITS = {
  [join('undici', 'lib', 'dispatcher', 'client.js')]: [
    ["const http = require('node:http')\n", ''],
    [
      "const getDefaultNodeMaxHeaderSize = http &&\n  http.maxHeaderSize &&\n  Number.isInteger(http.maxHeaderSize) &&\n  http.maxHeaderSize > 0\n  ? () => http.maxHeaderSize\n  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }\n",
      "const getDefaultNodeMaxHeaderSize = () => {\n  const { maxHeaderSize } = require('node:http')\n  if (Number.isInteger(maxHeaderSize) && maxHeaderSize > 0) return maxHeaderSize\n  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')\n}\n",
    ],
  ],
  [join('undici', 'lib', 'core', 'util.js')]: [
    ["const { IncomingMessage } = require('node:http')\n", ''],
    ['Object.getPrototypeOf(stream).constructor === IncomingMessage', "Object.getPrototypeOf(stream).constructor === require('node:http').IncomingMessage"],
  ],
};
const lazyHttpInUndici = {
  name: 'lazy-http-in-undici',
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/](dispatcher[\\/]client|core[\\/]util)\.js$/ }, (args) => {
      const edits = Object.entries(UNDICI_HTTP_EDITS).find(([suffix]) => args.path.endsWith(join('node_modules', suffix)))?.[1];
      if (!edits) return undefined;
      let contents = readFileSync(args.path, 'utf8');
      for (const [from, to] of edits) {
        if (contents.split(from).length !== 2) throw new Error(`${relative(root, args.path)} changed (undici upgrade?): the lazy node:http edit no longer applies; check scripts/build.mjs`);
        contents = contents.replace(from, () => to);
      }
      return { contents, loader: 'js' };
    });
  },
};

// undici's client and request code call node:assert only as assert(condition) for its own
// invariants, yet loading node:assert costs a probe's start-up several milliseconds. Those files get
// a stand-in that checks the condition and, only when one fails, hands it to the real node:assert,
// so a broken invariant still throws node's AssertionError. The build refuses a file that uses
// anything else of assert (assert.equal, …), since the stand-in has only the call.
const ASSERT_STAND_IN = 'asd-assert-stand-in';
const undiciAssertOnFirstFailure = {
  name: 'undici-assert-on-first-failure',
  setup(build) {
    build.onResolve({ filter: /^node:assert$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]undici[\\/]lib[\\/](core|dispatcher|api)[\\/]/.test(args.importer)) return undefined;
      if (/\bassert\.[A-Za-z]/.test(readFileSync(args.importer, 'utf8'))) throw new Error(`${relative(root, args.importer)} uses more of node:assert than assert(condition): update scripts/build.mjs`);
      return { path: ASSERT_STAND_IN, namespace: ASSERT_STAND_IN };
    });
    build.onLoad({ filter: /.*/, namespace: ASSERT_STAND_IN }, () => ({
      contents: "module.exports = function assert(value, message) {\n  if (!value) require('node:assert')(value, message);\n};\n",
      loader: 'js',
    }));
  },
};

// Every module of the extension imports `vscode`. Bundled as is, each import gets a namespace copy
// of the whole API object (about 350 names) when the bundle loads: 17 copies, measured as most of
// the extension's own activation time inside VS Code. One module re-exports it, so it is copied once.
const vscodeNamespaceOnce = {
  name: 'vscode-namespace-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: 'export * from "vscode";', loader: 'js' }));
  },
};

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { __ENGINE_VERSION__: JSON.stringify(version) },
};

await Promise.all([
  // The extension entry stays small: the engine is required lazily from ./engine.js when a command runs.
  esbuild.build({ ...common, entryPoints: [join(root, 'src/extension/extension.ts')], outfile: join(root, 'dist/extension.js'), external: ['./engine.js'], plugins: [vscodeNamespaceOnce] }),
  esbuild.build({ ...common, entryPoints: [join(root, 'src/engine/index.ts')], outfile: join(root, 'dist/engine.js'), plugins: [keepSeparateBundles, lazyHttp2Client, lazyHttpInUndici, undiciAssertOnFirstFailure] }),
  esbuild.build({ ...common, entryPoints: [join(root, 'src/lab/labEntry.ts')], outfile: join(root, 'dist/lab.js') }),
  esbuild.build({ ...common, entryPoints: [join(root, 'src/oauth/deviceCodeSignIn.ts')], outfile: join(root, 'dist/oauth.js') }),
  esbuild.build({ ...common, entryPoints: [join(root, 'src/exporter/exporterEntry.ts')], outfile: join(root, 'dist/exporter.js'), plugins: [keepSeparateBundles, lazyHttp2Client, lazyHttpInUndici, undiciAssertOnFirstFailure] }),
  // The CLI: a small executable (dist/cli.js) that loads the bundle (dist/cliMain.js) through V8's
  // code cache. vm.Script cannot run import(), so the bundle loads lab.js, exporter.js and oauth.js by require().
  esbuild.build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cliMain.js'), supported: { 'dynamic-import': false }, plugins: [keepSeparateBundles, lazyHttp2Client, lazyHttpInUndici, undiciAssertOnFirstFailure] }),
  esbuild.build({ ...common, entryPoints: [join(root, 'src/cli/cliLauncher.ts')], outfile: join(root, 'dist/cli.js'), banner: { js: '#!/usr/bin/env node' }, external: ['./cliMain.js'] }),
  esbuild.build({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: [join(root, 'media/webview/diagnosisView.ts')], outfile: join(root, 'dist/media/diagnosisView.js') }),
  esbuild.build({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: [join(root, 'media/webview/comparisonView.ts')], outfile: join(root, 'dist/media/comparisonView.js') }),
]);
chmodSync(join(root, 'dist/cli.js'), 0o755);

// The CLI reads its bundle on every run: pure ASCII decodes as Latin-1, about ten times faster than
// UTF-8, into a one-byte string (half the memory). esbuild already escapes non-ASCII characters in
// code (its default charset); what is left is in comments, where an escape reads as well.
function keepAscii(file) {
  const text = readFileSync(file, 'utf8');
  if (/^[\x00-\x7f]*$/.test(text)) return;
  writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
keepAscii(join(root, 'dist/cliMain.js'));

// Codicons ship inside the bundle so the webview never loads a remote resource.
const codicons = join(root, 'node_modules/@vscode/codicons/dist');
mkdirSync(join(root, 'dist/media/codicons'), { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(codicons, f), join(root, 'dist/media/codicons', f));

// Tests, benchmarks and sources transpiled one file each, so mocha can load them and stack traces point at real files.
if (!production) {
  const files = ['src', 'test', 'bench'].flatMap((d) => walk(join(root, d), (f) => f.endsWith('.ts') && !f.endsWith('.d.ts')));
  await esbuild.build({
    entryPoints: files,
    outdir: join(root, 'out'),
    outbase: root,
    bundle: false,
    // Lazy `await import()` must become require() here: these files are CommonJS, loaded by mocha.
    supported: { 'dynamic-import': false },
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Linked, not inline: an inline map is part of the source text every process that loads the file keeps
    // (the benches' figure processes carried ~10 MB of them at rest); mocha reads the .map files.
    sourcemap: 'linked',
    logLevel: 'warning',
    define: common.define,
  });
}
// Only a full build (bundles and out/) may vouch for --if-needed; a production build skips out/.
if (!production) writeFileSync(join(root, 'dist', '.build-stamp'), new Date().toISOString());
else rmSync(join(root, 'dist', '.build-stamp'), { force: true });
console.log(`built ${relative(process.cwd(), join(root, 'dist')) || 'dist'}${production ? ' (production)' : ''}`);
