// HTTP status codes Exchange ActiveSync uses to say something specific (403, 404, 449, 451,
// 456, 457, 500, 503, anything else). Headers such as X-MS-Location, Retry-After and
// X-MS-Credential-Service-Url are the admin's most useful facts, so they become evidence.
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { failureRef, hasFailure, headerRef, lastResponse, ref, responseHeader, type LocatedFailure, type RunFacts } from '../runFacts';
import { serverGeneration, serverRef } from '../serverFacts';
import { RCA_PHRASES } from '../searchTerms';
import { categoryRule } from './categoryRule';

function statusRef(facts: RunFacts, failure: LocatedFailure): EvidenceRef | undefined {
  const r = lastResponse(facts, failure.stepId) ?? (facts.failedStep ? lastResponse(facts, String(facts.failedStep.id)) : undefined);
  const res = r?.exchange.response;
  return res ? ref(r!.stepId, 'HTTP status', `${res.statusCode} ${res.statusText ?? ''}`.trim()) : undefined;
}

function headerEvidence(facts: RunFacts, failure: LocatedFailure, ...names: string[]): EvidenceRef[] {
  return names.map((n) => responseHeader(facts, failure.stepId, n)).filter((h) => h !== undefined).map((h) => headerRef(h!));
}

const simpleStatusRules = categoryRule([
  {
    categories: ['http.449'],
    id: 'status.449.provisioning',
    title: 'The server demands device provisioning (security policy) first',
    score: 75,
    explanation: 'HTTP 449 asks the client to send a Provision command and accept the mobile device mailbox policy before anything else. Devices that can\'t or won\'t apply the policy never get further.',
    checks: ['Check the mailbox\'s ActiveSync (mobile device mailbox) policy, and whether it allows non-provisionable devices.', 'Check whether the device model supports the policy\'s requirements (encryption, PIN).'],
    evidence: (facts, f) => [statusRef(facts, f), ...headerEvidence(facts, f, 'X-MS-Diagnostics')],
  },
  {
    categories: ['http.456'],
    id: 'status.456.accountBlocked',
    title: 'The account is blocked from ActiveSync',
    score: 88,
    explanation: 'HTTP 456 means the server blocks this user (or this device) from syncing: a device access rule, a quarantine, or a block set on the mailbox.',
    checks: ['Check the mailbox\'s mobile devices for a Blocked or Quarantined state.', 'Check organisation-wide device access rules and the default access level.'],
    checklistIds: [CHECKLIST_ID.blocked456],
    evidence: (facts, f) => [statusRef(facts, f), ...headerEvidence(facts, f, 'X-MS-Diagnostics')],
  },
  {
    categories: ['http.503'],
    id: 'status.503.unavailable',
    title: 'The service is unavailable (store dismounted, server overloaded or in maintenance)',
    score: 78,
    explanation: 'HTTP 503 says the server can\'t serve the request right now. On Exchange that is most often a dismounted mailbox database, a stopped application pool, or a back end that is down; Retry-After, when present, says when to try again.',
    checks: ['Check the mailbox database is mounted.', 'Check the Exchange services and the MSExchangeSyncAppPool are running.', 'Check load balancer health probes and members.'],
    checklistIds: [CHECKLIST_ID.unavailable503],
    evidence: (facts, f) => [statusRef(facts, f), ...(facts.retryAfter ? [ref(facts.retryAfter.stepId, 'Retry-After', facts.retryAfter.value)] : headerEvidence(facts, f, 'Retry-After')), ...headerEvidence(facts, f, 'X-BEServer', 'X-FEServer')],
  },
  {
    categories: ['http.otherStatus'],
    id: 'status.other',
    title: 'Unexpected HTTP status',
    score: 55,
    explanation: 'The server answered with a status ActiveSync does not normally use for OPTIONS. The status and headers in the evidence show which component answered.',
    checks: ['Look at the Server and X-* headers to tell an Exchange answer from a proxy\'s.', 'Check the IIS logs for the request and its sub-status.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts, f) => [statusRef(facts, f), serverRef(facts)],
  },
]);

const forbidden: DiagnosisRule = (facts) => {
  const f = hasFailure(facts, 'http.403');
  if (!f) return [];
  const res = lastResponse(facts, f.stepId)?.exchange.response;
  const body = `${res?.statusText ?? ''} ${res?.bodySnippet ?? ''}`;
  const plainHttp = /^http:/i.test(facts.run?.target?.url ?? '');
  const sslHint = plainHttp || /403\.4|ssl (is )?required|requires ssl|secure channel/i.test(body);
  const evidence = [failureRef(f), statusRef(facts, f), ...(plainHttp ? [ref('input', 'URL', facts.run.target.url)] : [])].filter((e): e is EvidenceRef => !!e);
  const causes: DiagnosisCause[] = [
    makeCause({
      id: 'status.403.notEnabled',
      title: 'ActiveSync is not enabled for this user (or the device is denied)',
      score: sslHint ? 35 : 78,
      explanation: 'HTTP 403 from ActiveSync most often means the mailbox has Exchange ActiveSync switched off, or a device access rule or IP restriction refuses it. The password was accepted; access was not.',
      supporting: evidence,
      checks: ['Check the mailbox\'s ActiveSync setting (Get-CASMailbox <user> | Format-List ActiveSyncEnabled on 2007 and later; the user\'s Exchange Features tab on 2003).', 'Check device access rules and IP address restrictions on the virtual directory.'],
      checklistIds: [CHECKLIST_ID.forbidden403],
    }),
    makeCause({
      id: 'status.403.sslRequired',
      title: 'The virtual directory requires SSL',
      score: sslHint ? 82 : 25,
      explanation: 'IIS answers 403 (sub-status 403.4) when a directory that requires SSL is reached over plain http, or when the SSL settings demand something the client did not send.',
      supporting: evidence,
      checks: ['Use https for the URL.', 'Check the SSL settings of Microsoft-Server-ActiveSync in IIS (Require SSL, client certificates).'],
      checklistIds: [CHECKLIST_ID.forbidden403],
    }),
  ];
  return causes;
};

const notFound: DiagnosisRule = (facts) => {
  const f = hasFailure(facts, 'http.404');
  if (!f) return [];
  const exchangeAnswered = !!responseHeader(facts, f.stepId, 'X-FEServer') || !!responseHeader(facts, f.stepId, 'MS-Server-ActiveSync') || (!!facts.server && facts.server.value.product !== 'unknown');
  const serverHeader = responseHeader(facts, f.stepId, 'Server');
  const nonIis = serverHeader && !/microsoft-iis|microsoft-httpapi/i.test(serverHeader.value);
  const path = (() => {
    try {
      return new URL(facts.run?.target?.url ?? '').pathname;
    } catch {
      return '';
    }
  })();
  const oddPath = path !== '' && path.toLowerCase() !== '/microsoft-server-activesync';
  const evidence = [failureRef(f), statusRef(facts, f), ...(serverHeader ? [headerRef(serverHeader)] : []), ...(path ? [ref('input', 'Path', path)] : [])].filter((e): e is EvidenceRef => !!e);
  return [
    makeCause({
      id: 'status.404.wrongPath',
      title: 'Wrong URL or missing ActiveSync virtual directory',
      score: oddPath ? 85 : exchangeAnswered ? 70 : 50,
      explanation: 'Nothing was found at this path. Either the URL is wrong, or the Microsoft-Server-ActiveSync virtual directory is missing or broken on the server (it can be recreated).',
      supporting: evidence,
      checks: ['Check the URL ends in /Microsoft-Server-ActiveSync.', 'On the server, check the virtual directory exists (Get-ActiveSyncVirtualDirectory, or IIS Manager on 2003).'],
      checklistIds: [CHECKLIST_ID.vdirAuthMethods],
    }),
    makeCause({
      id: 'status.404.proxyPath',
      title: 'A reverse proxy or another web server answered, not Exchange',
      score: nonIis && !exchangeAnswered ? 75 : exchangeAnswered ? 20 : 45,
      explanation: 'The 404 carries no sign of Exchange. A reverse proxy, load balancer or unrelated web site answered, usually because its publishing rule does not include /Microsoft-Server-ActiveSync.',
      supporting: evidence,
      checks: ['Check the publishing rule or virtual service forwards /Microsoft-Server-ActiveSync to Exchange.', 'Compare with a request straight to the Exchange server.'],
      checklistIds: [CHECKLIST_ID.reverseProxy],
    }),
  ];
};

const moved: DiagnosisRule = (facts) => {
  const f = hasFailure(facts, 'http.451');
  if (!f) return [];
  const location = responseHeader(facts, f.stepId, 'X-MS-Location');
  const redirect = facts.redirectLocation;
  const where = location?.value ?? redirect?.value;
  return [
    makeCause({
      id: 'status.451.moved',
      title: 'The mailbox must be reached through a different URL',
      score: 85,
      explanation: where
        ? `HTTP 451 tells the device to use another server for this mailbox. The server named this URL: ${where}. Devices that follow it sync; the ones configured by hand need the new address (or Autodiscover).`
        : 'HTTP 451 tells the device to use another server for this mailbox, usually after a mailbox move to a different site or to Exchange Online. No X-MS-Location came back, so the device must run Autodiscover again.',
      supporting: [failureRef(f), ...(location ? [headerRef(location)] : redirect ? [ref(redirect.stepId, 'Location', redirect.value)] : [])],
      checks: ['Rerun the probe against the URL the server named.', 'Check the ExternalUrl of the ActiveSync virtual directory in the mailbox\'s site.', 'Check Autodiscover returns the right MobileSync URL.'],
      checklistIds: [CHECKLIST_ID.moved451],
      searchTerms: [RCA_PHRASES.http451],
    }),
  ];
};

const passwordExpired: DiagnosisRule = (facts) => {
  const f = hasFailure(facts, 'http.457');
  if (!f) return [];
  const url = facts.credentialServiceUrl ? ref(facts.credentialServiceUrl.stepId, 'X-MS-Credential-Service-Url', facts.credentialServiceUrl.value) : headerEvidence(facts, f, 'X-MS-Credential-Service-Url')[0];
  return [
    makeCause({
      id: 'status.457.passwordExpired',
      title: 'The password has expired',
      score: 90,
      explanation: url
        ? `HTTP 457 says the user must change the password before syncing again. The server names where to do it: ${url.value}.`
        : 'HTTP 457 says the user must change the password before syncing again.',
      supporting: [failureRef(f), ...(url ? [url] : [])],
      checks: ['Check the account\'s password-expiry state in Active Directory.', 'Have the user change the password (OWA or the URL the server named), then update it on the device.'],
      checklistIds: [CHECKLIST_ID.passwordExpired457],
    }),
  ];
};

const serverError: DiagnosisRule = (facts) => {
  const f = hasFailure(facts, 'http.500');
  if (!f) return [];
  const generation = serverGeneration(facts);
  const hint = facts.context.mailboxServerHint;
  const server = serverRef(facts);
  const mayFront2003 = generation === 'exchange2003' || generation === 'exchange2007' || generation === 'exchange2010' || generation === 'unknown';
  let score2003 = mayFront2003 ? 40 : 10;
  if (hint === 'exchange2003') score2003 = 72;
  else if (hint) score2003 = 10;
  const base = [failureRef(f), statusRef(facts, f)].filter((e): e is EvidenceRef => !!e);
  return [
    makeCause({
      id: 'status.500.backend2003',
      title: 'Exchange 2003 back end: Integrated Windows auth missing on /Exchange, or broken permission inheritance',
      score: score2003,
      explanation: 'ActiveSync on Exchange 2003 reads the mailbox through the /Exchange virtual directory. If Integrated Windows authentication is off there, or the user\'s Active Directory object no longer inherits permissions, the server fails with 500.',
      supporting: [...base, ...(server ? [server] : []), ...(hint === 'exchange2003' ? [ref('context', 'Mailbox server (from you)', 'Exchange 2003')] : [])],
      against: generation === 'exchange2013plus' && server ? [server] : [],
      checks: ['On the 2003 server, check /Exchange has Integrated Windows Authentication enabled (in ESM, not IIS Manager).', 'In Active Directory Users and Computers (Advanced Features), check the user\'s Security → Advanced → inherit permissions box.'],
      checklistIds: [CHECKLIST_ID.serverError500],
    }),
    makeCause({
      id: 'status.500.serverError',
      title: 'The server failed while handling the request',
      score: 50,
      explanation: 'HTTP 500 means the ActiveSync application itself failed. The application event log on the server that answered (X-FEServer/X-BEServer name it) has the reason.',
      supporting: [...base, ...headerEvidence(facts, f, 'X-FEServer', 'X-BEServer', 'X-MS-Diagnostics', 'X-DiagInfo')],
      checks: ['Read the application event log on the server that answered, at the time of the run.', 'Check the MSExchangeSyncAppPool and the mailbox database.'],
      checklistIds: [CHECKLIST_ID.serverError500],
    }),
  ];
};

export const statusRules: DiagnosisRule = (facts) => [...forbidden(facts), ...notFound(facts), ...moved(facts), ...passwordExpired(facts), ...serverError(facts), ...simpleStatusRules(facts)];
