// Reads a ProbeRun once, defensively, into the facts the rules reason about. Any field may be
// missing (an older run, a step that failed early), so every accessor copes with absence and
// every fact remembers the step it came from, for the evidence the admin sees.
import type {
  AuthChallenge,
  CertificateInfo,
  HttpExchange,
  FailureCategory,
  ProbeRun,
  ProbeStep,
  ServerIdentity,
  StepEvidence,
  StepStatus,
} from '../probe/runModel';
import { runServerIdentity } from '../probe/serverIdentification';
import type { DiagnosisContext, EvidenceRef } from './diagnosisModel';

/** A failure or warning found anywhere in the step tree. */
export interface LocatedFailure {
  stepId: string;
  status: StepStatus;
  category: FailureCategory;
  message: string;
}

export interface LocatedHeader {
  stepId: string;
  name: string;
  value: string;
}

export interface LocatedValue<T> {
  stepId: string;
  value: T;
}

export interface CrossCheckResult {
  stepId: string;
  endpoint: 'ews' | 'autodiscover';
  url: string;
  statusCode?: number;
  accepted: boolean;
  error?: string;
}

export type UserNameForm = 'upn' | 'downLevel' | 'bare' | 'none';

export interface RunFacts {
  run: ProbeRun;
  context: DiagnosisContext;
  /** Every step, depth first, parents before children. */
  allSteps: ProbeStep[];
  /** The first failed top-level step. */
  failedStep?: ProbeStep;
  /** Failures and warnings of the whole tree, in tree order. */
  failures: LocatedFailure[];
  /** The category that decided the run: the failed step's own, or else its first failed descendant's. */
  primaryCategory?: FailureCategory;
  /** Challenges from the authenticated OPTIONS if it has any, else from the anonymous one. */
  challenges: LocatedValue<AuthChallenge[]> | undefined;
  /** Offered schemes, lower case, de-duplicated. */
  offeredSchemes: string[];
  /** Scheme the authenticated request used ("basic", "ntlm"…), lower case. */
  usedScheme?: LocatedValue<string>;
  server?: LocatedValue<ServerIdentity>;
  /** Every response header and kept diagnostic header, in tree order. */
  headers: LocatedHeader[];
  crossCheck: CrossCheckResult[];
  userName?: string;
  userNameForm: UserNameForm;
  host: string;
  certificate?: LocatedValue<CertificateInfo>;
  protocolVersions?: LocatedValue<string[]>;
  protocolCommands?: LocatedValue<string[]>;
  tlsErrorCode?: LocatedValue<string>;
  redirectLocation?: LocatedValue<string>;
  retryAfter?: LocatedValue<string>;
  credentialServiceUrl?: LocatedValue<string>;
  /** The server's decoded NTLM challenge, when an NTLM or Negotiate handshake got one. */
  ntlmChallenge?: LocatedValue<NonNullable<StepEvidence['ntlmChallenge']>>;
  /** The NTLM user and domain the run signed in with. */
  ntlmUser?: LocatedValue<NonNullable<StepEvidence['ntlmUser']>>;
  /** Automatic sign-in: the methods tried, in order. */
  authAttempts?: LocatedValue<NonNullable<StepEvidence['authAttempts']>>;
  /** OAuth: the token's claims, the sign-in, and Exchange's x-ms-diagnostics on a refusal. */
  oauthToken?: LocatedValue<NonNullable<StepEvidence['oauthToken']>>;
  oauthSignIn?: LocatedValue<NonNullable<StepEvidence['oauthSignIn']>>;
  msDiagnostics?: LocatedValue<NonNullable<StepEvidence['msDiagnostics']>>;
}

