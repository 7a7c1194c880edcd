// What a run proves about Integrated Windows authentication, for runs that need no diagnosis: a
// "fix verified" finding when an Exchange 2003 back end accepts an NTLM or Negotiate sign-in
// (the ESM checklist's goal), a note when Basic is switched off but Windows sign-in works, and the
// checklist steps such a run settles, so the extension can tick them. Pure functions of the run.
import type { ProbeRun, ProbeStep } from '../probe/runModel';
import { describeServer, runServerIdentity } from '../probe/serverIdentification';
import { CHECKLIST_ID } from './checklists/checklistIds';
import type { DiagnosisContext, EvidenceRef, DiagnosisFinding } from './diagnosisModel';

export interface VerifiedChecklistStep {
  checklistId: string;
  stepId: string;
}

/** A positive (or neutral) finding on a run that passed: shown beside "all checks passed". */
export interface AuthFinding extends DiagnosisFinding {
  id: 'auth.iwaFixVerified' | 'auth.iwaWorksBasicOff' | 'auth.iwaWorks';
}

interface WindowsSignIn {
  step: ProbeStep;
  scheme: string;
  is2003: boolean;
  basicOffered: boolean;
}

/** The authenticated OPTIONS got past a Windows sign-in and ActiveSync answered. */
function windowsSignIn(run: ProbeRun): WindowsSignIn | undefined {
  const step = Array.isArray(run?.steps) ? run.steps.find((s) => s?.id === 'optionsAuthenticated') : undefined;
  if (!step) return undefined;
  // Missing commands is only a warning about the command list; anything else means it did not really work.
  const ok = step.status === 'passed' || (step.status === 'warning' && step.failure?.category === 'eas.missingCommands');
  const scheme = String(step.evidence?.authScheme ?? '');
  if (!ok || !/^(ntlm|negotiate)$/i.test(scheme)) return undefined;
  const is2003 = runServerIdentity(run)?.product === 'exchange2003';
  const anonymous = run.steps.find((s) => s?.id === 'optionsAnonymous');
  const basicOffered = (anonymous?.evidence?.challenges ?? []).some((c) => String(c?.scheme ?? '').toLowerCase() === 'basic');
  return { step, scheme, is2003, basicOffered };
}

/**
 * Checklist steps this run settles. An Exchange 2003 server that accepted NTLM or Negotiate on
 * its ActiveSync directory shows Integrated Windows authentication is on there (what the ESM
 * checklist's IIS check and its final "run the test again" step are for). With the mailbox known
 * to be on Exchange 2003, a passed run through an Exchange 2007/2010 front end shows the same.
 */
export function verifiedChecklistSteps(run: ProbeRun, context: DiagnosisContext = {}): VerifiedChecklistStep[] {
  const out: VerifiedChecklistStep[] = [];
  const signIn = windowsSignIn(run);
  // The checklist's goal is a phone that syncs: only a FolderSync that worked proves it, not a sign-in alone.
  const commandProven = folderSyncWorked(run);
  if (signIn?.is2003) {
    out.push({ checklistId: CHECKLIST_ID.esm2003Iwa, stepId: 'verify-iwa-ticked' });
    if (commandProven) out.push({ checklistId: CHECKLIST_ID.esm2003Iwa, stepId: 'rerun-probe' });
  } else if (commandProven && (frontEndTo2003(run) || (context.mailboxServerHint === 'exchange2003' && run?.outcome === 'passed' && frontEndProduct(run)))) {
    out.push({ checklistId: CHECKLIST_ID.esm2003Iwa, stepId: 'rerun-probe' });
  }
  return out;
}

function folderSyncWorked(run: ProbeRun): boolean {
  const step = Array.isArray(run?.steps) ? run.steps.find((s) => s?.id === 'folderSync') : undefined;
  return step?.status === 'passed';
}

function frontEndProduct(run: ProbeRun): boolean {
  const product = runServerIdentity(run)?.product;
  return product === 'exchange2007' || product === 'exchange2010';
}

/**
 * An Exchange 2003 ActiveSync build answering through IIS 7 or later: Exchange 2003 ran on IIS 6
 * only, so a 2007/2010 front end handed the request to a 2003 back end.
 */
