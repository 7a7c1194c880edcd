// OAuth: the server refused the token itself (audience, scope, expiry) or the authority refused
// to issue one (consent, app registration): fix what the token asks for and who issues it.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const oauthTokenChecklist: Checklist = {
  id: CHECKLIST_ID.oauthToken,
  title: 'Get an ActiveSync token Exchange accepts (audience, scope, expiry)',
  why: 'Exchange accepts a Bearer token only when it is issued for Exchange (audience https://outlook.office365.com, or the on-premises URL with hybrid modern authentication), carries the delegated permission EAS.AccessAsUser.All and has not expired.',
  warnings: ['Never paste a token into a web site to read it: it is a password for the mailbox until it expires. The probe shows its claims without keeping it.'],
  steps: [
    {
      id: 'read-claims',
      text: 'Read the token\'s claims in the probe\'s "Sign in with OAuth" step: audience (aud), scopes (scp), tenant (tid), user (upn) and expiry (exp).',
      expected: 'aud is https://outlook.office365.com (or your on-premises URL), scp includes EAS.AccessAsUser.All, exp is in the future.',
    },
    {
      id: 'check-api-permission',
      text: 'In Microsoft Entra ID → App registrations → your app → API permissions, add Office 365 Exchange Online → Delegated → EAS.AccessAsUser.All.',
      detail: 'For the command line, the app also needs "Allow public client flows" (Authentication blade) for the device code sign-in.',
    },
    { id: 'grant-consent', text: 'Grant consent for the permission: the user at sign-in, or an administrator for the organisation ("Grant admin consent").' },
    {
      id: 'request-eas-scope',
      text: 'Make the client ask for the ActiveSync scope of the right resource, not for Microsoft Graph.',
      commands: [{ label: 'Scope for Exchange Online', language: 'text', code: 'https://outlook.office365.com/EAS.AccessAsUser.All' }],
    },
    {
      id: 'check-token-age',
      text: 'If the token had expired, sign in again (or let the client refresh it) and check the clock of the machine that sent it.',
      commands: [{ label: 'Command line: sign in afresh', language: 'text', code: 'activesync-doctor probe outlook.office365.com --auth oauth --client-id <app id> --tenant <tenant>' }],
    },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again with OAuth.', expected: 'OPTIONS with the Bearer token returns 200.' },
  ],
  links: [],
};
