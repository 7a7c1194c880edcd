// Which sign-in methods the ActiveSync virtual directory offers, on every Exchange generation,
// with the commands that show and change them.
import type { Checklist } from '../diagnosisModel';
import { scriptCommand } from '../verificationScripts';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const vdirAuthMethodsChecklist: Checklist = {
  id: CHECKLIST_ID.vdirAuthMethods,
  title: 'Check the authentication methods of the Microsoft-Server-ActiveSync virtual directory',
  why: 'Devices sign in with Basic (or OAuth); the directory must offer what clients send, and on Exchange 2003 back ends it also needs Integrated Windows authentication for the hand-over from newer Client Access servers.',
  warnings: ['On Exchange 2003 change these settings in Exchange System Manager, never in IIS Manager: the System Attendant overwrites the metabase from Active Directory.'],
  steps: [
    {
      id: 'list-2007-2010',
      text: 'On Exchange 2007/2010, list the settings in the Exchange Management Shell.',
      commands: [scriptCommand('eas-vdir-auth-powershell')],
      expected: 'BasicAuthEnabled is True on every Client Access server devices use.',
    },
    {
      id: 'enable-windows-auth',
      text: 'Where Integrated Windows authentication is needed and off, turn it on.',
      commands: [scriptCommand('eas-vdir-enable-iwa-powershell')],
      expected: 'WindowsAuthEnabled is True for that server.',
    },
    {
      id: 'check-iis6-authflags',
      text: 'On an Exchange 2003 server, read the AuthFlags in the IIS metabase.',
      detail: 'AuthFlags is a sum: 1 anonymous, 2 Basic, 4 NTLM / Integrated Windows, 16 Digest. A value with 4 set means Integrated Windows authentication is on.',
      commands: [scriptCommand('iis6-authflags-adsutil')],
      expected: 'A value with bit 2 (Basic) set, plus bit 4 on a 2003 back end behind 2007/2010; bit 1 (anonymous) not set.',
    },
    {
      id: 'rerun-probe',
      text: 'Run the ActiveSync test again.',
      expected: 'The anonymous OPTIONS lists the methods you expect in WWW-Authenticate.',
    },
  ],
  links: [LINKS.upgradeFrom2003],
};
