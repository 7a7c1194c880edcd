// A remote wipe is pending for the device id the test used.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const remoteWipeChecklist: Checklist = {
  id: CHECKLIST_ID.remoteWipe,
  title: 'A remote wipe is pending for this device id',
  why: 'An administrator or the user asked Exchange to wipe the device with this DeviceId. The server now answers its next Provision with a wipe order. The test stopped and never acknowledged it, so Exchange still shows the wipe as pending.',
  warnings: ['Never set up a real phone with this DeviceId while the wipe is pending: it would erase the phone (or the account on it).'],
  steps: [
    {
      id: 'find-request',
      text: 'Find the device and the state of its wipe request.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Get-MobileDeviceStatistics -Mailbox <user> | Format-Table DeviceId,DeviceType,DeviceWipeStatus,DeviceWipeRequestTime' }],
    },
    {
      id: 'cancel-or-remove',
      text: 'If the wipe was not meant for this device id, cancel it, or remove the device partnership.',
      commands: [{ label: 'Exchange 2013 and later, Exchange Online', language: 'powershell', code: 'Clear-MobileDevice -Identity <device identity> -Cancel\n# or\nRemove-MobileDevice -Identity <device identity>' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'Provision passes without a wipe order.' },
  ],
  links: [],
};
