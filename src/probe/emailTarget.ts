// An e-mail address typed where a server is expected ("jdoe@contoso.com"): the run then starts
// with Autodiscover, as a phone does. Told apart from a URL with user info ("jdoe:pw@host",
// "https://jdoe@host"): an address has no scheme, no colon, no slash and exactly one "@".
// Pure; the extension imports it too, so both read the same input the same way.
import { domainToASCII } from 'node:url';

export interface EmailTarget {
  /** The address as typed (trimmed), with the domain in ASCII (punycode) form. */
  address: string;
  /** The part before the "@". */
  localPart: string;
  /** Lower-case ASCII domain: what Autodiscover's candidate URLs are built from. */
  domain: string;
}

const SHAPE = /^([^\s@:/\\?#[\]]{1,64})@([^\s@:/\\?#[\]]{1,253})$/;

/** The address when `input` is an e-mail address, else undefined (a host name or URL). */
export function parseEmailTarget(input: string | undefined): EmailTarget | undefined {
  if (!input) return undefined;
  const match = SHAPE.exec(input.trim());
  if (!match) return undefined;
  const domain = domainToASCII(match[2].replace(/\.$/, '')).toLowerCase();
  // At least two labels, each 1–63 letters, digits or hyphens: "jdoe@localhost" is not an address here.
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) return undefined;
  return { address: `${match[1]}@${domain}`, localPart: match[1], domain };
}

export function isEmailAddress(input: string | undefined): boolean {
  return parseEmailTarget(input) !== undefined;
}

/** The user name a run signs in with: the one given, else the e-mail address typed as the target (a phone does the same). */
export function defaultUserName(target: string, userName: string | undefined): string | undefined {
  return userName?.trim() ? userName : parseEmailTarget(target)?.address;
}
