// The lab's Integrated Windows authentication: a real NTLMv2 server side for the lab account, so
// the probe's NTLM and Negotiate handshakes are checked end to end without a domain controller.
// A NEGOTIATE message gets a CHALLENGE naming the lab server (NetBIOS and DNS names, Windows
// version), remembered for that connection only; the AUTHENTICATE message is checked by
// recomputing NTOWFv2 from the lab password and comparing the NTProofStr (HMAC-MD5, node:crypto;
// MD4 from httpntlm's pure-JS helper). NTLMv1 answers are refused, as a hardened server would.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { create_NT_hashed_password } from 'httpntlm/ntlm';
import { AV_ID, NTLM_FLAGS, NTLM_SIGNATURE } from '../protocol/ntlm/ntlmChallenge';
import { NTLMSSP_OID, readNegotiateToken, wrapNegTokenResp } from '../protocol/ntlm/spnego';
import { LAB_CLOUD_UPN, LAB_PASSWORD, LAB_UPN, LAB_USER, type LabAccountKind } from './labAccounts';

/** How a scenario's directory treats Integrated Windows authentication. */
export type WindowsAuthMode =
  /** Runs NTLM (and NTLM inside Negotiate) and checks the password. */
  | 'verify'
  /** Runs the handshake but refuses every answer (IWA ticked but broken, e.g. a back end that cannot reach a DC). */
  | 'refuse'
  /** Negotiate accepts only Kerberos: an NTLM token inside it gets a plain 401. */
  | 'kerberosOnly'
  /** Answers the negotiate message with its challenge, then closes the connection (a balancer without affinity). */
  | 'dropBetweenLegs';

/** The Windows machine a scenario's challenge names. */
export interface LabWindowsHost {
  netbiosComputer: string;
  dnsComputer: string;
  version: [major: number, minor: number, build: number];
}

export const LAB_NETBIOS_DOMAIN = 'CONTOSO';
export const LAB_DNS_DOMAIN = 'contoso.example';

export type WindowsAuthOutcome =
  /** Leg 1 answered: send 401 with this WWW-Authenticate value (and close the connection when asked). */
  | { kind: 'challenge'; wwwAuthenticate: string; closeConnection: boolean }
  | { kind: 'accepted'; userName: string }
  | { kind: 'rejected'; userName?: string; reason: 'unknownUser' | 'wrongPassword' | 'noChallenge' | 'malformed' | 'kerberosOnly' | 'refused' | 'ntlmV1' };

interface PendingChallenge {
  serverChallenge: Buffer;
  scheme: 'NTLM' | 'Negotiate';
}

/** Per connection: the challenge sent on that socket, for its next request only. */
const pending = new WeakMap<Socket, PendingChallenge>();

export interface WindowsAuthRequest {
  scheme: 'NTLM' | 'Negotiate';
  /** The base64 token after the scheme name. */
  token: string;
  socket: Socket;
  mode: WindowsAuthMode;
  accounts: LabAccountKind;
  host: LabWindowsHost;
}

export function handleWindowsAuth(req: WindowsAuthRequest): WindowsAuthOutcome {
  let bytes: Buffer = Buffer.from(req.token, 'base64');
  const previous = pending.get(req.socket);
  pending.delete(req.socket);
  if (req.scheme === 'Negotiate') {
    const token = readNegotiateToken(bytes);
    if (token.kind === 'invalid') return { kind: 'rejected', reason: 'malformed' };
    if (req.mode === 'kerberosOnly') return { kind: 'rejected', reason: 'kerberosOnly' };
    if (token.kind === 'init') {
      if (!token.init.mechTypes.some((m) => m.equals(NTLMSSP_OID)) || !token.init.mechToken) return { kind: 'rejected', reason: 'kerberosOnly' };
      bytes = token.init.mechToken;
    } else if (token.kind === 'resp') {
      if (!token.resp.responseToken) return { kind: 'rejected', reason: 'malformed' };
      bytes = token.resp.responseToken;
    } else {
      bytes = token.ntlm;
    }
  }
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(NTLM_SIGNATURE)) return { kind: 'rejected', reason: 'malformed' };
  const type = bytes.readUInt32LE(8);
  if (type === 1) {
    const serverChallenge = randomBytes(8);
    const closeConnection = req.mode === 'dropBetweenLegs';
    if (!closeConnection) pending.set(req.socket, { serverChallenge, scheme: req.scheme });
    const challenge = challengeMessage(serverChallenge, req.host, new Date());
    const value = req.scheme === 'Negotiate' ? wrapNegTokenResp(challenge, { negState: 'accept-incomplete', supportedMech: NTLMSSP_OID }) : challenge;
    return { kind: 'challenge', wwwAuthenticate: `${req.scheme} ${value.toString('base64')}`, closeConnection };
  }
  if (type !== 3) return { kind: 'rejected', reason: 'malformed' };
  const auth = parseAuthenticateMessage(bytes);
  if (!auth) return { kind: 'rejected', reason: 'malformed' };
  const userName = auth.domain ? `${auth.domain}\\${auth.user}` : auth.user;
  if (!previous || previous.scheme !== req.scheme) return { kind: 'rejected', userName, reason: 'noChallenge' };
  if (req.mode === 'refuse') return { kind: 'rejected', userName, reason: 'refused' };
  if (auth.ntResponse.length <= 24) return { kind: 'rejected', userName, reason: 'ntlmV1' };
  if (!isLabIdentity(req.accounts, auth.user, auth.domain)) return { kind: 'rejected', userName, reason: 'unknownUser' };
  const expected = ntProofStr(LAB_PASSWORD, auth.user, auth.domain, previous.serverChallenge, auth.ntResponse.subarray(16));
  const proof = auth.ntResponse.subarray(0, 16);
  return timingSafeEqual(expected, proof) ? { kind: 'accepted', userName } : { kind: 'rejected', userName, reason: 'wrongPassword' };
}

/** NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5 keyed with the NT hash over UPPER(user) + domain, UTF-16LE. */
export function ntowfV2(password: string, user: string, domain: string): Buffer {
  return createHmac('md5', create_NT_hashed_password(password)).update(Buffer.from(user.toUpperCase() + domain, 'utf16le')).digest();
}

/** NTProofStr: HMAC-MD5 keyed with NTOWFv2 over the server challenge and the client's blob. */
export function ntProofStr(password: string, user: string, domain: string, serverChallenge: Buffer, blob: Buffer): Buffer {
  return createHmac('md5', ntowfV2(password, user, domain)).update(Buffer.concat([serverChallenge, blob])).digest();
}

/**
 * Which names the lab's directory knows: DOMAIN\labuser with the NetBIOS or DNS domain, the UPN
 * with an empty domain (what Windows sends for user@domain), or the Office 365 UPN.
 */
function isLabIdentity(kind: LabAccountKind, user: string, domain: string): boolean {
  const u = user.toLowerCase();
  const d = domain.toLowerCase();
  if (kind === 'office365') return u === LAB_CLOUD_UPN && d === '';
  if (u === LAB_UPN) return d === '' || d === LAB_NETBIOS_DOMAIN.toLowerCase() || d === LAB_DNS_DOMAIN;
  return u === LAB_USER && (d === LAB_NETBIOS_DOMAIN.toLowerCase() || d === LAB_DNS_DOMAIN);
}

// ---- messages -------------------------------------------------------------------------------

const CHALLENGE_FLAGS =
  NTLM_FLAGS.unicode |
  NTLM_FLAGS.requestTarget |
  NTLM_FLAGS.ntlm |
  NTLM_FLAGS.alwaysSign |
  NTLM_FLAGS.targetTypeDomain |
  NTLM_FLAGS.extendedSessionSecurity |
  NTLM_FLAGS.targetInfo |
  NTLM_FLAGS.version |
  NTLM_FLAGS.key128 |
  NTLM_FLAGS.key56;

function avPair(id: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value]);
}

const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** A CHALLENGE message (type 2) as a Windows server of the host's version would send it. */
export function challengeMessage(serverChallenge: Buffer, host: LabWindowsHost, now: Date): Buffer {
  const targetName = utf16(LAB_NETBIOS_DOMAIN);
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64LE((BigInt(now.getTime()) + 11644473600000n) * 10000n);
  const targetInfo = Buffer.concat([
    avPair(AV_ID.nbDomainName, utf16(LAB_NETBIOS_DOMAIN)),
    avPair(AV_ID.nbComputerName, utf16(host.netbiosComputer)),
    avPair(AV_ID.dnsDomainName, utf16(LAB_DNS_DOMAIN)),
    avPair(AV_ID.dnsComputerName, utf16(host.dnsComputer)),
    avPair(AV_ID.dnsTreeName, utf16(LAB_DNS_DOMAIN)),
    avPair(AV_ID.timestamp, timestamp),
    avPair(AV_ID.eol, Buffer.alloc(0)),
  ]);
  const header = Buffer.alloc(56);
  NTLM_SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(56, 16);
  header.writeUInt32LE(CHALLENGE_FLAGS >>> 0, 20);
  serverChallenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(56 + targetName.length, 44);
  const [major, minor, build] = host.version;
  header[48] = major;
  header[49] = minor;
  header.writeUInt16LE(build, 50);
  header[55] = 15; // NTLMSSP_REVISION_W2K3
  return Buffer.concat([header, targetName, targetInfo]);
}

interface AuthenticateFields {
  ntResponse: Buffer;
  domain: string;
  user: string;
}

/** Reads the AUTHENTICATE message (type 3) with bounds checks; undefined when malformed. */
export function parseAuthenticateMessage(buf: Buffer): AuthenticateFields | undefined {
  if (buf.length < 64 || !buf.subarray(0, 8).equals(NTLM_SIGNATURE) || buf.readUInt32LE(8) !== 3) return undefined;
  const field = (at: number): Buffer | undefined => {
    const length = buf.readUInt16LE(at);
    const offset = buf.readUInt32LE(at + 4);
    if (length === 0) return Buffer.alloc(0);
    if (offset > buf.length || length > buf.length - offset) return undefined;
    return buf.subarray(offset, offset + length);
  };
  const unicode = (buf.readUInt32LE(60) & NTLM_FLAGS.unicode) !== 0;
  const text = (b: Buffer) => (unicode ? b.subarray(0, b.length - (b.length % 2)).toString('utf16le') : b.toString('latin1'));
  const nt = field(20);
  const domain = field(28);
  const user = field(36);
  if (!nt || !domain || !user) return undefined;
  return { ntResponse: nt, domain: text(domain), user: text(user) };
}
