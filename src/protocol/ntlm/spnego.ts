// SPNEGO (RFC 4178) framing for NTLM under the HTTP "Negotiate" scheme: the client's first token is
// a NegTokenInit naming only the NTLMSSP mechanism with the NTLM negotiate message inside, later
// tokens and the server's answers are NegTokenResp. Only the DER this needs is written and read;
// the reader checks every length against the buffer (the bytes come from a server) and never throws.
// The lab uses the same functions for the server side.

/** 1.3.6.1.5.5.2, the SPNEGO mechanism. */
const SPNEGO_OID = Buffer.from([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]);
/** 1.3.6.1.4.1.311.2.2.10, NTLMSSP. */
export const NTLMSSP_OID = Buffer.from([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]);
/** 1.2.840.113554.1.2.2 (Kerberos 5) and 1.2.840.48018.1.2.2 (Microsoft's Kerberos OID), for the lab's descriptions. */
export const KERBEROS_OIDS = [
  Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]),
  Buffer.from([0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02]),
];

export type NegState = 'accept-completed' | 'accept-incomplete' | 'reject' | 'request-mic';
const NEG_STATES: NegState[] = ['accept-completed', 'accept-incomplete', 'reject', 'request-mic'];

// ---- writing --------------------------------------------------------------------------------

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

/** The client's first Negotiate token: GSS framing, NegTokenInit { mechTypes: [NTLMSSP], mechToken }. */
export function wrapNegTokenInit(ntlmNegotiate: Buffer): Buffer {
  const mechTypes = tlv(0xa0, tlv(0x30, tlv(0x06, NTLMSSP_OID)));
  const mechToken = tlv(0xa2, tlv(0x04, ntlmNegotiate));
  const negTokenInit = tlv(0xa0, tlv(0x30, Buffer.concat([mechTypes, mechToken])));
  return tlv(0x60, Buffer.concat([tlv(0x06, SPNEGO_OID), negTokenInit]));
}

/** A NegTokenResp carrying a mechanism token (the client's type 3, or the lab's type 2). */
export function wrapNegTokenResp(token: Buffer | undefined, options: { negState?: NegState; supportedMech?: Buffer } = {}): Buffer {
  const parts: Buffer[] = [];
  if (options.negState) parts.push(tlv(0xa0, tlv(0x0a, Buffer.from([NEG_STATES.indexOf(options.negState)]))));
  if (options.supportedMech) parts.push(tlv(0xa1, tlv(0x06, options.supportedMech)));
  if (token) parts.push(tlv(0xa2, tlv(0x04, token)));
  return tlv(0xa1, tlv(0x30, Buffer.concat(parts)));
}

// ---- reading --------------------------------------------------------------------------------

interface Tlv {
  tag: number;
  content: Buffer;
  /** Offset just past this element in the buffer it was read from. */
  end: number;
}

/** One DER element at `at`, or undefined when it is malformed or runs past the buffer. */
function readTlv(buf: Buffer, at: number): Tlv | undefined {
  if (at + 2 > buf.length) return undefined;
  const tag = buf[at];
  let length = buf[at + 1];
  let pos = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || pos + count > buf.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i];
    pos += count;
  }
  if (length > buf.length - pos) return undefined;
  return { tag, content: buf.subarray(pos, pos + length), end: pos + length };
}

/** The elements of a constructed value, in order; undefined when any of them is malformed. */
function children(content: Buffer, max = 16): Tlv[] | undefined {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < content.length) {
    const t = readTlv(content, pos);
    if (!t || out.length >= max) return undefined;
    out.push(t);
    pos = t.end;
  }
  return out;
}

export interface NegTokenResp {
  negState?: NegState;
  supportedMech?: Buffer;
  responseToken?: Buffer;
  mechListMic?: Buffer;
}

export interface NegTokenInit {
  mechTypes: Buffer[];
  mechToken?: Buffer;
}

