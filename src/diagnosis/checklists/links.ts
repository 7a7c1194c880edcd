// Every external link the checklists use, in one place. Only addresses known to exist: a missing
// link is better than an invented one.
import type { Link } from '../diagnosisModel';

export const LINKS = {
  kb937031: {
    title: 'KB 937031: Event ID 1036 on an Exchange 2007 Client Access server when devices reach Exchange 2003 mailboxes (hotfix)',
    url: 'https://go.microsoft.com/fwlink/p/?linkid=3052&kbid=937031',
  },
  upgradeFrom2003: {
    title: 'Upgrade from Exchange 2003 Client Access (step 7 of "Installing Exchange 2010")',
    url: 'https://go.microsoft.com/fwlink/p/?linkid=280550',
  },
  remoteConnectivityAnalyzer: {
    title: 'Microsoft Remote Connectivity Analyzer',
    url: 'https://testconnectivity.microsoft.com/',
  },
  basicAuthDeprecation: {
    title: 'Basic Authentication Deprecation in Exchange Online (Exchange Team Blog)',
    url: 'https://techcommunity.microsoft.com/t5/exchange-team-blog/basic-authentication-deprecation-in-exchange-online-september/ba-p/3609437',
  },
  setAutodiscoverVirtualDirectory: {
    title: 'Set-AutodiscoverVirtualDirectory (Exchange PowerShell reference)',
    url: 'https://learn.microsoft.com/powershell/module/exchangepowershell/set-autodiscovervirtualdirectory',
  },
} as const satisfies Record<string, Link>;
