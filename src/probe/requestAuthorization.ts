// The Authorization value of an authenticated request, built in one place for every request the
// probe signs: the OPTIONS command, the cross-check, and the EAS commands that follow OPTIONS.
// Whatever builds it, the value goes out only through ProbeHttpConnection, whose connection must
// be the endpoint the run verified; it is redacted from every record and scrubbed from replies.

/** What a request signs in with. The secret parts live in memory for the run only. */
export type RequestCredentials =
  | { scheme: 'Basic'; userName: string; password: string }
  /** An OAuth 2.0 access token (RFC 6750), sent as it came from the authority. */
  | { scheme: 'Bearer'; accessToken: string };

export function authorizationFor(credentials: RequestCredentials): string {
  if (credentials.scheme === 'Bearer') return `Bearer ${credentials.accessToken}`;
  return basicAuthorization(credentials.userName, credentials.password);
}

export function basicAuthorization(userName: string, password: string): string {
  return `Basic ${Buffer.from(`${userName}:${password}`, 'utf8').toString('base64')}`;
}
