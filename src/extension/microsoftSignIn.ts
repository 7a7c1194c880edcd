// OAuth in VS Code: the token comes from VS Code's built-in Microsoft account provider
// (vscode.authentication.getSession('microsoft', …)), so the extension never sees a client secret,
// never stores a token (VS Code keeps the session) and never runs a sign-in flow of its own. The
// tenant and, where a tenant requires its own app registration, the client id are settings, passed
// as the provider's VSCODE_TENANT: and VSCODE_CLIENT_ID: scopes. Only the extension-host tests may
// point this at another provider (a stand-in registered under another id).
import * as vscode from 'vscode';
import type { BearerTokenSource } from '../probe/oauthToken';

export const MICROSOFT_PROVIDER_ID = 'microsoft';
const EAS_PERMISSION = 'EAS.AccessAsUser.All';

let providerIdForTests: string | undefined;

/** Test mode only (extension.ts exposes it only when VS Code runs the extension's tests). */
export function useAuthenticationProviderForTests(id: string | undefined): void {
  providerIdForTests = id;
}

export interface MicrosoftSignInSettings {
  /** Tenant id or domain; default "organizations" (any work or school account). */
  tenant?: string;
  /** Application (client) id of the tenant's own app registration; default VS Code's. */
  clientId?: string;
}

/** The scopes asked of the provider: the ActiveSync permission, a refresh token, tenant and client. */
export function easSessionScopes(resource: string, settings: MicrosoftSignInSettings): string[] {
  const scopes = [`${resource}/${EAS_PERMISSION}`, 'offline_access', `VSCODE_TENANT:${settings.tenant || 'organizations'}`];
  if (settings.clientId) scopes.push(`VSCODE_CLIENT_ID:${settings.clientId}`);
  return scopes;
}

/** A token source for the probe: the session VS Code holds (or signs in to) for these scopes. */
export function microsoftAccountTokenSource(settings: MicrosoftSignInSettings): BearerTokenSource {
  return async ({ resource, signal }) => {
    const providerId = providerIdForTests ?? MICROSOFT_PROVIDER_ID;
    const session = await untilAborted(vscode.authentication.getSession(providerId, easSessionScopes(resource, settings), { createIfNone: true }), signal);
    return { accessToken: session.accessToken, account: session.account.label, source: providerId === MICROSOFT_PROVIDER_ID ? 'VS Code Microsoft account' : `VS Code account (${providerId})` };
  };
}

/** getSession takes no cancellation token: the run's cancel and time limit end the wait instead. */
function untilAborted<T>(pending: Thenable<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
