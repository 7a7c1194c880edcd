// Ping on the Inbox (full mode only): whether the push channel holds a request for a heartbeat.
import { el, textAt } from '../../protocol/wbxml/wbxmlTree';
import type { ProbeContext, StepOutcome } from '../probeContext';
import type { ProbeStep } from '../runModel';
import type { StepBuilder } from '../stepBuilder';
import { judgeCommand } from './commandJudge';
import { record, type CommandContext } from './commandContext';

/** Ping heartbeat: the lowest interval commonly allowed (60 s; Exchange's own bounds are unverified). */
export const PING_HEARTBEAT_SECONDS = 60;

export async function pingStep(b: StepBuilder, ctx: CommandContext, inbox: { serverId: string }, heartbeatSeconds: number): Promise<ProbeStep> {
  b.evidence.eas = ctx.evidence;
  const request = (seconds: number) =>
    el('Ping', 'Ping', [el('Ping', 'HeartbeatInterval', String(seconds)), el('Ping', 'Folders', [el('Ping', 'Folder', [el('Ping', 'Id', inbox.serverId), el('Ping', 'Class', 'Email')])])]);
  b.detail('Heartbeat', `${heartbeatSeconds} s`);
  // The server holds a Ping for up to the heartbeat before answering: wait that long plus a margin.
  const result = await ctx.session.send('Ping', request(heartbeatSeconds), `Ping on the Inbox, heartbeat ${heartbeatSeconds} s`, (heartbeatSeconds + 10) * 1000);
  record(b, ctx, result);
  const verdict = judgeCommand('Ping', result, { success: [1, 2] });
  if (verdict.kind === 'ok') {
    return b.finish('passed', result.status === 2 ? 'The push channel works: Ping reported a change in the Inbox.' : 'The push channel works: Ping held the request for the heartbeat and answered.');
  }
  if (verdict.kind === 'failed' && result.status === 5) {
    const limit = textAt(result.root, 'HeartbeatInterval');
    return b.finish('warning', `The server refused a ${heartbeatSeconds} s heartbeat${limit ? ` (it allows ${limit} s at the ${Number(limit) > heartbeatSeconds ? 'least' : 'most'})` : ''}; devices adapt, so this is not a fault.`, { category: 'eas.commandStatus' });
  }
  if (verdict.kind === 'failed') return b.finish('failed', verdict.message, { category: verdict.category });
  return b.finish('failed', `Ping got ${verdict.how}.`, { category: 'eas.provisionFailed' });
}

/** The ping step of a run: full mode only, after a Sync that worked, and only if a heartbeat fits in the time left. */
export async function runPingStep(ctx: ProbeContext): Promise<StepOutcome> {
  if (ctx.mode !== 'full') return { stop: 'Not run: Ping runs in full mode only (it waits for a heartbeat).' };
  if (ctx.steps.find((s) => s.id === 'sync')?.status === 'failed') return { stop: 'Skipped: the Inbox did not sync.' };
  const neededMs = (PING_HEARTBEAT_SECONDS + 15) * 1000;
  if (ctx.remainingMs() < neededMs) {
    return { stop: `Not run: a ${PING_HEARTBEAT_SECONDS} s heartbeat does not fit in the time left for the run (${Math.round(ctx.remainingMs() / 1000)} s).` };
  }
  ctx.push(await pingStep(ctx.begin('ping'), ctx.eas!, ctx.inbox!, PING_HEARTBEAT_SECONDS));
  return 'next';
}
