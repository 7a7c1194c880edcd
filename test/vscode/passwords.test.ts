// No password leaves memory and SecretStorage: after runs with a sentinel password, neither the
// sentinel nor the Basic credential built from it appears in the extension's storage folder,
// its globalState, its log (in memory and the log files on disk) or an export.
import * as assert from 'assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { api, closeEverything, filesUnder } from './extensionTestSupport';

describe('ActiveSync Doctor: passwords stay secret', () => {
  const sentinel = `Sentinel-${randomBytes(6).toString('hex')}!`;
  const userName = 'labuser@contoso.example';
  /** Forms a leaked password could take: as typed, URL-encoded, and inside a Basic Authorization value. */
  const leaks = [sentinel, encodeURIComponent(sentinel), Buffer.from(`${userName}:${sentinel}`).toString('base64'), Buffer.from(`CONTOSO\\labuser:${sentinel}`).toString('base64')];
  const findLeak = (text: string) => leaks.find((form) => text.includes(form));

  after(closeEverything);

  it('runs with a sentinel password, keeps it in SecretStorage only, and writes it nowhere else', async () => {
    const doctor = await api();
    const runs = [
      await doctor.runWithInputs({ target: '', labScenario: 'wrong-password', userName, password: sentinel, savePassword: true }),
      await doctor.runWithInputs({ target: '', labScenario: 'coexistence-2003-basic-only', userName, password: sentinel }),
      await doctor.runWithInputs({ target: '', labScenario: 'status-457', userName, password: sentinel }),
      // A password typed into the URL itself (port 9 on loopback refuses the connection at once).
      await doctor.runWithInputs({ target: `https://labuser:${encodeURIComponent(sentinel)}@127.0.0.1:9/Microsoft-Server-ActiveSync`, userName }),
    ];
    assert.ok(runs.every(Boolean), 'all runs finished');
    // The password did reach the server: the wrong-password lab answered 401 to it.
    assert.equal(runs[0]!.steps.find((s) => s.id === 'optionsAuthenticated')?.status, 'failed');

    // SecretStorage holds it under a key naming server and user, not the password.
    const keys = await doctor.savedPasswordKeys();
    assert.ok(keys.some((k) => k.includes(encodeURIComponent(userName))), keys.join(', '));
    assert.equal(keys.map(findLeak).find(Boolean), undefined);

    // Storage folder: the history files and anything else the extension wrote.
    const storageFiles = filesUnder(doctor.history.directory);
    assert.ok(storageFiles.length >= 3, `history files: ${storageFiles.length}`);
    for (const file of storageFiles) assert.equal(findLeak(fs.readFileSync(file, 'latin1')), undefined, file);

    // globalState keys and values.
    assert.equal(findLeak(JSON.stringify(doctor.globalStateEntries())), undefined, 'globalState');

    // The log, in memory and on disk (the LogOutputChannel's file under the extension's log folder).
    const lines = doctor.logLines();
    assert.ok(lines.some((l) => l.includes('OPTIONS')), 'the log recorded the HTTP exchanges');
    assert.equal(lines.map(findLeak).find(Boolean), undefined, 'log lines');
    // The channel's file sits beside the extension's log folder, in the extension host's output_logging_* folder.
    const logFiles = filesUnder(path.dirname(doctor.logDirectory)).filter((f) => f.includes('ActiveSync Doctor') || f.startsWith(doctor.logDirectory));
    assert.ok(logFiles.length > 0, `no log file of the channel under ${path.dirname(doctor.logDirectory)}`);
    for (const file of logFiles) assert.equal(findLeak(fs.readFileSync(file, 'latin1')), undefined, file);

    // Exports, both formats, of every run.
    for (const run of runs) {
      for (const format of ['markdown', 'json'] as const) {
        const text = await doctor.exportText(run!.id, format);
        // Markdown escapes punctuation (127\.0\.0\.1): compare without the escapes.
        assert.ok(text && text.replace(/\\/g, '').includes(run!.target.host), `${format} export of ${run!.id}`);
        assert.equal(findLeak(text), undefined, `${format} export`);
      }
    }

    // The Markdown report ("Copy Details" on a run renders the same report as the export).
    const markdown = (await vscode.commands.executeCommand('activesyncDoctor.copyDetails', runs[0]!.id)) as string;
    assert.match(markdown, /OPTIONS/);
    assert.equal(findLeak(markdown), undefined, 'Markdown report');
    assert.equal(findLeak(await vscode.env.clipboard.readText()), undefined, 'clipboard');
  });
});