function frontEndTo2003(run: ProbeRun): boolean {
  const step = Array.isArray(run?.steps) ? run.steps.find((s) => s?.id === 'optionsAuthenticated') : undefined;
  const build = runServerIdentity(run)?.build ?? '';
  const response = step?.evidence?.http?.[step.evidence.http.length - 1]?.response;
  const iis = response?.headers.find(([n]) => n.toLowerCase() === 'server')?.[1] ?? '';
  const major = Number(/Microsoft-IIS\/(\d+)/i.exec(iis)?.[1]);
  return /^6\.5\./.test(build) && major >= 7;
}

/** Findings about Windows sign-in on a run whose authenticated OPTIONS worked. */
export function authFindings(run: ProbeRun): AuthFinding[] {
  const signIn = windowsSignIn(run);
  if (!signIn) {
    if (!frontEndTo2003(run) || !folderSyncWorked(run)) return [];
    return [
      {
        id: 'auth.iwaFixVerified',
        title: 'Fix verified: a FolderSync through the front end reached the Exchange 2003 mailbox',
        explanation: 'An Exchange 2003 ActiveSync build answered through a newer IIS (a 2007/2010 front end), and FolderSync worked: the front end hands commands to the 2003 back end, which is what the Exchange System Manager checklist is for.',
        evidence: [{ stepId: 'folderSync', label: 'FolderSync', value: run.steps.find((s) => s?.id === 'folderSync')?.summary ?? '' }],
      },
    ];
  }
  const ev = signIn.step.evidence;
  const evidence: EvidenceRef[] = [{ stepId: 'optionsAuthenticated', label: 'Signed in with', value: signIn.scheme }];
  const server = runServerIdentity(run);
  if (server) evidence.push({ stepId: 'optionsAuthenticated', label: 'Server', value: describeServer(server) });
  const c = ev.ntlmChallenge;
  if (c?.netbiosComputer || c?.dnsComputer) evidence.push({ stepId: 'optionsAuthenticated', label: 'Answered by', value: [c.netbiosComputer, c.dnsComputer].filter(Boolean).join(' / ') });
  if (c?.windowsVersion) evidence.push({ stepId: 'optionsAuthenticated', label: 'Windows version', value: `${c.windowsVersion}${c.windowsRelease ? ` (${c.windowsRelease})` : ''}` });
  const findings: AuthFinding[] = [];
  if (signIn.is2003 && folderSyncWorked(run)) {
    findings.push({
      id: 'auth.iwaFixVerified',
      title: 'Fix verified: the Exchange 2003 ActiveSync directory accepts Integrated Windows authentication',
      explanation:
        'This Exchange 2003 server signed the account in with Windows authentication on Microsoft-Server-ActiveSync, so the setting the Exchange System Manager checklist turns on is in effect. An Exchange 2007 or 2010 front end can now hand ActiveSync requests for its mailboxes over to it.',
      evidence,
    });
  } else if (signIn.is2003) {
    findings.push({
      id: 'auth.iwaWorks',
      title: 'Windows sign-in works on the Exchange 2003 ActiveSync directory; the fix is not verified until a FolderSync works',
      explanation: 'The server accepted an NTLM sign-in on Microsoft-Server-ActiveSync. Whether a front end can hand a device\'s commands to it is proven only by a FolderSync through the front end; this run did not get one to work.',
      evidence,
    });
  } else {
    findings.push({
      id: 'auth.iwaWorks',
      title: `Integrated Windows authentication (${signIn.scheme}) works on this ActiveSync directory`,
      explanation: 'The server accepted an NTLM sign-in on Microsoft-Server-ActiveSync.',
      evidence,
    });
  }
  if (!signIn.basicOffered) {
    findings.push({
      id: 'auth.iwaWorksBasicOff',
      title: 'Basic authentication is switched off on this directory; Windows sign-in works',
      explanation:
        'The server offers no Basic sign-in, so devices that send a user name and password with Basic (most phones) are refused here. That is right for a back end that only a front-end server talks to; devices connecting to this server directly need Basic turned on.',
      evidence: [...evidence, { stepId: 'optionsAnonymous', label: 'WWW-Authenticate', value: (run.steps.find((s) => s.id === 'optionsAnonymous')?.evidence.challenges ?? []).map((x) => x.scheme).join(', ') }],
    });
  }
  return findings;
}
