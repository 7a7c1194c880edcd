// The NTLM type-2 decoder and the SPNEGO framing read bytes a server chose: the evidence they
// extract (names, Windows version) must be right, and malformed, truncated or hostile input must
// come back as an error or a warning, never an exception.
import assert from 'node:assert/strict';
import { challengeMessage } from '../../src/lab/labNtlm';
import { AV_ID, decodeChallengeMessage, describeFlags, NTLM_FLAGS, windowsReleaseName } from '../../src/protocol/ntlm/ntlmChallenge';
import { NTLMSSP_OID, oidToString, readNegotiateToken, wrapNegTokenInit, wrapNegTokenResp } from '../../src/protocol/ntlm/spnego';

const HOST = { netbiosComputer: 'EX2003', dnsComputer: 'ex2003.contoso.example', version: [5, 2, 3790] as [number, number, number] };
const CHALLENGE = Buffer.from('0123456789abcdef', 'hex');

function labChallenge(): Buffer {
  return challengeMessage(CHALLENGE, HOST, new Date('2026-01-02T03:04:05.000Z'));
}

/** A type 2 header with the given fields, for hand-made malformed messages. */
function header(opts: { flags?: number; nameLen?: number; nameOff?: number; infoLen?: number; infoOff?: number; size?: number }): Buffer {
  const buf = Buffer.alloc(opts.size ?? 56);
  Buffer.from('NTLMSSP\0', 'latin1').copy(buf, 0);
  buf.writeUInt32LE(2, 8);
  buf.writeUInt16LE(opts.nameLen ?? 0, 12);
  buf.writeUInt16LE(opts.nameLen ?? 0, 14);
  buf.writeUInt32LE(opts.nameOff ?? 0, 16);
  buf.writeUInt32LE((opts.flags ?? NTLM_FLAGS.unicode) >>> 0, 20);
  CHALLENGE.copy(buf, 24);
  if (buf.length >= 48) {
    buf.writeUInt16LE(opts.infoLen ?? 0, 40);
    buf.writeUInt16LE(opts.infoLen ?? 0, 42);
    buf.writeUInt32LE(opts.infoOff ?? 0, 44);
  }
  return buf;
}

