// The user has too many device partnerships (status 177).
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const maxDevicesChecklist: Checklist = {
  id: CHECKLIST_ID.maxDevices,
  title: 'Remove stale device partnerships (maximum devices reached)',
  why: 'Exchange limits how many devices one user may pair (the throttling policy\'s EasMaxDevices). Old phones that were never removed count against it, so a new device is refused with status 177.',
  warnings: ['Removing a partnership makes that device resync from scratch if it is still in use.'],
  steps: [
    {
      id: 'list-stale',
      text: 'List the user\'s devices with their last successful sync.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Get-MobileDeviceStatistics -Mailbox <user> | Sort-Object LastSuccessSync | Format-Table DeviceId,DeviceModel,LastSuccessSync' }],
    },
    {
      id: 'remove-stale',
      text: 'Remove partnerships that have not synced for months.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Remove-MobileDevice -Identity <device identity>' }],
    },
    {
      id: 'check-limit',
      text: 'On-premises, check the limit in the throttling policy that applies to the user.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: 'Get-ThrottlingPolicy | Format-List Name,EasMaxDevices' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'Provision passes.' },
  ],
  links: [],
};
