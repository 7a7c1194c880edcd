// Exchange 2003 back end behind Exchange 2007/2010: switch on Integrated Windows authentication
// for its Microsoft-Server-ActiveSync directory with Exchange System Manager, then confirm in IIS
// Manager that the change reached the metabase. The fix for the coexistence 401.
import type { Checklist } from '../diagnosisModel';
import { scriptCommand } from '../verificationScripts';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const esm2003IwaChecklist: Checklist = {
  id: CHECKLIST_ID.esm2003Iwa,
  title: 'Enable Integrated Windows authentication on the Exchange 2003 ActiveSync directory (Exchange System Manager)',
  why: 'An Exchange 2007 or 2010 Client Access server forwards ActiveSync requests for Exchange 2003 mailboxes to the 2003 server using Kerberos. With only Basic allowed on the 2003 Microsoft-Server-ActiveSync directory, that hand-over fails and devices get 401.',
  warnings: [
    'Make this change in Exchange System Manager, not in IIS Manager: the System Attendant rewrites the IIS metabase from Active Directory, so a change made only in IIS Manager is undone.',
    'Keep Basic authentication ticked as well; clients that connect to the 2003 server directly still use it.',
  ],
  steps: [
    {
      id: 'install-hotfix',
      text: 'Install the hotfix from KB 937031 on the Exchange 2003 server.',
      detail: 'It addresses Event ID 1036 on Exchange 2007 Client Access servers when devices reach mailboxes on an Exchange 2003 back end.',
      links: [LINKS.kb937031],
      expected: 'The hotfix is listed in the server\'s installed updates.',
    },
    {
      id: 'open-esm',
      text: 'On the Exchange 2003 mailbox server, start Exchange System Manager.',
    },
    {
      id: 'navigate-to-vdir',
      text: 'Go to Administrative Groups → your administrative group → Servers → the server → Protocols → HTTP → Exchange Virtual Server.',
      detail: 'Expand each node in turn; the ActiveSync directory is listed under Exchange Virtual Server.',
    },
    {
      id: 'open-properties',
      text: 'Right-click Microsoft-Server-ActiveSync and choose Properties.',
    },
    {
      id: 'open-authentication',
      text: 'On the Access tab, click Authentication.',
    },
    {
      id: 'tick-iwa',
      text: 'Tick Integrated Windows Authentication.',
      expected: 'Both Basic authentication and Integrated Windows Authentication are ticked.',
    },
    {
      id: 'confirm-ok-twice',
      text: 'Click OK, then OK again, to save and close both dialogs.',
    },
    {
      id: 'verify-in-iis',
      text: 'Confirm in IIS Manager that the setting reached the IIS metabase (look only; change nothing there).',
      detail: 'The System Attendant copies the setting from Active Directory to the metabase; allow a few minutes for it.',
      substeps: [
        { id: 'verify-open-iis-manager', text: 'Open Internet Information Services (IIS) Manager from Administrative Tools.' },
        { id: 'verify-expand-site', text: 'Expand the server, then Web Sites, then Default Web Site.' },
        { id: 'verify-open-vdir-properties', text: 'Right-click Microsoft-Server-ActiveSync and choose Properties.' },
        { id: 'verify-open-auth-dialog', text: 'On the Directory Security tab, click Edit under Authentication and access control.' },
        {
          id: 'verify-iwa-ticked',
          text: 'Check that Integrated Windows Authentication is ticked.',
          detail: 'If it is, the change made in Exchange System Manager has been written to the metabase.',
          expected: 'Integrated Windows Authentication is ticked.',
        },
        { id: 'verify-close-iis', text: 'Click Cancel twice and close IIS Manager.' },
      ],
    },
    {
      id: 'verify-authflags',
      text: 'Optionally, read the metabase value from the command line.',
      commands: [scriptCommand('iis6-authflags-adsutil')],
      expected: 'AuthFlags has bit 4 set, for example 6 (Basic + Integrated Windows).',
    },
    {
      id: 'rerun-probe',
      text: 'Run the ActiveSync test again with the same account.',
      detail: 'To prove Integrated Windows authentication itself, point a test at the Exchange 2003 server with the sign-in method set to NTLM (CLI: --auth ntlm): a passed run of that kind ticks this step and the IIS check above.',
      expected: 'OPTIONS with credentials returns 200.',
    },
  ],
  links: [LINKS.kb937031, LINKS.upgradeFrom2003],
};
