// The questions that tell close causes apart. When the top causes are near each other, the
// diagnosis asks the admin the questions of the leading ones instead of pretending to know.
export const SEPARATING_QUESTIONS: Record<string, string> = {
  'autodiscover.wrongServer': 'Is the server Autodiscover hands out the one that should hold this mailbox today? If not, Autodiscover still points devices at the old one.',
  'auth.wrongCredentials': 'Does the same account sign in to Outlook on the web (OWA) or EWS with this password?',
  'auth.coexistence2003IwaMissing': 'Is the mailbox on an Exchange 2003 server behind an Exchange 2007/2010 Client Access server?',
  'auth.upnRequired': 'Is the mailbox in Exchange Online (Office 365), and was the full UPN (user@domain.com) used?',
  'auth.exchangeOnlineModernAuth': 'Is the mailbox in Exchange Online, where Basic sign-in is switched off?',
  'auth.schemeNotOffered': 'Should this server accept Basic sign-in, or do clients use NTLM/Kerberos?',
  'auth.userNameForm': 'Does the sign-in work as DOMAIN\\user or as user@domain?',
  'auth.activeSyncDirectoryAuth': 'Do the ActiveSync and EWS virtual directories have the same authentication settings?',
  'tcp.refused': 'Is the ActiveSync service published on this address and port?',
  'tcp.filtered': 'Does a firewall between here and the server allow this port?',
  'status.404.wrongPath': 'Is this the URL your devices use, and does it reach the Exchange server rather than another web server?',
  'status.404.proxyPath': 'Is a reverse proxy or load balancer publishing /Microsoft-Server-ActiveSync?',
  'status.500.backend2003': 'Is the mailbox on an Exchange 2003 back end?',
  'status.500.serverError': 'What does the server\'s application event log show at the time of the run?',
};
