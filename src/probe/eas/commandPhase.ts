// Runs the steps past OPTIONS when the authenticated OPTIONS worked: picks the protocol version,
// builds the session on the probe's verified connection, and runs provision → folderSync → sync
// (→ ping in full mode), each step ending the phase when it fails.
import { chooseProtocolVersion } from '../../protocol/eas/easCodes';
import type { ProbeHttpConnection } from '../httpConnection';
import type { EasEvidence, ProbeMode, ProbeStep, StepId } from '../runModel';
import { skippedStep, type StepBuilder } from '../stepBuilder';
import { folderSyncStep, pingStep, provisionStep, syncStep, type CommandContext } from './commandSteps';
import { EasSession, type CommandCredentials } from './easTransport';

export const COMMAND_STEP_TITLES: Record<'provision' | 'folderSync' | 'sync' | 'ping', string> = {
  provision: 'Provision the device (policy and policy key)',
  folderSync: 'List the folders (FolderSync)',
  sync: 'Sync the Inbox read-only and estimate its items',
  ping: 'Ping: wait for a change on the Inbox (push)',
};

/** Ping heartbeat: the lowest interval commonly allowed (60 s; Exchange's own bounds are unverified). */
export const PING_HEARTBEAT_SECONDS = 60;

export interface CommandPhaseInput {
  mode: ProbeMode;
  connection: ProbeHttpConnection;
  path: string;
  userName: string;
  credentials: CommandCredentials;
  deviceId: string;
  deviceType: string;
  protocolVersionOverride?: string;
  /** MS-ASProtocolVersions from the authenticated OPTIONS. */
  serverVersions: string[];
  signal: AbortSignal;
  /** Milliseconds left before the run's overall limit. */
  remainingMs: () => number;
  begin: (id: StepId, title: string) => StepBuilder;
  push: (step: ProbeStep) => void;
}

export async function runCommandPhase(input: CommandPhaseInput): Promise<void> {
  const { begin, push } = input;
  const skip = (ids: Array<keyof typeof COMMAND_STEP_TITLES>, reason: string) => {
    for (const id of ids) push(skippedStep(id, COMMAND_STEP_TITLES[id], reason));
  };
  const version = chooseProtocolVersion(input.serverVersions, input.protocolVersionOverride);
  if (!version) {
    const b = begin('provision', COMMAND_STEP_TITLES.provision);
    b.detail('Server versions', input.serverVersions.join(', ') || 'none');
    push(
      b.finish('failed', input.protocolVersionOverride ? `The server does not offer protocol ${input.protocolVersionOverride}, which was asked for.` : `No protocol version in common: the probe speaks 2.5 to 14.1, the server offers ${input.serverVersions.join(', ') || 'none'}.`, {
        category: 'eas.noUsableVersion',
      }),
    );
    skip(['folderSync', 'sync', 'ping'], 'Skipped: no protocol version to speak.');
    return;
  }
  const session = new EasSession({
    connection: input.connection,
    path: input.path,
    userName: input.userName,
    deviceId: input.deviceId,
    deviceType: input.deviceType,
    protocolVersion: version,
    credentials: input.credentials,
    signal: input.signal,
  });
  const evidence: EasEvidence = { protocolVersion: version, deviceId: input.deviceId, deviceType: input.deviceType, commands: [] };
  const ctx: CommandContext = { session, evidence };

  const provisioned = await provisionStep(begin('provision', `${COMMAND_STEP_TITLES.provision}, protocol ${version}`), ctx);
  push(provisioned.step);
  if (!provisioned.ok) {
    skip(['folderSync', 'sync', 'ping'], provisioned.step.failure?.category === 'eas.remoteWipe' ? 'Not run: a remote wipe is pending for this device.' : 'Skipped: the device could not provision.');
    return;
  }
  const folders = await folderSyncStep(begin('folderSync', COMMAND_STEP_TITLES.folderSync), ctx, provisioned.folderSync);
  push(folders.step);
  if (!folders.inbox) {
    skip(['sync', 'ping'], 'Skipped: FolderSync did not give an Inbox to sync.');
    return;
  }
  const synced = await syncStep(begin('sync', COMMAND_STEP_TITLES.sync), ctx, folders.inbox);
  push(synced.step);
  if (input.mode !== 'full') {
    skip(['ping'], 'Not run: Ping runs in full mode only (it waits for a heartbeat).');
    return;
  }
  if (synced.step.status === 'failed') {
    skip(['ping'], 'Skipped: the Inbox did not sync.');
    return;
  }
  const neededMs = (PING_HEARTBEAT_SECONDS + 15) * 1000;
  if (input.remainingMs() < neededMs) {
    skip(['ping'], `Not run: a ${PING_HEARTBEAT_SECONDS} s heartbeat does not fit in the time left for the run (${Math.round(input.remainingMs() / 1000)} s).`);
    return;
  }
  push(await pingStep(begin('ping', COMMAND_STEP_TITLES.ping), ctx, folders.inbox, PING_HEARTBEAT_SECONDS));
}
