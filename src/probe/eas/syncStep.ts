// A read-only first Sync of the Inbox: prime the SyncKey, ask GetItemEstimate, take one window of
// changes and count it. Nothing is changed on the server and no message content is kept.
import { usesInBodyStatus } from '../../protocol/eas/easCodes';
import { child, childrenNamed, el, path, textAt, type WbxmlElement } from '../../protocol/wbxml/wbxmlTree';
import type { ProbeContext, StepOutcome } from '../probeContext';
import type { FailureCategory, ProbeStep } from '../runModel';
import { childStep, type StepBuilder } from '../stepBuilder';
import { judgeCommand, statusVerdict } from './commandJudge';
import { record, type CommandContext } from './commandContext';
import type { CommandResult } from './easTransport';

export interface SyncOutcome {
  step: ProbeStep;
  itemsReceived?: number;
}

const QUARANTINE_SENDER = /microsoft exchange/i;

export async function syncStep(b: StepBuilder, ctx: CommandContext, inbox: { serverId: string; name: string }): Promise<SyncOutcome> {
  const { session } = ctx;
  b.evidence.eas = ctx.evidence;
  const version = session.options.protocolVersion;
  const modern = usesInBodyStatus(version);
  const classElement = modern ? undefined : el('AirSync', 'Class', 'Email');
  const collectionOf = (root: WbxmlElement | undefined) => path(root, 'Collections', 'Collection');

  // 1. Prime the folder: SyncKey 0 returns a key and no items.
  const first = await session.send('Sync', el('AirSync', 'Sync', [el('AirSync', 'Collections', [el('AirSync', 'Collection', [classElement, el('AirSync', 'SyncKey', '0'), el('AirSync', 'CollectionId', inbox.serverId)])])]), 'Sync of the Inbox, SyncKey 0');
  record(b, ctx, first);
  const firstFail = syncFailure(first, collectionOf(first.root));
  if (firstFail) return { step: b.finish('failed', firstFail.message, { category: firstFail.category }) };
  const key = textAt(collectionOf(first.root), 'SyncKey');
  if (!key) return { step: b.finish('failed', 'The first Sync of the Inbox returned no SyncKey, so no device could go on syncing.', { category: 'eas.badResponse' }) };

  // 2. How many items are waiting (what Test-ActiveSyncConnectivity calls GetItemEstimate).
  const estimateRequest = modern
    ? el('GetItemEstimate', 'GetItemEstimate', [el('GetItemEstimate', 'Collections', [el('GetItemEstimate', 'Collection', [el('AirSync', 'SyncKey', key), el('GetItemEstimate', 'CollectionId', inbox.serverId), el('AirSync', 'Options', [el('AirSync', 'Class', 'Email')])])])])
    : el('GetItemEstimate', 'GetItemEstimate', [el('GetItemEstimate', 'Collections', [el('GetItemEstimate', 'Collection', [el('GetItemEstimate', 'Class', 'Email'), el('GetItemEstimate', 'CollectionId', inbox.serverId), el('AirSync', 'FilterType', '0'), el('AirSync', 'SyncKey', key)])])]);
  const estimateResult = await session.send('GetItemEstimate', estimateRequest, 'GetItemEstimate for the Inbox');
  record(b, ctx, estimateResult);
  const estimateVerdict = judgeCommand('GetItemEstimate', estimateResult);
  const response = child(estimateResult.root, 'Response');
  const responseStatus = Number(textAt(response, 'Status'));
  const estimateText = textAt(response, 'Collection', 'Estimate');
  const estimate = estimateVerdict.kind === 'ok' && (responseStatus === 1 || Number.isNaN(responseStatus)) && estimateText !== undefined && /^\d+$/.test(estimateText) ? Number(estimateText) : undefined;
  b.child(
    childStep(
      'sync.estimate',
      'GetItemEstimate',
      estimate !== undefined ? 'passed' : 'warning',
      estimate !== undefined
        ? `${estimate} item(s) waiting in the Inbox.`
        : `No estimate: ${estimateVerdict.kind === 'failed' ? estimateVerdict.message : estimateVerdict.kind === 'provisionCue' ? estimateVerdict.how : `Response status ${Number.isNaN(responseStatus) ? 'missing' : responseStatus}`}.`,
    ),
  );

  // 3. One window of changes: a few items, counted, never kept.
  const windowSize = 5;
  const options = modern
    ? el('AirSync', 'Options', [el('AirSync', 'FilterType', '0'), el('AirSyncBase', 'BodyPreference', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'TruncationSize', '200')])])
    : Number.parseFloat(version) >= 12
      ? el('AirSync', 'Options', [el('AirSync', 'FilterType', '0'), el('AirSyncBase', 'BodyPreference', [el('AirSyncBase', 'Type', '1'), el('AirSyncBase', 'TruncationSize', '200')])])
      : undefined;
  const second = await session.send(
    'Sync',
    el('AirSync', 'Sync', [el('AirSync', 'Collections', [el('AirSync', 'Collection', [classElement, el('AirSync', 'SyncKey', key), el('AirSync', 'CollectionId', inbox.serverId), el('AirSync', 'GetChanges'), el('AirSync', 'WindowSize', String(windowSize)), options])])]),
    'Sync of the Inbox, GetChanges',
  );
  record(b, ctx, second);
  const emptyAnswer = second.http.statusCode === 200 && !second.root && !second.decodeError && second.evidence.bodyBytes === 0;
  const secondFail = emptyAnswer ? undefined : syncFailure(second, collectionOf(second.root));
  if (secondFail) return { step: b.finish('failed', secondFail.message, { category: secondFail.category }) };
  const collection = collectionOf(second.root);
  const adds = childrenNamed(child(collection, 'Commands'), 'Add');
  const moreAvailable = child(collection, 'MoreAvailable') !== undefined;
  ctx.evidence.inbox = { serverId: inbox.serverId, name: inbox.name, itemsReceived: adds.length, estimate, moreAvailable };
  b.detail('Items received', adds.length).detail('More available', moreAvailable ? 'yes' : 'no').detail('Estimate', estimate);
  const itemText = `${adds.length} item${adds.length === 1 ? '' : 's'}`;
  // Exchange shows a quarantined device one message, its own notice, in the Inbox. The sender is
  // checked here in memory only; it is not kept.
  const onlyItem = adds.length === 1 && !moreAvailable && (estimate === undefined || estimate <= 1) ? adds[0] : undefined;
  if (onlyItem && QUARANTINE_SENDER.test(textAt(child(onlyItem, 'ApplicationData'), 'From') ?? '')) {
    return {
      step: b.finish('warning', 'The Inbox synced, but its only item is a message from Microsoft Exchange, which is what a device quarantined by Allow/Block/Quarantine sees. Check the device in the Exchange admin center (mobile device access).', { category: 'eas.deviceQuarantined' }),
      itemsReceived: 1,
    };
  }
  return {
    step: b.finish('passed', `Synced the Inbox read-only: ${itemText} received${moreAvailable ? ' (more available)' : ''}${estimate !== undefined ? `, ${estimate} estimated` : ''}.`),
    itemsReceived: adds.length,
  };
}

