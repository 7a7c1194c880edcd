// Parses WWW-Authenticate (RFC 7235) into challenges. Servers send them either as separate
// header lines (IIS: "Negotiate", "NTLM", "Basic realm=…") or folded into one line
// (Exchange Online: `Bearer client_id="…", trusted_issuers="…",Negotiate,NTLM,Basic realm="…"`);
// both forms, quoted strings with escapes and token68 payloads are handled; a non-token68 after
// NTLM or Negotiate is kept as that scheme's malformed token. Never throws.
import type { AuthChallenge } from '../probe/runModel';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const MAX_CHALLENGES = 64;
/** Schemes whose only parameter is a token68. */
const TOKEN68_ONLY = /^(ntlm|negotiate)$/i;
const MAX_MALFORMED_TOKEN = 256;

export function parseWwwAuthenticate(values: readonly string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  for (const value of values) {
    parseOne(value.slice(0, 16_384), challenges);
    if (challenges.length >= MAX_CHALLENGES) break;
  }
  return challenges.slice(0, MAX_CHALLENGES);
}

function parseOne(input: string, out: AuthChallenge[]): void {
  let rest = input;
  const skip = (re: RegExp) => {
    rest = rest.replace(re, '');
  };
  while (rest.length > 0 && out.length < MAX_CHALLENGES) {
    skip(/^[\s,]+/);
    const scheme = TOKEN.exec(rest)?.[0];
    if (!scheme) {
      // Garbage: drop one character and try again so one bad byte doesn't hide later challenges.
      rest = rest.slice(1);
      continue;
    }
    rest = rest.slice(scheme.length);
    const challenge: AuthChallenge = { scheme, params: {} };
    out.push(challenge);
    if (!/^ +/.test(rest)) continue; // no parameters
    skip(/^ +/);

    // token68 (e.g. an NTLM type-2 message): a lone token, possibly "="-padded, then a comma or the end.
    const t68 = /^([A-Za-z0-9\-._~+/]+=*)\s*(?:,|$)/.exec(rest);
    if (t68) {
      challenge.token = t68[1];
      rest = rest.slice(t68[1].length);
      continue;
    }

    // NTLM and Negotiate carry only a token68 (RFC 4559): anything else up to the next comma is
    // their token, malformed, rather than parameters or a second scheme.
    if (TOKEN68_ONLY.test(scheme)) {
      const raw = /^[^,]*/.exec(rest)?.[0] ?? '';
      const text = raw.trim();
      if (text) challenge.malformedToken = text.slice(0, MAX_MALFORMED_TOKEN);
      rest = rest.slice(raw.length);
      continue;
    }

    // auth-params: name = (token | quoted-string), comma separated, until a bare token starts a new challenge.
    for (;;) {
      skip(/^[\s,]*/);
      const name = TOKEN.exec(rest)?.[0];
      if (!name) break;
      const afterName = rest.slice(name.length);
      const eq = /^\s*=\s*/.exec(afterName);
      if (!eq) break; // a new challenge's scheme
      rest = afterName.slice(eq[0].length);
      let value = '';
      if (rest.startsWith('"')) {
        let i = 1;
        while (i < rest.length && rest[i] !== '"') {
          if (rest[i] === '\\' && i + 1 < rest.length) i++;
          value += rest[i];
          i++;
        }
        rest = rest.slice(Math.min(i + 1, rest.length));
      } else {
        value = /^[^,\s]*/.exec(rest)?.[0] ?? '';
        rest = rest.slice(value.length);
      }
      const key = name.toLowerCase();
      if (!(key in challenge.params)) challenge.params[key] = value;
      if (!/^\s*,/.test(rest)) break;
    }
  }
}

/** Scheme names lower-cased for comparisons ("basic", "ntlm", "negotiate", "bearer"). */
export function offeredSchemes(challenges: readonly AuthChallenge[]): string[] {
  return [...new Set(challenges.map((c) => c.scheme.toLowerCase()))];
}

/** One line for a person: "Negotiate, NTLM, Basic (realm "mail.contoso.com")". */
export function describeChallenges(challenges: readonly AuthChallenge[]): string {
  if (challenges.length === 0) return 'none';
  return challenges
    .map((c) => {
      // An empty realm (IIS sends `Basic realm=""` when none is set) says nothing worth printing.
      if (c.scheme.toLowerCase() === 'basic' && c.params.realm) return `Basic (realm "${c.params.realm}")`;
      if (c.scheme.toLowerCase() === 'bearer') {
        const id = c.params.client_id ? ` client_id ${c.params.client_id}` : '';
        return `Bearer${id}`;
      }
      if (c.malformedToken !== undefined) return `${c.scheme} (malformed token)`;
      return c.scheme;
    })
    .join(', ');
}

/**
 * Exchange's `x-ms-diagnostics` header on an OAuth refusal: `2000003;reason="…";error_category="…"`
 * (a captured Exchange 2019 answer has this shape). Undefined when the value has no leading number.
 */
export function parseMsDiagnostics(value: string | undefined): { code: string; reason?: string; category?: string } | undefined {
  const m = /^\s*(\d{1,10})\s*(?:;|$)/.exec(value ?? '');
  if (!m) return undefined;
  const param = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]{0,500})"`, 'i').exec(value ?? '')?.[1];
  return { code: m[1], reason: param('reason'), category: param('error_category') };
}
