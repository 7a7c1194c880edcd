// WWW-Authenticate parsing: IIS's one-challenge-per-line form, Exchange Online's folded line with
// a Bearer challenge, case-insensitive parameter names, token68 payloads, quoted strings with
// escapes and commas, and garbage that must never throw.
import assert from 'node:assert/strict';
import { describeChallenges, offeredSchemes, parseWwwAuthenticate } from '../../src/protocol/authChallenges';
import type { AuthChallenge } from '../../src/probe/runModel';

const EXO_BEARER =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", ' +
  'trusted_issuers="00000001-0000-0000-c000-000000000000@*", ' +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", ' +
  'authorization_uri="https://login.windows.net/common/oauth2/authorize", ' +
  'error="invalid_token"';

describe('parseWwwAuthenticate', () => {
  const cases: Array<{ name: string; lines: string[]; expected: AuthChallenge[] }> = [
    {
      name: 'IIS: one challenge per header line',
      lines: ['Negotiate', 'NTLM', 'Basic realm="mail.contoso.com"'],
      expected: [
        { scheme: 'Negotiate', params: {} },
        { scheme: 'NTLM', params: {} },
        { scheme: 'Basic', params: { realm: 'mail.contoso.com' } },
      ],
    },
    {
      name: 'Exchange Online: Bearer with parameters folded with Negotiate, NTLM and Basic on one line',
      lines: [`${EXO_BEARER},Negotiate,NTLM,Basic Realm=""`],
      expected: [
        {
          scheme: 'Bearer',
          params: {
            client_id: '00000002-0000-0ff1-ce00-000000000000',
            trusted_issuers: '00000001-0000-0000-c000-000000000000@*',
            token_types: 'app_asserted_user_v1 service_asserted_app_v1',
            authorization_uri: 'https://login.windows.net/common/oauth2/authorize',
            error: 'invalid_token',
          },
        },
        { scheme: 'Negotiate', params: {} },
        { scheme: 'NTLM', params: {} },
        { scheme: 'Basic', params: { realm: '' } },
      ],
    },
    {
      name: 'Basic Realm="" (parameter names are case-insensitive, scheme case kept)',
      lines: ['BASIC REALM=""'],
      expected: [{ scheme: 'BASIC', params: { realm: '' } }],
    },
    {
      name: 'NTLM type-2 message as token68 with padding',
      lines: ['NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgomi=='],
      expected: [{ scheme: 'NTLM', params: {}, token: 'TlRMTVNTUAACAAAADAAMADgAAAAFgomi==' }],
    },
    {
      name: 'token68 followed by another challenge on the same line',
      lines: ['Negotiate oYIBMzCCAS+gAwoBAaEMBgorBgEEAYI3AgIK, Basic realm="x"'],
      expected: [
        { scheme: 'Negotiate', params: {}, token: 'oYIBMzCCAS+gAwoBAaEMBgorBgEEAYI3AgIK' },
        { scheme: 'Basic', params: { realm: 'x' } },
      ],
    },
    {
      name: 'quoted string with escaped quotes and a comma inside',
      lines: ['Basic realm="say \\"hi\\", then go", charset="UTF-8"'],
      expected: [{ scheme: 'Basic', params: { realm: 'say "hi", then go', charset: 'UTF-8' } }],
    },
    {
      name: 'token values and a quoted list value, then a new challenge',
      lines: ['Digest realm="x", nonce=abc, qop="auth,auth-int", Basic realm=y'],
      expected: [
        { scheme: 'Digest', params: { realm: 'x', nonce: 'abc', qop: 'auth,auth-int' } },
        { scheme: 'Basic', params: { realm: 'y' } },
      ],
    },
    {
      name: 'a repeated parameter keeps its first value',
      lines: ['Basic realm="first", realm="second"'],
      expected: [{ scheme: 'Basic', params: { realm: 'first' } }],
    },
    {
      name: 'whitespace and empty list elements around challenges',
      lines: ['  ,  Negotiate  ,, NTLM  '],
      expected: [
        { scheme: 'Negotiate', params: {} },
        { scheme: 'NTLM', params: {} },
      ],
    },
    {
      name: 'NTLM with a token that is not Base64: that scheme\'s malformed token, not a second scheme',
      lines: ['NTLM not*base64!'],
      expected: [{ scheme: 'NTLM', params: {}, malformedToken: 'not*base64!' }],
    },
    {
      name: 'Negotiate with words after it, then a good challenge on the same line',
      lines: ['Negotiate TlRM TVNT, Basic realm="x"'],
      expected: [
        { scheme: 'Negotiate', params: {}, malformedToken: 'TlRM TVNT' },
        { scheme: 'Basic', params: { realm: 'x' } },
      ],
    },
    {
      name: 'NTLM with auth-param syntax (NTLM has none) and padding in the middle',
      lines: ['ntlm realm="x"', 'NTLM TlRM==TVNT'],
      expected: [
        { scheme: 'ntlm', params: {}, malformedToken: 'realm="x"' },
        { scheme: 'NTLM', params: {}, malformedToken: 'TlRM==TVNT' },
      ],
    },
    { name: 'no header at all', lines: [], expected: [] },
    { name: 'an empty header line', lines: [''], expected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseWwwAuthenticate(c.lines), c.expected);
    });
  }

  describe('garbage never throws and yields at most 64 challenges', () => {
    const allBytes = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const garbage: Array<[string, string]> = [
      ['only commas', ',,,,'],
      ['only equals signs', '====='],
      ['an unterminated quoted string', 'Basic realm="never closed'],
      ['a parameter without a name', 'Basic =x'],
      ['separators only', '()<>@;:\\"/[]?={}'],
      ['control characters', '\u0000\u0001\u001b[31m\u007f'],
      ['every byte value', allBytes],
      ['a megabyte of equals signs', '='.repeat(1_000_000)],
      ['a megabyte of short tokens', 'a '.repeat(500_000)],
      ['lone surrogates', '\ud800Basic\udfff realm="\ud800"'],
    ];
    for (const [name, value] of garbage) {
      it(name, () => {
        const parsed = parseWwwAuthenticate([value]);
        assert.ok(Array.isArray(parsed));
        assert.ok(parsed.length <= 64, `${parsed.length} challenges`);
        for (const c of parsed) assert.match(c.scheme, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
      });
    }

    it('an unterminated quoted value ends at the end of the line', () => {
      assert.deepEqual(parseWwwAuthenticate(['Basic realm="never closed']), [{ scheme: 'Basic', params: { realm: 'never closed' } }]);
    });

    it('a thousand header lines are capped at 64 challenges', () => {
      assert.equal(parseWwwAuthenticate(Array.from({ length: 1000 }, () => 'Basic')).length, 64);
    });

    it('only the first 16 KB of a line are read', () => {
      const parsed = parseWwwAuthenticate([`Basic realm="${'x'.repeat(100_000)}"`]);
      assert.equal(parsed.length, 1);
      assert.ok(parsed[0].params.realm.length < 16_384);
    });
  });
});

