// Step 6 for every sign-in method: which scheme(s) to try for the chosen method and what the
// server offered, one attempt per scheme (a Basic request, a Bearer request after the OAuth
// sign-in, or an NTLM handshake as NTLM or inside Negotiate), and for "automatic" the fallback
// from Negotiate/NTLM to Basic (or Bearer alone, when that is all the server offers) with every
// attempt kept as a child step. An attempt that reached the password check and failed is
// not repeated with the same protocol under another name: each refusal counts towards the
// account's lockout threshold.
import { offeredSchemes, parseWwwAuthenticate } from '../../protocol/authChallenges';
import type { BearerSignIn } from '../bearerStep';
import type { HttpResult, ProbeHttpConnection } from '../httpConnection';
import { judgeAuthenticated } from '../optionsSteps';
import type { AuthMethod, FailureCategory, ProbeStep, StepEvidence } from '../runModel';
import { headerValues } from '../serverIdentity';
import { StepBuilder } from '../stepBuilder';
import { describeIdentity } from './ntlmUserName';
import { challengeEvidence, windowsAuthHandshake, type WindowsScheme } from './windowsAuthHandshake';

export type AttemptScheme = 'Basic' | 'Bearer' | WindowsScheme;

export interface AuthPlan {
  /** Schemes to try, in order. Empty when the server offers none the method can use. */
  attempts: AttemptScheme[];
  /** What the chosen method needed, for the "not offered" message ("NTLM", "Negotiate, NTLM or Basic"). */
  wanted: string;
  /** A sentence for the step when the plan differs from the obvious (NTLM sent inside Negotiate). */
  note?: string;
}

/**
 * `anonymous` is the anonymous OPTIONS answer: its 401 challenges decide the plan. Without a
 * 401 (anonymous access, 403…) nothing is known, so the method's own scheme is tried.
 */
export function planAuthentication(method: AuthMethod, anonymous: Pick<HttpResult, 'statusCode' | 'headers'>, options: { bearerAvailable?: boolean } = {}): AuthPlan {
  const offered = anonymous.statusCode === 401 ? offeredSchemes(parseWwwAuthenticate(headerValues(anonymous.headers, 'www-authenticate'))) : [];
  const known = offered.length > 0;
  const has = (s: string) => offered.includes(s);
  switch (method) {
    case 'basic':
      return { attempts: !known || has('basic') ? ['Basic'] : [], wanted: 'Basic' };
    case 'ntlm':
      if (!known || has('ntlm')) return { attempts: ['NTLM'], wanted: 'NTLM' };
      if (has('negotiate')) return { attempts: ['Negotiate'], wanted: 'NTLM', note: 'The server offers no separate NTLM, so NTLM is sent inside Negotiate.' };
      return { attempts: [], wanted: 'NTLM' };
    case 'negotiate':
      return { attempts: !known || has('negotiate') ? ['Negotiate'] : [], wanted: 'Negotiate' };
    case 'oauth':
      // A token is sent only where the server asks for one.
      return { attempts: !known || has('bearer') ? ['Bearer'] : [], wanted: 'Bearer' };
    case 'auto':
    default: {
      if (known && options.bearerAvailable && offered.every((s) => s === 'bearer')) {
        return { attempts: ['Bearer'], wanted: 'Negotiate, NTLM, Basic or Bearer', note: 'The server offers only Bearer (OAuth), so the run signs in with OAuth.' };
      }
      if (!known) return { attempts: ['Basic'], wanted: 'Negotiate, NTLM or Basic', note: 'The server named no sign-in method, so Basic is used.' };
      const attempts: AttemptScheme[] = [];
      if (has('negotiate')) attempts.push('Negotiate');
      if (has('ntlm')) attempts.push('NTLM');
      if (has('basic')) attempts.push('Basic');
      return { attempts, wanted: 'Negotiate, NTLM or Basic' };
    }
  }
}

export interface AttemptContext {
  connection: ProbeHttpConnection;
  path: string;
  userName: string;
  password: string;
  domain?: string;
  signal: AbortSignal;
  /** The Basic Authorization value for this run's credentials. */
  basicAuthorization: string;
  /** OAuth: signs in (its child step and the token's claims go into `b`) and gives the Bearer Authorization value. */
  bearerAuthorization?(b: StepBuilder): Promise<BearerSignIn>;
  /** Judges a 451 (following X-MS-Location) for the given scheme; provided by the orchestrator. */
  follow451(b: StepBuilder, first: HttpResult, scheme: AttemptScheme): Promise<ProbeStep>;
}

export interface AttemptOutcome {
  scheme: AttemptScheme;
  step: ProbeStep;
  /** The deciding answer; undefined when the OAuth sign-in failed and nothing was sent. */
  final?: HttpResult;
  /** The server got past authentication (any answer but 401, and no handshake failure). */
  accepted: boolean;
  /** The handshake failed before the password was checked (no challenge, Kerberos only, dropped connection…). */
  handshakeProblem?: FailureCategory;
}

