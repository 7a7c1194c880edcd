// Decodes the server's NTLM CHALLENGE message (type 2, MS-NLMP 2.2.1.2) into evidence: the target
// name, the NetBIOS and DNS names of the domain and the computer, and the Windows version. These
// often name the back-end server an administrator is fighting. The bytes come from a server, maybe
// a hostile one: every offset and length is checked against the buffer and every string is capped,
// and a malformed message is reported as such, never thrown.

export const NTLM_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** Negotiate flags the probe reads or reports (MS-NLMP 2.2.2.5). */
export const NTLM_FLAGS = {
  unicode: 0x00000001,
  oem: 0x00000002,
  requestTarget: 0x00000004,
  sign: 0x00000010,
  seal: 0x00000020,
  lmKey: 0x00000080,
  ntlm: 0x00000200,
  anonymous: 0x00000800,
  alwaysSign: 0x00008000,
  targetTypeDomain: 0x00010000,
  targetTypeServer: 0x00020000,
  extendedSessionSecurity: 0x00080000,
  identify: 0x00100000,
  targetInfo: 0x00800000,
  version: 0x02000000,
  key128: 0x20000000,
  keyExchange: 0x40000000,
  key56: 0x80000000,
} as const;

/** AV_PAIR ids (MS-NLMP 2.2.2.1). */
export const AV_ID = {
  eol: 0,
  nbComputerName: 1,
  nbDomainName: 2,
  dnsComputerName: 3,
  dnsDomainName: 4,
  dnsTreeName: 5,
  flags: 6,
  timestamp: 7,
  singleHost: 8,
  targetName: 9,
  channelBindings: 10,
} as const;

/** The target-information entries that are names (UTF-16LE), and the field each fills. */
const AV_NAME_FIELDS: Partial<Record<number, 'netbiosComputer' | 'netbiosDomain' | 'dnsComputer' | 'dnsDomain' | 'dnsTree'>> = {
  [AV_ID.nbComputerName]: 'netbiosComputer',
  [AV_ID.nbDomainName]: 'netbiosDomain',
  [AV_ID.dnsComputerName]: 'dnsComputer',
  [AV_ID.dnsDomainName]: 'dnsDomain',
  [AV_ID.dnsTreeName]: 'dnsTree',
};

/** Large enough for any real challenge (a few hundred bytes), small enough to bound the work. */
export const MAX_CHALLENGE_BYTES = 16 * 1024;
const MAX_AV_PAIRS = 64;
const MAX_NAME_CHARS = 256;
const HEADER_BYTES = 32;

export interface NtlmVersion {
  major: number;
  minor: number;
  build: number;
  revision: number;
}

export interface NtlmChallengeMessage {
  flags: number;
  /** The 8-byte nonce the type 3 answers. */
  serverChallenge: Buffer;
  targetName: string;
  /** The raw AV pair list, copied into the NTLMv2 response as it is. Undefined when the server sent none. */
  targetInfo?: Buffer;
  netbiosComputer?: string;
  netbiosDomain?: string;
  dnsComputer?: string;
  dnsDomain?: string;
  dnsTree?: string;
  /** MsvAvTimestamp, as an ISO time, when present. */
  timestamp?: string;
  version?: NtlmVersion;
  /** Problems that did not stop the decoding (a truncated AV list, an out-of-range name…). */
  warnings: string[];
}

export type ChallengeDecodeResult = { ok: true; message: NtlmChallengeMessage } | { ok: false; error: string };

/** Decodes a type 2 message. Never throws. */
export function decodeChallengeMessage(bytes: Uint8Array): ChallengeDecodeResult {
  try {
    return decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    // A bug of ours must not become a crash while reading a server's bytes.
    return { ok: false, error: `The NTLM challenge could not be read (${(error as Error).message}).` };
  }
}

function decode(buf: Buffer): ChallengeDecodeResult {
  if (buf.length > MAX_CHALLENGE_BYTES) return { ok: false, error: `The NTLM challenge is ${buf.length} bytes long; no real server sends more than a few hundred.` };
  if (buf.length < HEADER_BYTES) return { ok: false, error: `The NTLM challenge is truncated: ${buf.length} bytes, at least ${HEADER_BYTES} are needed.` };
  if (!buf.subarray(0, 8).equals(NTLM_SIGNATURE)) return { ok: false, error: 'The token is not an NTLM message (no NTLMSSP signature).' };
  const type = buf.readUInt32LE(8);
  if (type !== 2) return { ok: false, error: `Expected an NTLM challenge (type 2), got message type ${type}.` };

  const warnings: string[] = [];
  const flags = buf.readUInt32LE(20);
  const unicode = (flags & NTLM_FLAGS.unicode) !== 0;
  const serverChallenge = Buffer.from(buf.subarray(24, 32));

  const targetNameBytes = field(buf, 12, 'target name', warnings);
  const targetName = targetNameBytes ? cleanText(unicode ? utf16(targetNameBytes) : targetNameBytes.toString('latin1')) : '';

  const message: NtlmChallengeMessage = { flags, serverChallenge, targetName, warnings };

  // Old (NTLMv1-era) challenges end after the reserved bytes at 40: no target info, no version.
  if (buf.length >= 48) {
    const info = field(buf, 40, 'target information', warnings);
    if (info && (flags & NTLM_FLAGS.targetInfo) !== 0) {
      message.targetInfo = Buffer.from(info);
      readAvPairs(info, message, warnings);
    } else if (info && info.length > 0) {
      warnings.push('The challenge carries target information without the flag that announces it; it was ignored.');
    }
  }
  if ((flags & NTLM_FLAGS.version) !== 0) {
    if (buf.length >= 56 && firstPayloadOffset(buf) >= 56) {
      message.version = { major: buf[48], minor: buf[49], build: buf.readUInt16LE(50), revision: buf[55] };
    } else {
      warnings.push('The challenge announces a version field but has no room for it.');
    }
  }
  return { ok: true, message };
}

