// Causes from NTLM and Negotiate runs: Integrated Windows authentication refused where Basic works
// (the directory's IWA setting), Negotiate that takes only Kerberos, a connection dropped between
// the handshake's legs, a server that never starts NTLM or sends a broken challenge, and a domain
// in the user name that is not the server's. Called from authRules (which the diagnosis runs).
import { makeCause, type DiagnosisRule } from '../causeFactory';
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { failureRef, hasFailure, ref, type RunFacts } from '../runFacts';
import { serverGeneration, serverRef } from '../serverFacts';

export const windowsAuthRules: DiagnosisRule = (facts) => {
  const causes: DiagnosisCause[] = [];
  const refused = hasFailure(facts, 'auth.windowsRefused');
  if (refused) causes.push(windowsRefusedBasicWorks(facts, failureRef(refused), refused.status === 'warning'));
  const kerberos = hasFailure(facts, 'auth.kerberosOnly');
  if (kerberos) causes.push(kerberosOnly(facts, failureRef(kerberos)));
  const dropped = hasFailure(facts, 'auth.connectionDropped');
  if (dropped) causes.push(connectionDropped(facts, failureRef(dropped)));
  const notStarted = hasFailure(facts, 'auth.handshakeRefused');
  if (notStarted) causes.push(ntlmNotStarted(facts, failureRef(notStarted)));
  const bad = hasFailure(facts, 'auth.badChallenge');
  if (bad) causes.push(badChallenge(facts, failureRef(bad)));
  const domain = domainMismatch(facts);
  if (domain) causes.push(domain);
  return causes;
};

/** Evidence lines naming the server the NTLM challenge came from. */
export function ntlmChallengeRefs(facts: RunFacts): EvidenceRef[] {
  const c = facts.ntlmChallenge;
  if (!c) return [];
  const v = c.value;
  return [
    v.netbiosComputer || v.dnsComputer ? ref(c.stepId, 'NTLM challenge: computer', [v.netbiosComputer, v.dnsComputer].filter(Boolean).join(' / ')) : undefined,
    v.netbiosDomain || v.dnsDomain ? ref(c.stepId, 'NTLM challenge: domain', [v.netbiosDomain, v.dnsDomain].filter(Boolean).join(' / ')) : undefined,
    v.windowsVersion ? ref(c.stepId, 'NTLM challenge: Windows version', `${v.windowsVersion}${v.windowsRelease ? ` (${v.windowsRelease})` : ''}`) : undefined,
  ].filter((r): r is EvidenceRef => r !== undefined);
}

function attemptRefs(facts: RunFacts): EvidenceRef[] {
  const a = facts.authAttempts;
  if (!a) return [];
  return a.value.map((x) => ref(a.stepId, `Tried ${x.scheme}`, x.ok ? `accepted${x.statusCode ? ` (HTTP ${x.statusCode})` : ''}` : x.statusCode ? `refused (HTTP ${x.statusCode})` : (x.error ?? 'failed')));
}

function windowsRefusedBasicWorks(facts: RunFacts, failure: EvidenceRef, warningOnly: boolean): DiagnosisCause {
  const is2003 = serverGeneration(facts) === 'exchange2003';
  const server = serverRef(facts);
  return makeCause({
    id: 'auth.windowsRefusedBasicWorks',
    title: 'Integrated Windows authentication refused while Basic works: check the directory\'s Windows authentication',
    score: warningOnly ? 72 : 80,
    explanation:
      'The same user name and password were refused with NTLM/Negotiate and accepted with Basic, so the password is right and the Windows sign-in on this ActiveSync virtual directory is what fails: Integrated Windows authentication is not really enabled (on Exchange 2003 a change made only in IIS Manager is undone by the System Attendant), its provider list lacks NTLM, or the server cannot check NTLM sign-ins against a domain controller. An Exchange 2007/2010 front end handing requests to this server needs that Windows sign-in to work.',
    supporting: [failure, ...attemptRefs(facts), ...ntlmChallengeRefs(facts), ...(server ? [server] : [])],
    checks: [
      'Check that Integrated Windows authentication is ticked on Microsoft-Server-ActiveSync (Exchange System Manager on Exchange 2003, Get-ActiveSyncVirtualDirectory on 2007/2010).',
      'On IIS 6, read AuthFlags and NTAuthenticationProviders of the directory with adsutil.vbs.',
      'Look in the server\'s Security event log for the refused logon (event 4625 or 529) and its reason.',
    ],
    checklistIds: is2003 ? [CHECKLIST_ID.esm2003Iwa, CHECKLIST_ID.vdirAuthMethods] : [CHECKLIST_ID.vdirAuthMethods, CHECKLIST_ID.esm2003Iwa],
    searchTerms: ['Integrated Windows authentication Microsoft-Server-ActiveSync', 'Event ID 1036'],
  });
}

