// The NTLMv2 arithmetic against the published MS-NLMP test vectors (so the lab's server-side check
// is right independently of the client library), the client's type 3 as the lab verifies it, and
// the user-name forms (DOMAIN\user, UPN, bare with or without a domain).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { challengeMessage, ntowfV2, ntProofStr, parseAuthenticateMessage } from '../../src/lab/labNtlm';
import { decodeChallengeMessage } from '../../src/protocol/ntlm/ntlmChallenge';
import { authenticateMessage, negotiateMessage } from '../../src/probe/ntlm/ntlmMessages';
import { describeIdentity, ntlmIdentity } from '../../src/probe/ntlm/ntlmUserName';

describe('NTLMv2 arithmetic (MS-NLMP 4.2.4 test vectors)', () => {
  it('NTOWFv2 of User / Domain / Password', () => {
    assert.equal(ntowfV2('Password', 'User', 'Domain').toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('NTProofStr for the published challenge, client challenge, time and AV pairs', () => {
    const avPairs = Buffer.concat([
      Buffer.from([0x02, 0x00, 0x0c, 0x00]), Buffer.from('Domain', 'utf16le'),
      Buffer.from([0x01, 0x00, 0x0c, 0x00]), Buffer.from('Server', 'utf16le'),
      Buffer.from([0x00, 0x00, 0x00, 0x00]),
    ]);
    const blob = Buffer.concat([
      Buffer.from([0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
      Buffer.alloc(8), // time
      Buffer.alloc(8, 0xaa), // client challenge
      Buffer.alloc(4),
      avPairs,
      Buffer.alloc(4),
    ]);
    const proof = ntProofStr('Password', 'User', 'Domain', Buffer.from('0123456789abcdef', 'hex'), blob);
    assert.equal(proof.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c');
  });
});

describe('the client messages (httpntlm) as the lab reads them', () => {
  const host = { netbiosComputer: 'EX2003', dnsComputer: 'ex2003.contoso.example', version: [5, 2, 3790] as [number, number, number] };

  it('sends a negotiate message without a domain or workstation name', () => {
    const m = negotiateMessage();
    assert.equal(m.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
    assert.equal(m.readUInt32LE(8), 1);
    assert.equal(m.readUInt16LE(16), 0, 'no domain');
    assert.equal(m.readUInt16LE(24), 0, 'no workstation');
  });

  it('answers with NTLMv2 whose proof the server can verify for the right password only', () => {
    const serverChallenge = randomBytes(8);
    const decoded = decodeChallengeMessage(challengeMessage(serverChallenge, host, new Date()));
    assert.ok(decoded.ok);
    const identity = ntlmIdentity('CONTOSO\\labuser', undefined, undefined);
    const type3 = parseAuthenticateMessage(authenticateMessage(decoded.message, identity, 'Lab-Passw0rd!'));
    assert.ok(type3);
    assert.equal(type3.user, 'labuser');
    assert.equal(type3.domain, 'CONTOSO');
    assert.ok(type3.ntResponse.length > 24, 'an NTLMv2 response, not a 24-byte NTLMv1 one');
    const blob = type3.ntResponse.subarray(16);
    assert.ok(blob.includes(decoded.message.targetInfo!), 'the blob carries the server\'s target information');
    const proof = type3.ntResponse.subarray(0, 16);
    assert.ok(ntProofStr('Lab-Passw0rd!', type3.user, type3.domain, serverChallenge, blob).equals(proof));
    assert.ok(!ntProofStr('Wrong-Passw0rd!', type3.user, type3.domain, serverChallenge, blob).equals(proof));
    assert.ok(!ntProofStr('Lab-Passw0rd!', type3.user, 'FABRIKAM', serverChallenge, blob).equals(proof));
  });

  it('answers NTLMv2 even when a challenge asks for neither extended security nor target info', () => {
    const raw = challengeMessage(randomBytes(8), host, new Date());
    const decoded = decodeChallengeMessage(raw);
    assert.ok(decoded.ok);
    const downgraded = { ...decoded.message, flags: 0x00000201, targetInfo: undefined };
    const type3 = parseAuthenticateMessage(authenticateMessage(downgraded, ntlmIdentity('labuser@contoso.example', undefined, undefined), 'pw'));
    assert.ok(type3);
    assert.ok(type3.ntResponse.length > 24);
  });

  it('never puts the password in the messages', () => {
    const decoded = decodeChallengeMessage(challengeMessage(randomBytes(8), host, new Date()));
    assert.ok(decoded.ok);
    const password = 'Sup3r-Secret-Value!';
    const type3 = authenticateMessage(decoded.message, ntlmIdentity('CONTOSO\\labuser', undefined, undefined), password);
    for (const enc of ['utf8', 'utf16le', 'latin1'] as const) assert.ok(!type3.includes(Buffer.from(password, enc)), enc);
  });
});

describe('NTLM user name forms', () => {
  it('splits DOMAIN\\user at the backslash', () => {
    assert.deepEqual(ntlmIdentity('CONTOSO\\labuser', 'IGNORED', 'SERVERDOM'), { user: 'labuser', domain: 'CONTOSO', domainSource: 'userName' });
  });
  it('sends a UPN whole with an empty domain, as Windows does', () => {
    assert.deepEqual(ntlmIdentity('labuser@contoso.example', 'IGNORED', 'SERVERDOM'), { user: 'labuser@contoso.example', domain: '', domainSource: 'upn' });
  });
  it('gives a bare name the domain option, else the server\'s domain, else none', () => {
    assert.deepEqual(ntlmIdentity('labuser', ' CONTOSO ', 'SERVERDOM'), { user: 'labuser', domain: 'CONTOSO', domainSource: 'option' });
    assert.deepEqual(ntlmIdentity('labuser', undefined, 'SERVERDOM'), { user: 'labuser', domain: 'SERVERDOM', domainSource: 'challenge' });
    assert.deepEqual(ntlmIdentity('labuser', '', undefined), { user: 'labuser', domain: '', domainSource: 'none' });
    assert.match(describeIdentity(ntlmIdentity('labuser', undefined, 'SERVERDOM')), /^SERVERDOM\\labuser \(domain taken from the server's challenge\)$/);
  });
});
