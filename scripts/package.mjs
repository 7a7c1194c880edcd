// `npm run package`: production bundles, then dist-vsix/activesync-doctor.vsix, from a fresh clone
// too (vsce does not create the output folder). The README's relative links (SECURITY.md, the
// screenshots) are rewritten to absolute ones when the manifest names a `repository` (vsce does it)
// or when ASD_BASE_CONTENT_URL is set (and ASD_BASE_IMAGES_URL, defaulting to it); otherwise they
// stay relative, which works where the .vsix is installed: the files they point at ship inside it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist-vsix', 'activesync-doctor.vsix');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const linkArgs = [];
const baseContentUrl = process.env.ASD_BASE_CONTENT_URL?.trim();
if (baseContentUrl) {
  linkArgs.push('--baseContentUrl', baseContentUrl, '--baseImagesUrl', process.env.ASD_BASE_IMAGES_URL?.trim() || baseContentUrl);
} else if (!manifest.repository) {
  linkArgs.push('--no-rewrite-relative-links', '--allow-missing-repository');
  console.log('package: no repository in package.json and no ASD_BASE_CONTENT_URL: README links stay relative (their files ship in the .vsix).');
}

run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production']);
mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
// Dependencies are bundled by esbuild, so none go into the package.
run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', ...linkArgs, '--out', out]);
console.log(`package: ${relative(root, out)} (${(statSync(out).size / 1024 / 1024).toFixed(2)} MB)`);
