// Why the server said 401 (or refused the way we signed in). The ranking follows the evidence:
// a bare 401 means "probably the password" at medium confidence, while a cross-check that
// accepts the same credentials elsewhere turns the Exchange 2003 coexistence cause into the
// leading one. Every cause keeps the facts that speak for and against it.
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { challengeRefs, failureRef, hasFailure, ref, type RunFacts } from '../runFacts';
import { exchangeOnlineSignals, isNonExchangeServer, serverGeneration, serverRef } from '../serverFacts';
import { RCA_PHRASES } from '../searchTerms';
import { windowsAuthRules } from './windowsAuthRules';

const WINDOWS_SCHEMES = new Set(['ntlm', 'negotiate', 'kerberos']);
const SEARCH_401 = [RCA_PHRASES.optionsFailed, RCA_PHRASES.http401, RCA_PHRASES.options401];

export const authRules: DiagnosisRule = (facts) => {
  const unauthorized = hasFailure(facts, 'http.401');
  const schemeFailure = hasFailure(facts, 'http.schemeNotOffered');
  const causes: DiagnosisCause[] = windowsAuthRules(facts);
  // Basic accepted the password after NTLM/Negotiate refused it: the password causes don't apply.
  if (hasFailure(facts, 'auth.windowsRefused')) return causes;
  const noChallenge = hasFailure(facts, 'http.noChallenge');
  if (noChallenge) causes.push(noChallengeCause(facts, failureRef(noChallenge)));
  if (!unauthorized && !schemeFailure) return causes;
  // A refused OAuth token is about the token, not a password: oauthRules explains it.
  if (unauthorized && facts.usedScheme?.value === 'bearer') return causes;

  const failure = failureRef((unauthorized ?? schemeFailure)!);
  const a = analyse(facts);
  // Only a 401 to credentials that were sent speaks of the password: when the method was not
  // offered they never left, and "the server refused the credentials" would be untrue.
  if (unauthorized) causes.push(wrongCredentials(facts, a, failure));
  const upn = upnRequired(facts, a);
  if (upn) causes.push(upn);
  const modern = modernAuthRequired(facts, a);
  if (modern) causes.push(modern);
  const coexistence = coexistence2003(facts, a, failure);
  if (coexistence) causes.push(coexistence);
  const scheme = schemeNotOffered(facts, a, schemeFailure ? failureRef(schemeFailure) : undefined);
  if (scheme) causes.push(scheme);
  const directory = activeSyncDirectoryAuth(facts, a);
  if (directory) causes.push(directory);
  // "The DOMAIN\\user form was refused" needs a refusal: not when the credentials never left.
  const form = unauthorized ? userNameForm(facts, a) : undefined;
  if (form) causes.push(form);
  return causes;
};

/** The facts every 401 cause weighs, worked out once. */
interface AuthAnalysis {
  onlineStrong: EvidenceRef[];
  onlineWeak: EvidenceRef[];
  online: boolean;
  offered: string[];
  used?: string;
  onlyBearer: boolean;
  offersBasic: boolean;
  windowsOnly: boolean;
  usedNotOffered: boolean;
  accepted: EvidenceRef[];
  rejected: EvidenceRef[];
  challenges: EvidenceRef[];
  user: EvidenceRef[];
}

