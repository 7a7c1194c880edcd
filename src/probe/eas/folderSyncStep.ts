// FolderSync with SyncKey 0: the folder list a device starts from, and the Inbox it syncs first.
import { FOLDER_TYPES, INBOX_FOLDER_TYPE } from '../../protocol/eas/easCodes';
import { child, childrenNamed, textAt } from '../../protocol/wbxml/wbxmlTree';
import type { ProbeContext, StepOutcome } from '../probeContext';
import type { ProbeStep } from '../runModel';
import { childStep, type StepBuilder } from '../stepBuilder';
import { judgeCommand } from './commandJudge';
import { folderSyncRequest, record, type CommandContext } from './commandContext';
import type { CommandResult } from './easTransport';

export interface FolderSyncOutcome {
  step: ProbeStep;
  inbox?: { serverId: string; name: string };
}

export async function folderSyncStep(b: StepBuilder, ctx: CommandContext, already?: CommandResult): Promise<FolderSyncOutcome> {
  b.evidence.eas = ctx.evidence;
  let result = already;
  if (result) {
    (b.evidence.http ??= []).push(result.http.exchange);
    b.detail('Answer', 'reused from the provisioning check');
  } else {
    result = await ctx.session.send('FolderSync', folderSyncRequest(), 'FolderSync with SyncKey 0');
    record(b, ctx, result);
  }
  const verdict = judgeCommand('FolderSync', result);
  if (verdict.kind === 'provisionCue') {
    return {
      step: b.finish('failed', `FolderSync still got ${verdict.how} after the device provisioned: the server does not accept the policy key it handed out.`, { category: result.http.statusCode === 449 ? 'http.449' : 'eas.provisionFailed' }),
    };
  }
  if (verdict.kind === 'failed') return { step: b.finish('failed', verdict.message, { category: verdict.category }) };
  const changes = child(result.root, 'Changes');
  const folders = childrenNamed(changes, 'Add').map((add) => {
    const type = Number(textAt(add, 'Type'));
    return {
      serverId: (textAt(add, 'ServerId') ?? '').slice(0, 64),
      parentId: (textAt(add, 'ParentId') ?? '').slice(0, 64),
      name: (textAt(add, 'DisplayName') ?? '').slice(0, 256),
      type,
      typeName: FOLDER_TYPES[type] ?? `type ${textAt(add, 'Type') ?? 'missing'}`,
    };
  });
  ctx.evidence.folders = folders;
  b.detail('Folders', folders.length).detail('Count element', textAt(changes, 'Count'));
  for (const f of folders) b.child(childStep(`folderSync.folder.${f.serverId}`, f.name || '(no name)', 'passed', f.typeName, [{ label: 'ServerId', value: f.serverId }, { label: 'ParentId', value: f.parentId }]));
  const inbox = folders.find((f) => f.type === INBOX_FOLDER_TYPE);
  if (!inbox) {
    return { step: b.finish('failed', `FolderSync listed ${folders.length} folder(s) but no Inbox (type 2), so there is nothing a phone would sync first.`, { category: 'eas.noInbox' }) };
  }
  b.detail('Inbox', `${inbox.name} (ServerId ${inbox.serverId})`);
  return { step: b.finish('passed', `Listed ${folders.length} folders; the Inbox is "${inbox.name}".`), inbox };
}

export async function runFolderSyncStep(ctx: ProbeContext): Promise<StepOutcome> {
  const folders = await folderSyncStep(ctx.begin('folderSync'), ctx.eas!, ctx.folderSyncAnswer);
  ctx.push(folders.step);
  if (!folders.inbox) return { stop: 'Skipped: FolderSync did not give an Inbox to sync.' };
  ctx.inbox = folders.inbox;
  return 'next';
}
