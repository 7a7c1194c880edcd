// Test index loaded by VS Code's extension host (via extensionTestsPath): runs every compiled
// out/test/vscode/**/*.test.js with mocha (bdd) and resolves or rejects with the result, which the
// harness turns into its exit code. Mocha is required from the repository's node_modules at run time.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/**
 * Suites that must run first, in this order: the activation timing needs an extension nobody has
 * activated yet, and the activation suite checks what activation alone did (no engine, no storage).
 * The others follow in name order; none depends on another.
 */
const FIRST_SUITES = ['activation-timing.test.js', 'activation.test.js'];

function runOrder(files: string[]): string[] {
  const rank = (file: string) => {
    const index = FIRST_SUITES.indexOf(path.basename(file));
    return index === -1 ? FIRST_SUITES.length : index;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function findTestFiles(dir: string, found: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findTestFiles(full, found);
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

export function run(): Promise<void> {
  // The extension host's stdout is not a terminal: colours would only add escape codes to the log.
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  const files = runOrder(findTestFiles(__dirname));
  for (const file of files) mocha.addFile(file);

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      console.log('0 passed, 1 failed');
      reject(new Error(`no *.test.js files under ${__dirname}`));
      return;
    }
    let passed = 0;
    let failed = 0;
    try {
      const runner = mocha.run(() => {
        console.log(`${passed} passed, ${failed} failed`);
        if (failed > 0) reject(new Error(`${failed} extension-host test(s) failed`));
        else resolve();
      });
      runner.on('pass', () => passed++);
      runner.on('fail', () => failed++);
    } catch (error) {
      // A test file that throws while loading lands here, before any test ran.
      console.error(error);
      console.log(`${passed} passed, ${failed + 1} failed`);
      reject(error);
    }
  });
}