function analyse(facts: RunFacts): AuthAnalysis {
  const signals = exchangeOnlineSignals(facts);
  const offered = facts.offeredSchemes;
  const used = facts.usedScheme?.value ?? (facts.run?.settings?.auth && facts.run.settings.auth !== 'auto' ? facts.run.settings.auth : undefined);
  const onlyBearer = offered.length > 0 && offered.every((s) => s === 'bearer');
  const offersBasic = offered.includes('basic');
  const windowsOnly = !offersBasic && offered.some((s) => WINDOWS_SCHEMES.has(s)) && offered.every((s) => WINDOWS_SCHEMES.has(s) || s === 'bearer');
  const usedOffered = used === undefined || offered.includes(used) || (used === 'ntlm' && offered.includes('negotiate'));
  const crossRef = (c: RunFacts['crossCheck'][number]) =>
    ref(c.stepId, `Cross-check ${c.endpoint === 'ews' ? 'EWS' : 'Autodiscover'}`, `${c.accepted ? 'accepted' : 'refused'} the same credentials${c.statusCode ? ` (HTTP ${c.statusCode})` : ''}${c.error ? `: ${c.error}` : ''} at ${c.url}`);
  return {
    onlineStrong: signals.strong,
    onlineWeak: signals.weak,
    online: signals.strong.length > 0 || facts.context.mailboxServerHint === 'online',
    offered,
    used,
    onlyBearer,
    offersBasic,
    windowsOnly,
    usedNotOffered: offered.length > 0 && !usedOffered,
    accepted: facts.crossCheck.filter((c) => c.accepted).map(crossRef),
    rejected: facts.crossCheck.filter((c) => !c.accepted && c.statusCode === 401).map(crossRef),
    challenges: challengeRefs(facts),
    user: facts.userName ? [ref('input', 'User name', facts.userName)] : [],
  };
}

function wrongCredentials(facts: RunFacts, a: AuthAnalysis, failure: EvidenceRef): DiagnosisCause {
  let score = 55;
  const supporting = [failure, ...a.user];
  const against: EvidenceRef[] = [];
  if (a.rejected.length > 0 && a.accepted.length === 0) {
    score = 75;
    supporting.push(...a.rejected);
  }
  if (a.accepted.length > 0) {
    score = 20;
    against.push(...a.accepted);
  }
  if (a.onlyBearer) {
    score = Math.min(score, 20);
    against.push(...a.challenges);
  } else if (a.usedNotOffered) {
    score = Math.min(score, 25);
    against.push(...a.challenges);
  }
  if (a.online && facts.userNameForm !== 'upn') score = Math.min(score, 40);
  else if (a.online && a.used === 'basic') score = Math.min(score, 45);
  const nonExchange = isNonExchangeServer(facts);
  const server = serverRef(facts);
  if (nonExchange && server) supporting.push(server);
  // Outlook on the web and Active Directory are Exchange's; another server checks passwords against its own back end.
  const checks = nonExchange
    ? [
        'Sign in with the same user name and password to the mail back end this server uses (IMAP, groupware or directory).',
        facts.server?.value.product === 'zpush'
          ? 'Read Z-Push\'s log files (z-push.log, z-push-error.log): with LOGAUTHFAIL on, each refused sign-in is logged with the user name and address.'
          : 'Read the ActiveSync server\'s own log for the refused sign-in.',
        'Retype the password: watch the keyboard layout, Caps Lock and trailing spaces.',
      ]
    : [
        'Sign in to Outlook on the web (OWA) with the same user name and password.',
        'Check in Active Directory (or the Microsoft 365 admin center) that the account is enabled, not locked out and its password not expired.',
        'Retype the password: watch the keyboard layout, Caps Lock and trailing spaces.',
      ];
  if (!nonExchange && facts.run?.settings && !facts.run.settings.crossCheck) checks.push('Rerun with the EWS/Autodiscover cross-check on: it tells a wrong password apart from an ActiveSync-only problem.');
  return makeCause({
    id: 'auth.wrongCredentials',
    title: 'Wrong user name or password, the most common cause',
    score,
    explanation:
      a.rejected.length > 0 && a.accepted.length === 0
        ? `ActiveSync refused the credentials, and so did ${refusedNames(facts)}. That points at the account or its password rather than at ActiveSync.`
        : 'The server refused the credentials. Most often the password is mistyped or changed, or the account is locked out or disabled. Nothing in this run rules that out yet.',
    supporting,
    against,
    checks,
    // The credentials checklist is written for Exchange (OWA, Active Directory).
    checklistIds: nonExchange ? [] : [CHECKLIST_ID.credentials],
    searchTerms: SEARCH_401,
  });
}

