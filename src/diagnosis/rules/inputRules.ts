// Problems with what was typed, found before any packet left: the URL, the scheme, the user name.
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { ref } from '../runFacts';
import { categoryRule } from './categoryRule';

export const inputRules = categoryRule([
  {
    categories: ['input.invalidUrl', 'input.unsupportedScheme', 'input.invalidPort', 'input.invalidHost'],
    id: 'input.invalidTarget',
    title: 'The server address is not a usable URL',
    score: 92,
    explanation: 'The target could not be turned into an https URL with a valid host and port, so nothing was sent. Enter a host name (mail.contoso.com) or a full URL such as https://mail.contoso.com/Microsoft-Server-ActiveSync.',
    checks: ['Copy the server name from a working device or from Outlook on the web\'s address.', 'Leave out spaces, paths other than /Microsoft-Server-ActiveSync, and schemes other than https.'],
    evidence: (facts) => [ref('input', 'Target as typed', facts.run?.target?.input)],
  },
  {
    categories: ['input.plainHttpNotAllowed'],
    id: 'input.plainHttpRefused',
    title: 'Plain http target refused: credentials would travel unencrypted',
    score: 90,
    explanation: 'The URL uses http://, which would send the password in clear text. The probe only does that when explicitly allowed; ActiveSync devices use https.',
    checks: ['Use https:// instead.', 'Only for a lab or a server you are testing on an isolated network, allow plain http in the settings.'],
    evidence: (facts) => [ref('input', 'Target as typed', facts.run?.target?.input)],
  },
  {
    categories: ['input.credentialsInUrl'],
    id: 'input.credentialsInUrl',
    title: 'The URL contained a user name or password',
    score: 80,
    explanation: 'Credentials written into a URL end up in logs and history. They were removed from the stored target; enter the user name in its own field and the password when asked.',
    checks: ['Remove user:password@ from the URL.', 'If that password was shared anywhere, consider changing it.'],
  },
  {
    categories: ['input.unexpectedPath'],
    id: 'input.unexpectedPath',
    title: 'The URL path is not /Microsoft-Server-ActiveSync',
    score: 55,
    explanation: 'ActiveSync clients always talk to /Microsoft-Server-ActiveSync. A different path usually reaches something else (OWA, a portal, a proxy rule) and the answers will not be ActiveSync\'s.',
    checks: ['Rerun with only the host name and let the probe add the standard path.'],
    evidence: (facts) => [ref('input', 'URL', facts.run?.target?.url)],
  },
  {
    categories: ['input.userNameForm'],
    id: 'auth.userNameForm',
    title: 'The user name form may not be accepted',
    score: 55,
    explanation: 'Exchange accepts DOMAIN\\user or the user principal name (user@domain). Other forms, or a bare name when the server\'s default domain is different, are refused with 401.',
    checks: ['Look up the account\'s user logon name (UPN) and pre-Windows 2000 name in Active Directory.'],
    checklistIds: [CHECKLIST_ID.credentials],
    evidence: (facts) => [ref('input', 'User name', facts.userName), ref('input', 'User name form', facts.userNameForm)],
  },
  {
    categories: ['input.missingUser'],
    id: 'input.missingUser',
    title: 'No user name given: the signed-in OPTIONS test was skipped',
    score: 60,
    explanation: 'Without a user name only the anonymous request runs, which shows what the server offers but not whether an account can sign in.',
    checks: ['Rerun with the user name of an affected mailbox.'],
  },
]);
