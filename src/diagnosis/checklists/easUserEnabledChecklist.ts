// The mailbox is not enabled for ActiveSync (status 126, or 403 on older protocols).
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const easUserEnabledChecklist: Checklist = {
  id: CHECKLIST_ID.easUserEnabled,
  title: 'Enable ActiveSync for the mailbox',
  why: 'OPTIONS and the sign-in work, but the first command is refused because Exchange ActiveSync is switched off for this user.',
  warnings: [],
  steps: [
    {
      id: 'check-setting',
      text: 'Check the mailbox\'s ActiveSync setting.',
      commands: [{ label: 'Exchange 2007 and later, Exchange Online', language: 'powershell', code: 'Get-CASMailbox <user> | Format-List ActiveSyncEnabled,ActiveSyncMailboxPolicy' }],
    },
    {
      id: 'enable',
      text: 'Enable it, if the user should sync.',
      commands: [{ label: 'Exchange 2007 and later, Exchange Online', language: 'powershell', code: 'Set-CASMailbox <user> -ActiveSyncEnabled $true' }],
    },
    { id: 'check-2003', text: 'On Exchange 2003: Active Directory Users and Computers → the user → Exchange Features → Outlook Mobile Access / User initiated synchronization must be enabled.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again (the change can take a few minutes to reach the server\'s cache).', expected: 'Provision and FolderSync pass.' },
  ],
  links: [],
};
