// One normalised name per server, used to key the last user name, saved passwords and checklist
// ticks, so "Mail.Contoso.com", "https://mail.contoso.com/" and the full ActiveSync URL are one
// server, and two servers on one host (different ports) are two.
// Pure: no vscode import, unit-tested in plain Node.
import type { ProbeRun } from '../probe/runModel';
import { parseEmailTarget } from '../probe/emailTarget';
import { removeUserInfo } from '../probe/urlUserInfo';

/** "host" or "host:port" (port only when it isn't the scheme's default), lower-cased; '' when unusable. */
export function serverKey(input: string): string {
  // An e-mail address (Autodiscover finds its server) is keyed by the address itself.
  const email = parseEmailTarget(input);
  if (email) return email.address.toLowerCase();
  const text = removeUserInfo(input.trim()).text;
  if (!text) return '';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  try {
    const url = new URL(withScheme);
    // URL.host drops the default port of the scheme already; user:password never reaches the key.
    return url.host.toLowerCase().replace(/\.$/, '').replace(/\.(?=:\d+$)/, '');
  } catch {
    return '';
  }
}

/**
 * The server a finished run belongs to, for its checklist ticks. The built-in lab listens on new
 * ports each session, so its runs key by host alone and their ticks survive a restart.
 */
export function serverKeyOf(run: Pick<ProbeRun, 'target' | 'labScenario'>): string {
  const host = run.target.host.toLowerCase();
  if (run.labScenario) return host;
  return serverKey(run.target.url || run.target.input) || host;
}

/** The input with any "user:password@" part removed (the engine's own rule), for logs, titles and labels. */
export function withoutCredentials(input: string): string {
  return removeUserInfo(input).text;
}

const PASSWORD_PREFIX = 'password:';

/**
 * Secret-storage key for one server and user. Holds no secret itself; the password is the value.
 * Both parts are URI-encoded so hosts with ':' (IPv6, ports) and user names with '\\' or '@' split back cleanly.
 */
export function passwordKey(server: string, userName: string): string {
  const host = serverKey(server) || server.trim().toLowerCase();
  return `${PASSWORD_PREFIX}${encodeURIComponent(host)}/${encodeURIComponent(userName.trim().toLowerCase())}`;
}

/** The server and user a key made by passwordKey stands for (for "Forget Saved Password"). */
export function parsePasswordKey(key: string): { server: string; userName: string } | undefined {
  if (!key.startsWith(PASSWORD_PREFIX)) return undefined;
  const parts = key.slice(PASSWORD_PREFIX.length).split('/');
  if (parts.length !== 2) return undefined;
  try {
    return { server: decodeURIComponent(parts[0]), userName: decodeURIComponent(parts[1]) };
  } catch {
    return undefined;
  }
}
