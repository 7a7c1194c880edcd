// HTTP 457: the password has expired.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const passwordExpired457Checklist: Checklist = {
  id: CHECKLIST_ID.passwordExpired457,
  title: 'Change the expired password (HTTP 457)',
  why: 'A 457 says the password has expired. The X-MS-Credential-Service-Url header, when present, names where the user can change it.',
  warnings: [],
  steps: [
    { id: 'confirm-expiry', text: 'Confirm in Active Directory that the password has expired (PasswordExpired, PasswordLastSet).' },
    { id: 'change-password', text: 'Have the user change the password (Outlook on the web, the credential service URL from the evidence, or a domain-joined PC), or reset it.' },
    { id: 'update-devices', text: 'Update the password on every device using the account.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with the new password.', expected: 'OPTIONS with credentials returns 200.' },
  ],
  links: [],
};
