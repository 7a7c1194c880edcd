// HTTP 503 (and slow answers): the service or the mailbox behind it is not available.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const unavailable503Checklist: Checklist = {
  id: CHECKLIST_ID.unavailable503,
  title: 'Bring the ActiveSync service back (HTTP 503 or no answer)',
  why: 'A 503 or a request that never gets an answer means the service, its application pool, or the mailbox database behind it is not available. Retry-After, when sent, says how long to wait.',
  warnings: [],
  steps: [
    {
      id: 'check-database',
      text: 'Check the mailbox database holding the mailbox is mounted.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: 'Get-MailboxDatabase -Status | Format-Table Name,Server,Mounted' }],
      expected: 'Mounted is True.',
    },
    { id: 'check-services', text: 'Check the Exchange services and the MSExchangeSyncAppPool application pool are running.' },
    { id: 'check-load-balancer', text: 'Check the load balancer\'s health probes and that traffic reaches a healthy server.' },
    { id: 'respect-retry-after', text: 'If the answer carried Retry-After, wait that long and test again.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'OPTIONS returns 401 anonymously and 200 with credentials.' },
  ],
  links: [],
};
