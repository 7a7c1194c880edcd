// Certificate name, chain and renewal: what devices need from the TLS side.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const tlsCertificateChecklist: Checklist = {
  id: CHECKLIST_ID.tlsCertificate,
  title: 'Fix the server certificate (name, chain, validity)',
  why: 'Phones and ActiveSync apps accept only a certificate that names the host, chains to a trusted root with all intermediates sent, and is in its validity period. Unlike a browser, they offer no way to click through.',
  warnings: ['TLS may end on a load balancer or reverse proxy rather than on Exchange: change the certificate where the connection is terminated.'],
  steps: [
    {
      id: 'find-terminator',
      text: 'Find out which device presents the certificate (Exchange/IIS, a load balancer, or a reverse proxy).',
    },
    {
      id: 'check-names',
      text: 'Check that the certificate\'s subject alternative names include the host name devices use.',
      commands: [{ label: 'Exchange 2007 and later', language: 'powershell', code: 'Get-ExchangeCertificate | Format-List Thumbprint,Subject,CertificateDomains,Services,NotAfter,Status' }],
    },
    {
      id: 'check-chain',
      text: 'Install the issuing CA\'s intermediate certificates on the server that terminates TLS, so it sends the full chain.',
    },
    {
      id: 'check-validity',
      text: 'Check the validity dates and this machine\'s clock.',
    },
    {
      id: 'renew-and-assign',
      text: 'Renew or replace the certificate and assign it to IIS (and to every load balancer or proxy that presents it).',
      commands: [{ label: 'Exchange 2007 and later', language: 'powershell', code: 'Enable-ExchangeCertificate -Thumbprint <THUMBPRINT> -Services IIS' }],
    },
    {
      id: 'check-protocols',
      text: 'Make sure TLS 1.2 is enabled on the server or its proxy.',
    },
    {
      id: 'rerun-probe',
      text: 'Run the ActiveSync test again.',
      expected: 'The TLS step passes without ignoring trust.',
    },
  ],
  links: [LINKS.remoteConnectivityAnalyzer],
};
