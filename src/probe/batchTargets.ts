// Reads a batch targets file: one server per line with an optional user name, either
// whitespace-separated ("mail.contoso.com user@contoso.com") or comma-separated ("url,user").
// `#` starts a comment; blank lines are ignored. A server may be an e-mail address, as with
// `probe`: that run starts with Autodiscover and signs in as the address unless the line names
// another user. Every target is checked with the probe's own input rules before anything touches
// the network, and every bad line is reported with its number, so an admin fixes the whole file
// in one go instead of one error per run.
import { MAX_USER_FILE_BYTES } from '../common/boundedFileRead';
import type { BatchTarget } from './batch';
import { defaultUserName } from './emailTarget';
import { readProbeTarget } from './probeTarget';
import { abbreviate, judgeUserName } from './targetInput';

/** A file this large is not a list of servers someone maintains by hand. */
export const MAX_BATCH_TARGETS = 10_000;
/** Nor is a targets file larger than this (checked before reading it, by the CLI and the extension). */
export const MAX_TARGETS_FILE_BYTES = MAX_USER_FILE_BYTES;

export function targetsFileTooLargeMessage(file: string): string {
  return `${file} is larger than ${MAX_TARGETS_FILE_BYTES / 1024 / 1024} MB; that is not a list of servers.`;
}

export interface BatchTargetLine extends BatchTarget {
  /** 1-based line number in the file, for messages. */
  line: number;
}

export interface BatchTargetError {
  line: number;
  message: string;
}

export interface ParsedBatchTargets {
  targets: BatchTargetLine[];
  errors: BatchTargetError[];
}

/** A CSV header row such as "url,user" or "server, username" is skipped, not probed. */
const HEADER_ROW = /^(url|target|server|host)\s*(,\s*(user|username|user name|login)\s*)?$/i;

export function parseBatchTargets(text: string, options: { allowHttp?: boolean } = {}): ParsedBatchTargets {
  const targets: BatchTargetLine[] = [];
  const errors: BatchTargetError[] = [];
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  let sawContent = false;
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const content = stripComment(lines[i]).trim();
    if (!content) continue;
    const firstContent = !sawContent;
    sawContent = true;
    if (firstContent && HEADER_ROW.test(content)) continue;

    const fields = content.includes(',') ? content.split(',').map((f) => f.trim()) : content.split(/\s+/);
    if (fields.length > 2) {
      errors.push({
        line,
        message: `expected a server and an optional user name, found ${fields.length} fields. Passwords never go in this file: use ACTIVESYNC_PASSWORD or --password-stdin.`,
      });
      continue;
    }
    const [target, typedUser] = fields;
    if (!target) {
      errors.push({ line, message: 'the server is missing before the comma.' });
      continue;
    }
    const { email, server } = readProbeTarget(target, { allowHttp: options.allowHttp });
    const targetError = server.findings.find((f) => f.severity === 'error');
    if (!server.ok || targetError) {
      errors.push({ line, message: targetError?.message ?? `"${abbreviate(target)}" is not a usable server address.` });
      continue;
    }
    // An address signs in as itself unless the line names another user, as `probe` does.
    const userName = defaultUserName(target, typedUser || undefined);
    if (userName !== undefined) {
      const userError = judgeUserName(userName, email ? email.domain : server.host).find((f) => f.severity === 'error');
      if (userError) {
        errors.push({ line, message: userError.message });
        continue;
      }
    }
    if (targets.length >= MAX_BATCH_TARGETS) {
      errors.push({ line, message: `more than ${MAX_BATCH_TARGETS} targets; split the file.` });
      break;
    }
    targets.push(userName ? { line, target, userName } : { line, target });
  }
  return { targets, errors };
}

/** A `#` at the start of a line or after whitespace begins a comment (a URL fragment has no space before it). */
function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match ? line.slice(0, match.index) : line;
}