function syncFailure(result: CommandResult, collection: WbxmlElement | undefined): { category: FailureCategory; message: string } | undefined {
  const verdict = judgeCommand('Sync', result, { emptyBodyOk: false });
  if (verdict.kind === 'provisionCue') return { category: result.http.statusCode === 449 ? 'http.449' : 'eas.provisionFailed', message: `Sync got ${verdict.how} after the device provisioned.` };
  if (verdict.kind === 'failed') return verdict;
  const status = Number(textAt(collection, 'Status'));
  if (!collection) return { category: 'eas.badResponse', message: 'The Sync answer names no Collection.' };
  if (status !== 1) {
    const v = statusVerdict('Sync', Number.isNaN(status) ? 0 : status);
    if (v.kind === 'failed') return { category: v.category, message: `The Inbox collection ${Number.isNaN(status) ? 'has no Status' : v.message.replace(/^Sync /, '')}` };
    return { category: 'eas.provisionFailed', message: `Sync got ${v.kind === 'provisionCue' ? v.how : 'an unexpected status'}.` };
  }
  return undefined;
}

export async function runSyncStep(ctx: ProbeContext): Promise<StepOutcome> {
  const synced = await syncStep(ctx.begin('sync'), ctx.eas!, ctx.inbox!);
  ctx.push(synced.step);
  return 'next';
}
