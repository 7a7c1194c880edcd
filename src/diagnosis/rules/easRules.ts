// The OPTIONS answer came back, but not as an ActiveSync server should send it: the MS-AS
// headers are missing, no protocol version a device can use is offered, or key commands are absent.
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { failureRef, hasFailure, ref, responseHeader, headerRef, type RunFacts } from '../runFacts';
import { RCA_PHRASES } from '../searchTerms';
import { serverGeneration, serverRef } from '../serverFacts';

const REQUIRED_COMMANDS = ['Provision', 'FolderSync', 'Sync'];

export const easRules: DiagnosisRule = (facts) => [...missingHeaders(facts), ...noUsableVersion(facts), ...missingCommands(facts)];

function missingHeaders(facts: RunFacts): DiagnosisCause[] {
  const f = hasFailure(facts, 'eas.missingHeaders');
  if (!f) return [];
  const server = responseHeader(facts, f.stepId, 'Server');
  const via = responseHeader(facts, f.stepId, 'Via');
  const evidence: EvidenceRef[] = [failureRef(f), ...(server ? [headerRef(server)] : []), ...(via ? [headerRef(via)] : [])];
  const nonIis = !!server && !/microsoft-iis|microsoft-httpapi/i.test(server.value);
  const penalty = f.status === 'warning' ? 25 : 0;
  return [
    makeCause({
      id: 'eas.optionsBlocked',
      title: 'A reverse proxy, URLScan or ISA/TMG rule blocks or rewrites OPTIONS',
      score: 75 - penalty,
      explanation: 'The answer lacks MS-Server-ActiveSync (and the version list), which Exchange always sends to OPTIONS. Something in front of Exchange is answering instead or stripping the headers: a reverse proxy, URLScan on IIS, or an ISA/TMG rule that does not allow the OPTIONS verb.',
      supporting: evidence,
      checks: ['Check URLScan\'s AllowVerbs/DenyVerbs include OPTIONS on the Exchange server.', 'Check the ISA/TMG publishing rule\'s HTTP policy allows OPTIONS for /Microsoft-Server-ActiveSync.', 'Compare with a request straight to the Exchange server, past the proxy.'],
      checklistIds: [CHECKLIST_ID.reverseProxy],
      searchTerms: [RCA_PHRASES.missingHeader, RCA_PHRASES.optionsFailed],
    }),
    makeCause({
      id: 'eas.notActiveSyncEndpoint',
      title: 'This URL does not reach an ActiveSync server',
      score: (nonIis ? 55 : 35) - penalty,
      explanation: 'A web server answered, but nothing in the answer is ActiveSync\'s. The host may point at another site, or at a proxy that serves its own page.',
      supporting: evidence,
      checks: ['Check the host name points at the Exchange (Client Access) server or its publishing proxy.'],
      checklistIds: [CHECKLIST_ID.reachability],
    }),
  ];
}

function noUsableVersion(facts: RunFacts): DiagnosisCause[] {
  const f = hasFailure(facts, 'eas.noUsableVersion');
  if (!f) return [];
  const versions = facts.protocolVersions?.value ?? [];
  const evidence = [failureRef(f), ...(facts.protocolVersions ? [ref(facts.protocolVersions.stepId, 'MS-ASProtocolVersions', versions.join(','))] : [])];
  const usable = versions.some((v) => v === '2.5' || Number.parseFloat(v) >= 12);
  const server = serverRef(facts);
  if (!usable && serverGeneration(facts) === 'exchange2003') {
    // Exchange 2003 offers 2.5 only from Service Pack 2 on; earlier builds stop at 1.0–2.1.
    return [
      makeCause({
        id: 'eas.noUsableVersion',
        title: 'Exchange 2003 without Service Pack 2: no protocol version current devices speak',
        score: f.status === 'warning' ? 55 : 82,
        explanation: 'This Exchange 2003 server offers only the ActiveSync versions of its original release or Service Pack 1. Version 2.5, the oldest one current devices accept, arrived with Service Pack 2.',
        supporting: [...evidence, ...(server ? [server] : [])],
        checks: ['Check the server\'s service pack level (Exchange System Manager → server → Properties).', 'Install Exchange 2003 Service Pack 2, or move the mailboxes to a newer Exchange version.'],
        searchTerms: [RCA_PHRASES.noVersion],
      }),
    ];
  }
  return [
    makeCause({
      id: usable ? 'eas.oldVersionsOnly' : 'eas.noUsableVersion',
      title: usable ? 'Only old ActiveSync protocol versions are offered' : 'No usable ActiveSync protocol version (neither 2.5 nor 12.0 or later)',
      score: usable ? 40 : f.status === 'warning' ? 55 : 80,
      explanation: usable
        ? 'The server offers only ActiveSync 2.5, the Exchange 2003 level. Current devices and apps may refuse it or lose features (no HTML mail, no server search).'
        : 'The version list has neither 2.5 nor anything from 12.0 up, so clients can\'t agree on a protocol with it. Either a proxy rewrites the header, or the server is not a working Exchange ActiveSync endpoint.',
      supporting: evidence,
      checks: usable ? ['Plan moving the mailboxes to a supported Exchange version.'] : ['Compare MS-ASProtocolVersions with a request straight to the Exchange server.', 'Check the server is an Exchange or EAS-compatible server at all.'],
      checklistIds: usable ? [] : [CHECKLIST_ID.reverseProxy],
      searchTerms: [RCA_PHRASES.noVersion],
    }),
  ];
}

function missingCommands(facts: RunFacts): DiagnosisCause[] {
  const f = hasFailure(facts, 'eas.missingCommands');
  if (!f) return [];
  const commands = facts.protocolCommands?.value ?? [];
  const lower = new Set(commands.map((c) => c.trim().toLowerCase()));
  const missing = REQUIRED_COMMANDS.filter((c) => !lower.has(c.toLowerCase()));
  return [
    makeCause({
      id: 'eas.missingCommands',
      title: `Key ActiveSync commands are not offered${missing.length ? ` (${missing.join(', ')})` : ''}`,
      score: f.status === 'warning' ? 45 : 65,
      explanation: 'Devices need Provision, FolderSync and Sync to set up a mailbox. When the command list lacks them, a proxy rewrote the header, or the server restricts this mailbox (some consumer and limited mailboxes get a shorter list).',
      supporting: [failureRef(f), ...(facts.protocolCommands ? [ref(facts.protocolCommands.stepId, 'MS-ASProtocolCommands', commands.join(','))] : [])],
      checks: ['Compare MS-ASProtocolCommands with a request straight to the Exchange server.', 'Check the mailbox type and its ActiveSync policy.'],
      checklistIds: [CHECKLIST_ID.reverseProxy],
    }),
  ];
}
