// The lab's fake mailbox accounts and the user-name forms each kind of server accepts.
// Everything here is made up for the lab (contoso.example and *.onmicrosoft.example are reserved
// or unregistrable names): no real tenant, domain or password is involved.
//
//   On-premises scenarios: CONTOSO\labuser, labuser@contoso.example or bare labuser
//   Office 365 style:      labuser@contoso.onmicrosoft.example (full UPN only)
//   Password (both):       Lab-Passw0rd!

export const LAB_PASSWORD = 'Lab-Passw0rd!';
export const LAB_DOMAIN = 'CONTOSO';
export const LAB_USER = 'labuser';
export const LAB_UPN = 'labuser@contoso.example';
export const LAB_DOWN_LEVEL = 'CONTOSO\\labuser';
export const LAB_CLOUD_UPN = 'labuser@contoso.onmicrosoft.example';
export const LAB_DISPLAY_NAME = 'Lab User';

/** Which directory a scenario's server checks names against. */
export type LabAccountKind = 'onPremises' | 'office365';

/**
 * IIS Basic auth against Active Directory takes DOMAIN\user, the UPN, or a bare name (resolved
 * through the default domain). Exchange Online takes only the full UPN: a bare name is an
 * unknown user there, which is exactly the mistake the office365-needs-upn scenario shows.
 */
export function isAcceptedUserName(kind: LabAccountKind, userName: string): boolean {
  const name = userName.trim().toLowerCase();
  if (kind === 'office365') return name === LAB_CLOUD_UPN;
  return name === LAB_USER || name === LAB_UPN || name === LAB_DOWN_LEVEL.toLowerCase();
}

export function emailAddressFor(kind: LabAccountKind): string {
  return kind === 'office365' ? LAB_CLOUD_UPN : LAB_UPN;
}
