// Failures past OPTIONS: the commands a device sends on first contact (Provision, FolderSync,
// Sync). OPTIONS and the sign-in worked, so these causes are about the mailbox, the device's
// access, the policy, or whatever serves commands behind the front end.
import type { FailureCategory } from '../../probe/runModel';
import { makeCause, type DiagnosisRule } from '../causeFactory';
import { CHECKLIST_ID } from '../checklists/checklistIds';
import type { DiagnosisCause, EvidenceRef } from '../diagnosisModel';
import { failureRef, headerRef, lastResponse, ref, responseHeader, type LocatedFailure, type RunFacts } from '../runFacts';
import { serverGeneration, serverRef } from '../serverFacts';
import { categoryRule } from './categoryRule';

const COMMAND_STEPS = new Set(['provision', 'folderSync', 'sync', 'ping']);

/** A failure of one of these categories on a command step (not on OPTIONS). */
function commandFailure(facts: RunFacts, ...categories: FailureCategory[]): LocatedFailure | undefined {
  return facts.failures.find((f) => categories.includes(f.category) && COMMAND_STEPS.has(f.stepId.split('.')[0]));
}

function httpStatusRef(facts: RunFacts, f: LocatedFailure): EvidenceRef | undefined {
  const res = lastResponse(facts, f.stepId)?.exchange.response;
  return res ? ref(f.stepId, 'HTTP status', `${res.statusCode} ${res.statusText ?? ''}`.trim()) : undefined;
}

/** The options step worked: the evidence against "the server or the credentials are broken". */
function optionsWorked(facts: RunFacts): EvidenceRef[] {
  const step = facts.allSteps.find((s) => s.id === 'optionsAuthenticated');
  return step && (step.status === 'passed' || step.status === 'warning') ? [ref('optionsAuthenticated', 'OPTIONS with credentials', step.summary)] : [];
}