export function readRunFacts(run: ProbeRun, context: DiagnosisContext = {}): RunFacts {
  const topSteps = Array.isArray(run?.steps) ? run.steps : [];
  const allSteps = flatten(topSteps);
  const failedStep = topSteps.find((s) => s?.status === 'failed');
  // Autodiscover's attempts are judged by its own step: a candidate that refused the connection
  // is not the ActiveSync server refusing it, and their answers' headers are not that server's.
  const activeSyncSteps = flatten(topSteps.map((s) => (s?.id === 'autodiscover' ? { ...s, children: [] } : s)));
  const failures: LocatedFailure[] = [];
  for (const s of activeSyncSteps) {
    if (s.failure?.category && (s.status === 'failed' || s.status === 'warning')) {
      failures.push({ stepId: String(s.id), status: s.status, category: s.failure.category, message: s.failure.message ?? '' });
    }
  }
  const primaryCategory = failedStep ? (failedStep.failure?.category ?? flatten(failedStep.children ?? []).find((c) => c.status === 'failed' && c.failure)?.failure?.category) : undefined;

  const challenges =
    firstEvidence(allSteps, (e) => (e.challenges && e.challenges.length > 0 ? e.challenges : undefined), ['optionsAuthenticated', 'optionsAnonymous']) ??
    undefined;
  const offeredSchemes = unique((challenges?.value ?? []).map((c) => String(c.scheme ?? '').trim().toLowerCase()).filter(Boolean));
  const usedSchemeRaw = firstEvidence(allSteps, (e) => e.authScheme || undefined, ['optionsAuthenticated']);
  const usedScheme = usedSchemeRaw ? { stepId: usedSchemeRaw.stepId, value: usedSchemeRaw.value.toLowerCase() } : undefined;

  const headers: LocatedHeader[] = [];
  for (const s of activeSyncSteps) {
    for (const ex of s.evidence?.http ?? []) {
      for (const h of ex?.response?.headers ?? []) {
        if (Array.isArray(h) && h.length >= 2) headers.push({ stepId: String(s.id), name: String(h[0]), value: String(h[1]) });
      }
    }
    for (const h of s.evidence?.diagnosticHeaders ?? []) {
      if (Array.isArray(h) && h.length >= 2) headers.push({ stepId: String(s.id), name: String(h[0]), value: String(h[1]) });
    }
  }

  const crossCheck: CrossCheckResult[] = [];
  for (const s of allSteps) {
    for (const c of s.evidence?.crossCheck ?? []) {
      if (c && typeof c.accepted === 'boolean') crossCheck.push({ stepId: String(s.id), ...c });
    }
  }

  const userName = typeof run?.userName === 'string' && run.userName.length > 0 ? run.userName : undefined;
  const recordedForm = firstEvidence(allSteps, (e) => e.userNameForm, ['input']);
  const userNameForm: UserNameForm = recordedForm?.value ?? classifyUserName(userName);

  const pick = <T>(get: (e: StepEvidence) => T | undefined, prefer: string[] = []) => firstEvidence(allSteps, get, prefer);

  return {
    run,
    context: context ?? {},
    allSteps,
    failedStep,
    failures,
    primaryCategory,
    challenges,
    offeredSchemes,
    usedScheme,
    server: locatedServer(run),
    oauthToken: pick((e) => (e.oauthToken && typeof e.oauthToken === 'object' ? e.oauthToken : undefined), ['optionsAuthenticated']),
    oauthSignIn: pick((e) => (e.oauthSignIn && typeof e.oauthSignIn === 'object' ? e.oauthSignIn : undefined), ['optionsAuthenticated']),
    msDiagnostics: pick((e) => (e.msDiagnostics && typeof e.msDiagnostics.code === 'string' ? e.msDiagnostics : undefined), ['optionsAuthenticated']),
    headers,
    crossCheck,
    userName,
    userNameForm,
    host: String(run?.target?.host ?? '').toLowerCase(),
    certificate: pick((e) => e.certificate, ['tls']),
    protocolVersions: pick((e) => (e.protocolVersions && e.protocolVersions.length > 0 ? e.protocolVersions : undefined), ['optionsAuthenticated', 'optionsAnonymous']),
    protocolCommands: pick((e) => (e.protocolCommands && e.protocolCommands.length > 0 ? e.protocolCommands : undefined), ['optionsAuthenticated', 'optionsAnonymous']),
    tlsErrorCode: pick((e) => e.tlsErrorCode || undefined, ['tls']),
    redirectLocation: pick((e) => e.redirectLocation || undefined),
    retryAfter: pick((e) => e.retryAfter || undefined),
    credentialServiceUrl: pick((e) => e.credentialServiceUrl || undefined),
    ntlmChallenge: pick((e) => e.ntlmChallenge, ['optionsAuthenticated']),
    ntlmUser: pick((e) => e.ntlmUser, ['optionsAuthenticated']),
    authAttempts: pick((e) => (Array.isArray(e.authAttempts) && e.authAttempts.length > 0 ? e.authAttempts : undefined), ['optionsAuthenticated']),
  };
}

