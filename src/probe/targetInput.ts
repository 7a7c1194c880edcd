// Turns what an admin typed ("mail.contoso.com", "https://mail.contoso.com:8443/…", "[::1]")
// into the ActiveSync URL to probe, and judges the user name's form. Pure functions: the input
// step reports what these find, and bad input never reaches the network.
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';
import type { FailureCategory } from './runModel';
import { removeUserInfo } from './urlUserInfo';

export const ACTIVESYNC_PATH = '/Microsoft-Server-ActiveSync';
const MAX_INPUT_LENGTH = 2048;

export interface InputFinding {
  severity: 'error' | 'warning' | 'info';
  category: FailureCategory;
  message: string;
}

export interface NormalizedTarget {
  ok: boolean;
  /** Normalised URL; empty when not ok. Never contains credentials. */
  url: string;
  /** ASCII host name (punycode) or IP literal without brackets, trailing dot removed. */
  host: string;
  /** The host as a person reads it (Unicode), when it differs from `host`. */
  displayHost?: string;
  port: number;
  scheme: 'https' | 'http' | '';
  /** The input with any user:password part removed, safe to store and show. */
  safeInput: string;
  findings: InputFinding[];
}

/** Shorten hostile input for messages: never echo a megabyte back at the user. */
export function abbreviate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

export function normalizeTarget(rawInput: string, options: { allowHttp?: boolean } = {}): NormalizedTarget {
  const findings: InputFinding[] = [];
  const fail = (category: FailureCategory, message: string, safeInput: string): NormalizedTarget => ({
    ok: false, url: '', host: '', port: 0, scheme: '', safeInput, findings: [...findings, { severity: 'error', category, message }],
  });

  if (rawInput.length > MAX_INPUT_LENGTH) {
    return fail('input.invalidUrl', `The server address is ${rawInput.length} characters long; a host name or URL is at most ${MAX_INPUT_LENGTH}.`, abbreviate(removeUserInfo(rawInput.slice(0, 200).trim()).text, 40));
  }
  const trimmed = rawInput.trim();
  const { text: withoutCredentials, had: hadCredentials, hadPassword } = removeUserInfo(trimmed);
  const safeInput = withoutCredentials;
  if (hadCredentials) {
    findings.push({
      severity: 'warning',
      category: 'input.credentialsInUrl',
      message: hadPassword
        ? 'A password in the address was discarded: it was not used, stored or shown. Give it with --password-stdin or the password box instead.'
        : 'A user name in the address was discarded: it was not used or stored. Give it as the user name (--user) instead.',
    });
  }
  if (!trimmed) return fail('input.invalidUrl', 'Enter a server host name or URL, for example mail.contoso.com.', '');
  if (/\s/.test(withoutCredentials)) return fail('input.invalidUrl', `The server address "${abbreviate(withoutCredentials)}" contains spaces.`, safeInput);

  let candidate = withoutCredentials;
  const hasAuthority = /^[a-z][a-z0-9+.-]*:\/\//i.test(candidate);
  // "host:443" would parse as a scheme; only "scheme://" or a known non-web scheme counts as one.
  const foreignScheme = /^(file|javascript|data|vbscript|mailto|about|ftp|ws|wss|ldap|smb):/i.exec(candidate);
  if (foreignScheme && !hasAuthority) {
    return fail('input.unsupportedScheme', `The "${foreignScheme[1].toLowerCase()}:" scheme is not supported; ActiveSync is reached over https://.`, safeInput);
  }
  if (!hasAuthority) {
    // A bare IPv6 literal ("::1", "fe80::1") needs brackets; anything else is host[:port][/path].
    if (isIP(candidate) === 6) candidate = `[${candidate}]`;
    candidate = `https://${candidate}`;
  }

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    const portText = /:(\d+)(?:[/?#]|$)/.exec(candidate.replace(/^[a-z]+:\/\//i, ''))?.[1];
    if (portText !== undefined && Number(portText) > 65535) {
      return fail('input.invalidPort', `Port ${abbreviate(portText, 12)} is out of range; use 1 to 65535.`, safeInput);
    }
    return fail('input.invalidUrl', `"${abbreviate(withoutCredentials)}" is not a valid host name or URL.`, safeInput);
  }

  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : '';
  if (!scheme) {
    return fail('input.unsupportedScheme', `The "${abbreviate(url.protocol, 20)}" scheme is not supported; ActiveSync is reached over https://.`, safeInput);
  }
  if (url.username || url.password) {
    // Caught by stripCredentials already; a second form ("https://@host") is simply dropped.
    url.username = '';
    url.password = '';
  }
  if (scheme === 'http') {
    if (!options.allowHttp) {
      return fail('input.plainHttpNotAllowed', 'Plain http:// sends the password unencrypted. Use https://, or allow plain HTTP explicitly for this run (--allow-http).', safeInput);
    }
    findings.push({ severity: 'warning', category: 'input.plainHttp', message: 'Plain HTTP is allowed for this run: the password travels unencrypted. Real devices use HTTPS.' });
  }

  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (!host) return fail('input.invalidHost', 'The address has no host name.', safeInput);
  if (isIP(host) === 0 && !/^[a-z0-9.-]+$/i.test(host)) {
    return fail('input.invalidHost', `"${abbreviate(host)}" is not a valid host name.`, safeInput);
  }
  if (isIP(host) === 0 && host.split('.').some((label) => label.length > 63 || label.length === 0)) {
    return fail('input.invalidHost', `"${abbreviate(host)}" is not a valid host name (a label is empty or longer than 63 characters).`, safeInput);
  }

  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return fail('input.invalidPort', `Port ${url.port} is out of range; use 1 to 65535.`, safeInput);
  }

  const displayHost = host.includes('xn--') ? domainToUnicode(host) : undefined;
  if (displayHost && displayHost !== host) {
    // Latin mixed with Cyrillic or Greek in one label is the classic look-alike ("exаmple" with a Cyrillic а).
    const mixed = displayHost.split('.').some((label) => /[a-z]/i.test(label) && /[\u0370-\u03ff\u0400-\u04ff]/.test(label));
    findings.push(
      mixed
        ? { severity: 'warning', category: 'input.invalidHost', message: `The host name mixes Latin with Cyrillic or Greek letters: "${displayHost}" is really ${host}. Such look-alike names are a known trick; check it is the server you mean.` }
        : { severity: 'info', category: 'input.invalidHost', message: `International host name shown as ${host} (punycode of "${displayHost}"). Check it is the server you mean.` },
    );
  }

  const path = url.pathname.replace(/\/+$/, '');
  let finalPath = ACTIVESYNC_PATH;
  if (path && path.toLowerCase() !== ACTIVESYNC_PATH.toLowerCase()) {
    if (path.toLowerCase().endsWith(ACTIVESYNC_PATH.toLowerCase())) {
      finalPath = path; // e.g. behind a reverse proxy prefix
      findings.push({ severity: 'warning', category: 'input.unexpectedPath', message: `The ActiveSync directory is under "${abbreviate(path)}" rather than at the root; devices normally use ${ACTIVESYNC_PATH}.` });
    } else {
      findings.push({ severity: 'warning', category: 'input.unexpectedPath', message: `The path "${abbreviate(path)}" is not the ActiveSync directory; probing ${ACTIVESYNC_PATH} on the same server instead.` });
    }
  } else if (path && path !== ACTIVESYNC_PATH) {
    finalPath = ACTIVESYNC_PATH;
  }
  if (url.search || url.hash) {
    findings.push({ severity: 'info', category: 'input.unexpectedPath', message: 'The query string or fragment was dropped: OPTIONS is sent to the directory itself.' });
  }

  const hostForUrl = isIP(host) === 6 ? `[${host}]` : host;
  const defaultPort = scheme === 'https' ? 443 : 80;
  const normalized = `${scheme}://${hostForUrl}${port === defaultPort ? '' : `:${port}`}${finalPath}`;
  return { ok: true, url: normalized, host, displayHost, port, scheme, safeInput, findings };
}

