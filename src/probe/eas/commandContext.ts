// The device session the command steps share: the EAS session on the run's verified connection
// and the evidence every command step adds to. Read-only by construction: the only commands sent
// are Provision, FolderSync, Sync without any change, GetItemEstimate and Ping; a remote wipe is
// never acknowledged; message content is counted in memory, never kept.
import { el } from '../../protocol/wbxml/wbxmlTree';
import type { EasEvidence } from '../runModel';
import type { StepBuilder } from '../stepBuilder';
import type { CommandResult, EasSession } from './easTransport';

export interface CommandContext {
  session: EasSession;
  evidence: EasEvidence;
}

/** Keeps a command's reduced evidence on the session and its exchange on the step. */
export function record(b: StepBuilder, ctx: CommandContext, result: CommandResult): void {
  ctx.evidence.commands.push(result.evidence);
  (b.evidence.http ??= []).push(result.http.exchange);
}

/** FolderSync with SyncKey 0: a device's first command, and the folder list. */
export const folderSyncRequest = () => el('FolderHierarchy', 'FolderSync', [el('FolderHierarchy', 'SyncKey', '0')]);
