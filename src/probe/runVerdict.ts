// One sentence saying what a run proved, read from its steps: "a device could provision, list 12
// folders and sync the Inbox (3 items)" only when those steps really ran and passed; otherwise
// what did work and where it stopped. The CLI, the diagnosis headline and the extension use it,
// so a run that skipped the command steps is never reported as if everything had been checked.
import type { ProbeRun, ProbeStep } from './runModel';

const NAMES: Record<string, string> = { provision: 'Provision', folderSync: 'FolderSync', sync: 'the first Sync of the Inbox', ping: 'Ping' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function stepOf(run: Pick<ProbeRun, 'steps'>, id: string): ProbeStep | undefined {
  return Array.isArray(run?.steps) ? run.steps.find((s) => s?.id === id) : undefined;
}

const worked = (s: ProbeStep | undefined) => s !== undefined && (s.status === 'passed' || s.status === 'warning');

export function provenSummary(run: Pick<ProbeRun, 'steps' | 'userName'>): string {
  const options = stepOf(run, 'optionsAuthenticated');
  const anonymous = stepOf(run, 'optionsAnonymous');
  const provision = stepOf(run, 'provision');
  const folderSync = stepOf(run, 'folderSync');
  const sync = stepOf(run, 'sync');
  const ping = stepOf(run, 'ping');
  if (!worked(options)) {
    if (worked(anonymous) && options?.status === 'skipped') return 'The server answers ActiveSync OPTIONS; no credentials were given, so sign-in and the command steps were not run';
    const failed = run.steps?.find((s) => s?.status === 'failed');
    if (failed?.id === 'optionsAuthenticated') return 'OPTIONS with credentials failed, so no device command was sent';
    return failed ? `The run stopped at "${failed.title}", before any device command was sent` : 'Nothing past the connection was proven';
  }
  if (!provision || provision.status === 'skipped') {
    return 'OPTIONS and sign-in work; Provision, FolderSync and Sync were not run, so whether a phone can sync is not proven';
  }
  const failedCommand = [provision, folderSync, sync].find((s) => s?.status === 'failed');
  if (failedCommand) {
    return `OPTIONS and sign-in work; ${NAMES[String(failedCommand.id)]} failed: ${failedCommand.summary.replace(/\.$/, '')}`;
  }
  if (!worked(folderSync) || !worked(sync)) return 'OPTIONS and sign-in work; the device steps did not all run';
  const folders = folderSync!.evidence?.eas?.folders?.length;
  const inbox = sync!.evidence?.eas?.inbox;
  const items = inbox ? `${plural(inbox.itemsReceived, 'item')}${inbox.moreAvailable ? ' and more' : ''}` : undefined;
  const provisioned = provision.evidence?.eas?.policy !== undefined || /Provisioned/.test(provision.summary) ? 'provision, ' : '';
  let sentence = `A device could ${provisioned}list ${folders !== undefined ? plural(folders, 'folder') : 'its folders'} and sync the Inbox${items ? ` (${items})` : ''}`;
  if (sync!.status === 'warning') sentence += `, with a warning: ${sync!.summary.replace(/\.$/, '')}`;
  if (ping?.status === 'passed') sentence += '; Ping proved the push channel';
  else if (ping?.status === 'failed' || ping?.status === 'warning') sentence += `; Ping: ${ping.summary.replace(/\.$/, '')}`;
  return sentence;
}

/**
 * The input step when it refused what was typed (a malformed address or user name, http:// not
 * allowed): the run never reached the network, so it says nothing about the server. The CLI
 * treats it as the usage error it is (exit 2; UNKNOWN for a monitoring plugin), not as a failure
 * of the server.
 */
export function rejectedInput(run: Pick<ProbeRun, 'steps'>): ProbeStep | undefined {
  const input = stepOf(run, 'input');
  return input?.status === 'failed' ? input : undefined;
}
