// What the "Run Connectivity Test" box makes of the text typed into it: an e-mail address stays
// one (the run starts with Autodiscover, and the user name box offers the address), anything else
// is a host or URL whose "user:password@" part is dropped before it is shown, keyed or remembered.
// Pure: no vscode import, unit-tested in plain Node.
import { parseEmailTarget } from '../probe/emailTarget';
import { removeUserInfo } from '../probe/urlUserInfo';

export interface TypedTarget {
  /** What the run targets: the e-mail address, or the host or URL without user info. */
  target: string;
  /** Set when the text was an e-mail address: the user name a phone would sign in with. */
  suggestedUserName?: string;
  /** What was dropped from a URL's user-info part, for the warning. */
  dropped?: 'userName' | 'password';
}

export function readTypedTarget(text: string): TypedTarget {
  const email = parseEmailTarget(text);
  if (email) return { target: email.address, suggestedUserName: email.address };
  const split = removeUserInfo(text.trim());
  return split.had ? { target: split.text, dropped: split.hadPassword ? 'password' : 'userName' } : { target: split.text };
}