/** The run's one server identification, located at the step of the clue that decided it. */
function locatedServer(run: ProbeRun): LocatedValue<ServerIdentity> | undefined {
  const identity = runServerIdentity(run);
  if (!identity) return undefined;
  const decisive = identity.clues?.find((c) => c.source === identity.source) ?? identity.clues?.[0];
  return { stepId: decisive?.stepId ?? 'run', value: identity };
}

/** UPN (user@domain), down-level (DOMAIN\user), a bare name, or nothing. */
export function classifyUserName(userName: string | undefined): UserNameForm {
  if (!userName) return 'none';
  if (userName.includes('\\')) return 'downLevel';
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(userName)) return 'upn';
  return 'bare';
}

/** The first response header of that name (case-insensitive), searched in tree order. */
export function findHeader(facts: RunFacts, name: string): LocatedHeader | undefined {
  const lower = name.toLowerCase();
  return facts.headers.find((h) => h.name.toLowerCase() === lower);
}

/**
 * The failure of one of these categories, a failed step's before a warning's: the same problem can
 * warn on the anonymous OPTIONS and then fail the signed-in one, and the failure is what stopped the
 * run (a cause must not take the warning's lower weight, or a side warning would outrank it).
 */
export function hasFailure(facts: RunFacts, ...categories: FailureCategory[]): LocatedFailure | undefined {
  const matching = facts.failures.filter((f) => categories.includes(f.category));
  return matching.find((f) => f.status === 'failed') ?? matching[0];
}

export function stepById(facts: RunFacts, id: string): ProbeStep | undefined {
  return facts.allSteps.find((s) => s.id === id);
}

export function ref(stepId: string, label: string, value: string | number | undefined): EvidenceRef {
  return { stepId, label, value: value === undefined ? '' : String(value) };
}

export function failureRef(f: LocatedFailure): EvidenceRef {
  return ref(f.stepId, `Failure (${f.category})`, f.message);
}

export function headerRef(h: LocatedHeader): EvidenceRef {
  return ref(h.stepId, h.name, h.value);
}

/** Evidence lines describing what the server offered, e.g. "WWW-Authenticate: Basic realm=…". */
export function challengeRefs(facts: RunFacts): EvidenceRef[] {
  const c = facts.challenges;
  if (!c) return [];
  return c.value.map((ch) => ref(c.stepId, 'WWW-Authenticate', describeChallenge(ch)));
}

export function describeChallenge(ch: AuthChallenge): string {
  const params = Object.entries(ch.params ?? {}).map(([k, v]) => `${k}="${v}"`);
  return [ch.scheme, params.join(', ')].filter(Boolean).join(' ');
}

function firstEvidence<T>(steps: ProbeStep[], get: (e: StepEvidence) => T | undefined, prefer: string[] = []): LocatedValue<T> | undefined {
  const ordered = [...prefer.flatMap((id) => steps.filter((s) => s.id === id)), ...steps.filter((s) => !prefer.includes(String(s.id)))];
  for (const s of ordered) {
    const v = s.evidence ? get(s.evidence) : undefined;
    if (v !== undefined && v !== null) return { stepId: String(s.id), value: v };
  }
  return undefined;
}

function flatten(steps: ProbeStep[]): ProbeStep[] {
  const out: ProbeStep[] = [];
  const visit = (list: ProbeStep[] | undefined) => {
    for (const s of list ?? []) {
      if (!s) continue;
      out.push(s);
      visit(s.children);
    }
  };
  visit(steps);
  return out;
}

function unique<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}

/** The last HTTP exchange that got a response, in the given step or its children. */
export function lastResponse(facts: RunFacts, stepId: string): { stepId: string; exchange: HttpExchange } | undefined {
  const root = facts.allSteps.find((s) => s.id === stepId);
  if (!root) return undefined;
  const steps = flatten([root]);
  for (let i = steps.length - 1; i >= 0; i--) {
    const list = steps[i].evidence?.http ?? [];
    for (let j = list.length - 1; j >= 0; j--) {
      if (list[j]?.response) return { stepId: String(steps[i].id), exchange: list[j] };
    }
  }
  return undefined;
}

/** The header on the response of one step (case-insensitive). */
export function responseHeader(facts: RunFacts, stepId: string, name: string): LocatedHeader | undefined {
  const lower = name.toLowerCase();
  return facts.headers.find((h) => h.stepId === stepId && h.name.toLowerCase() === lower) ?? findHeader(facts, name);
}
