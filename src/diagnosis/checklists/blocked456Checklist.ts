// HTTP 456: the user or device is blocked from ActiveSync.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const blocked456Checklist: Checklist = {
  id: CHECKLIST_ID.blocked456,
  title: 'Unblock the account or device (HTTP 456)',
  why: 'A 456 means Exchange blocks this user or device from syncing: a device access rule, a quarantine, or a per-mailbox block list.',
  warnings: [],
  steps: [
    {
      id: 'list-devices',
      text: 'List the mailbox\'s devices and their access state.',
      commands: [{ label: 'Exchange 2013 and later (Get-ActiveSyncDeviceStatistics on 2010)', language: 'powershell', code: 'Get-MobileDevice -Mailbox <user> | Format-List DeviceId,DeviceModel,DeviceAccessState,DeviceAccessStateReason' }],
    },
    {
      id: 'check-blocked-list',
      text: 'Check the mailbox\'s blocked and allowed device lists.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: 'Get-CASMailbox <user> | Format-List ActiveSyncEnabled,ActiveSyncBlockedDeviceIDs,ActiveSyncAllowedDeviceIDs' }],
    },
    { id: 'check-rules', text: 'Check device access rules and quarantine settings, then allow the device if appropriate.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'No 456.' },
  ],
  links: [],
};
