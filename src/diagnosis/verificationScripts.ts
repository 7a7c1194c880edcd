// Ready-to-run checks of the ActiveSync virtual directory's authentication settings, shared by the
// checklists (as step commands) and by the extension's "Insert Verification Script" command.
import type { ChecklistCommand, VerificationScript } from './diagnosisModel';

/** Lists BasicAuthEnabled / WindowsAuthEnabled per server (Exchange 2007/2010 Management Shell). */
export const GET_EAS_VDIR_AUTH_POWERSHELL = 'Get-ActiveSyncVirtualDirectory | Format-List Server,Name,*Auth*';

/** Turns on Windows (Integrated) authentication on one server's ActiveSync virtual directory. */
export const SET_EAS_VDIR_IWA_POWERSHELL = 'Set-ActiveSyncVirtualDirectory -Identity "<SERVER>\\Microsoft-Server-ActiveSync (Default Web Site)" -WindowsAuthEnabled $true';

/** Reads the IIS 6 metabase flags of the ActiveSync directory (run in C:\Inetpub\AdminScripts). */
export const GET_AUTHFLAGS_ADSUTIL = 'cscript adsutil.vbs GET W3SVC/1/ROOT/Microsoft-Server-ActiveSync/AuthFlags';

/** What each AuthFlags bit means; the value is their sum. */
export const AUTHFLAGS_BITS: ReadonlyArray<{ bit: number; meaning: string }> = [
  { bit: 1, meaning: 'Anonymous' },
  { bit: 2, meaning: 'Basic' },
  { bit: 4, meaning: 'NTLM / Integrated Windows authentication' },
  { bit: 16, meaning: 'Digest' },
];

export const AUTHFLAGS_EXPLANATION = [
  'REM AuthFlags is a sum of bits:',
  ...AUTHFLAGS_BITS.map((b) => `REM   ${String(b.bit).padStart(2)} = ${b.meaning}`),
  'REM Integrated Windows authentication is on when bit 4 is set: 4, 6 (Basic + IWA), 7, 20, 22 ...',
  'REM Example: 2 means Basic only (the coexistence 401); 6 means Basic and Integrated Windows.',
].join('\r\n');

/** True when an AuthFlags value has Integrated Windows authentication (bit 4) set. */
export function authFlagsHasIwa(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && (value & 4) === 4;
}

/** The AuthFlags bits set in a value, by meaning. */
export function describeAuthFlags(value: number): string[] {
  if (!Number.isInteger(value) || value < 0) return [];
  return AUTHFLAGS_BITS.filter((b) => (value & b.bit) === b.bit).map((b) => b.meaning);
}

const SCRIPTS: VerificationScript[] = [
  {
    id: 'eas-vdir-auth-powershell',
    title: 'Show the authentication settings of every ActiveSync virtual directory',
    language: 'powershell',
    code: ['# Exchange Management Shell (Exchange 2007 / 2010 Client Access servers).', '# Look at BasicAuthEnabled and WindowsAuthEnabled for each server.', GET_EAS_VDIR_AUTH_POWERSHELL].join('\n'),
    appliesTo: 'Exchange 2007/2010 Management Shell',
  },
  {
    id: 'eas-vdir-enable-iwa-powershell',
    title: 'Turn on Windows authentication for one ActiveSync virtual directory',
    language: 'powershell',
    code: ['# Exchange Management Shell. Replace <SERVER> with the Client Access server name.', SET_EAS_VDIR_IWA_POWERSHELL, GET_EAS_VDIR_AUTH_POWERSHELL].join('\n'),
    appliesTo: 'Exchange 2007/2010 Management Shell',
  },
  {
    id: 'iis6-authflags-adsutil',
    title: 'Read the IIS 6 metabase AuthFlags of Microsoft-Server-ActiveSync',
    language: 'batch',
    code: ['REM Exchange 2003 server, in a command prompt: cd /d C:\\Inetpub\\AdminScripts', GET_AUTHFLAGS_ADSUTIL, AUTHFLAGS_EXPLANATION].join('\r\n'),
    appliesTo: 'Exchange 2003 (IIS 6) mailbox server',
  },
];

export function verificationScripts(): VerificationScript[] {
  return SCRIPTS.map((s) => ({ ...s }));
}

/** The same scripts as checklist step commands. */
export function scriptCommand(id: string): ChecklistCommand {
  const s = SCRIPTS.find((x) => x.id === id);
  if (!s) throw new Error(`Unknown verification script ${id}`);
  return { label: s.title, language: s.language, code: s.code };
}
