// The requests of Autodiscover, each one child step of the autodiscover step with its own time:
// the mobilesync POST ([MS-ASCMD] §2.2.1.1), the unauthenticated GET on http://autodiscover.<domain>
// that may only redirect ([MS-OXDISCO] §3.1.5.4), the DNS SRV look-up (§3.1.5.3) and Exchange
// Online's JSON endpoint. Each says what it learned as an AttemptOutcome; the step decides what
// comes next. The answers are read by protocol/autodiscoverPox.ts (fast-xml-parser).
import { Resolver } from 'node:dns/promises';
import { mobileSyncRequest, parseAutodiscoverV2, parseMobileSyncAnswer } from '../../protocol/autodiscoverPox';
import { withAbort } from '../abortable';
import type { HttpResult } from '../httpConnection';
import type { AutodiscoverAttemptEvidence, ProbeStep, StepStatus } from '../runModel';
import { describeChallenges, parseWwwAuthenticate } from '../../protocol/authChallenges';
import { headerValue, headerValues } from '../serverIdentity';
import { StepBuilder } from '../stepBuilder';
import { chooseSrvTarget, type AutodiscoverDiscovery, type SrvAnswer } from '../../protocol/autodiscoverPlaces';
import { describeSource, originOf } from './autodiscoverCandidates';
import { openAutodiscoverConnection, type AutodiscoverNetwork } from './autodiscoverConnection';

export type AttemptSource = AutodiscoverAttemptEvidence['source'];

export type AttemptOutcome =
  | { kind: 'settings'; url: string }
  | { kind: 'redirectAddress'; emailAddress: string }
  | { kind: 'redirectUrl'; location: string }
  | { kind: 'error'; code?: string; status?: string; message?: string }
  /** `schemes`: what the 401 offered (Negotiate, NTLM, Basic…), in its order. */
  | { kind: 'unauthorized'; credentialsSent: boolean; schemes: string[] }
  | { kind: 'failed'; outcome: 'invalid' | 'notAutodiscover' | 'unreachable' | 'certificate' | 'notFollowed'; message: string };

export interface AttemptResult {
  step: ProbeStep;
  record: AutodiscoverAttemptEvidence;
  outcome: AttemptOutcome;
}

export interface AttemptContext extends AutodiscoverNetwork {
  /** The Basic Authorization value, when the run has a user name. */
  authorization?: string;
  /** Origins the user named (see userNamedOrigins): the only ones that may get the credentials. */
  userNamed: ReadonlySet<string>;
  discovery?: AutodiscoverDiscovery;
}

/** The longest answer read: the evidence keeps 4 KB, and a real mobilesync answer is a few hundred bytes. */
const READ_LIMIT = 4096;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function finishAttempt(b: StepBuilder, status: StepStatus, summary: string, record: Omit<AutodiscoverAttemptEvidence, 'durationMs'>, outcome: AttemptOutcome): AttemptResult {
  const step = b.finish(status, summary);
  return { step, record: { ...record, durationMs: step.durationMs }, outcome };
}

function location(result: HttpResult, base: string): string | undefined {
  const value = headerValue(result.headers, 'location');
  if (!value) return undefined;
  try {
    return new URL(value, base).href;
  } catch {
    return undefined;
  }
}

/**
 * Whether a 401 offers a way phones sign in to Autodiscover: Basic, or OAuth (Bearer) with modern
 * authentication. A 401 naming no method at all (a proxy's own page) says nothing either way, so
 * it counts as offering one.
 */
export function deviceSignInOffered(schemes: readonly string[]): boolean {
  return schemes.length === 0 || offersScheme(schemes, 'basic') || offersScheme(schemes, 'bearer');
}

/** Whether a 401's WWW-Authenticate schemes include `scheme` (given in lower case). */
export function offersScheme(schemes: readonly string[], scheme: string): boolean {
  return schemes.some((s) => s.toLowerCase() === scheme);
}

