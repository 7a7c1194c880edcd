// OAuth: Microsoft Entra ID refused to issue the token because a Conditional Access policy
// (device compliance, location, client app) blocks this sign-in.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const conditionalAccessChecklist: Checklist = {
  id: CHECKLIST_ID.conditionalAccess,
  title: 'Find the Conditional Access policy that blocks the sign-in',
  why: 'Entra ID refused to issue a token (AADSTS53000 to 53003 and similar): a Conditional Access policy requires something this sign-in does not meet, such as a compliant or hybrid-joined device, an approved client app, or a trusted location.',
  warnings: ['Do not weaken a policy to make a test pass: exclude a test account or device deliberately, or test from a device that meets the policy.'],
  steps: [
    {
      id: 'open-sign-in-logs',
      text: 'In the Microsoft Entra admin center, open Monitoring & health → Sign-in logs, filter on the user and the time of the run, and open the failed sign-in.',
      expected: 'The failure shows the same AADSTS code as the probe.',
    },
    { id: 'find-policy', text: 'On the sign-in\'s Conditional Access tab, note each policy with the result "Failure" and the grant control it requires.' },
    {
      id: 'check-device-state',
      text: 'If the policy requires a compliant or hybrid-joined device, check the device in Intune (Devices → All devices) or Entra ID (Devices): the device code flow signs in from a browser that may not carry the device\'s identity.',
    },
    { id: 'decide-change', text: 'Decide with the policy owner: test from a device that meets the policy, or add a deliberate exclusion for a test account.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with OAuth.', expected: 'The sign-in succeeds and OPTIONS with the Bearer token returns 200.' },
  ],
  links: [],
};