function kerberosOnly(facts: RunFacts, failure: EvidenceRef): DiagnosisCause {
  return makeCause({
    id: 'auth.kerberosOnly',
    title: 'Negotiate accepts only Kerberos here: NTLM inside it is refused',
    score: 78,
    explanation:
      'The server offers Negotiate but refused the NTLM token inside it, and it offers no usable NTLM or Basic beside it. Only Kerberos would work, and Kerberos needs a client joined to the domain (with a ticket for the server\'s HTTP service principal name); this probe does not do Kerberos. Devices cannot use Kerberos for ActiveSync either, so they need Basic or NTLM on this directory.',
    supporting: [failure, ...ntlmChallengeRefs(facts), ...(serverRef(facts) ? [serverRef(facts)!] : [])],
    checks: [
      'Test from a domain-joined machine: Test-ActiveSyncConnectivity in the Exchange Management Shell (Exchange 2007/2010), or a browser signed in to the domain.',
      'If devices must sign in here, allow NTLM (add the NTLM provider to Windows authentication) or Basic on the ActiveSync directory.',
      'Check for a policy that restricts NTLM on the server (Network security: Restrict NTLM).',
    ],
    checklistIds: [CHECKLIST_ID.vdirAuthMethods],
    searchTerms: ['Negotiate Kerberos only NTLM refused', 'Restrict NTLM incoming traffic'],
  });
}

function connectionDropped(facts: RunFacts, failure: EvidenceRef): DiagnosisCause {
  return makeCause({
    id: 'auth.handshakeConnectionDropped',
    title: 'The connection was dropped between the NTLM handshake\'s legs (no connection affinity)',
    score: 82,
    explanation:
      'NTLM signs in a connection, not a request: the server keeps its challenge for the connection it sent it on and expects the answer there. The connection was closed after the challenge, so the answer arrived on a new one that the server (or another server behind a load balancer) knows nothing about. A reverse proxy or load balancer that does not keep client connections alive, or spreads one client over several servers, causes this.',
    supporting: [failure, ...ntlmChallengeRefs(facts)],
    checks: [
      'Rerun with --connect-to the address of one Exchange server, past the load balancer: if NTLM then works, the balancer is the cause.',
      'Give the load balancer or reverse proxy connection (or client IP) affinity and HTTP keep-alive towards Exchange, or publish ActiveSync with Basic there.',
    ],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    searchTerms: ['NTLM load balancer persistence', 'NTLM reverse proxy keep-alive'],
  });
}

function ntlmNotStarted(facts: RunFacts, failure: EvidenceRef): DiagnosisCause {
  return makeCause({
    id: 'auth.ntlmNotStarted',
    title: 'The server offers NTLM but never sends its challenge',
    score: 70,
    explanation:
      'The server lists NTLM yet answered the negotiate message with a plain 401 instead of a challenge. Something in front of Exchange rewrites the exchange, or Windows authentication on the directory is broken (a provider listed but not installed, or NTLM blocked by policy).',
    supporting: [failure, ...(serverRef(facts) ? [serverRef(facts)!] : [])],
    checks: ['Rerun against the Exchange server itself (--connect-to) to rule out a proxy.', 'Check the Windows authentication providers of the ActiveSync directory and any NTLM restriction policy.'],
    checklistIds: [CHECKLIST_ID.vdirAuthMethods, CHECKLIST_ID.reverseProxy],
  });
}

function badChallenge(facts: RunFacts, failure: EvidenceRef): DiagnosisCause {
  return makeCause({
    id: 'auth.badNtlmChallenge',
    title: 'The server\'s NTLM challenge is malformed',
    score: 65,
    explanation:
      'The WWW-Authenticate header carried a token that is not a valid NTLM challenge (or SPNEGO answer). Windows does not send such tokens; a proxy that rewrites or truncates headers, or a non-Windows server, is the likely source.',
    supporting: [failure],
    checks: ['Rerun against the Exchange server itself (--connect-to) to see whether the challenge is intact there.', 'Check header size limits and rewriting rules on the reverse proxy.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
  });
}

/** NTLM refused and the user name's domain is not the domain the server's challenge names. */
function domainMismatch(facts: RunFacts): DiagnosisCause | undefined {
  const unauthorized = hasFailure(facts, 'http.401');
  const user = facts.ntlmUser?.value;
  const challenge = facts.ntlmChallenge?.value;
  if (!unauthorized || !user || !challenge || !user.domain || (user.domainSource !== 'userName' && user.domainSource !== 'option')) return undefined;
  const sent = user.domain.toLowerCase();
  const known = [challenge.netbiosDomain, challenge.dnsDomain, challenge.dnsTree, challenge.targetName].filter(Boolean).map((d) => d!.toLowerCase());
  if (known.length === 0 || known.includes(sent)) return undefined;
  return makeCause({
    id: 'auth.ntlmWrongDomain',
    title: `The domain ${user.domain} is not the server's domain (${challenge.netbiosDomain || challenge.dnsDomain || challenge.targetName})`,
    score: 62,
    explanation:
      'With NTLM the domain part of the user name decides which directory checks the password. The server\'s challenge names its own domain, and the run signed in to another one; unless that domain is trusted, the user is unknown there and the sign-in is refused whatever the password.',
    supporting: [ref(facts.ntlmUser!.stepId, 'NTLM domain sent', user.domain), ...ntlmChallengeRefs(facts), failureRef(unauthorized)],
    checks: [`Rerun as ${challenge.netbiosDomain || challenge.targetName}\\${user.user} or with the user principal name (user@domain).`, 'Check the account\'s pre-Windows 2000 logon name in Active Directory Users and Computers.'],
    checklistIds: [CHECKLIST_ID.credentials],
  });
}
