// Measures what activating the extension costs inside the real extension host, and records it in
// <repo>/test-artifacts/activation.json for `npm run bench` (bench/extensionStartup.ts reads
// activateMs). index.ts runs it before every other suite (FIRST_SUITES), so this is the one that
// activates the extension; the only assertions are on behaviour (the engine stays unloaded), the
// time is recorded, never judged.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { extension } from './extensionTestSupport';

/** What bench/extensionStartup.ts reads (first of its ACTIVATION_FILES). */
export interface ActivationRecord {
  activateMs: number;
  vscodeVersion: string;
  measuredAt: string;
}

function activationFile(): string {
  const repo = process.env.ACTIVESYNC_DOCTOR_REPO;
  if (!repo) throw new Error('ACTIVESYNC_DOCTOR_REPO is not set (the harness sets it to the repository root)');
  return path.join(repo, 'test-artifacts', 'activation.json');
}

describe('ActiveSync Doctor: activation cost', () => {
  it('activates on first request without loading the engine, and records how long activate() took', async () => {
    const ext = extension();
    // Another suite (or a view restored at start-up) activating first would leave nothing to measure.
    assert.equal(ext.isActive, false, 'the extension was already active before the first suite ran: nothing to measure');

    const start = performance.now();
    const doctor = await ext.activate();
    const activateMs = performance.now() - start;

    assert.equal(ext.isActive, true);
    assert.equal(doctor.engineLoaded(), false, 'activate() loaded dist/engine.js');
    assert.equal(typeof doctor.runLabScenario, 'function', 'activate() returned no test API');

    const record: ActivationRecord = {
      activateMs: Math.round(activateMs * 100) / 100,
      vscodeVersion: vscode.version,
      measuredAt: new Date().toISOString(),
    };
    const file = activationFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`      activate(): ${record.activateMs} ms in VS Code ${record.vscodeVersion} (written to ${file})`);
  });
});
