// HTTP 451: the mailbox is served from another URL.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';
import { LINKS } from './links';

export const moved451Checklist: Checklist = {
  id: CHECKLIST_ID.moved451,
  title: 'Point devices at the right ActiveSync URL (HTTP 451)',
  why: 'A 451 tells the device the mailbox is served elsewhere, typically after a move to another site or to Exchange Online. The X-MS-Location header names the new URL.',
  warnings: ['Some clients bounce between servers that each answer 451; check the new URL does not redirect back.'],
  steps: [
    { id: 'read-location', text: 'Note the URL in the X-MS-Location header (shown in the diagnosis evidence).' },
    { id: 'test-new-url', text: 'Run the ActiveSync test against that URL.', expected: 'OPTIONS with credentials returns 200 there.' },
    {
      id: 'check-external-url',
      text: 'Check the ExternalUrl of the ActiveSync virtual directory in the mailbox\'s site.',
      commands: [{ label: 'Exchange 2010 and later', language: 'powershell', code: 'Get-ActiveSyncVirtualDirectory | Format-List Server,InternalUrl,ExternalUrl' }],
    },
    { id: 'check-autodiscover', text: 'Check Autodiscover hands out the new URL for MobileSync.' },
    { id: 'update-devices', text: 'Update devices configured by hand with the new server name.' },
  ],
  links: [LINKS.remoteConnectivityAnalyzer],
};