/** Exchange Online front doors, where a bare user name never signs in. */
export function isExchangeOnlineHost(host: string): boolean {
  const h = host.toLowerCase();
  return ['outlook.office365.com', 'outlook.office.com', 'outlook.com', 'office365.com', 'partner.outlook.cn', 'outlook.office365.us'].some(
    (suffix) => h === suffix || h.endsWith(`.${suffix}`),
  );
}

export type UserNameForm = 'upn' | 'downLevel' | 'bare' | 'none';

export function userNameForm(userName: string | undefined): UserNameForm {
  if (!userName) return 'none';
  if (userName.includes('\\')) return 'downLevel';
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(userName)) return 'upn';
  return 'bare';
}

export function judgeUserName(userName: string | undefined, host: string): InputFinding[] {
  const form = userNameForm(userName);
  const findings: InputFinding[] = [];
  if (form === 'none') {
    findings.push({ severity: 'info', category: 'input.missingUser', message: 'No user name given: only the anonymous checks run.' });
    return findings;
  }
  const name = userName as string;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: 'The user name contains control characters.' });
  } else if (name.length > 512) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: `The user name is ${name.length} characters long; that is not a Windows or Office 365 sign-in name.` });
  } else if (form === 'upn' && name.includes(':')) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: 'A user name for Basic authentication cannot contain ":".' });
  } else if (name.includes(':')) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: 'A user name for Basic authentication cannot contain ":".' });
  } else if (isExchangeOnlineHost(host) && form !== 'upn') {
    findings.push({ severity: 'warning', category: 'input.userNameForm', message: `Office 365 signs in with the full user principal name (user@domain.com); "${abbreviate(name, 60)}" is ${form === 'bare' ? 'a bare name' : 'in DOMAIN\\user form'}.` });
  } else if (form === 'downLevel' && !/^[^\\]+\\[^\\]+$/.test(name)) {
    findings.push({ severity: 'error', category: 'input.userNameForm', message: 'The user name should look like DOMAIN\\user (one backslash).' });
  }
  return findings;
}
