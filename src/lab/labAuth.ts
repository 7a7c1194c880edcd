// Reads the Authorization header of a lab request and checks Basic credentials against the
// scenario's accounts. NTLM and Negotiate tokens are not handled here but by labNtlm.ts (a real
// NTLMv2 check of the lab password); this file reports them as 'unsupported' schemes.
import type { IncomingMessage } from 'node:http';
import { isAcceptedUserName, LAB_PASSWORD, type LabAccountKind } from './labAccounts';

export type LabAuthResult =
  /** No Authorization header at all. */
  | { kind: 'anonymous' }
  /** A known user name and the right password (Basic unless `scheme` says otherwise). */
  | { kind: 'accepted'; userName: string; scheme?: LabAuthScheme }
  /**
   * Refused: a wrong user name form or password, Basic sent where the directory has it switched
   * off, or an NTLM/Negotiate handshake that failed (no challenge on this connection, Kerberos
   * only, a malformed or NTLMv1 answer, or a directory that refuses Windows sign-ins).
   */
  | { kind: 'rejected'; userName: string; reason: LabRejection; scheme?: LabAuthScheme }
  /** A scheme the lab cannot verify (NTLM, Negotiate, Bearer, …) or a malformed header. */
  | { kind: 'unsupported'; scheme: string };

export type LabAuthScheme = 'Basic' | 'NTLM' | 'Negotiate' | 'Bearer';
export type LabRejection = 'unknownUser' | 'wrongPassword' | 'schemeNotEnabled' | 'noChallenge' | 'malformed' | 'kerberosOnly' | 'refused' | 'ntlmV1' | 'invalidToken';

export interface BasicCredentials {
  userName: string;
  password: string;
}

/** Decodes `Basic <base64(user:password)>`; undefined when the header is not Basic or is malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { userName: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function checkLabAuthorization(req: IncomingMessage, accounts: LabAccountKind): LabAuthResult {
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === '') return { kind: 'anonymous' };
  const basic = parseBasicAuthorization(header);
  if (!basic) return { kind: 'unsupported', scheme: header.trim().split(/\s+/)[0] ?? '' };
  if (!isAcceptedUserName(accounts, basic.userName)) {
    return { kind: 'rejected', userName: basic.userName, reason: 'unknownUser' };
  }
  if (basic.password !== LAB_PASSWORD) {
    return { kind: 'rejected', userName: basic.userName, reason: 'wrongPassword' };
  }
  return { kind: 'accepted', userName: basic.userName };
}
