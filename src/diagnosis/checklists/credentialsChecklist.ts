// The most common 401: the account or its password. Short, in the order an admin would check.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const credentialsChecklist: Checklist = {
  id: CHECKLIST_ID.credentials,
  title: 'Verify the account and its password',
  why: 'A mistyped or changed password, a locked-out or disabled account, or the wrong user name form are the most frequent reasons for a 401.',
  warnings: ['Repeated tests with a wrong password can lock the account out, depending on the domain\'s lockout policy.'],
  steps: [
    {
      id: 'sign-in-owa',
      text: 'Sign in to Outlook on the web (OWA) with exactly the same user name and password.',
      expected: 'The mailbox opens. If it does not, the problem is the account or password, not ActiveSync.',
    },
    {
      id: 'check-account-state',
      text: 'In Active Directory Users and Computers (or the Microsoft 365 admin center), check the account is enabled and not locked out.',
      commands: [{ label: 'Account state (Active Directory module)', language: 'powershell', code: 'Get-ADUser <user> -Properties Enabled,LockedOut,PasswordExpired,PasswordLastSet,UserPrincipalName | Format-List Enabled,LockedOut,PasswordExpired,PasswordLastSet,UserPrincipalName' }],
      expected: 'Enabled True, LockedOut False, PasswordExpired False.',
    },
    {
      id: 'unlock-or-reset',
      text: 'Unlock the account or reset the password if needed, and tell the user to update it on every device.',
      detail: 'Old devices with a stale password keep locking the account again; find them in the mailbox\'s list of mobile devices.',
    },
    {
      id: 'check-user-name-form',
      text: 'Try the other user name form: DOMAIN\\user or the user principal name (user@domain).',
    },
    {
      id: 'rerun-probe',
      text: 'Run the ActiveSync test again, with the cross-check against EWS/Autodiscover on.',
      expected: 'OPTIONS with credentials returns 200.',
    },
  ],
  links: [],
};
