// Where the CLI's OAuth token comes from: --token-stdin (automation: a token obtained elsewhere),
// or the device code sign-in through @azure/msal-node at Microsoft Entra ID (--tenant,
// --client-id) or at the built-in lab's authority. The instructions (URL and code) go to standard
// error so --json output stays clean; the token goes to the probe and nowhere else.
import { terminalSafe } from '../common/textSafety';
import type { BearerTokenSource } from '../probe/oauthToken';
import { UsageError } from './cliArgs';
import { readPasswordFromStdin } from './passwordSource';

type Output = NodeJS.WritableStream;

export interface CliOAuthOptions {
  tenant?: string;
  clientId?: string;
  cacheFile?: string;
  extraCaPem?: string;
  stderr: Output;
}

const TENANT = /^[A-Za-z0-9.-]{1,253}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks --tenant and --client-id before anything starts (exit 2 on a bad value). */
export function validateOAuthFlags(tenant: string | undefined, clientId: string | undefined): void {
  if (tenant !== undefined && !TENANT.test(tenant)) throw new UsageError('--tenant takes a tenant id (GUID) or domain, e.g. contoso.onmicrosoft.com, or "organizations".');
  if (clientId !== undefined && !GUID.test(clientId)) throw new UsageError('--client-id takes an application (client) id, a GUID such as 00000000-0000-0000-0000-000000000000.');
}

/** A token read once from standard input (a JWT or any opaque token, one line). */
export async function tokenFromStdin(stdin: NodeJS.ReadStream): Promise<BearerTokenSource> {
  const token = (await readPasswordFromStdin(stdin)).trim();
  if (!token) throw new UsageError('--token-stdin read nothing: pipe an access token into the command.');
  if (/\s/.test(token)) throw new UsageError('--token-stdin read more than one word: give the access token alone, without "Bearer".');
  return async () => ({ accessToken: token, source: 'standard input' });
}

/** The device code sign-in at Microsoft Entra ID. */
export function deviceCodeTokenSource(options: CliOAuthOptions): BearerTokenSource {
  if (!options.clientId) {
    throw new UsageError('--auth oauth needs --client-id: the application (client) id of an app registration in your tenant with the delegated permission EAS.AccessAsUser.All and public client flows allowed (see README, "Exchange Online").');
  }
  return async ({ scopes, signal }) => {
    // msal-node is loaded only when a sign-in actually happens.
    const { ENTRA_ID_HOST, signInWithDeviceCode } = await import('../oauth/deviceCodeSignIn');
    const authority = `${ENTRA_ID_HOST}/${options.tenant ?? 'organizations'}`;
    const result = await signInWithDeviceCode({
      authority,
      clientId: options.clientId as string,
      scopes,
      extraCaPem: options.extraCaPem,
      cacheFile: options.cacheFile,
      prompt: promptOn(options.stderr),
      signal,
      timeoutMs: 15 * 60_000,
    });
    return { accessToken: result.accessToken, account: result.account, source: result.fromCache ? `cached sign-in (${options.cacheFile})` : `device code sign-in at ${new URL(authority).host}` };
  };
}

/** Sign-in instructions come from the authority: shown on standard error, control characters removed. */
export function promptOn(stderr: Output): (message: string) => void {
  return (message) => stderr.write(`${terminalSafe(message)}\n`);
}