/** The cross-check endpoints that refused, by name ("Autodiscover", "EWS and Autodiscover"). */
function refusedNames(facts: RunFacts): string {
  const names = facts.crossCheck.filter((c) => !c.accepted && c.statusCode === 401).map((c) => (c.endpoint === 'ews' ? 'EWS' : 'Autodiscover'));
  return [...new Set(names)].join(' and ') || 'the other endpoints';
}

function upnRequired(facts: RunFacts, a: AuthAnalysis): DiagnosisCause | undefined {
  if (!a.online || facts.userNameForm === 'upn' || facts.userNameForm === 'none') return undefined;
  const strong = a.onlineStrong.length > 0;
  return makeCause({
    id: 'auth.upnRequired',
    title: 'Exchange Online sign-in without the full UPN (user@domain.com)',
    score: strong ? 78 : 60,
    explanation:
      'This is Exchange Online (Office 365), which identifies users only by their full user principal name. A bare name or DOMAIN\\user form is refused with 401 even when the password is right.',
    supporting: [...a.onlineStrong, ...a.onlineWeak, ...a.user, ref('input', 'User name form', facts.userNameForm)],
    checks: [
      'Find the user principal name in the Microsoft 365 admin center (Users → Active users).',
      'Rerun with user@domain.com in the user name field.',
    ],
    checklistIds: [CHECKLIST_ID.upnSignIn],
    searchTerms: [...SEARCH_401, 'Office 365 ActiveSync full UPN'],
  });
}

function modernAuthRequired(facts: RunFacts, a: AuthAnalysis): DiagnosisCause | undefined {
  const basicAtOnline = a.online && !a.onlyBearer && (a.used === 'basic' || a.used === undefined);
  if (!a.onlyBearer && !basicAtOnline) return undefined;
  let score: number;
  if (a.onlyBearer) score = a.online ? 88 : 75;
  else score = facts.userNameForm === 'upn' ? 62 : 50;
  const bearer = facts.challenges?.value.find((c) => c.scheme.toLowerCase() === 'bearer');
  const supporting = [...a.challenges, ...a.onlineStrong, ...a.onlineWeak];
  if (bearer?.params?.authorization_uri) supporting.push(ref(facts.challenges!.stepId, 'authorization_uri', bearer.params.authorization_uri));
  return makeCause({
    id: 'auth.exchangeOnlineModernAuth',
    title: 'Basic authentication is retired: OAuth (modern authentication) is required',
    score,
    explanation: a.onlyBearer
      ? 'The server offers only Bearer (OAuth) sign-in. Exchange Online switched Basic authentication off for ActiveSync, and hybrid on-premises servers can be set up the same way; a user name and password will never be accepted here. The client needs an OAuth token for the delegated permission EAS.AccessAsUser.All.'
      : 'This is Exchange Online, where Basic authentication for ActiveSync has been switched off. A password sent with Basic is refused whatever it is; the client has to sign in with OAuth (permission EAS.AccessAsUser.All).',
    supporting,
    checks: [
      'Check whether the device or app supports modern authentication (OAuth) for Exchange ActiveSync.',
      'In Microsoft Entra ID, check the app registration has the delegated permission EAS.AccessAsUser.All with consent granted.',
    ],
    checklistIds: [CHECKLIST_ID.exoModernAuth],
    searchTerms: [...SEARCH_401, 'EAS.AccessAsUser.All', 'Basic authentication deprecation Exchange Online ActiveSync'],
  });
}

