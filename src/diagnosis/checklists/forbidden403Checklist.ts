// HTTP 403: the sign-in worked but access is refused.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const forbidden403Checklist: Checklist = {
  id: CHECKLIST_ID.forbidden403,
  title: 'Resolve HTTP 403 (ActiveSync disabled, device denied, or SSL required)',
  why: 'A 403 means the request was understood but refused: the mailbox is not enabled for ActiveSync, a device rule blocks it, or the directory requires SSL.',
  warnings: [],
  steps: [
    {
      id: 'check-mailbox-enabled',
      text: 'Check that ActiveSync is enabled for the mailbox.',
      detail: 'On Exchange 2003 it is on the user\'s Exchange Features tab in Active Directory Users and Computers.',
      commands: [
        { label: 'Exchange 2007 and later', language: 'powershell', code: 'Get-CASMailbox <user> | Format-List ActiveSyncEnabled' },
        { label: 'Enable it', language: 'powershell', code: 'Set-CASMailbox <user> -ActiveSyncEnabled $true' },
      ],
      expected: 'ActiveSyncEnabled : True',
    },
    {
      id: 'check-device-rules',
      text: 'Check device access rules and the organisation\'s default access level (Exchange 2010 and later).',
      commands: [{ label: 'Device access settings', language: 'powershell', code: 'Get-ActiveSyncOrganizationSettings | Format-List DefaultAccessLevel\nGet-ActiveSyncDeviceAccessRule' }],
    },
    { id: 'check-ssl-settings', text: 'Check the SSL settings of Microsoft-Server-ActiveSync in IIS and use an https URL.' },
    { id: 'check-ip-restrictions', text: 'Check IP address and domain restrictions on the virtual directory.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'OPTIONS with credentials returns 200.' },
  ],
  links: [],
};