/** POST the mobilesync request to `url` for `emailAddress`. */
export async function postMobileSync(n: number, url: string, source: AttemptSource, emailAddress: string, ctx: AttemptContext): Promise<AttemptResult> {
  const b = new StepBuilder(`autodiscover.${n}`, `POST ${url} (${describeSource(source)})`);
  const base = { method: 'POST' as const, url, source, emailAddress };
  const target = new URL(url);
  const named = ctx.userNamed.has(originOf(url));
  b.detail('E-mail address asked for', emailAddress);
  const opened = await openAutodiscoverConnection(b, target, named && Boolean(ctx.authorization), ctx);
  if (!opened.ok) {
    const outcome = opened.category.startsWith('tls.') ? 'certificate' : 'unreachable';
    return finishAttempt(b, 'failed', opened.message, { ...base, outcome, credentialsSent: false }, { kind: 'failed', outcome, message: opened.message });
  }
  const withCredentials = opened.mayCarryCredentials && Boolean(ctx.authorization);
  const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8' };
  if (withCredentials) headers.Authorization = ctx.authorization as string;
  b.detail(
    'Credentials',
    withCredentials
      ? `sent: ${target.host} ${source === 'given' ? 'is the Autodiscover URL you gave' : 'comes from the e-mail address you typed'}, over a connection whose certificate passed the checks${opened.trustIgnored ? ' (trust ignored for this certificate only)' : ''}`
      : !ctx.authorization
        ? 'none: no user name given'
        : `not sent: ${target.host} was named by ${describeSource(source)}, not by you (test it with the credentials: --autodiscover-url ${url})`,
  );
  const result = await withAbort(opened.connection.send({ method: 'POST', path: `${target.pathname}${target.search}`, headers, body: mobileSyncRequest(emailAddress), label: `Autodiscover for ${emailAddress}` }, ctx.signal), ctx.signal);
  (b.evidence.http ??= []).push(result.exchange);
  const record = { ...base, statusCode: result.statusCode, credentialsSent: withCredentials && !result.error?.refusal };
  b.detail('HTTP status', result.statusCode).detail('Content-Type', headerValue(result.headers, 'content-type'));
  if (result.error) {
    const outcome = result.error.refusal ? 'certificate' : 'unreachable';
    return finishAttempt(b, 'failed', result.error.message, { ...record, outcome }, { kind: 'failed', outcome, message: result.error.message });
  }
  const status = result.statusCode as number;
  if (REDIRECT_STATUSES.has(status)) {
    const next = location(result, url);
    if (!next) return finishAttempt(b, 'failed', `HTTP ${status} without a usable Location.`, { ...record, outcome: 'notAutodiscover' }, { kind: 'failed', outcome: 'notAutodiscover', message: `HTTP ${status} without a usable Location.` });
    b.detail('Redirects to', next);
    if (!next.startsWith('https://')) {
      // Never to http: the next request would go in clear text, and the credentials must never.
      const summary = `Redirected (HTTP ${status}) to ${next}: not followed, Autodiscover is only followed to https.`;
      return finishAttempt(b, 'failed', summary, { ...record, outcome: 'notFollowed' }, { kind: 'failed', outcome: 'notFollowed', message: summary });
    }
    return finishAttempt(b, 'passed', `Redirected (HTTP ${status}) to ${next}.`, { ...record, outcome: 'redirectUrl' }, { kind: 'redirectUrl', location: next });
  }
  if (status === 401) {
    const challenges = parseWwwAuthenticate(headerValues(result.headers, 'www-authenticate'));
    const schemes = [...new Map(challenges.map((c) => [c.scheme.toLowerCase(), c.scheme])).values()];
    b.detail('Authentication offered', describeChallenges(challenges));
    const summary = !deviceSignInOffered(schemes)
      ? `Autodiscover answered 401 offering ${schemes.join(' and ')}, neither Basic nor OAuth, the methods devices sign in to Autodiscover with${withCredentials ? ': the Basic credentials sent were not even checked' : ''}.`
      : withCredentials
        ? `Autodiscover refused the credentials (HTTP 401). This is Autodiscover's sign-in, not ActiveSync's.`
        : `Autodiscover answered 401 to the request without credentials: the service is there and wants a sign-in.`;
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'unauthorized', offeredSchemes: schemes }, { kind: 'unauthorized', credentialsSent: withCredentials, schemes });
  }
  if (status !== 200) {
    const summary = `HTTP ${status} ${result.exchange.response?.statusText ?? ''}`.trim() + ': no Autodiscover service answers here.';
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'notAutodiscover' }, { kind: 'failed', outcome: 'notAutodiscover', message: summary });
  }
  const response = result.exchange.response;
  if (!response || response.bodyBytes > READ_LIMIT || response.bodyTruncated) {
    const summary = `The answer is ${response?.bodyBytes ?? 0} bytes long; an Autodiscover answer is a few hundred.`;
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'invalid' }, { kind: 'failed', outcome: 'invalid', message: summary });
  }
  const answer = parseMobileSyncAnswer(response.bodySnippet);
  switch (answer.kind) {
    case 'settings':
      b.detail('ActiveSync URL', answer.url).detail('Display name', answer.displayName).detail('Address in the answer', answer.emailAddress);
      return finishAttempt(b, 'passed', `Autodiscover hands devices ${answer.url}.`, { ...record, outcome: 'settings' }, { kind: 'settings', url: answer.url });
    case 'redirect':
      b.detail('Redirect to the address', answer.emailAddress);
      return finishAttempt(b, 'passed', `Autodiscover redirects to the address ${answer.emailAddress}.`, { ...record, outcome: 'redirectAddress' }, { kind: 'redirectAddress', emailAddress: answer.emailAddress });
    case 'error': {
      const said = [answer.code ? `error ${answer.code}` : answer.status ? `status ${answer.status}` : 'an error', answer.message ? `"${answer.message}"` : ''].filter(Boolean).join(' ');
      b.detail('Error code', answer.code).detail('Status', answer.status).detail('Message', answer.message).detail('Debug data', answer.debugData);
      return finishAttempt(b, 'failed', `Autodiscover answered with ${said}.`, { ...record, outcome: 'error' }, { kind: 'error', code: answer.code, status: answer.status, message: answer.message });
    }
    default:
      return finishAttempt(b, 'failed', answer.reason, { ...record, outcome: 'invalid' }, { kind: 'failed', outcome: 'invalid', message: answer.reason });
  }
}

