// The OAuth sign-in of step 6: get an access token from the caller's token source (a child step,
// timed, with the authority's refusal as evidence when it fails), record the token's non-secret
// claims, and hand back the `Authorization: Bearer …` value. Sending it is the shared attempt
// path's job (ntlm/authenticatedAttempts.ts runAttempt), the same one request as Basic, over the
// run's gated connection; the command steps then send that very value.
import { RunAbortedError } from './abortable';
import { easScopes, resourceForHost, tokenEvidence, type BearerToken, type BearerTokenSource, type SignInFailure } from './oauthToken';
import { authorizationFor } from './requestAuthorization';
import type { OAuthTokenEvidence } from './runModel';
import { StepBuilder } from './stepBuilder';

export interface BearerSignInContext {
  host: string;
  signal: AbortSignal;
  tokenSource: BearerTokenSource;
  /** The resource to ask a token for; default Exchange Online's, or the server's own URL on premises. */
  resource?: string;
}

/** The Authorization value and who signed in, or why there is none. The value lives in memory for the run only. */
export type BearerSignIn = { ok: true; authorization: string; account?: string } | { ok: false; message: string };

export async function signInForBearer(b: StepBuilder, ctx: BearerSignInContext): Promise<BearerSignIn> {
  const resource = ctx.resource ?? resourceForHost(ctx.host);
  const scopes = easScopes(resource);
  const signIn = new StepBuilder('optionsAuthenticated.signIn', `Sign in with OAuth for ${resource}`);
  signIn.detail('Scope', scopes.join(' '));
  let token: BearerToken;
  try {
    token = await ctx.tokenSource({ resource, scopes, signal: ctx.signal });
  } catch (error) {
    if (error instanceof RunAbortedError || ctx.signal.aborted) throw ctx.signal.reason instanceof RunAbortedError ? ctx.signal.reason : error;
    const failure = signInFailure(error);
    b.evidence.oauthSignIn = { source: 'sign-in', resource, error: failure.error, errorCodes: failure.errorCodes, message: failure.message };
    if (failure.error) signIn.detail('Error', failure.error);
    if (failure.errorCodes?.length) signIn.detail('Error codes', failure.errorCodes.map((c) => `AADSTS${c}`).join(', '));
    b.child(signIn.finish('failed', failure.message, { category: 'oauth.signInFailed' }));
    return { ok: false, message: failure.message };
  }

  const claims = tokenEvidence(token.accessToken);
  const account = token.account ?? claims.userPrincipalName;
  b.evidence.oauthSignIn = { source: token.source, resource, account };
  b.evidence.oauthToken = claims;
  describeClaims(signIn, claims, Date.now());
  b.child(signIn.finish('passed', `Signed in${account ? ` as ${account}` : ''} (${token.source}).`));
  return { ok: true, authorization: authorizationFor({ scheme: 'Bearer', accessToken: token.accessToken }), account };
}

/** The claims as details a person reads; an expired token says by how much. */
export function describeClaims(b: StepBuilder, claims: OAuthTokenEvidence, now: number): void {
  if (claims.format === 'opaque') {
    b.detail('Token', 'not a JWT: its claims cannot be read (the server may still accept it)');
    return;
  }
  b.detail('Audience (aud)', claims.audience ?? 'missing');
  b.detail('Scopes (scp)', claims.scopes?.join(' ') ?? (claims.roles ? `none; application roles ${claims.roles.join(' ')}` : 'missing'));
  b.detail('Tenant (tid)', claims.tenantId);
  b.detail('User (upn)', claims.userPrincipalName);
  b.detail('Application (appid)', claims.appId);
  if (claims.expiresAt) {
    const minutes = Math.round((Date.parse(claims.expiresAt) - now) / 60_000);
    b.detail('Expires (exp)', `${claims.expiresAt} (${minutes >= 0 ? `in ${minutes} min` : `expired ${-minutes} min ago`})`);
  }
}

/** Reads an authority's refusal from whatever the token source threw (never includes a token). */
function signInFailure(error: unknown): SignInFailure {
  const e = error as { message?: string; error?: unknown; errorCodes?: unknown };
  return {
    message: (e?.message || String(error)).slice(0, 500),
    error: typeof e?.error === 'string' ? e.error : undefined,
    errorCodes: Array.isArray(e?.errorCodes) ? e.errorCodes.filter((c): c is number => typeof c === 'number') : undefined,
  };
}
