// Autodiscover: the step that finds the ActiveSync URL from an e-mail address. Its own failures
// (nothing reachable, its error 600, its 401, a 401 without Basic, a loop) each get a cause; and when it handed out a
// URL whose server then failed, a cause says where Autodiscover sends devices, so the admin sees
// both the broken server and the setting that points devices at it.
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import type { ProbeStep } from '../../probe/runModel';
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { ref, stepById, type RunFacts } from '../runFacts';
import { serverGeneration, serverRef } from '../serverFacts';
import { categoryRule } from './categoryRule';

const AUTODISCOVER_DNS_CHECKS = [
  'Check DNS for autodiscover.<domain> (an A or CNAME record) and, if you publish one, the SRV record _autodiscover._tcp.<domain>, both from outside and inside the network.',
  'Check the firewall or publishing rule lets https (443) through to the Autodiscover virtual directory.',
  'Test the endpoint directly: activesync-doctor probe user@<domain> --autodiscover-url https://<server>/autodiscover/autodiscover.xml',
];

function attemptRefs(facts: RunFacts): EvidenceRef[] {
  const attempts = stepById(facts, 'autodiscover')?.evidence?.autodiscover?.attempts ?? [];
  return attempts.slice(0, 6).map((a) => ref('autodiscover', `${a.method} ${a.url}`, `${a.outcome}${a.statusCode ? ` (HTTP ${a.statusCode})` : ''}${a.credentialsSent ? ', with credentials' : ''}`));
}