function coexistence2003(facts: RunFacts, a: AuthAnalysis, failure: EvidenceRef): DiagnosisCause | undefined {
  // Only Exchange 2007/2010 hand requests to a 2003 back end: not a cause for Online or a non-Exchange server.
  if (a.online || a.onlyBearer || isNonExchangeServer(facts)) return undefined;
  const generation = serverGeneration(facts);
  const hint = facts.context.mailboxServerHint;
  const server = serverRef(facts);
  const supporting: EvidenceRef[] = [failure];
  const against: EvidenceRef[] = [];
  let score = 25;
  const frontEndCanProxyTo2003 = generation === 'exchange2007' || generation === 'exchange2010';
  if (a.accepted.length > 0) {
    score = 85;
    supporting.push(...a.accepted);
  }
  if (hint === 'exchange2003') {
    supporting.push(ref('context', 'Mailbox server (from you)', 'Exchange 2003'));
    if (frontEndCanProxyTo2003) {
      score = Math.max(score, 85) + (a.accepted.length > 0 ? 7 : 0);
      if (server) supporting.push(server);
    } else if (generation === 'unknown') {
      score = Math.max(score, 60);
    }
  } else if (hint) {
    score = Math.min(score, 8);
    against.push(ref('context', 'Mailbox server (from you)', hint));
  }
  if (frontEndCanProxyTo2003 && hint !== 'exchange2003' && server) supporting.push(server);
  if (generation === 'exchange2003' && server) {
    score = Math.min(score, 10);
    against.push(server);
  } else if (generation === 'exchange2013plus' && server) {
    // Exchange 2013 and later cannot share an organisation with Exchange 2003.
    score = Math.min(score, 8);
    against.push(server);
  }
  if (a.rejected.length > 0 && a.accepted.length === 0) {
    score = Math.min(score, 15);
    against.push(...a.rejected);
  }
  if (a.usedNotOffered) {
    // The method used was not offered, so the password never left: no front end had anything to
    // hand on to a back end, and this 401 says nothing about that hand-over.
    score = Math.min(score, 10);
    supporting.splice(supporting.indexOf(failure), 1);
    against.push(failure, ...a.challenges);
  }
  return makeCause({
    id: 'auth.coexistence2003IwaMissing',
    title: 'Exchange 2003 mailbox behind Exchange 2007/2010: Integrated Windows authentication missing on its ActiveSync directory',
    score,
    explanation:
      'When an Exchange 2007 or 2010 Client Access server serves a mailbox that still lives on Exchange 2003, it passes the request on to the 2003 server with Kerberos. If the Microsoft-Server-ActiveSync virtual directory on the 2003 server allows only Basic, that hand-over fails and the device sees 401 even though its password is right.',
    supporting,
    against,
    checks: [
      'Find which server holds the mailbox (Exchange Management Console or Get-Mailbox <user> | Format-List ServerName).',
      'On the Client Access server, look for Event ID 1036 in the application log when devices connect.',
      'On the Exchange 2003 server, check the AuthFlags of Microsoft-Server-ActiveSync include 4 (Integrated Windows).',
    ],
    checklistIds: [CHECKLIST_ID.esm2003Iwa, CHECKLIST_ID.vdirAuthMethods],
    searchTerms: [...SEARCH_401, 'Event ID 1036', 'KB 937031'],
  });
}

function schemeNotOffered(facts: RunFacts, a: AuthAnalysis, failure: EvidenceRef | undefined): DiagnosisCause | undefined {
  if (!a.usedNotOffered && !failure) return undefined;
  if (a.onlyBearer) return undefined; // the modern-auth cause covers it with the better fix
  const usedLabel = (a.used ?? facts.run?.settings?.auth ?? 'the chosen method').toString();
  const score = a.windowsOnly && (a.used === 'basic' || a.used === undefined) ? 80 : 70;
  return makeCause({
    id: 'auth.schemeNotOffered',
    title: a.windowsOnly ? 'Basic sign-in is not offered: the server accepts only NTLM/Negotiate' : 'The sign-in method used is not one the server offers',
    score,
    explanation: `The client signed in with ${usedLabel}, but the server's challenge does not list it, so the credentials were never even checked. Either turn that method on for ${isNonExchangeServer(facts) ? 'the ActiveSync location in the web server' : 'the Microsoft-Server-ActiveSync virtual directory'} or let the client use one the server offers.`,
    supporting: [...(failure ? [failure] : []), ...(facts.usedScheme ? [ref(facts.usedScheme.stepId, 'Scheme used', facts.usedScheme.value)] : []), ...a.challenges],
    checks: [
      'List the authentication methods of the ActiveSync virtual directory (Get-ActiveSyncVirtualDirectory or adsutil.vbs on IIS 6).',
      'Rerun with the authentication method set to NTLM (or automatic) to see whether the credentials work with a method the server offers.',
    ],
    checklistIds: [CHECKLIST_ID.vdirAuthMethods],
    searchTerms: [RCA_PHRASES.missingAuthMethods, RCA_PHRASES.noAuthMethods],
  });
}

