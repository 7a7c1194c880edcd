// Autodiscover that offers only Windows authentication: phones sign in to it with Basic (or OAuth),
// so Basic must be on for its virtual directory, or the devices set up another way.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const autodiscoverBasicAuthChecklist: Checklist = {
  id: CHECKLIST_ID.autodiscoverBasicAuth,
  title: 'Let devices sign in to Autodiscover with Basic',
  why: 'Phones and tablets sign in to Autodiscover with Basic (or, with modern authentication, OAuth); they do not use Windows authentication there. An Autodiscover virtual directory with only Windows authentication on turns them away before looking at the password, even when ActiveSync itself accepts them, so setting up an account from the e-mail address fails.',
  warnings: [
    'Keep Windows authentication on: Outlook on domain-joined computers uses it for Autodiscover.',
    'Basic carries the password in every request: devices reach Autodiscover over https only, so make sure the certificate covers the Autodiscover host name.',
  ],
  steps: [
    {
      id: 'list-autodiscover-auth',
      text: 'In the Exchange Management Shell, list the authentication methods of the Autodiscover virtual directory on every server that devices reach (Client Access servers on 2010, Mailbox servers on 2013 and later).',
      commands: [{ label: 'Autodiscover authentication settings', language: 'powershell', code: 'Get-AutodiscoverVirtualDirectory | Format-List Server,Name,BasicAuthentication,WindowsAuthentication,OAuthAuthentication' }],
      expected: 'BasicAuthentication : False on the server whose 401 offered only Negotiate and NTLM.',
    },
    {
      id: 'enable-basic',
      text: 'Turn Basic on for that server\'s Autodiscover virtual directory, leaving Windows authentication on.',
      commands: [{ label: 'Enable Basic', language: 'powershell', code: 'Set-AutodiscoverVirtualDirectory -Identity "<SERVER>\\Autodiscover (Default Web Site)" -BasicAuthentication $true' }],
      links: [LINKS.setAutodiscoverVirtualDirectory],
      expected: 'BasicAuthentication : True and WindowsAuthentication : True when listed again.',
    },
    {
      id: 'recycle-app-pool',
      text: 'On that server, recycle the Autodiscover application pool so IIS applies the change.',
      commands: [{ label: 'Recycle the application pool', language: 'powershell', code: 'Import-Module WebAdministration\nRestart-WebAppPool -Name MSExchangeAutodiscoverAppPool' }],
    },
    {
      id: 'or-other-sign-in',
      text: 'If Basic must stay off, set devices up by hand instead (the server name is the host of the ActiveSync virtual directory\'s ExternalUrl), or move them to modern authentication (OAuth): Exchange Online, or Hybrid Modern Authentication on premises.',
      commands: [{ label: 'The server name devices need', language: 'powershell', code: 'Get-ActiveSyncVirtualDirectory | Format-List Server,ExternalUrl' }],
    },
    { id: 'rerun-probe', text: 'Run the test again from the e-mail address.', expected: 'The Autodiscover step passes and hands out the ActiveSync URL.' },
  ],
  links: [LINKS.setAutodiscoverVirtualDirectory],
};
