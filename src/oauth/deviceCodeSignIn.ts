// Signs in with the OAuth 2.0 device authorization grant through @azure/msal-node (the only
// code here that talks to an authority; no token request is written by hand). The caller shows
// the verification URL and code; a cached account (--token-cache) is tried silently first. The
// wait is bounded by the caller's signal and timeout; cancelling stops msal's polling.
import { PublicClientApplication, type AuthenticationResult, type Configuration } from '@azure/msal-node';
import { AuthorityNetworkClient, type AuthorityError } from './msalNetworkClient';
import { tokenCacheFilePlugin } from './tokenCacheFile';

/** Public Microsoft cloud: msal knows its instance metadata and never needs discovery there. */
export const ENTRA_ID_HOST = 'https://login.microsoftonline.com';

export interface DeviceCodeSignInOptions {
  /** https://login.microsoftonline.com/TENANT, or the lab authority's URL. */
  authority: string;
  clientId: string;
  scopes: string[];
  /** Extra CA certificates in PEM (the lab CA). */
  extraCaPem?: string;
  /** Set for an authority msal does not know (the lab): its host is trusted as is, with no instance discovery. */
  customAuthority?: boolean;
  /** Keep msal's cache in this file (mode 0600); otherwise it lives in memory only. */
  cacheFile?: string;
  /** Shows the sign-in instructions (the verification URL and code) to the person. */
  prompt(message: string): void;
  signal: AbortSignal;
  /** Longest wait for the person to finish signing in. */
  timeoutMs: number;
}

export interface SignInResult {
  accessToken: string;
  /** The signed-in account's user name (UPN), when the authority named it. */
  account?: string;
  expiresOn?: Date;
  /** True when the token came from the cache without a prompt. */
  fromCache: boolean;
}

/** A refusal by the authority, with its OAuth error and AADSTS codes (never a token). */
export class SignInFailedError extends Error {
  constructor(
    message: string,
    readonly error?: string,
    readonly errorCodes: number[] = [],
  ) {
    super(message);
    this.name = 'SignInFailedError';
  }
}

export async function signInWithDeviceCode(options: DeviceCodeSignInOptions): Promise<SignInResult> {
  const authority = new URL(options.authority);
  const network = new AuthorityNetworkClient({
    allowedOrigins: [authority.origin],
    extraCaPem: options.extraCaPem,
    timeoutMs: Math.min(options.timeoutMs, 30_000),
    signal: options.signal,
  });
  const config: Configuration = {
    auth: {
      clientId: options.clientId,
      authority: options.authority,
      // For the lab: trusting the host as an authority skips instance discovery at Microsoft.
      knownAuthorities: options.customAuthority ? [authority.host] : undefined,
    },
    cache: options.cacheFile ? { cachePlugin: tokenCacheFilePlugin(options.cacheFile) } : undefined,
    system: { networkClient: network, loggerOptions: { piiLoggingEnabled: false, loggerCallback: () => undefined } },
  };
  const app = new PublicClientApplication(config);
  try {
    if (options.cacheFile) {
      const accounts = await app.getTokenCache().getAllAccounts();
      for (const account of accounts) {
        try {
          const silent = await app.acquireTokenSilent({ account, scopes: options.scopes });
          if (silent?.accessToken) return resultOf(silent, true);
        } catch {
          // The cached sign-in is expired or revoked: fall through to a fresh device code.
        }
      }
    }
    const request = {
      scopes: options.scopes,
      timeout: Math.max(1, Math.floor(options.timeoutMs / 1000)),
      deviceCodeCallback: (response: { message: string }) => options.prompt(response.message),
      cancel: false,
    };
    const onAbort = () => {
      request.cancel = true;
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await Promise.race([app.acquireTokenByDeviceCode(request), aborted(options.signal)]);
      if (!result?.accessToken) throw new SignInFailedError('The authority returned no access token.');
      return resultOf(result, false);
    } finally {
      options.signal.removeEventListener('abort', onAbort);
    }
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason ?? error;
    throw asSignInError(error, network.lastError);
  } finally {
    await network.close();
  }
}

function resultOf(result: AuthenticationResult, fromCache: boolean): SignInResult {
  return { accessToken: result.accessToken, account: result.account?.username || undefined, expiresOn: result.expiresOn ?? undefined, fromCache };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** msal's errors carry errorCode and errorMessage; the AADSTS codes sit in the message. */
function asSignInError(error: unknown, answered: AuthorityError | undefined): SignInFailedError {
  if (error instanceof SignInFailedError) return error;
  const e = error as { errorCode?: string; errorMessage?: string; message?: string };
  // The authority's own words when it gave some; msal's otherwise. Trace ids are noise here.
  const text = (answered?.description || e.errorMessage || e.message || String(error)).replace(/\s*Trace ID:.*$/s, '').trim();
  const codes = [...(answered?.codes ?? []), ...[...text.matchAll(/AADSTS(\d{4,9})/g)].map((m) => Number(m[1]))];
  return new SignInFailedError(text || 'The sign-in failed.', answered?.error ?? e.errorCode ?? undefined, [...new Set(codes)]);
}