export type SpnegoToken =
  | { kind: 'init'; init: NegTokenInit }
  | { kind: 'resp'; resp: NegTokenResp }
  /** Not SPNEGO: the raw NTLMSSP message some servers and clients send under Negotiate. */
  | { kind: 'rawNtlm'; ntlm: Buffer }
  | { kind: 'invalid'; error: string };

/** Reads any Negotiate token: NegTokenInit (GSS-framed or not), NegTokenResp, or a raw NTLMSSP message. */
export function readNegotiateToken(bytes: Buffer): SpnegoToken {
  try {
    if (bytes.length >= 8 && bytes.subarray(0, 7).toString('latin1') === 'NTLMSSP') return { kind: 'rawNtlm', ntlm: bytes };
    const outer = readTlv(bytes, 0);
    if (!outer) return { kind: 'invalid', error: 'The Negotiate token is not valid DER.' };
    if (outer.tag === 0x60) {
      // [APPLICATION 0] { thisMech OID, innerContextToken }
      const parts = children(outer.content, 2);
      if (!parts || parts.length !== 2 || parts[0].tag !== 0x06) return { kind: 'invalid', error: 'The Negotiate token has a malformed GSS header.' };
      if (!parts[0].content.equals(SPNEGO_OID)) return { kind: 'invalid', error: 'The Negotiate token names a mechanism other than SPNEGO (a bare Kerberos token?).' };
      return readNegotiationToken(parts[1]);
    }
    return readNegotiationToken(outer);
  } catch {
    return { kind: 'invalid', error: 'The Negotiate token could not be read.' };
  }
}

function readNegotiationToken(t: Tlv): SpnegoToken {
  const seq = readTlv(t.content, 0);
  if (!seq || seq.tag !== 0x30) return { kind: 'invalid', error: 'The SPNEGO token lacks its SEQUENCE.' };
  const fields = children(seq.content);
  if (!fields) return { kind: 'invalid', error: 'The SPNEGO token has a malformed field.' };
  if (t.tag === 0xa0) {
    const init: NegTokenInit = { mechTypes: [] };
    for (const f of fields) {
      const inner = readTlv(f.content, 0);
      if (!inner) return { kind: 'invalid', error: 'The SPNEGO NegTokenInit has a malformed field.' };
      if (f.tag === 0xa0 && inner.tag === 0x30) {
        for (const oid of children(inner.content, 32) ?? []) if (oid.tag === 0x06) init.mechTypes.push(Buffer.from(oid.content));
      } else if (f.tag === 0xa2 && inner.tag === 0x04) {
        init.mechToken = Buffer.from(inner.content);
      }
    }
    return { kind: 'init', init };
  }
  if (t.tag === 0xa1) {
    const resp: NegTokenResp = {};
    for (const f of fields) {
      const inner = readTlv(f.content, 0);
      if (!inner) return { kind: 'invalid', error: 'The SPNEGO NegTokenResp has a malformed field.' };
      if (f.tag === 0xa0 && inner.tag === 0x0a && inner.content.length === 1) resp.negState = NEG_STATES[inner.content[0]];
      else if (f.tag === 0xa1 && inner.tag === 0x06) resp.supportedMech = Buffer.from(inner.content);
      else if (f.tag === 0xa2 && inner.tag === 0x04) resp.responseToken = Buffer.from(inner.content);
      else if (f.tag === 0xa3 && inner.tag === 0x04) resp.mechListMic = Buffer.from(inner.content);
    }
    return { kind: 'resp', resp };
  }
  return { kind: 'invalid', error: `Unexpected SPNEGO element (tag 0x${t.tag.toString(16)}).` };
}

/** Dotted form of a DER OID body, for messages ("1.2.840.113554.1.2.2"). */
export function oidToString(oid: Buffer): string {
  if (oid.length === 0) return '';
  const parts = [Math.floor(oid[0] / 40), oid[0] % 40];
  let value = 0;
  for (let i = 1; i < oid.length && parts.length < 32; i++) {
    value = value * 128 + (oid[i] & 0x7f);
    if ((oid[i] & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