describe('offeredSchemes and describeChallenges', () => {
  const parsed = parseWwwAuthenticate([`${EXO_BEARER},Negotiate,NTLM,Basic Realm="mail.contoso.com"`, 'basic realm="dup"']);

  it('lists each scheme once, lower-cased', () => {
    assert.deepEqual(offeredSchemes(parsed), ['bearer', 'negotiate', 'ntlm', 'basic']);
  });

  it('describes the challenges for a person, with the Bearer client id and the Basic realm', () => {
    assert.equal(
      describeChallenges(parsed),
      'Bearer client_id 00000002-0000-0ff1-ce00-000000000000, Negotiate, NTLM, Basic (realm "mail.contoso.com"), Basic (realm "dup")',
    );
    assert.equal(describeChallenges([]), 'none');
  });

  it('marks a malformed NTLM or Negotiate token', () => {
    assert.equal(describeChallenges(parseWwwAuthenticate(['NTLM not*base64!', 'Basic realm="x"'])), 'NTLM (malformed token), Basic (realm "x")');
  });

  it('leaves out an empty realm, which IIS sends when none is configured', () => {
    assert.equal(describeChallenges(parseWwwAuthenticate(['Negotiate', 'NTLM', 'Basic realm=""'])), 'Negotiate, NTLM, Basic');
  });
});