/** GET http://autodiscover.<domain>/…: only its redirect to https counts, and nothing is ever sent with it. */
export async function getHttpRedirect(n: number, url: string, emailAddress: string, ctx: AttemptContext): Promise<AttemptResult> {
  const b = new StepBuilder(`autodiscover.${n}`, `GET ${url} (the http redirect, without credentials)`);
  const base = { method: 'GET' as const, url, source: 'httpRedirect' as const, emailAddress, credentialsSent: false };
  const target = new URL(url);
  const opened = await openAutodiscoverConnection(b, target, false, ctx);
  if (!opened.ok) return finishAttempt(b, 'failed', opened.message, { ...base, outcome: 'unreachable' }, { kind: 'failed', outcome: 'unreachable', message: opened.message });
  const result = await withAbort(opened.connection.send({ method: 'GET', path: `${target.pathname}${target.search}`, headers: {}, label: 'Autodiscover http redirect' }, ctx.signal), ctx.signal);
  (b.evidence.http ??= []).push(result.exchange);
  const record = { ...base, statusCode: result.statusCode };
  b.detail('HTTP status', result.statusCode);
  if (result.error) return finishAttempt(b, 'failed', result.error.message, { ...record, outcome: 'unreachable' }, { kind: 'failed', outcome: 'unreachable', message: result.error.message });
  const next = REDIRECT_STATUSES.has(result.statusCode as number) ? location(result, url) : undefined;
  if (!next) {
    const summary = `HTTP ${result.statusCode}: no redirect to an Autodiscover server.`;
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'notAutodiscover' }, { kind: 'failed', outcome: 'notAutodiscover', message: summary });
  }
  b.detail('Redirects to', next);
  if (!next.startsWith('https://')) {
    const summary = `Redirects to ${next}: not followed, Autodiscover is only followed to https.`;
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'notFollowed' }, { kind: 'failed', outcome: 'notFollowed', message: summary });
  }
  return finishAttempt(b, 'passed', `Redirects to ${next}.`, { ...record, outcome: 'redirectUrl' }, { kind: 'redirectUrl', location: next });
}

