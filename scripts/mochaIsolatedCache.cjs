// The CLI keeps a code cache in the user's cache directory. Tests start it as a child process
// many times: point XDG_CACHE_HOME at a temporary directory for the whole run (children inherit
// it), so a test run leaves nothing in the home directory of the person or CI job running it.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const directory = mkdtempSync(join(tmpdir(), 'asd-test-cache-'));
process.env.XDG_CACHE_HOME = directory;

exports.mochaGlobalTeardown = function () {
  rmSync(directory, { recursive: true, force: true });
};