/** One attempt with one scheme, judged into `b`. */
export async function runAttempt(b: StepBuilder, scheme: AttemptScheme, ctx: AttemptContext): Promise<AttemptOutcome> {
  if (scheme === 'Basic' || scheme === 'Bearer') {
    // One header on one request: only where its value comes from differs.
    let authorization = ctx.basicAuthorization;
    let who: string | undefined = ctx.userName;
    if (scheme === 'Bearer') {
      const signIn: BearerSignIn = ctx.bearerAuthorization ? await ctx.bearerAuthorization(b) : { ok: false, message: 'nothing can provide an OAuth token for this run.' };
      if (!signIn.ok) {
        const step = b.finish('failed', `The OAuth sign-in failed, so no token was sent: ${signIn.message}`, { category: 'oauth.signInFailed' });
        return { scheme, step, accepted: false, handshakeProblem: 'oauth.signInFailed' };
      }
      authorization = signIn.authorization;
      who = signIn.account;
    }
    const result = await ctx.connection.send({ method: 'OPTIONS', path: ctx.path, headers: { Authorization: authorization }, label: `${scheme}${who ? ` as ${who}` : ''}` }, ctx.signal);
    const step = result.statusCode === 451 ? await ctx.follow451(b, result, scheme) : judgeAuthenticated(b, result, scheme);
    return { scheme, step, final: result, accepted: isAccepted(result) };
  }
  const hs = await windowsAuthHandshake({ connection: ctx.connection, path: ctx.path, scheme, userName: ctx.userName, password: ctx.password, domain: ctx.domain, signal: ctx.signal });
  for (const leg of hs.legs) b.child(leg);
  for (const earlier of hs.earlier) (b.evidence.http ??= []).push(earlier.exchange);
  if (hs.challenge) b.evidence.ntlmChallenge = challengeEvidence(hs.challenge);
  if (hs.identity) {
    b.evidence.ntlmUser = { ...hs.identity };
    b.detail('NTLM user', describeIdentity(hs.identity));
  }
  if (hs.problem) {
    const step = judgeAuthenticated(b, hs.final, scheme);
    // The handshake's own failure explains more than the bare 401 the judge saw.
    step.status = 'failed';
    step.summary = hs.problem.message;
    step.failure = { category: hs.problem.category, message: hs.problem.message };
    return { scheme, step, final: hs.final, accepted: false, handshakeProblem: hs.problem.category };
  }
  const step = hs.final.statusCode === 451 ? await ctx.follow451(b, hs.final, scheme) : judgeAuthenticated(b, hs.final, scheme);
  if (step.status === 'passed') step.summary = `Signed in with ${scheme}${scheme === 'Negotiate' ? ' (NTLM inside SPNEGO)' : ''}: Integrated Windows authentication works on this directory. ${step.summary}`;
  return { scheme, step, final: hs.final, accepted: isAccepted(hs.final) };
}

function isAccepted(result: HttpResult): boolean {
  return !result.error && result.statusCode !== undefined && result.statusCode !== 401;
}

/**
 * Automatic sign-in: tries the plan's schemes in order until one gets past authentication. Each
 * attempt becomes a child step; the parent takes the deciding attempt's verdict and evidence.
 */
export async function runAutomatic(parent: StepBuilder, plan: AuthPlan, ctx: AttemptContext): Promise<{ step: ProbeStep; decisive: AttemptOutcome }> {
  const outcomes: AttemptOutcome[] = [];
  for (const scheme of plan.attempts) {
    const previous = outcomes[outcomes.length - 1];
    // Negotiate carried NTLM: if it reached the password check, NTLM would get the same verdict.
    if (scheme === 'NTLM' && previous?.scheme === 'Negotiate' && !previous.handshakeProblem && !previous.accepted) continue;
    const child = new StepBuilder(`optionsAuthenticated.attempt.${scheme.toLowerCase()}`, `Try ${scheme}`);
    const outcome = await runAttempt(child, scheme, ctx);
    outcomes.push(outcome);
    if (outcome.accepted || (outcome.final?.error && !outcome.handshakeProblem)) break;
  }
  const decisive = outcomes[outcomes.length - 1];
  for (const o of outcomes) parent.child(o.step);
  const attempts: NonNullable<StepEvidence['authAttempts']> = outcomes.map((o) => ({
    scheme: o.scheme,
    statusCode: o.final?.statusCode,
    ok: o.accepted,
    error: o.handshakeProblem ? o.step.summary : o.final?.error?.message,
  }));
  // The parent's evidence is the deciding attempt's (the diagnosis reads the parent).
  for (const [k, v] of Object.entries(decisive.step.evidence)) (parent.evidence as Record<string, unknown>)[k] = v;
  const challenge = outcomes.find((o) => o.step.evidence.ntlmChallenge)?.step.evidence.ntlmChallenge;
  if (challenge && !parent.evidence.ntlmChallenge) parent.evidence.ntlmChallenge = challenge;
  parent.evidence.authAttempts = attempts;
  for (const d of decisive.step.details) parent.details.push(d);
  parent.detail('Methods tried', attempts.map((a) => `${a.scheme} → ${a.ok ? 'accepted' : a.statusCode ? `HTTP ${a.statusCode}` : 'failed'}`).join(', '));

  const refusedWindows = outcomes.filter((o) => (o.scheme === 'NTLM' || o.scheme === 'Negotiate') && !o.accepted);
  if (decisive.scheme === 'Basic' && decisive.accepted && refusedWindows.length > 0 && decisive.step.status === 'passed') {
    const how = refusedWindows.map((o) => o.scheme).join(' and ');
    const message = `${how} ${refusedWindows.length > 1 ? 'were' : 'was'} refused but Basic worked with the same credentials: Integrated Windows authentication is not working on this ActiveSync directory (${refusedWindows[refusedWindows.length - 1].step.summary}) ${decisive.step.summary}`;
    return { step: parent.finish('warning', message, { category: 'auth.windowsRefused' }), decisive };
  }
  const prefix = outcomes.length > 1 ? `After ${outcomes.slice(0, -1).map((o) => `${o.scheme} (${o.accepted ? 'accepted' : 'refused'})`).join(', ')}, ${decisive.scheme}: ` : '';
  return {
    step: parent.finish(decisive.step.status, `${prefix}${decisive.step.summary}`, decisive.step.failure ? { category: decisive.step.failure.category, message: decisive.step.failure.message } : undefined),
    decisive,
  };
}