describe('NTLM challenge (type 2) decoder', () => {
  it('reads the names, the domain, the Windows version and the server time from a Windows-style challenge', () => {
    const result = decodeChallengeMessage(labChallenge());
    assert.ok(result.ok, !result.ok ? result.error : '');
    const m = result.message;
    assert.equal(m.targetName, 'CONTOSO');
    assert.equal(m.netbiosDomain, 'CONTOSO');
    assert.equal(m.netbiosComputer, 'EX2003');
    assert.equal(m.dnsDomain, 'contoso.example');
    assert.equal(m.dnsComputer, 'ex2003.contoso.example');
    assert.equal(m.dnsTree, 'contoso.example');
    assert.deepEqual(m.version, { major: 5, minor: 2, build: 3790, revision: 15 });
    assert.equal(m.timestamp, '2026-01-02T03:04:05.000Z');
    assert.ok(m.serverChallenge.equals(CHALLENGE));
    assert.ok(m.targetInfo && m.targetInfo.length > 0);
    assert.deepEqual(m.warnings, []);
    assert.equal(windowsReleaseName(m.version!), 'Windows Server 2003');
    assert.match(describeFlags(m.flags), /^0x[0-9a-f]{8} \(Unicode, .*TargetInfo, Version/);
  });

  it('names Windows releases from the version field', () => {
    assert.equal(windowsReleaseName({ major: 6, minor: 1, build: 7601, revision: 15 }), 'Windows Server 2008 R2 or Windows 7');
    assert.equal(windowsReleaseName({ major: 10, minor: 0, build: 17763, revision: 15 }), 'Windows Server 2019 or Windows 10');
    assert.equal(windowsReleaseName({ major: 10, minor: 0, build: 20348, revision: 15 }), 'Windows Server 2022 or Windows 10/11');
    assert.equal(windowsReleaseName({ major: 99, minor: 0, build: 1, revision: 15 }), undefined);
  });

  it('reads an old 32-byte challenge without target information or version', () => {
    const result = decodeChallengeMessage(header({ size: 32 }));
    assert.ok(result.ok);
    assert.equal(result.message.targetInfo, undefined);
    assert.equal(result.message.version, undefined);
    assert.equal(result.message.targetName, '');
  });

  for (const [name, bytes, error] of [
    ['an empty token', Buffer.alloc(0), /truncated/],
    ['a 31-byte message', labChallenge().subarray(0, 31), /truncated/],
    ['a wrong signature', Buffer.concat([Buffer.from('NTLMSSX\0'), labChallenge().subarray(8)]), /no NTLMSSP signature/],
    ['a type 3 where a type 2 belongs', (() => { const b = labChallenge(); b.writeUInt32LE(3, 8); return b; })(), /type 3/],
    ['a gigantic token', Buffer.alloc(17 * 1024), /bytes long/],
  ] as const) {
    it(`refuses ${name} with a clear error`, () => {
      const result = decodeChallengeMessage(bytes);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.error : '', error);
    });
  }

  it('warns (and reads nothing) when the target name or the target information points outside the message', () => {
    const flags = NTLM_FLAGS.unicode | NTLM_FLAGS.targetInfo;
    for (const bad of [
      header({ flags, nameLen: 100, nameOff: 56 }),
      header({ flags, nameLen: 4, nameOff: 0xffffffff }),
      header({ flags, nameLen: 4, nameOff: 8 }), // inside the header
      header({ flags, infoLen: 0xffff, infoOff: 56 }),
      header({ flags, infoLen: 8, infoOff: 0x7fffffff }),
    ]) {
      const result = decodeChallengeMessage(bad);
      assert.ok(result.ok);
      assert.ok(result.message.warnings.some((w) => /points outside/.test(w)), JSON.stringify(result.message.warnings));
      assert.equal(result.message.netbiosComputer, undefined);
    }
  });

  it('stops at an AV pair that runs past the list, and at a list without terminator', () => {
    const flags = NTLM_FLAGS.unicode | NTLM_FLAGS.targetInfo;
    const pair = Buffer.alloc(4 + 6);
    pair.writeUInt16LE(AV_ID.nbComputerName, 0);
    pair.writeUInt16LE(200, 2); // claims 200 bytes, has 6
    const overrun = decodeChallengeMessage(Buffer.concat([header({ flags, infoLen: pair.length, infoOff: 56 }), pair]));
    assert.ok(overrun.ok);
    assert.ok(overrun.message.warnings.some((w) => /runs past/.test(w)));
    assert.equal(overrun.message.netbiosComputer, undefined);

    const good = Buffer.alloc(4 + 4);
    good.writeUInt16LE(AV_ID.nbComputerName, 0);
    good.writeUInt16LE(4, 2);
    good.write('AB', 4, 'utf16le');
    const unterminated = decodeChallengeMessage(Buffer.concat([header({ flags, infoLen: good.length, infoOff: 56 }), good]));
    assert.ok(unterminated.ok);
    assert.equal(unterminated.message.netbiosComputer, 'AB');
    assert.ok(unterminated.message.warnings.some((w) => /without its terminator/.test(w)));
  });

  it('bounds the number of AV pairs and strips control characters from names', () => {
    const flags = NTLM_FLAGS.unicode | NTLM_FLAGS.targetInfo;
    const name = Buffer.from('EX\u001b[2J03\u202e', 'utf16le');
    const first = Buffer.concat([Buffer.from([AV_ID.nbComputerName, 0, name.length, 0]), name]);
    const filler = Buffer.concat(Array.from({ length: 100 }, () => Buffer.from([0x63, 0, 0, 0]))); // unknown id 99, empty
    const info = Buffer.concat([first, filler]);
    const result = decodeChallengeMessage(Buffer.concat([header({ flags, infoLen: info.length, infoOff: 56 }), info]));
    assert.ok(result.ok);
    assert.equal(result.message.netbiosComputer, 'EX[2J03');
    assert.ok(result.message.warnings.some((w) => /more than 64 entries/.test(w)));
  });

  it('does not read a version field the payload overlaps', () => {
    const flags = NTLM_FLAGS.unicode | NTLM_FLAGS.version;
    const name = Buffer.from('DOM', 'utf16le');
    const result = decodeChallengeMessage(Buffer.concat([header({ flags, size: 48, nameLen: name.length, nameOff: 48 }), name]));
    assert.ok(result.ok);
    assert.equal(result.message.targetName, 'DOM');
    assert.equal(result.message.version, undefined);
    assert.ok(result.message.warnings.some((w) => /version/.test(w)));
  });

  it('never throws on any truncation or any single corrupted byte of a valid challenge', () => {
    const valid = labChallenge();
    for (let n = 0; n <= valid.length; n++) {
      const r = decodeChallengeMessage(valid.subarray(0, n));
      assert.equal(typeof r.ok, 'boolean');
      if (n < 32) assert.equal(r.ok, false);
    }
    for (let i = 12; i < 56; i++) {
      const copy = Buffer.from(valid);
      copy[i] = 0xff;
      const r = decodeChallengeMessage(copy);
      assert.equal(typeof r.ok, 'boolean', `byte ${i}`);
    }
  });
});