const autodiscoverFailures = categoryRule([
  {
    categories: ['autodiscover.noneReachable'],
    id: 'autodiscover.noneReachable',
    title: 'Devices cannot reach any Autodiscover server for the domain',
    score: 80,
    explanation: 'None of the places a device looks answered: the domain itself and autodiscover.<domain> on https, the http redirect, and the SRV record. A phone set up with only the e-mail address stops here and asks for the server by hand.',
    checks: AUTODISCOVER_DNS_CHECKS,
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.notFound'],
    id: 'autodiscover.notFound',
    title: 'No Autodiscover service answers where devices look',
    score: 72,
    explanation: 'Servers answered, but not as Autodiscover (for example the company web site answering 404 for /autodiscover/autodiscover.xml), and no place redirected to one that does.',
    checks: AUTODISCOVER_DNS_CHECKS,
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.error'],
    id: 'autodiscover.error',
    title: 'Autodiscover answers with its own error instead of settings',
    score: 80,
    explanation: 'The Autodiscover service signed the user in but answered with an error document. Error 600 means it did not accept the request as a valid mobilesync request; 601 that it has no provider for the mobilesync schema. Something between the device and Exchange that alters or drops the request body (a reverse proxy or firewall rule), or a damaged Autodiscover virtual directory, are the usual suspects; the answer\'s message and debug data say more.',
    checks: [
      'Compare with a request straight to the Client Access server, bypassing the reverse proxy or load balancer.',
      'Check the Autodiscover virtual directory on the Client Access servers (Get-AutodiscoverVirtualDirectory) and its event log entries.',
      'Check any web application firewall or proxy rule for /autodiscover/ that rewrites or strips request bodies.',
    ],
    evidence: (facts) => {
      const error = stepById(facts, 'autodiscover')?.evidence?.autodiscover?.error;
      return [ref('autodiscover', 'ErrorCode', error?.code ?? error?.status), ref('autodiscover', 'Message', error?.message)];
    },
  },
  {
    categories: ['autodiscover.unauthorized'],
    id: 'autodiscover.unauthorized',
    title: 'Autodiscover refused the credentials (its own 401, not ActiveSync\'s)',
    score: 74,
    explanation: 'The Autodiscover service answered 401 to the request with credentials. If ActiveSync accepted the same credentials, the password is right and the Autodiscover virtual directory\'s authentication settings are the problem; otherwise the user name or password is wrong, or the account is locked.',
    checks: [
      'Compare with the authenticated OPTIONS step of this run: did ActiveSync accept the same credentials?',
      'Check the authentication methods of the Autodiscover virtual directory (Basic must be on for devices that sign in with Basic).',
      'Check the account is not locked and the password is current.',
    ],
    checklistIds: [CHECKLIST_ID.credentials],
    evidence: (facts) => [ref('optionsAuthenticated', 'ActiveSync with the same credentials', stepById(facts, 'optionsAuthenticated')?.status)],
    // ActiveSync accepting the same password leaves Autodiscover's own configuration as the cause.
    adjustScore: (score, facts) => (stepById(facts, 'optionsAuthenticated')?.status === 'passed' ? score + 6 : score),
  },
  {
    categories: ['autodiscover.oauthOnly'],
    id: 'autodiscover.oauthOnly',
    title: 'Autodiscover accepts only OAuth: the password was never checked there',
    score: 80,
    explanation: 'Autodiscover answered 401 offering only Bearer (OAuth), so the password sent with Basic was not even looked at. Devices that sign in with a password cannot be set up from the e-mail address against this Autodiscover; devices using modern authentication can. Whether the password is right is not known from this step.',
    checks: [
      'Test it as a modern-auth device does: activesync-doctor probe user@<domain> --auth oauth --client-id <your app registration>.',
      'If devices must sign in with a password, turn Basic on for the Autodiscover virtual directory (Set-AutodiscoverVirtualDirectory -BasicAuthentication $true), or set the devices up by hand with the ActiveSync server name.',
    ],
    checklistIds: [CHECKLIST_ID.autodiscoverBasicAuth],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.credentialsWithheld'],
    id: 'autodiscover.credentialsWithheld',
    title: 'Autodiscover is on a server named only by a redirect or DNS record',
    score: 55,
    explanation: 'The only Autodiscover that answered is on a server the probe was pointed at (by the http redirect, an SRV record or another redirect), not one you named, so it was asked without the password and answered 401. Devices ask the user before trusting such a server; test it directly to see its answer.',
    checks: ['Run the test again with --autodiscover-url naming that server, if you trust it.', 'If the redirect is unexpected, check who controls the http site or SRV record of the domain.'],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.redirectLoop'],
    id: 'autodiscover.redirectLoop',
    title: 'Autodiscover redirects in a loop',
    score: 76,
    explanation: 'Autodiscover redirected to an address or URL it had already been asked for (or more than ten times). Two mail-enabled objects whose target addresses point at each other, or a hybrid set-up whose redirect comes back on-premises, cause this.',
    checks: ['Check the user\'s target address (Get-Mailbox / Get-MailUser -Identity <user> | fl TargetAddress, PrimarySmtpAddress).', 'Check the redirect rules of the sites answering for the domain.'],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.invalidAnswer'],
    id: 'autodiscover.invalidAnswer',
    title: 'Autodiscover answers, but not with usable settings',
    score: 70,
    explanation: 'A server answered HTTP 200 at the Autodiscover path with something that is not a mobilesync answer (a web page, a login form, settings without a MobileSync server) or with a URL that cannot be used.',
    checks: ['Open the answer in the step\'s evidence.', 'Check no web site, portal or proxy answers for /autodiscover/ in place of Exchange.'],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.certificate'],
    id: 'autodiscover.certificate',
    title: 'The Autodiscover server\'s certificate fails the checks',
    score: 78,
    explanation: 'The certificate of the Autodiscover server a device reaches is not trusted or does not cover its name (autodiscover.<domain> is often missing from the certificate). Devices refuse it, or warn the user.',
    checks: ['Add autodiscover.<domain> to the certificate\'s names, or publish Autodiscover through the SRV record to a name the certificate covers.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: attemptRefs,
  },
  {
    categories: ['autodiscover.mismatch'],
    id: 'autodiscover.mismatch',
    title: 'Autodiscover hands devices another URL than the one given',
    score: 70,
    explanation: 'Devices set up from the e-mail address use the URL Autodiscover hands out, not the one you tested by hand. When that URL names an old server, an internal name or another port, phones fail where your own test passes.',
    checks: ['Check the ExternalUrl and InternalUrl of the ActiveSync virtual directories (Get-ActiveSyncVirtualDirectory | fl Server, ExternalUrl, InternalUrl).', 'Check which Client Access server answers Autodiscover for this user.'],
    evidence: (facts) => {
      const a = stepById(facts, 'autodiscover')?.evidence?.autodiscover;
      return [ref('autodiscover', 'Handed out', a?.activeSyncUrl), ref('autodiscover', 'Given', a?.givenUrl), ref('autodiscover', 'Differs in', a?.differences?.join(', '))];
    },
  },
]);

/**
 * Autodiscover's 401 offered neither Basic nor OAuth (an Exchange Autodiscover virtual directory
 * with only Windows authentication on, typically): phones sign in there with Basic or OAuth, never
 * with Windows authentication, so they fail before the password is even checked.
 */
function basicNotOffered(facts: RunFacts): DiagnosisCause[] {
  const step = stepById(facts, 'autodiscover');
  if (step?.status !== 'failed' || step.failure?.category !== 'autodiscover.basicNotOffered') return [];
  const attempts = step.evidence?.autodiscover?.attempts ?? [];
  const withoutBasic = attempts.filter((a) => a.outcome === 'unauthorized' && a.offeredSchemes?.length && !a.offeredSchemes.some((s) => /^(basic|bearer)$/i.test(s)));
  const first = withoutBasic[0];
  const schemes = first?.offeredSchemes ?? [];
  const host = first ? hostOf(first.url) : 'the Autodiscover server';
  const supporting: EvidenceRef[] = [
    ref('autodiscover', 'Failure (autodiscover.basicNotOffered)', step.failure.message),
    ...withoutBasic.slice(0, 4).map((a) => ref('autodiscover', `401 from ${a.url} offered`, a.offeredSchemes?.join(', '))),
  ];
  if (first?.credentialsSent) supporting.push(ref('autodiscover', 'Sent', 'Basic, as phones do: refused without being checked'));
  const activeSync = stepById(facts, 'optionsAuthenticated');
  if (activeSync?.status === 'passed' && facts.usedScheme?.value === 'basic') supporting.push(ref('optionsAuthenticated', 'ActiveSync with Basic', 'accepted: only Autodiscover refuses Basic'));
  const against: EvidenceRef[] = [];
  const withBasic = attempts.find((a) => a.outcome === 'unauthorized' && a.offeredSchemes?.some((s) => s.toLowerCase() === 'basic'));
  if (withBasic) against.push(ref('autodiscover', `${withBasic.url} offers Basic`, withBasic.offeredSchemes?.join(', ')));
  // The 401 may come from something in front of Exchange (a reverse proxy or firewall doing its own sign-in).
  const server = first ? serverHeaderOf401(step, first.url) : undefined;
  if (server !== undefined && !/microsoft-iis/i.test(server)) against.push(ref('autodiscover', 'The 401 came from', `${server || 'a server that does not name itself'}, not IIS: a proxy in front of Exchange may be the one asking for Windows authentication`));
  return [
    makeCause({
      id: 'autodiscover.basicNotOffered',
      title: `Autodiscover on ${host} offers only ${schemes.join(' and ')}: devices that sign in with Basic cannot use it`,
      score: 84,
      explanation: `Autodiscover at ${host} answered 401 offering ${schemes.join(' and ')}, and neither Basic nor OAuth. Phones and tablets sign in to Autodiscover with Basic (or OAuth with modern authentication); they do not use Windows authentication (Negotiate, NTLM) there, so a device set up from the e-mail address with a password fails at this step, whatever the password. On Exchange 2010 to 2019 this is the Autodiscover virtual directory with BasicAuthentication off and only WindowsAuthentication on.`,
      supporting,
      against,
      checks: [
        'Turn Basic on for the Autodiscover virtual directory, keeping Windows authentication for Outlook: Set-AutodiscoverVirtualDirectory -Identity "<SERVER>\\Autodiscover (Default Web Site)" -BasicAuthentication $true, then recycle MSExchangeAutodiscoverAppPool.',
        'If Basic must stay off, configure the devices by hand with the ActiveSync server name, or use modern authentication (OAuth).',
      ],
      checklistIds: [CHECKLIST_ID.autodiscoverBasicAuth],
    }),
  ];
}

/** The Server header of the 401 an Autodiscover request to `url` got ('' when it had none). */
function serverHeaderOf401(step: ProbeStep, url: string): string | undefined {
  const attempt = (step.children ?? []).find((c) => c.title?.startsWith(`POST ${url} `));
  const answer = attempt?.evidence?.http?.find((x) => x.response?.statusCode === 401)?.response;
  if (!answer) return undefined;
  return (answer.headers ?? []).find(([name]) => String(name).toLowerCase() === 'server')?.[1] ?? '';
}

/** Autodiscover worked, and the server it handed out failed: where Autodiscover sends devices matters. */
function handedOutServerFails(facts: RunFacts): DiagnosisCause[] {
  const step = stepById(facts, 'autodiscover');
  const evidence = step?.evidence?.autodiscover;
  const failed = facts.failedStep;
  if (!evidence?.activeSyncUrl || !failed || failed.id === 'autodiscover' || failed.id === 'input') return [];
  const generation = serverGeneration(facts);
  const old = generation === 'exchange2003' || generation === 'exchange2007';
  const dead = ['dns', 'tcp', 'tls'].includes(String(failed.id));
  const host = hostOf(evidence.activeSyncUrl);
  const server = serverRef(facts);
  const supporting = [ref('autodiscover', 'ActiveSync URL handed out', evidence.activeSyncUrl), ref('autodiscover', 'Answered by', evidence.answeredBy), ref(String(failed.id), 'Then failed', failed.summary), ...(server ? [server] : [])];
  const against: EvidenceRef[] = [];
  if (!evidence.differences?.length && !old && !dead) against.push(ref('autodiscover', 'Nothing shows the URL is wrong', 'the server may be the right one and broken itself'));
  return [
    makeCause({
      id: 'autodiscover.wrongServer',
      title: old ? `Autodiscover still sends devices to an old server (${host})` : dead ? `Autodiscover sends devices to ${host}, which cannot be reached` : `Autodiscover sends devices to ${host}, which fails`,
      score: 58 + (old || dead ? 17 : 0) + (evidence.differences?.length ? 10 : 0),
      explanation: `Every device set up from the e-mail address goes where Autodiscover sends it: ${evidence.activeSyncUrl}. That server failed the ${String(failed.id)} step, so the devices fail too. If the mailbox lives on another server today, Autodiscover (the ActiveSync virtual directory URLs, the service connection point or DNS) still points at the old one.`,
      supporting: supporting.filter((e) => e.value !== ''),
      against,
      checks: ['Check which server holds the mailbox now (Get-Mailbox <user> | fl ServerName, Database).', 'Check the ExternalUrl of the ActiveSync virtual directory on each Client Access server, and remove or update retired servers\' entries.'],
    }),
  ];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export const autodiscoverRules: DiagnosisRule = (facts) => [...autodiscoverFailures(facts), ...basicNotOffered(facts), ...handedOutServerFails(facts)];
