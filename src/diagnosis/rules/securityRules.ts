// Things that work but shouldn't: anonymous access to the ActiveSync directory and plain http.
// They turn a run into a warning, and the admin still gets a cause and a checklist for them.
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { ref } from '../runFacts';
import { categoryRule } from './categoryRule';

export const securityRules = categoryRule([
  {
    categories: ['http.anonymousAccess'],
    id: 'security.anonymousAccess',
    title: 'Anonymous access is enabled on the ActiveSync directory',
    score: 85,
    explanation: 'The server answered OPTIONS without asking anyone to sign in. Exchange never allows that for Microsoft-Server-ActiveSync; anonymous access was switched on in IIS, or a proxy answers on Exchange\'s behalf. Besides the exposure, it breaks the Kerberos hand-over some deployments rely on.',
    checks: ['Check the directory\'s authentication methods: Anonymous must be off (AuthFlags without bit 1 on IIS 6).', 'Check whether a reverse proxy answers OPTIONS itself.'],
    checklistIds: [CHECKLIST_ID.anonymousAccess],
  },
  {
    categories: ['input.plainHttp'],
    id: 'security.plainHttp',
    title: 'Plain http: credentials travel unencrypted',
    score: 80,
    explanation: 'This run used http://. Any password sent this way can be read on the network. Devices should only ever use https.',
    checks: ['Publish ActiveSync on https only and require SSL on the virtual directory.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: (facts) => [ref('input', 'URL', facts.run?.target?.url)],
  },
]);