describe('SPNEGO framing for Negotiate', () => {
  const ntlm = Buffer.from('NTLMSSP\0\x01\0\0\0payload', 'latin1');

  it('wraps the negotiate message in a NegTokenInit naming only NTLMSSP, and reads it back', () => {
    const init = wrapNegTokenInit(ntlm);
    assert.equal(init[0], 0x60);
    const read = readNegotiateToken(init);
    assert.equal(read.kind, 'init');
    if (read.kind !== 'init') return;
    assert.deepEqual(read.init.mechTypes.map(oidToString), ['1.3.6.1.4.1.311.2.2.10']);
    assert.ok(read.init.mechToken?.equals(ntlm));
  });

  it('reads a NegTokenResp with state, mechanism and token, including long DER lengths', () => {
    const big = Buffer.concat([ntlm, Buffer.alloc(300, 0x41)]);
    const read = readNegotiateToken(wrapNegTokenResp(big, { negState: 'accept-incomplete', supportedMech: NTLMSSP_OID }));
    assert.equal(read.kind, 'resp');
    if (read.kind !== 'resp') return;
    assert.equal(read.resp.negState, 'accept-incomplete');
    assert.equal(oidToString(read.resp.supportedMech!), '1.3.6.1.4.1.311.2.2.10');
    assert.ok(read.resp.responseToken?.equals(big));
    const reject = readNegotiateToken(wrapNegTokenResp(undefined, { negState: 'reject' }));
    assert.equal(reject.kind === 'resp' && reject.resp.negState, 'reject');
  });

  it('passes a raw NTLMSSP token through and reports malformed DER without throwing', () => {
    assert.equal(readNegotiateToken(ntlm).kind, 'rawNtlm');
    const valid = wrapNegTokenResp(ntlm, { negState: 'accept-incomplete' });
    for (let n = 0; n < valid.length; n++) {
      const r = readNegotiateToken(valid.subarray(0, n));
      assert.equal(r.kind, 'invalid', `truncated to ${n}`);
    }
    assert.equal(readNegotiateToken(Buffer.from([0xa1, 0x84, 0xff, 0xff, 0xff, 0xff])).kind, 'invalid');
    assert.equal(readNegotiateToken(Buffer.from([0x60, 0x03, 0x06, 0x01, 0x2a])).kind, 'invalid');
  });
});
