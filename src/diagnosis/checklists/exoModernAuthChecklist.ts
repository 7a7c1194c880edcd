// Exchange Online no longer accepts Basic for ActiveSync: the client must bring an OAuth token.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const exoModernAuthChecklist: Checklist = {
  id: CHECKLIST_ID.exoModernAuth,
  title: 'Use OAuth (modern authentication) for Exchange Online ActiveSync',
  why: 'Basic authentication for Exchange ActiveSync has been switched off in Exchange Online. Devices and apps must sign in with OAuth and the delegated permission EAS.AccessAsUser.All.',
  warnings: ['No password change or user name form fixes this: a client that only supports Basic cannot connect to Exchange Online.'],
  steps: [
    {
      id: 'check-client-support',
      text: 'Check that the device or app supports modern authentication (OAuth) for Exchange ActiveSync, and update it if needed.',
    },
    {
      id: 'register-app',
      text: 'For an in-house app, register it in Microsoft Entra ID with the delegated permission EAS.AccessAsUser.All (Office 365 Exchange Online).',
      commands: [{ label: 'OAuth scope to request', language: 'text', code: 'https://outlook.office.com/EAS.AccessAsUser.All' }],
    },
    { id: 'grant-consent', text: 'Grant consent for the permission (by the user, or admin consent for the organisation).' },
    {
      id: 'check-conditional-access',
      text: 'Check Conditional Access policies do not block the app or platform.',
    },
    {
      id: 'reconfigure-account',
      text: 'Remove and re-add the account on the device so it signs in through the Microsoft sign-in page.',
      expected: 'The device shows the Microsoft sign-in page instead of asking for a password only.',
    },
  ],
  links: [LINKS.basicAuthDeprecation],
};
