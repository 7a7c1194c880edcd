// OAuth worked (Exchange accepted the token) but there is no mailbox to sync: the user has no
// licence that includes Exchange Online. The mailbox's own ActiveSync switch and device access
// rules have their own checklists (activesync-user-enabled, device-access-abq).
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const exchangeOnlineLicenceChecklist: Checklist = {
  id: CHECKLIST_ID.exchangeOnlineLicence,
  title: 'Give the signed-in user a mailbox (an Exchange Online licence)',
  why: 'The token was accepted, so sign-in works. Exchange Online still refuses ActiveSync for a user without a licence that includes Exchange Online: there is no mailbox behind the account.',
  warnings: [],
  steps: [
    {
      id: 'check-licence',
      text: 'In the Microsoft 365 admin center (Users → Active users → the user → Licenses and apps), check the user has a licence that includes Exchange Online.',
      expected: 'Exchange Online is ticked for the user, and the mailbox exists.',
      commands: [{ label: 'Find the mailbox', language: 'powershell', code: 'Get-EXOMailbox -Identity <user> | Format-List UserPrincipalName,RecipientTypeDetails' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with OAuth (a new licence can take several minutes to give the user a mailbox).', expected: 'OPTIONS with the Bearer token returns 200.' },
  ],
  links: [],
};
