// The user-info part of what someone typed as a server address ("user:password@host"). It is cut
// off at the LAST "@" before the host, because a password may itself hold "@", "/", "?", "#",
// ":" or spaces, and nothing of it is used, kept or shown: the probe never takes a password from
// a URL. The one exception to "last": an "@" after a plain host[:port], in the path or query
// string ("…/Microsoft-Server-ActiveSync?User=jdoe@contoso.com"), is not user info. (So a password
// that is only digits up to a "/" reads as a port and a path: the address then fails or points at
// the user name as a host, and still nothing after the "@" is taken as credentials.)
// Pure, no dependencies: the extension imports it directly for what it shows and remembers.

export interface UserInfoSplit {
  /** The input with the user-info part and its "@" removed (the scheme kept). */
  text: string;
  /** There was a user-info part. */
  had: boolean;
  /** It held a password (a ":" after the user name). */
  hadPassword: boolean;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A plain host (no user info) and optional port, then a path, query or fragment that holds the "@". */
const AT_AFTER_HOST = /^(\[[0-9a-f:.]*\]|[^\s:/?#@[\]]+)(:\d{1,5})?[/?#]/i;

export function removeUserInfo(input: string): UserInfoSplit {
  const scheme = SCHEME.exec(input)?.[0] ?? '';
  const rest = input.slice(scheme.length);
  for (let at = rest.lastIndexOf('@'); at >= 0; at = rest.lastIndexOf('@', at - 1)) {
    const before = rest.slice(0, at);
    if (AT_AFTER_HOST.test(before)) continue;
    return { text: scheme + rest.slice(at + 1), had: true, hadPassword: before.includes(':') };
  }
  return { text: input, had: false, hadPassword: false };
}
