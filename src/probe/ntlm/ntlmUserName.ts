// How a user name becomes the NTLM user and domain, the way Windows clients do it:
// DOMAIN\user splits at the backslash, a UPN (user@domain) goes whole as the user name with an
// empty domain (the domain controller resolves it), and a bare name takes the domain from the
// run's domain option, or else from the server's own challenge (its NetBIOS domain).

export type DomainSource = 'userName' | 'upn' | 'option' | 'challenge' | 'none';

export interface NtlmIdentity {
  user: string;
  domain: string;
  domainSource: DomainSource;
}

/** `challengeDomain` is the NetBIOS domain (or target name) from the server's type 2. */
export function ntlmIdentity(userName: string, domainOption: string | undefined, challengeDomain: string | undefined): NtlmIdentity {
  const name = userName.trim();
  const slash = name.indexOf('\\');
  if (slash >= 0) return { user: name.slice(slash + 1), domain: name.slice(0, slash), domainSource: 'userName' };
  if (name.includes('@')) return { user: name, domain: '', domainSource: 'upn' };
  const option = domainOption?.trim();
  if (option) return { user: name, domain: option, domainSource: 'option' };
  if (challengeDomain) return { user: name, domain: challengeDomain, domainSource: 'challenge' };
  return { user: name, domain: '', domainSource: 'none' };
}

/** "CONTOSO\labuser (domain from the user name)" for a step detail. */
export function describeIdentity(identity: NtlmIdentity): string {
  const shown = identity.domain ? `${identity.domain}\\${identity.user}` : identity.user;
  const source: Record<DomainSource, string> = {
    userName: 'domain from the user name',
    upn: 'user principal name, no domain: the server resolves it',
    option: 'domain from the domain setting',
    challenge: "domain taken from the server's challenge",
    none: 'no domain',
  };
  return `${shown} (${source[identity.domainSource]})`;
}