/** The SRV record _autodiscover._tcp.<domain>: the https URL it names. */
export async function lookUpSrv(n: number, name: string, emailAddress: string, ctx: AttemptContext): Promise<AttemptResult> {
  const b = new StepBuilder(`autodiscover.${n}`, `Look up the DNS SRV record ${name}`);
  const base = { method: 'SRV' as const, url: name, source: 'srv' as const, emailAddress, credentialsSent: false };
  let records: SrvAnswer[] = [];
  let problem: string | undefined;
  try {
    if (ctx.discovery?.resolveSrv) records = await withAbort(ctx.discovery.resolveSrv(name), ctx.signal);
    else {
      const resolver = new Resolver({ timeout: Math.max(1, Math.min(ctx.timeouts.dnsMs, 5000)), tries: 1 });
      records = await withAbort(resolver.resolveSrv(name), ctx.signal, () => resolver.cancel());
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'RunAbortedError') throw error;
    problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  b.detail('Records', records.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`).join('; ') || 'none');
  const url = chooseSrvTarget(records);
  if (!url) {
    const summary = `No usable SRV record ${name}${problem ? ` (${problem})` : ''}.`;
    return finishAttempt(b, 'failed', summary, { ...base, outcome: 'unreachable' }, { kind: 'failed', outcome: 'unreachable', message: summary });
  }
  return finishAttempt(b, 'passed', `The SRV record names ${url}.`, { ...base, outcome: 'redirectUrl' }, { kind: 'redirectUrl', location: url });
}

/** Exchange Online's JSON Autodiscover: anonymous GET, `{ Protocol, Url }`. */
export async function getExchangeOnlineJson(n: number, url: string, emailAddress: string, ctx: AttemptContext): Promise<AttemptResult> {
  const b = new StepBuilder(`autodiscover.${n}`, `GET ${url} (Exchange Online, without credentials)`);
  const base = { method: 'GET' as const, url, source: 'exchangeOnline' as const, emailAddress, credentialsSent: false };
  const target = new URL(url);
  const opened = await openAutodiscoverConnection(b, target, false, ctx);
  if (!opened.ok) {
    const outcome = opened.category.startsWith('tls.') ? 'certificate' : 'unreachable';
    return finishAttempt(b, 'failed', opened.message, { ...base, outcome }, { kind: 'failed', outcome, message: opened.message });
  }
  const result = await withAbort(opened.connection.send({ method: 'GET', path: `${target.pathname}${target.search}`, headers: { Accept: 'application/json' }, label: 'Autodiscover (JSON)' }, ctx.signal), ctx.signal);
  (b.evidence.http ??= []).push(result.exchange);
  const record = { ...base, statusCode: result.statusCode };
  b.detail('HTTP status', result.statusCode);
  if (result.error) return finishAttempt(b, 'failed', result.error.message, { ...record, outcome: 'unreachable' }, { kind: 'failed', outcome: 'unreachable', message: result.error.message });
  if (result.statusCode !== 200) {
    const summary = `HTTP ${result.statusCode}: no ActiveSync answer from Exchange Online's Autodiscover.`;
    return finishAttempt(b, 'failed', summary, { ...record, outcome: 'notAutodiscover' }, { kind: 'failed', outcome: 'notAutodiscover', message: summary });
  }
  const answer = parseAutodiscoverV2(result.exchange.response?.bodySnippet ?? '');
  if (answer.kind === 'invalid') return finishAttempt(b, 'failed', answer.reason, { ...record, outcome: 'invalid' }, { kind: 'failed', outcome: 'invalid', message: answer.reason });
  b.detail('ActiveSync URL', answer.url);
  return finishAttempt(b, 'passed', `Exchange Online hands devices ${answer.url}.`, { ...record, outcome: 'settings' }, { kind: 'settings', url: answer.url });
}
