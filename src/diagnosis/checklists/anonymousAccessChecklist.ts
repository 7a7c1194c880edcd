// Anonymous access on the ActiveSync directory: a security problem and a coexistence breaker.
import type { Checklist } from '../diagnosisModel';
import { scriptCommand } from '../verificationScripts';
import { CHECKLIST_ID } from './checklistIds';

export const anonymousAccessChecklist: Checklist = {
  id: CHECKLIST_ID.anonymousAccess,
  title: 'Turn off anonymous access to Microsoft-Server-ActiveSync',
  why: 'Exchange always requires sign-in for ActiveSync. An anonymous 200 means anonymous access was switched on, or something answers in Exchange\'s place.',
  warnings: ['On Exchange 2003 change it in Exchange System Manager, not IIS Manager: the System Attendant overwrites the metabase.'],
  steps: [
    {
      id: 'check-authflags',
      text: 'On IIS 6 (Exchange 2003), read AuthFlags: bit 1 is anonymous and must not be set.',
      commands: [scriptCommand('iis6-authflags-adsutil')],
      expected: 'An even value (bit 1 clear), e.g. 2 or 6.',
    },
    { id: 'disable-anonymous', text: 'In IIS Manager (Exchange 2007 and later) or Exchange System Manager (2003), untick anonymous access on Microsoft-Server-ActiveSync.' },
    { id: 'check-proxy', text: 'If the server itself requires sign-in, find the proxy that answers on its behalf.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'The anonymous OPTIONS returns 401.' },
  ],
  links: [],
};
