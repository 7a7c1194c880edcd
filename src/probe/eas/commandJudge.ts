// How the answer to any ActiveSync command is read, before the command's own content: transport
// errors, HTTP statuses (449, 451, 403 with X-MS-ASThrottle, 500…), bodies that do not decode,
// and the common in-body statuses of 14.0 and later. One reading for every command step.
import { COMMON_STATUS, describeCommandStatus, PROVISION_CUES } from '../../protocol/eas/easCodes';
import { statusMeaning } from '../optionsSteps';
import type { FailureCategory } from '../runModel';
import { headerValue } from '../serverIdentity';
import type { CommandResult } from './easTransport';

export type CommandVerdict =
  | { kind: 'ok' }
  /** HTTP 449 or in-body 142/143/144: the server wants the device to provision (again). */
  | { kind: 'provisionCue'; how: string }
  | { kind: 'failed'; category: FailureCategory; message: string };

export interface JudgeOptions {
  /** Command Status values that mean success (default [1]). */
  success?: number[];
  /** A 200 with an empty body is a valid answer (Sync with no changes). */
  emptyBodyOk?: boolean;
}

export function judgeCommand(command: string, result: CommandResult, options: JudgeOptions = {}): CommandVerdict {
  const { http } = result;
  if (http.error) return { kind: 'failed', category: http.error.category, message: `${command}: ${http.error.message}` };
  const code = http.statusCode as number;
  if (code === 449) return { kind: 'provisionCue', how: `HTTP 449 (${http.exchange.response?.statusText || 'Retry after sending a PROVISION command'})` };
  if (code !== 200) return { kind: 'failed', ...httpFailure(command, result) };
  if (result.decodeError) {
    return {
      kind: 'failed',
      category: 'eas.badResponse',
      message: `${command} answered 200 but its body (${result.evidence.bodyBytes} bytes) could not be decoded: ${result.decodeError.message}`,
    };
  }
  if (!result.root) {
    if (options.emptyBodyOk) return { kind: 'ok' };
    return { kind: 'failed', category: 'eas.badResponse', message: `${command} answered 200 with ${result.evidence.bodyBytes ? 'a body that is not WBXML' : 'an empty body'}; a ${command} answer must carry a WBXML document.` };
  }
  if (result.root.tag !== command) {
    return { kind: 'failed', category: 'eas.badResponse', message: `${command} answered with a <${result.root.tag}> document instead of <${command}>.` };
  }
  const status = result.status;
  if (status === undefined || (options.success ?? [1]).includes(status)) return { kind: 'ok' };
  return statusVerdict(command, status);
}

/** The verdict for a command's Status value (common codes first). */
export function statusVerdict(command: string, status: number): CommandVerdict {
  if (PROVISION_CUES.includes(status)) return { kind: 'provisionCue', how: `status ${status} (${COMMON_STATUS[status]?.name ?? 'provision'})` };
  const described = describeCommandStatus(command, status);
  switch (status) {
    case 140:
      return { kind: 'failed', category: 'eas.remoteWipe', message: `${command} got status ${described}. The probe stopped and did not acknowledge the wipe.` };
    case 126:
      return { kind: 'failed', category: 'eas.userDisabled', message: `${command} got status ${described}: ActiveSync is switched off for this mailbox.` };
    case 129:
      return { kind: 'failed', category: 'eas.deviceBlocked', message: `${command} got status ${described}: an Allow/Block/Quarantine rule or a per-user block stops this device.` };
    case 177:
      return { kind: 'failed', category: 'eas.maxDevices', message: `${command} got status ${described}.` };
    default:
      return { kind: 'failed', category: 'eas.commandStatus', message: `${command} got status ${described}.` };
  }
}

function httpFailure(command: string, result: CommandResult): { category: FailureCategory; message: string } {
  const { http } = result;
  const code = http.statusCode as number;
  const received = result.evidence.bodyBytes
    ? ` ${result.evidence.bodyBytes} byte(s) of body arrived${result.decodeError ? `; decoding stopped at byte ${result.decodeError.offset} (${result.decodeError.code})` : ''}${http.bodyIncomplete ? ', and the body was cut off' : ''}.`
    : '';
  if (code === 403 && headerValue(http.headers, 'x-ms-asthrottle')) {
    return { category: 'eas.deviceBlocked', message: `${command} got HTTP 403 with X-MS-ASThrottle "${headerValue(http.headers, 'x-ms-asthrottle')}": the device is blocked.` };
  }
  if (code === 401) {
    return { category: 'http.401', message: `${command} got HTTP 401 although OPTIONS accepted the same credentials: whatever serves commands (a back end behind the front end) refuses them.` };
  }
  if (code === 451) {
    const location = headerValue(http.headers, 'x-ms-location');
    return { category: 'http.451', message: `${command} got HTTP 451: the mailbox is served from ${location ? location : 'another URL (no X-MS-Location given)'}.` };
  }
  if (code === 403) {
    return { category: 'http.403', message: `${command} got HTTP 403: the user may not be enabled for ActiveSync, or the device is not allowed (protocol 12.1 and older carry no status to tell which).` };
  }
  const meaning = statusMeaning(code);
  return { category: meaning.category, message: `${command} got HTTP ${code}. ${meaning.text}${received}` };
}
