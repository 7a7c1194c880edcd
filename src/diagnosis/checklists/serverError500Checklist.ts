// HTTP 500 from ActiveSync, with the two classic Exchange 2003 back-end causes first.
import type { Checklist } from '../diagnosisModel';
import { CHECKLIST_ID } from './checklistIds';

export const serverError500Checklist: Checklist = {
  id: CHECKLIST_ID.serverError500,
  title: 'Find the cause of HTTP 500',
  why: 'A 500 means the ActiveSync application failed. On Exchange 2003 back ends it is classically caused by Integrated Windows authentication being off on /Exchange, or by a user object that no longer inherits permissions.',
  warnings: ['On Exchange 2003 change virtual directory authentication in Exchange System Manager, not IIS Manager: the System Attendant overwrites the metabase.'],
  steps: [
    { id: 'read-event-log', text: 'Read the application event log on the server that answered (X-FEServer / X-BEServer in the evidence) at the time of the test.' },
    {
      id: 'check-exchange-vdir-iwa',
      text: 'On an Exchange 2003 back end, check that the /Exchange virtual directory has Integrated Windows Authentication enabled (Exchange System Manager → … → HTTP → Exchange Virtual Server → Exchange → Properties → Access → Authentication).',
    },
    {
      id: 'check-inheritance',
      text: 'In Active Directory Users and Computers (View → Advanced Features), open the user → Security → Advanced and make sure permissions are inherited from the parent.',
      detail: 'Members of protected groups (Domain Admins and others) lose inheritance automatically; test with an ordinary user.',
    },
    { id: 'check-app-pool', text: 'On Exchange 2007 and later, check the MSExchangeSyncAppPool application pool is running and the mailbox database is mounted.' },
    { id: 'rerun-probe', text: 'Run the ActiveSync test again.', expected: 'OPTIONS with credentials returns 200.' },
  ],
  links: [],
};
