// OAuth on the probe's side: where an access token comes from (the caller's sign-in: msal-node's
// device code flow in the CLI, VS Code's Microsoft account in the extension, stdin for
// automation), the scope ActiveSync needs, and the token's non-secret claims kept as evidence.
// The token itself is never stored: only audience, scopes, tenant, expiry and user name are read
// from it, without trusting them (the server does the verifying; these explain its answer).
import type decodeJwtType from 'jsonwebtoken/decode';
import type { OAuthTokenEvidence } from './runModel';

export const EXCHANGE_ONLINE_RESOURCE = 'https://outlook.office365.com';
export const EAS_PERMISSION = 'EAS.AccessAsUser.All';

export interface BearerTokenRequest {
  /** The API the token is for, e.g. https://outlook.office365.com. */
  resource: string;
  /** The scopes to ask for, e.g. ["https://outlook.office365.com/EAS.AccessAsUser.All"]. */
  scopes: string[];
  signal: AbortSignal;
}

export interface BearerToken {
  accessToken: string;
  /** The signed-in account's name, when the sign-in names it. */
  account?: string;
  /** Where the token came from, for the step's details ("device code sign-in", "standard input"…). */
  source: string;
}

/** Gets a token when the probe needs one. May prompt a person; honours the signal. */
export type BearerTokenSource = (request: BearerTokenRequest) => Promise<BearerToken>;

/** A sign-in the authority refused, with its OAuth error and AADSTS codes. */
export interface SignInFailure {
  message: string;
  error?: string;
  errorCodes?: number[];
}

/** Exchange Online's host names: their tokens are for Exchange Online's resource, whatever the URL. */
const EXCHANGE_ONLINE_HOSTS = /^(outlook\.office365\.com|outlook\.office\.com|[a-z0-9-]+\.outlook\.com)$/i;

/** The resource to ask a token for: Exchange Online's, or for hybrid on-premises the server's own URL. */
export function resourceForHost(host: string): string {
  return EXCHANGE_ONLINE_HOSTS.test(host) ? EXCHANGE_ONLINE_RESOURCE : `https://${host.toLowerCase()}`;
}

export function easScopes(resource: string): string[] {
  return [`${resource}/${EAS_PERMISSION}`];
}

/** The claims worth showing; an opaque (non-JWT) token yields only `format: 'opaque'`. */
export function tokenEvidence(accessToken: string): OAuthTokenEvidence {
  // jsonwebtoken (and the jws streams it loads) only when a token is read, not at every start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const decodeJwt = require('jsonwebtoken/decode') as typeof decodeJwtType;
  let payload: unknown;
  try {
    payload = decodeJwt(accessToken, { json: true });
  } catch {
    payload = undefined;
  }
  if (!payload || typeof payload !== 'object') return { format: 'opaque' };
  const claims = payload as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 200) : undefined);
  const time = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? new Date(v * 1000).toISOString() : undefined);
  const audience = Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string').join(' ') : text(claims.aud);
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean).slice(0, 50) : undefined;
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string').slice(0, 50) : undefined;
  return {
    format: 'jwt',
    audience,
    scopes,
    roles,
    tenantId: text(claims.tid),
    issuer: text(claims.iss),
    appId: text(claims.appid) ?? text(claims.azp),
    userPrincipalName: text(claims.upn) ?? text(claims.unique_name) ?? text(claims.preferred_username),
    issuedAt: time(claims.iat),
    notBefore: time(claims.nbf),
    expiresAt: time(claims.exp),
  };
}