const simple = categoryRule([
  {
    categories: ['eas.remoteWipe'],
    id: 'command.remoteWipePending',
    title: 'A remote wipe is pending for this device id',
    score: 95,
    explanation: 'The server ordered the device to wipe itself. The test never acknowledges a wipe, so nothing was erased and the order is still pending on the server. Cancel it (or remove the partnership) before testing again, and never pair a real phone under this DeviceId meanwhile.',
    checks: ['List the mailbox\'s devices and their wipe status.', 'Cancel the wipe or remove the device partnership.'],
    checklistIds: [CHECKLIST_ID.remoteWipe],
  },
  {
    categories: ['eas.deviceBlocked'],
    id: 'command.deviceBlocked',
    title: 'The device is blocked by an Allow/Block/Quarantine rule or the mailbox\'s block list',
    score: 90,
    explanation: 'OPTIONS and the sign-in work, but Exchange refuses commands from this device (status 129, or 403 with X-MS-ASThrottle). The organisation\'s default access level, a device access rule or the mailbox\'s blocked device list decides this.',
    checks: ['List the device\'s access state and reason.', 'Check the organisation\'s default access level and the device access rules.', 'Allow the test\'s DeviceId or DeviceType for the test mailbox.'],
    checklistIds: [CHECKLIST_ID.deviceAccess],
    evidence: (facts, f) => [httpStatusRef(facts, f), ...['X-MS-ASThrottle'].map((n) => responseHeader(facts, f.stepId, n)).filter((h) => h).map((h) => headerRef(h!))],
  },
  {
    categories: ['eas.deviceQuarantined'],
    id: 'command.deviceQuarantined',
    title: 'The device is probably quarantined (Allow/Block/Quarantine)',
    score: 80,
    explanation: 'Every command worked, but the Inbox gave a single item sent by Microsoft Exchange. A quarantined device sees only Exchange\'s notice until an administrator approves it. The item\'s content was not kept; confirm the state on the server.',
    checks: ['List the device\'s access state (Quarantined, DeviceDiscovery).', 'Approve the device, or add a rule for its type.'],
    checklistIds: [CHECKLIST_ID.deviceAccess],
  },
  {
    categories: ['eas.userDisabled'],
    id: 'command.userDisabled',
    title: 'The mailbox is not enabled for ActiveSync',
    score: 92,
    explanation: 'The server accepted the password and answered OPTIONS, then refused the first command with status 126 (UserDisabledForSync): Exchange ActiveSync is switched off for this user.',
    checks: ['Check ActiveSyncEnabled on the mailbox.', 'Enable it if the user should sync.'],
    checklistIds: [CHECKLIST_ID.easUserEnabled],
  },
  {
    categories: ['eas.maxDevices'],
    id: 'command.maxDevices',
    title: 'The user has reached the maximum number of devices',
    score: 92,
    explanation: 'Exchange refused a new device partnership with status 177 (MaximumDevicesReached). Old partnerships count against the limit until they are removed.',
    checks: ['List the user\'s devices by last sync.', 'Remove stale partnerships.'],
    checklistIds: [CHECKLIST_ID.maxDevices],
  },
  {
    categories: ['eas.noInbox'],
    id: 'command.noInbox',
    title: 'FolderSync returned no Inbox',
    score: 70,
    explanation: 'The folder list has no folder of type Inbox, which every Exchange mailbox has. The mailbox may be damaged, or something between the device and Exchange altered the answer.',
    checks: ['Open the mailbox in OWA and check its Inbox.', 'Compare with a test straight to the Exchange server, past any proxy.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
  },
  {
    categories: ['eas.badResponse'],
    id: 'command.badResponse',
    title: 'A command\'s answer could not be read',
    score: 75,
    explanation: 'The server answered a command with a body that is not valid ActiveSync WBXML (cut short or of another kind). The evidence names the byte where decoding stopped. A proxy that rewrites or truncates bodies, or a server failing mid-answer, does this.',
    checks: ['Compare with a test straight to the Exchange server, past any proxy.', 'Read the application event log on the server that answered, at the time of the run.'],
    checklistIds: [CHECKLIST_ID.reverseProxy, CHECKLIST_ID.serverError500],
  },
  {
    categories: ['eas.commandStatus'],
    id: 'command.status',
    title: 'A command was answered with an error status',
    score: 60,
    explanation: 'The server answered, but with a status other than success. The failed step names the status and what it means.',
    checks: ['Read the status in the failed step and the server\'s application event log at the time of the run.'],
  },
]);

/** The server still asks for provisioning after the device acknowledged the policy. */
const policyNotAccepted: DiagnosisRule = (facts) => {
  const f = commandFailure(facts, 'http.449', 'eas.provisionFailed');
  if (!f) return [];
  const provision = facts.allSteps.find((s) => s.id === 'provision');
  const provisioned = provision?.status === 'passed';
  return [
    makeCause({
      id: 'command.policyNotAccepted',
      title: provisioned ? 'The server does not accept the policy key it handed out' : 'Provisioning failed: the device could not get or acknowledge the policy',
      score: 85,
      explanation: provisioned
        ? 'The device fetched the policy, acknowledged it and got a final key, yet the next command was told to provision again. The key is lost on the way (a proxy dropping X-MS-PolicyKey) or another server behind the load balancer does not know it.'
        : 'Provision did not complete: the server answered the policy request or its acknowledgment with an error. Devices that cannot provision never sync.',
      supporting: [failureRef(f), ...(httpStatusRef(facts, f) ? [httpStatusRef(facts, f)!] : []), ...(provision ? [ref('provision', 'Provision', provision.summary)] : [])],
      checks: ['Check proxies pass X-MS-PolicyKey unchanged.', 'Check the mailbox\'s mobile device policy.'],
      checklistIds: [CHECKLIST_ID.provisioningPolicy],
    }),
  ];
};

/** OPTIONS worked, a command got 500: the back end that serves the mailbox failed. */
const backEndError: DiagnosisRule = (facts) => {
  const f = commandFailure(facts, 'http.500');
  if (!f) return [];
  const generation = serverGeneration(facts);
  const server = serverRef(facts);
  const evidence = [failureRef(f), ...(httpStatusRef(facts, f) ? [httpStatusRef(facts, f)!] : []), ...optionsWorked(facts)];
  const causes: DiagnosisCause[] = [
    makeCause({
      id: 'command.backEndError',
      title: 'The mailbox back end fails commands while OPTIONS works',
      score: generation === 'exchange2003' ? 55 : 82,
      explanation: 'OPTIONS is answered by the ActiveSync front end alone; a command needs the mailbox. HTTP 500 here means the server that holds (or proxies to) the mailbox failed: a dismounted or damaged database, a failing mailbox server, or a broken hand-off from the front end to the back end.',
      supporting: [...evidence, ...['X-BEServer', 'X-FEServer', 'X-CalculatedBETarget', 'X-DiagInfo'].map((n) => responseHeader(facts, f.stepId, n)).filter((h) => h).map((h) => headerRef(h!))],
      checks: ['Read the application event log (MSExchange ActiveSync) on the server that answered, at the time of the run.', 'Check the mailbox database is mounted and the mailbox opens in OWA.', 'Check the back end named in X-BEServer, if any.'],
      checklistIds: [CHECKLIST_ID.serverError500],
    }),
  ];
  if (generation === 'exchange2003' || facts.context.mailboxServerHint === 'exchange2003') {
    causes.push(
      makeCause({
        id: 'command.exchange2003MailboxAccess',
        title: 'Exchange 2003 back end: /Exchange refuses the ActiveSync hand-off (Integrated Windows authentication)',
        score: 88,
        explanation: 'An Exchange 2003 server reads the mailbox for ActiveSync through its /Exchange virtual directory. OPTIONS works without it, but every command fails with 500 when /Exchange lacks Integrated Windows authentication (set in Exchange System Manager) or the user\'s account lost permission inheritance.',
        supporting: [...evidence, ...(server ? [server] : []), ...(facts.context.mailboxServerHint === 'exchange2003' ? [ref('context', 'Mailbox server (from you)', 'Exchange 2003')] : [])],
        checks: ['In Exchange System Manager, check /Exchange and /Microsoft-Server-ActiveSync both have Integrated Windows authentication.', 'Check the user\'s permission inheritance in Active Directory.'],
        checklistIds: [CHECKLIST_ID.serverError500, CHECKLIST_ID.esm2003Iwa],
      }),
    );
  }
  return causes;
};

/** OPTIONS accepted the credentials, a command got 401: whatever serves commands refuses the hand-off. */
const commandRefused: DiagnosisRule = (facts) => {
  const f = commandFailure(facts, 'http.401');
  if (!f) return [];
  return [
    makeCause({
      id: 'command.backEndRefusesCredentials',
      title: 'Commands are refused although OPTIONS accepted the password',
      score: 80,
      explanation: 'The front end accepted the sign-in for OPTIONS, but the first command got 401. Commands are handed to the server that holds the mailbox; when that back end (an Exchange 2003 server behind a 2007/2010 front end, typically) does not accept the hand-off, devices fail here.',
      supporting: [failureRef(f), ...optionsWorked(facts)],
      checks: ['Check Integrated Windows authentication on the back end\'s Microsoft-Server-ActiveSync and /Exchange directories.', 'Run the test against the back end directly with NTLM.'],
      checklistIds: [CHECKLIST_ID.esm2003Iwa, CHECKLIST_ID.vdirAuthMethods],
    }),
  ];
};

export const commandRules: DiagnosisRule = (facts) => [...simple(facts), ...policyNotAccepted(facts), ...backEndError(facts), ...commandRefused(facts)];
