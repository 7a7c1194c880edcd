// Exchange Online identifies users by their user principal name only.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const upnSignInChecklist: Checklist = {
  id: CHECKLIST_ID.upnSignIn,
  title: 'Sign in to Exchange Online with the full UPN',
  why: 'Exchange Online (Office 365) refuses a bare user name or DOMAIN\\user: it needs the user principal name, user@domain.com.',
  warnings: ['The UPN is not always the primary e-mail address; look it up rather than guess.'],
  steps: [
    {
      id: 'find-upn',
      text: 'Find the user principal name in the Microsoft 365 admin center (Users → Active users → the user → Username).',
      commands: [{ label: 'Exchange Online PowerShell', language: 'powershell', code: 'Get-User <user> | Format-List UserPrincipalName,WindowsEmailAddress' }],
    },
    { id: 'configure-device', text: 'Enter the UPN as the user name on the device or in the app.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with the UPN.', expected: 'The 401 is gone, or the server now asks for OAuth.' },
  ],
  links: [],
};