/** The password is right (another endpoint accepted it), but the server can't be 2007/2010 → 2003. */
function activeSyncDirectoryAuth(facts: RunFacts, a: AuthAnalysis): DiagnosisCause | undefined {
  if (a.accepted.length === 0 || isNonExchangeServer(facts)) return undefined;
  const generation = serverGeneration(facts);
  const coexistencePossible = !a.online && generation !== 'exchange2013plus' && generation !== 'exchange2003' && (!facts.context.mailboxServerHint || facts.context.mailboxServerHint === 'exchange2003');
  return makeCause({
    id: 'auth.activeSyncDirectoryAuth',
    title: 'Credentials are right, but the ActiveSync virtual directory or the mailbox refuses them',
    score: coexistencePossible ? 45 : 65,
    explanation:
      'Another Exchange endpoint accepted the same user name and password, so the account is fine. The refusal is specific to ActiveSync: its virtual directory has different authentication settings, or something between the front end and the mailbox server fails.',
    supporting: [...a.accepted, ...(serverRef(facts) ? [serverRef(facts)!] : [])],
    checks: ['Compare the authentication settings of the ActiveSync and EWS virtual directories.', 'Check the front-end server\'s logs for the request (X-FEServer/X-BEServer headers name the servers involved).'],
    checklistIds: [CHECKLIST_ID.vdirAuthMethods],
  });
}

function userNameForm(facts: RunFacts, a: AuthAnalysis): DiagnosisCause | undefined {
  // The DOMAIN\\user versus UPN question is Active Directory's; another server has its own user names.
  if (a.online || a.onlyBearer || facts.userNameForm === 'none' || isNonExchangeServer(facts)) return undefined;
  const form = facts.userNameForm;
  const score = form === 'bare' ? 45 : 15;
  const against = a.accepted.length > 0 ? a.accepted : [];
  return makeCause({
    id: 'auth.userNameForm',
    title: form === 'bare' ? 'User name without a domain' : form === 'downLevel' ? 'DOMAIN\\user form refused: try the UPN' : 'UPN form refused: try DOMAIN\\user',
    score: against.length > 0 ? Math.min(score, 15) : score,
    explanation:
      form === 'bare'
        ? 'A bare user name leaves the server to guess the domain; with Basic it uses its default domain, which may not be the user\'s. Sign in as DOMAIN\\user or user@domain instead.'
        : 'Exchange accepts both DOMAIN\\user and the user principal name, but the UPN suffix is not always the e-mail address and the NetBIOS domain is not always the DNS name. Trying the other form settles it.',
    supporting: [...a.user, ref('input', 'User name form', form)],
    against,
    checks: ['Look up the account\'s user logon name (UPN) and pre-Windows 2000 name in Active Directory Users and Computers.', 'Rerun with the other form.'],
    checklistIds: [CHECKLIST_ID.credentials],
  });
}

function noChallengeCause(facts: RunFacts, failure: EvidenceRef): DiagnosisCause {
  return makeCause({
    id: 'auth.noChallengeOffered',
    title: 'The 401 names no sign-in method: a proxy stripped it or none is enabled',
    score: 70,
    explanation:
      'The server refused the request without a WWW-Authenticate header, so no client can know how to sign in. Either a reverse proxy or firewall in front of Exchange removes the header, or every authentication method is switched off on the ActiveSync virtual directory.',
    supporting: [failure, ...(serverRef(facts) ? [serverRef(facts)!] : [])],
    checks: ['Rerun against the Exchange server\'s own address, past the proxy, to see whether the header comes back.', 'List the authentication methods of the ActiveSync virtual directory.'],
    checklistIds: [CHECKLIST_ID.reverseProxy, CHECKLIST_ID.vdirAuthMethods],
    searchTerms: [RCA_PHRASES.noAuthMethods],
  });
}
