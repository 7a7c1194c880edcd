// Per-suite fixtures the lab and history tests share: one lab that records what it was asked,
// and a fresh folder for each test. Call them inside a describe(); the hooks belong to it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLab, type LabRequestInfo, type RunningLab } from '../../../src/lab/labServer';

/**
 * Starts one lab for the suite (handed to `onStart`) and closes it after; returns the requests it
 * has seen since the current test began.
 */
export function useRecordingLab(onStart: (lab: RunningLab) => void): LabRequestInfo[] {
  const requests: LabRequestInfo[] = [];
  let lab: RunningLab | undefined;
  before(async () => {
    lab = await startLab({ onRequest: (info) => requests.push(info) });
    onStart(lab);
  });
  after(async () => {
    await lab?.close();
  });
  beforeEach(() => {
    requests.length = 0;
  });
  return requests;
}

/** A new empty folder for each test (handed to `onCreate`), removed after it. */
export function useTempDirectory(prefix: string, onCreate: (directory: string) => void): void {
  let directory: string | undefined;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    onCreate(directory);
  });
  afterEach(() => {
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });
}
