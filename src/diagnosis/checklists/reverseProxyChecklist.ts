// Something in front of Exchange (reverse proxy, URLScan, ISA/TMG) that blocks or rewrites OPTIONS.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const reverseProxyChecklist: Checklist = {
  id: CHECKLIST_ID.reverseProxy,
  title: 'Let OPTIONS through the reverse proxy, URLScan or ISA/TMG',
  why: 'Devices start with an OPTIONS request and need the MS-Server-ActiveSync, MS-ASProtocolVersions and MS-ASProtocolCommands headers in the answer. Proxies and filters that block the verb, answer it themselves, or strip headers break that.',
  warnings: [],
  steps: [
    { id: 'compare-direct', text: 'Run the test straight against the Exchange server\'s address and compare the answers.', expected: 'The direct answer has the MS-AS headers; the published one does not.' },
    {
      id: 'check-urlscan',
      text: 'If URLScan is installed on the Exchange server, allow the OPTIONS verb.',
      commands: [{ label: 'urlscan.ini (typically C:\\Windows\\System32\\inetsrv\\urlscan\\urlscan.ini)', language: 'text', code: '[AllowVerbs]\nOPTIONS\nPOST\nGET\nHEAD' }],
    },
    { id: 'check-isa-tmg', text: 'In ISA/TMG, check the publishing rule\'s HTTP policy (Configure HTTP) allows OPTIONS and does not block high-bit characters or headers ActiveSync uses.' },
    { id: 'check-proxy-rules', text: 'On other reverse proxies, check that /Microsoft-Server-ActiveSync is forwarded with all methods and headers, and that no pre-authentication portal answers in its place.' },
    { id: 'check-redirects', text: 'Make sure no HTTP redirect applies to /Microsoft-Server-ActiveSync.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again through the published URL.', expected: 'OPTIONS returns MS-Server-ActiveSync and a version list.' },
  ],
  links: [LINKS.remoteConnectivityAnalyzer],
};
