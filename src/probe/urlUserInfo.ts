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

/** What stands where a URL's user info was, in text a server sent. */
export const USER_INFO_REMOVED = '[user info removed]';
/** A URL inside free text (a header, XML, JSON): it ends at white space, a quote or an angle bracket. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`]+/gi;

/**
 * Text a server sent (a Location, an X-MS-Location, an Autodiscover answer), with the user info of
 * every URL in it replaced: a server may hand out "https://user:password@host/…", and that password
 * is kept nowhere, as one typed by the user is not. The URL stays readable and points where it did.
 */
export function redactUrlUserInfo(text: string): string {
  if (!text.includes('@') || !text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (url) => {
    const split = removeUserInfo(url);
    if (!split.had) return url;
    const scheme = SCHEME.exec(url)?.[0] ?? '';
    return `${scheme}${USER_INFO_REMOVED}@${split.text.slice(scheme.length)}`;
  });
}
