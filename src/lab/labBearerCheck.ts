// How a lab resource server (Exchange Online, or on-premises Exchange with Hybrid Modern
// Authentication) judges `Authorization: Bearer <token>`: the JWT's signature against the lab
// authority's published key, then issuer, audience, expiry and the EAS.AccessAsUser.All scope,
// in that order, as a resource server must before it trusts any claim.
//
// The refusal is what a client sees: 401 with `WWW-Authenticate: Bearer …, error="…"` and an
// `x-ms-diagnostics` header naming the reason. The header's shape (number;reason="…";
// error_category="…") and the `oauth_not_available` category are from a captured Exchange 2019
// answer; the other numbers and reason texts are modelled (no public capture of each was found).
import type { KeyObject } from 'node:crypto';
import { decode, verify, type JwtPayload } from 'jsonwebtoken';
import { EAS_SCOPE } from './labOAuthAuthority';

export interface BearerExpectations {
  publicKey(kid: string): KeyObject | undefined;
  /** The one issuer trusted (the tenant's, as in trusted_issuers). */
  issuer: string;
  /** Audiences accepted (Exchange Online's resource URL; the on-premises URL for hybrid). */
  audiences: string[];
}

export type BearerVerdict =
  | { ok: true; userPrincipalName: string; claims: JwtPayload }
  | { ok: false; error: 'invalid_token' | 'insufficient_scope'; diagnostics: string };

/** Exchange tolerates a little clock skew between the issuer and itself (modelled: 5 minutes). */
const CLOCK_TOLERANCE_SECONDS = 300;

export function checkBearerToken(token: string, expect: BearerExpectations): BearerVerdict {
  const decoded = decode(token, { complete: true });
  if (!decoded || typeof decoded.payload === 'string') {
    return refuse('invalid_token', 2000000, 'The token is not a well-formed JWT.', 'invalid_token');
  }
  const key = decoded.header.kid ? expect.publicKey(decoded.header.kid) : undefined;
  if (!key) return refuse('invalid_token', 2000001, 'The token is signed by a key the server does not trust.', 'invalid_signature');
  try {
    // Signature first, with nothing else checked, so a forged token never gets its claims read.
    verify(token, key, { algorithms: ['RS256'], ignoreExpiration: true, ignoreNotBefore: true });
  } catch {
    return refuse('invalid_token', 2000001, 'The token signature is not valid.', 'invalid_signature');
  }
  const claims = decoded.payload;
  if (claims.iss !== expect.issuer) {
    return refuse('invalid_token', 2000002, `The token issuer '${clip(claims.iss)}' is not trusted.`, 'invalid_issuer');
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
  if (!audiences.some((a) => expect.audiences.includes(a))) {
    return refuse('invalid_token', 2000003, `The audience claim value is invalid '${clip(audiences.join(' '))}'.`, 'invalid_resource');
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_TOLERANCE_SECONDS < now) {
    return refuse('invalid_token', 2000008, 'The token has expired.', 'expired_token');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_TOLERANCE_SECONDS > now) {
    return refuse('invalid_token', 2000009, 'The token is not valid yet.', 'invalid_token');
  }
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  if (!scopes.includes(EAS_SCOPE)) {
    return refuse('insufficient_scope', 2000005, `The token does not contain the scope ${EAS_SCOPE} needed for ActiveSync.`, 'insufficient_scope');
  }
  const upn = typeof claims.upn === 'string' ? claims.upn : typeof claims.unique_name === 'string' ? claims.unique_name : '';
  return { ok: true, userPrincipalName: upn, claims };
}

/** The `x-ms-diagnostics` value an on-premises server sends when it cannot check OAuth tokens at all. */
export function oauthNotAvailableDiagnostics(): string {
  return '4000000;reason="OAuth is not available: the server has no authorization server configured for this token.";error_category="oauth_not_available"';
}

function refuse(error: 'invalid_token' | 'insufficient_scope', code: number, reason: string, category: string): BearerVerdict {
  return { ok: false, error, diagnostics: `${code};reason="${reason.replace(/"/g, "'")}";error_category="${category}"` };
}

function clip(value: unknown): string {
  return String(value ?? '').slice(0, 120);
}
