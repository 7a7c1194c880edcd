// Builds synthetic ProbeRun objects for diagnosis and report tests: a run that passes every step
// except the ones a test changes, shaped exactly like the probe's runModel.
import { RUN_SCHEMA_VERSION, runOutcome, type AuthChallenge, type FailureCategory, type ProbeRun, type ProbeStep, type StepEvidence, type StepStatus } from '../../../src/probe/runModel';

export const STEP_ORDER = ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck'] as const;
export type BuilderStepId = (typeof STEP_ORDER)[number];

export interface StepChange {
  status: StepStatus;
  category?: FailureCategory;
  message?: string;
  summary?: string;
  evidence?: StepEvidence;
  details?: Array<{ label: string; value: string }>;
  children?: ProbeStep[];
}

export interface RunSpec {
  host?: string;
  userName?: string;
  url?: string;
  crossCheck?: boolean;
  auth?: ProbeRun['settings']['auth'];
  /** Changes per step; steps after the first failed one are skipped unless given. */
  steps?: Partial<Record<BuilderStepId, StepChange>>;
  cancelled?: boolean;
}

export function makeStep(id: string, change: StepChange, title = `Step ${id}`): ProbeStep {
  const step: ProbeStep = {
    id,
    title,
    status: change.status,
    summary: change.summary ?? `${id} ${change.status}`,
    startedAt: '2024-05-01T10:00:00.000Z',
    durationMs: 12,
    details: change.details ?? [],
    evidence: change.evidence ?? {},
    children: change.children ?? [],
  };
  if (change.category) step.failure = { category: change.category, message: change.message ?? `${change.category} happened` };
  return step;
}

export function buildRun(spec: RunSpec = {}): ProbeRun {
  const host = spec.host ?? 'mail.contoso.com';
  const url = spec.url ?? `https://${host}/Microsoft-Server-ActiveSync`;
  const steps: ProbeStep[] = [];
  let failed = false;
  for (const id of STEP_ORDER) {
    const change = spec.steps?.[id];
    if (change) {
      steps.push(makeStep(id, change));
      if (change.status === 'failed') failed = true;
    } else {
      steps.push(makeStep(id, { status: failed ? 'skipped' : 'passed' }));
    }
  }
  const run: ProbeRun = {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: 'run-test-1',
    engineVersion: '0.0.0-test',
    target: { input: host, url, host, port: 443 },
    settings: { auth: spec.auth ?? 'basic', crossCheck: spec.crossCheck ?? true, ignoreTrust: false, allowHttp: false, timeoutMs: 30000 },
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:00:01.000Z',
    durationMs: 1000,
    outcome: 'passed',
    steps,
  };
  if (spec.userName !== undefined) run.userName = spec.userName;
  run.outcome = runOutcome(steps, spec.cancelled ?? false);
  return run;
}

export function challenge(scheme: string, params: Record<string, string> = {}): AuthChallenge {
  return { scheme, params };
}

export function response(statusCode: number, headers: Array<[string, string]>, bodySnippet = ''): NonNullable<StepEvidence['http']>[number] {
  return {
    method: 'OPTIONS',
    url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    requestHeaders: [['User-Agent', 'ActiveSyncDoctor']],
    response: { statusCode, statusText: statusText(statusCode), headers, bodyBytes: bodySnippet.length, bodySnippet, bodyTruncated: false },
  };
}

function statusText(code: number): string {
  return ({ 200: 'OK', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 451: 'Redirect', 457: 'Password Expired', 500: 'Internal Server Error', 503: 'Service Unavailable' } as Record<number, string>)[code] ?? 'Status';
}

/** A failed run whose authenticated OPTIONS answered 401 with these challenges and headers. */
export function unauthorizedRun(options: {
  userName?: string;
  host?: string;
  challenges?: AuthChallenge[];
  headers?: Array<[string, string]>;
  crossCheck?: Array<{ endpoint: 'ews' | 'autodiscover'; accepted: boolean; statusCode?: number }>;
  crossCheckEnabled?: boolean;
  authScheme?: string;
  /** MS-Server-ActiveSync value the answers carry (the run's identification is worked out from the headers). */
  build?: string;
  category?: FailureCategory;
} = {}): ProbeRun {
  const challenges = options.challenges ?? [challenge('Negotiate'), challenge('NTLM'), challenge('Basic', { realm: 'mail.contoso.com' })];
  const headers: Array<[string, string]> = [...(options.headers ?? [['Server', 'Microsoft-IIS/7.5'], ['WWW-Authenticate', 'Basic realm="mail.contoso.com"']]), ...(options.build ? ([['MS-Server-ActiveSync', options.build]] as Array<[string, string]>) : [])];
  const steps: RunSpec['steps'] = {
    optionsAnonymous: { status: 'passed', evidence: { challenges, http: [response(401, headers)] } },
    optionsAuthenticated: {
      status: 'failed',
      category: options.category ?? 'http.401',
      message: 'The server answered 401 Unauthorized to OPTIONS with credentials',
      summary: 'OPTIONS with credentials: HTTP 401 Unauthorized',
      evidence: { challenges, authScheme: options.authScheme ?? 'Basic', http: [response(401, headers)] },
    },
  };
  if (options.crossCheck) {
    const host = options.host ?? 'mail.contoso.com';
    const anyAccepted = options.crossCheck.some((c) => c.accepted);
    steps.crossCheck = {
      status: 'warning',
      category: anyAccepted ? 'crossCheck.accepted' : 'crossCheck.rejected',
      evidence: {
        crossCheck: options.crossCheck.map((c) => ({
          endpoint: c.endpoint,
          url: `https://${host}/${c.endpoint === 'ews' ? 'EWS/Exchange.asmx' : 'Autodiscover/Autodiscover.xml'}`,
          statusCode: c.statusCode ?? (c.accepted ? 200 : 401),
          accepted: c.accepted,
        })),
      },
    };
  }
  return buildRun({ host: options.host, userName: options.userName ?? 'CONTOSO\\alice', crossCheck: options.crossCheckEnabled ?? true, steps });
}

/** A run that passes up to `stepId`, fails there with `category`, and skips the rest. */
export function failingAt(stepId: BuilderStepId, category: FailureCategory, evidence: StepEvidence = {}, extra: Partial<RunSpec> = {}): ProbeRun {
  return buildRun({ userName: 'alice@contoso.com', ...extra, steps: { ...(extra.steps ?? {}), [stepId]: { status: 'failed', category, evidence } } });
}

/** A run that passes everything but warns at `stepId` with `category`. */
export function warningAt(stepId: BuilderStepId, category: FailureCategory, evidence: StepEvidence = {}, extra: Partial<RunSpec> = {}): ProbeRun {
  return buildRun({ userName: 'alice@contoso.com', ...extra, steps: { ...(extra.steps ?? {}), [stepId]: { status: 'warning', category, evidence } } });
}
