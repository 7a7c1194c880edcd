// Measures what activating the extension costs inside the real extension host, and records it in
// <repo>/test-artifacts/activation.json for `npm run bench` (bench/extensionStartup.ts reads
// activateMs and extensionMs). index.ts runs it before every other suite (FIRST_SUITES), so this is
// the one that activates the extension; the only assertions are on behaviour (the engine stays
// unloaded, the marks are in order), the time is recorded and printed every run, never judged: on
// a loaded machine it measures the machine.
//
// activateMs is the whole `extension.activate()` as a caller sees it. The extension's own marks
// (src/extension/activationClock.ts, same clock) split it: VS Code reading and compiling the bundle
// before the first mark, the bundle's modules evaluating, VS Code finishing the context (its storage
// and secrets) while the module waits, activate() itself, and VS Code settling the promise.
import * as assert from 'assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import { extension } from './extensionTestSupport';

/** What bench/extensionStartup.ts reads (first of its ACTIVATION_FILES). */
export interface ActivationRecord {
  /** `extension.activate()` from call to resolved promise: VS Code's work and the extension's. */
  activateMs: number;
  /** What the extension's code itself took: its modules evaluating plus the activate() call. */
  extensionMs: number;
  /** The parts of activateMs, in the order they happen. */
  parts: {
    beforeModuleMs: number;
    moduleMs: number;
    beforeActivateMs: number;
    activateCallMs: number;
    afterActivateMs: number;
  };
  /** The machine's 1, 5 and 15 minute load averages when this was measured. */
  loadAverage: number[];
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
    const end = performance.now();

    assert.equal(ext.isActive, true);
    assert.equal(doctor.engineLoaded(), false, 'activate() loaded dist/engine.js');
    assert.equal(typeof doctor.runLabScenario, 'function', 'activate() returned no test API');
    const marks = doctor.activationMarks();
    const { moduleStart, moduleEnd, activateStart, activateEnd } = marks;
    // Marks out of order would mean another clock or a second load of the bundle: the split would be wrong.
    assert.ok(
      moduleEnd !== undefined && activateStart !== undefined && activateEnd !== undefined &&
        start <= moduleStart && moduleStart <= moduleEnd && moduleEnd <= activateStart && activateStart <= activateEnd && activateEnd <= end,
      `activation marks out of order: ${JSON.stringify({ start, ...marks, end })}`,
    );

    const ms = (value: number) => Math.round(value * 100) / 100;
    const record: ActivationRecord = {
      activateMs: ms(end - start),
      extensionMs: ms(moduleEnd - moduleStart + (activateEnd - activateStart)),
      parts: {
        beforeModuleMs: ms(moduleStart - start),
        moduleMs: ms(moduleEnd - moduleStart),
        beforeActivateMs: ms(activateStart - moduleEnd),
        activateCallMs: ms(activateEnd - activateStart),
        afterActivateMs: ms(end - activateEnd),
      },
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      vscodeVersion: vscode.version,
      measuredAt: new Date().toISOString(),
    };
    const file = activationFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    const p = record.parts;
    console.log(
      `      activate(): ${record.activateMs} ms in VS Code ${record.vscodeVersion}, of which the extension's code ${record.extensionMs} ms ` +
        `(modules ${p.moduleMs} + activate() ${p.activateCallMs}); VS Code: ${p.beforeModuleMs} before the bundle ran, ` +
        `${p.beforeActivateMs} before activate(), ${p.afterActivateMs} after; load average ${record.loadAverage.join(' ')} (written to ${file})`,
    );
  });
});
