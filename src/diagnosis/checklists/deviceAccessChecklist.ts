// A device blocked or quarantined by Allow/Block/Quarantine (ABQ) or a per-mailbox block list.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const deviceAccessChecklist: Checklist = {
  id: CHECKLIST_ID.deviceAccess,
  title: 'Allow the device (blocked or quarantined by Exchange)',
  why: 'Exchange decides per device whether it may sync: organisation-wide access level, device access rules by type or model, and per-mailbox allowed and blocked lists. A blocked device gets status 129 (403 on older protocols); a quarantined one syncs only the notice in its Inbox.',
  warnings: ['Allow only the device types you mean to support; a rule on DeviceType applies to every user.'],
  steps: [
    {
      id: 'list-devices',
      text: 'List the mailbox\'s devices and why each has its access state.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Get-MobileDevice -Mailbox <user> | Format-Table DeviceId,DeviceType,DeviceModel,DeviceAccessState,DeviceAccessStateReason' }],
    },
    {
      id: 'check-organisation-level',
      text: 'Check the organisation\'s default access level (Allow, Block or Quarantine) and its device access rules.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: 'Get-ActiveSyncOrganizationSettings | Format-List DefaultAccessLevel\nGet-ActiveSyncDeviceAccessRule | Format-Table Name,Characteristic,QueryString,AccessLevel' }],
    },
    {
      id: 'allow-probe-device',
      text: 'To let this test through, allow its device (DeviceType ActiveSyncDoctor and DeviceId ActiveSyncDoctorProbe unless you changed them) for the test mailbox only.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: "Set-CASMailbox <user> -ActiveSyncAllowedDeviceIDs @{Add='ActiveSyncDoctorProbe'}" }],
    },
    { id: 'release-quarantine', text: 'For real phones waiting in quarantine: approve them in the admin center (Mobile → mobile device access → quarantined devices), or add a rule for their type.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'FolderSync and Sync pass, and the Inbox shows the mailbox\'s real items.' },
  ],
  links: [],
};
