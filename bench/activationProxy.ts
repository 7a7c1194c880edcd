// Child process for figure 3's proxy row: loads dist/extension.js in plain Node with a stand-in
// `vscode` module and calls activate() with a fake context, printing how long each took as JSON.
// Not VS Code: the stand-in answers every API call instantly, so this measures the extension's
// own module loading and wiring, not the workbench. Usage: node activationProxy.js <extension.js>
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { performance } from 'node:perf_hooks';

/** A value that is every API at once: any property, call or `new` gives another such value. */
function anything(name: string): unknown {
  const children = new Map<PropertyKey, unknown>();
  const target = function () {
    return undefined;
  };
  return new Proxy(target, {
    get(_t, prop) {
      // Not a promise (await must not hang), iterable as empty, printable.
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive || prop === 'toString') return () => name;
      if (typeof prop === 'symbol') return undefined;
      if (!children.has(prop)) children.set(prop, anything(`${name}.${prop}`));
      return children.get(prop);
    },
    set(_t, prop, value) {
      children.set(prop, value);
      return true;
    },
    apply: () => anything(`${name}()`),
    construct: () => anything(`new ${name}`) as object,
  });
}

function fakeContext(): unknown {
  const base = anything('context') as Record<string, unknown>;
  base.subscriptions = [];
  return base;
}

const file = process.argv[2];
// The bundle copies the module's own property names into its import namespace, so the stand-in
// must own every name the extension uses: take them from the bundle's text (vscode.X, vscode2.X,
// vscode_exports.X where the build re-exports the module once).
const vscodeStub: Record<string, unknown> = {};
for (const match of readFileSync(file, 'utf8').matchAll(/\bvscode(?:\d*|_exports)\.([A-Za-z_$][\w$]*)/g)) vscodeStub[match[1]] ??= anything(`vscode.${match[1]}`);
type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename; _cache: Record<string, unknown> };
const resolve = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
moduleInternals._cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };

const t0 = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require(file) as { activate(context: unknown): unknown };
const t1 = performance.now();
let error: string | undefined;
try {
  extension.activate(fakeContext());
} catch (e) {
  error = (e as Error).message;
}
const t2 = performance.now();
const engineLoaded = Object.keys(moduleInternals._cache).some((k) => /[\\/]engine\.js$/.test(k));
process.stdout.write(`${JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, engineLoaded, error })}\n`);
process.exit(0);