/** A security buffer (length, allocated length, offset) at `at`, or undefined when it points outside the message. */
function field(buf: Buffer, at: number, name: string, warnings: string[]): Buffer | undefined {
  const length = buf.readUInt16LE(at);
  const offset = buf.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset < HEADER_BYTES || offset > buf.length || length > buf.length - offset) {
    warnings.push(`The ${name} points outside the message (offset ${offset}, length ${length}, message ${buf.length} bytes).`);
    return undefined;
  }
  return buf.subarray(offset, offset + length);
}

/** Where the variable part starts: the version field is only there if nothing else sits at 48–55. */
function firstPayloadOffset(buf: Buffer): number {
  let first = buf.length;
  for (const at of [12, 40]) {
    if (buf.readUInt16LE(at) > 0) first = Math.min(first, buf.readUInt32LE(at + 4));
  }
  return first;
}

function readAvPairs(info: Buffer, message: NtlmChallengeMessage, warnings: string[]): void {
  let pos = 0;
  for (let count = 0; count < MAX_AV_PAIRS; count++) {
    if (pos + 4 > info.length) {
      warnings.push('The target information ends without its terminator.');
      return;
    }
    const id = info.readUInt16LE(pos);
    const length = info.readUInt16LE(pos + 2);
    pos += 4;
    if (id === AV_ID.eol) return;
    if (length > info.length - pos) {
      warnings.push(`An entry of the target information (id ${id}) runs past its end.`);
      return;
    }
    const value = info.subarray(pos, pos + length);
    pos += length;
    const nameField = AV_NAME_FIELDS[id];
    if (nameField) message[nameField] = cleanText(utf16(value));
    else if (id === AV_ID.timestamp && length === 8) message.timestamp = filetimeToIso(value.readBigUInt64LE(0));
    // Flags, channel bindings and the rest are not evidence an admin reads.
  }
  warnings.push(`The target information has more than ${MAX_AV_PAIRS} entries; the rest were ignored.`);
}

function utf16(bytes: Buffer): string {
  // An odd byte count is malformed UTF-16: drop the stray byte rather than guess.
  return bytes.subarray(0, bytes.length - (bytes.length % 2)).toString('utf16le');
}

/** Server text goes into evidence: strip control characters and cap the length. */
function cleanText(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  return clean.length > MAX_NAME_CHARS ? `${clean.slice(0, MAX_NAME_CHARS)}…` : clean;
}

const FILETIME_UNIX_EPOCH = 116444736000000000n;

function filetimeToIso(filetime: bigint): string | undefined {
  const ms = Number((filetime - FILETIME_UNIX_EPOCH) / 10000n);
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) && ms > 0 ? date.toISOString() : undefined;
}

/** "5.2.3790" for a version field. */
export function formatVersion(v: NtlmVersion): string {
  return `${v.major}.${v.minor}.${v.build}`;
}

/** The Windows release a version field most likely belongs to (servers first: that is who answers here). */
export function windowsReleaseName(v: NtlmVersion): string | undefined {
  const key = `${v.major}.${v.minor}`;
  switch (key) {
    case '5.0':
      return 'Windows 2000';
    case '5.1':
      return 'Windows XP';
    case '5.2':
      return 'Windows Server 2003';
    case '6.0':
      return 'Windows Server 2008 or Vista';
    case '6.1':
      return 'Windows Server 2008 R2 or Windows 7';
    case '6.2':
      return 'Windows Server 2012 or Windows 8';
    case '6.3':
      return 'Windows Server 2012 R2 or Windows 8.1';
    case '10.0':
      if (v.build >= 26100) return 'Windows Server 2025 or Windows 11';
      if (v.build >= 20348) return 'Windows Server 2022 or Windows 10/11';
      if (v.build >= 17763) return 'Windows Server 2019 or Windows 10';
      if (v.build >= 14393) return 'Windows Server 2016 or Windows 10';
      return 'Windows 10 or later';
    default:
      return undefined;
  }
}

const FLAG_NAMES: Array<[number, string]> = [
  [NTLM_FLAGS.unicode, 'Unicode'],
  [NTLM_FLAGS.oem, 'OEM'],
  [NTLM_FLAGS.requestTarget, 'RequestTarget'],
  [NTLM_FLAGS.sign, 'Sign'],
  [NTLM_FLAGS.seal, 'Seal'],
  [NTLM_FLAGS.lmKey, 'LMKey'],
  [NTLM_FLAGS.ntlm, 'NTLM'],
  [NTLM_FLAGS.anonymous, 'Anonymous'],
  [NTLM_FLAGS.alwaysSign, 'AlwaysSign'],
  [NTLM_FLAGS.targetTypeDomain, 'TargetTypeDomain'],
  [NTLM_FLAGS.targetTypeServer, 'TargetTypeServer'],
  [NTLM_FLAGS.extendedSessionSecurity, 'ExtendedSessionSecurity'],
  [NTLM_FLAGS.identify, 'Identify'],
  [NTLM_FLAGS.targetInfo, 'TargetInfo'],
  [NTLM_FLAGS.version, 'Version'],
  [NTLM_FLAGS.key128, '128'],
  [NTLM_FLAGS.keyExchange, 'KeyExchange'],
  [NTLM_FLAGS.key56, '56'],
];

/** "0x628a8215 (Unicode, NTLM, …)" for the evidence. */
export function describeFlags(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) >>> 0 !== 0).map(([, name]) => name);
  return `0x${(flags >>> 0).toString(16).padStart(8, '0')}${names.length ? ` (${names.join(', ')})` : ''}`;
}
