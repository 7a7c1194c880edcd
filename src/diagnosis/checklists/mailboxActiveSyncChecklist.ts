// OAuth worked (Exchange accepted the token) but the mailbox may not use ActiveSync: a missing
// Exchange Online licence, ActiveSync switched off for the mailbox, or a device access rule.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const mailboxActiveSyncChecklist: Checklist = {
  id: CHECKLIST_ID.mailboxActiveSync,
  title: 'Let the signed-in mailbox use ActiveSync (licence, CAS mailbox setting, device rules)',
  why: 'The token was accepted, so sign-in works. Exchange still refuses ActiveSync when the user has no Exchange Online licence (no mailbox), when ActiveSync is switched off for the mailbox, or when a device access rule blocks the client.',
  warnings: [],
  steps: [
    {
      id: 'check-licence',
      text: 'In the Microsoft 365 admin center (Users → Active users → the user → Licenses and apps), check the user has a licence that includes Exchange Online.',
      expected: 'Exchange Online is ticked for the user, and the mailbox exists (Get-EXOMailbox <user> finds it).',
    },
    {
      id: 'check-cas-mailbox',
      text: 'Check that ActiveSync is enabled for the mailbox (Exchange Online PowerShell, or the Exchange Management Shell on premises).',
      commands: [
        { label: 'Read the setting', language: 'powershell', code: 'Get-CASMailbox -Identity <user> | Format-List ActiveSyncEnabled,ActiveSyncAllowedDeviceIDs,ActiveSyncBlockedDeviceIDs' },
        { label: 'Enable it', language: 'powershell', code: 'Set-CASMailbox -Identity <user> -ActiveSyncEnabled $true' },
      ],
      expected: 'ActiveSyncEnabled : True',
    },
    {
      id: 'check-device-access',
      text: 'Check the organisation\'s default access level and device access rules.',
      commands: [{ label: 'Device access settings', language: 'powershell', code: 'Get-ActiveSyncOrganizationSettings | Format-List DefaultAccessLevel\nGet-ActiveSyncDeviceAccessRule' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with OAuth (changes can take several minutes to reach Exchange Online).', expected: 'OPTIONS with the Bearer token returns 200.' },
  ],
  links: [],
};
