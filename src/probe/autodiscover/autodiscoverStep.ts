// The autodiscover step: from an e-mail address to the ActiveSync URL, the way a phone finds it.
// The candidates are tried in order (autodiscoverCandidates.ts), each request a child step with
// its own time; the first MobileSync answer ends the search. A Redirect to another address
// restarts with that address, a 3xx is followed to https only, both at most ten times in all
// and never back to a place already asked. What is found becomes the URL the following steps
// test; when the run was also given a URL, a difference is a warning that names both.
import { parseEmailTarget, type EmailTarget } from '../emailTarget';
import { basicAuthorization } from '../requestAuthorization';
import type { ProbeContext, StepOutcome } from '../probeContext';
import type { AutodiscoverAttemptEvidence, AutodiscoverEvidence, FailureCategory, ProbeStep } from '../runModel';
import { skippedStep, type StepBuilder } from '../stepBuilder';
import { normalizeTarget } from '../targetInput';
import { defaultCandidates, MAX_AUTODISCOVER_REDIRECTS, type AutodiscoverCandidate, type AutodiscoverDiscovery } from '../../protocol/autodiscoverPlaces';
import { describeSource, exchangeOnlineJsonUrl, userNamedOrigins } from './autodiscoverCandidates';
import type { AutodiscoverNetwork } from './autodiscoverConnection';
import { deviceSignInOffered, getExchangeOnlineJson, offersScheme, getHttpRedirect, lookUpSrv, postMobileSync, type AttemptContext, type AttemptResult, type AttemptSource } from './autodiscoverRequests';
import { urlDifferences } from './urlDifferences';

export interface AutodiscoverInput {
  email: EmailTarget;
  /** --autodiscover-url: ask this endpoint only, instead of the candidates. */
  autodiscoverUrl?: string;
  /** The ActiveSync URL given with the run, if any (normalised): compared with what is found. */
  givenActiveSyncUrl?: string;
  /** Tests and the lab only: stand-ins for the candidate list and DNS SRV. */
  discovery?: AutodiscoverDiscovery;
  /** The Basic Authorization value, when the run has a user name. */
  authorization?: string;
  allowHttp: boolean;
}

export interface AutodiscoverResult {
  step: ProbeStep;
  /** The normalised ActiveSync URL Autodiscover handed out, when it did and it is usable. */
  activeSyncUrl?: string;
}

type Stop = { category: FailureCategory; message: string };

/** The step in the run: only when asked for; what it finds becomes the target of the steps after it. */
export async function runAutodiscoverStep(ctx: ProbeContext): Promise<StepOutcome> {
  if (!ctx.wantsAutodiscover) return 'next';
  const { options } = ctx;
  // The input step made sure there is an address: the target, or the user name.
  const email = ctx.emailTarget ?? (parseEmailTarget(options.userName) as EmailTarget);
  const given = ctx.target.url || undefined;
  const b = ctx.begin('autodiscover', `Find the ActiveSync URL for ${email.address} with Autodiscover`);
  const result = await autodiscoverStep(
    b,
    {
      email,
      autodiscoverUrl: options.autodiscoverUrl?.trim() || undefined,
      givenActiveSyncUrl: given,
      discovery: options.autodiscoverDiscovery,
      // Autodiscover is asked with Basic, as devices do; an OAuth run has no password to send there.
      authorization: options.userName && ctx.auth !== 'oauth' ? basicAuthorization(options.userName, options.password ?? '') : undefined,
      allowHttp: options.allowHttp ?? false,
    },
    {
      extraCaPem: options.extraCaPem,
      ignoreTrust: options.ignoreTrust ?? false,
      timeouts: ctx.timeouts,
      limits: ctx.limits,
      proxy: options.proxy,
      env: ctx.env,
      log: ctx.log,
      signal: ctx.signal,
      track: (c) => ctx.extraConnections.push(c),
      trackSocket: (s) => ctx.extraSockets.push(s),
    },
  );
  ctx.push(result.step);
  if (result.activeSyncUrl) {
    ctx.retarget(result.activeSyncUrl);
    return 'next';
  }
  // A 401 or any other failure here does not stop the test of a URL that is known anyway.
  if (given) return 'next';
  return { stop: 'Skipped: Autodiscover handed out no ActiveSync URL, and none was given.' };
}

export async function autodiscoverStep(b: StepBuilder, input: AutodiscoverInput, net: AutodiscoverNetwork): Promise<AutodiscoverResult> {
  const discovery = input.discovery ?? { candidates: defaultCandidates };
  const listFor = (domain: string): AutodiscoverCandidate[] => (input.autodiscoverUrl ? [{ source: 'given', url: input.autodiscoverUrl }] : discovery.candidates(domain));
  const ctx: AttemptContext = { ...net, authorization: input.authorization, userNamed: userNamedOrigins(listFor(input.email.domain)), discovery };
  const evidence: AutodiscoverEvidence = { emailAddress: input.email.address, finalEmailAddress: input.email.address, attempts: [] };
  if (input.autodiscoverUrl) evidence.autodiscoverUrl = input.autodiscoverUrl;
  b.evidence.autodiscover = evidence;
  b.detail('E-mail address', input.email.address).detail('Autodiscover URL', input.autodiscoverUrl ?? `the candidates of ${input.email.domain}`);

  const results: AttemptResult[] = [];
  let n = 0;
  const record = (r: AttemptResult) => {
    results.push(r);
    evidence.attempts.push(r.record);
    b.child(r.step);
  };
  let email = input.email;
  const seenAddresses = new Set([email.address.toLowerCase()]);
  const asked = new Set<string>();
  let redirects = 0;
  /**
   * `trusted`: the answer came from a server you named, over a verified connection that carried
   * the credentials (or from Exchange Online's own front door, which the probe chose itself).
   */
  let found: { url: string; by: string; trusted: boolean; source: AttemptSource } | undefined;
  let stop: Stop | undefined;

  for (;;) {
    const candidates = listFor(email.domain);
    let restartWith: EmailTarget | undefined;
    let i = 0;
    for (; i < candidates.length && !found && !stop && !restartWith; i++) {
      const c = candidates[i];
      let next: { url: string; source: AttemptSource } | undefined;
      if (c.source === 'srv') {
        const r = await lookUpSrv(++n, c.url, email.address, ctx);
        record(r);
        if (r.outcome.kind === 'redirectUrl') next = { url: r.outcome.location, source: 'srv' };
      } else if (c.source === 'httpRedirect') {
        const r = await getHttpRedirect(++n, c.url, email.address, ctx);
        record(r);
        if (r.outcome.kind === 'redirectUrl') next = { url: r.outcome.location, source: 'httpRedirect' };
      } else {
        next = { url: c.url, source: c.source };
      }
      // One candidate, and the 3xx redirects it leads to.
      while (next && !found && !stop) {
        const key = `${next.url.toLowerCase()} ${email.address.toLowerCase()}`;
        if (asked.has(key)) {
          // A candidate (or the SRV record) naming a place already asked is simply not asked again;
          // a redirect back to one is a loop.
          if (next.source === 'redirect') stop = { category: 'autodiscover.redirectLoop', message: `Autodiscover redirected back to ${next.url}, already asked for ${email.address}: a redirect loop, stopped there.` };
          else b.child(skippedStep(`autodiscover.${++n}`, `POST ${next.url} (${describeSource(next.source)})`, 'Not asked again: already asked above.'));
          break;
        }
        asked.add(key);
        const jsonUrl = exchangeOnlineJsonUrl(next.url, email.address);
        const r = jsonUrl ? await getExchangeOnlineJson(++n, jsonUrl, email.address, ctx) : await postMobileSync(++n, next.url, next.source, email.address, ctx);
        record(r);
        const o = r.outcome;
        next = undefined;
        if (o.kind === 'settings') {
          found = { url: o.url, by: r.record.url, trusted: r.record.credentialsSent || r.record.source === 'exchangeOnline', source: r.record.source };
        } else if (o.kind === 'redirectUrl') {
          if (++redirects > MAX_AUTODISCOVER_REDIRECTS) stop = { category: 'autodiscover.redirectLoop', message: `Autodiscover redirected more than ${MAX_AUTODISCOVER_REDIRECTS} times; devices give up there too.` };
          else next = { url: o.location, source: 'redirect' };
        } else if (o.kind === 'redirectAddress') {
          const target = parseEmailTarget(o.emailAddress);
          if (++redirects > MAX_AUTODISCOVER_REDIRECTS) stop = { category: 'autodiscover.redirectLoop', message: `Autodiscover redirected more than ${MAX_AUTODISCOVER_REDIRECTS} times; devices give up there too.` };
          else if (!target) stop = { category: 'autodiscover.invalidAnswer', message: `Autodiscover redirects to "${o.emailAddress.slice(0, 100)}", which is not an e-mail address.` };
          else if (seenAddresses.has(target.address.toLowerCase())) stop = { category: 'autodiscover.redirectLoop', message: `Autodiscover redirects ${email.address} back to ${target.address}, already asked for: a redirect loop, stopped there.` };
          else {
            seenAddresses.add(target.address.toLowerCase());
            restartWith = target;
          }
        }
      }
    }
    // The candidates not asked, so the order devices use stays visible.
    const why = found ? 'Not needed: an earlier place answered.' : restartWith ? `Not asked: Autodiscover redirected to ${restartWith.address}.` : 'Not asked: the search stopped.';
    for (const c of candidates.slice(i)) b.child(skippedStep(`autodiscover.${++n}`, `${c.source === 'srv' ? 'SRV' : c.source === 'httpRedirect' ? 'GET' : 'POST'} ${c.url} (${describeSource(c.source)})`, why));
    if (!restartWith) break;
    email = restartWith;
    evidence.finalEmailAddress = email.address;
    b.detail('Redirected to the address', email.address);
  }

  if (found) return judgeFound(b, input, evidence, found);
  return { step: judgeNothingFound(b, input, results, stop) };
}

function judgeFound(b: StepBuilder, input: AutodiscoverInput, evidence: AutodiscoverEvidence, found: { url: string; by: string; trusted: boolean; source: AttemptSource }): AutodiscoverResult {
  evidence.answeredBy = found.by;
  if (!found.trusted && input.authorization) {
    // A server nobody named, answering without a sign-in, must not choose where the password goes.
    b.detail('ActiveSync URL handed out', found.url).detail('Answered by', found.by);
    return {
      step: b.finish('failed', `Autodiscover at ${found.by}, a server named by ${describeSource(found.source)} rather than by you, handed out ${found.url} without asking for a sign-in. The credentials go only where you point them: to test that server, run again with ${found.url} as the target.`, { category: 'autodiscover.credentialsWithheld' }),
    };
  }
  const target = normalizeTarget(found.url, { allowHttp: input.allowHttp });
  b.detail('ActiveSync URL handed out', found.url).detail('Answered by', found.by);
  if (!target.ok) {
    const why = target.findings.find((f) => f.severity === 'error')?.message ?? 'it is not usable';
    return { step: b.finish('failed', `Autodiscover at ${found.by} hands devices ${found.url}, which cannot be tested: ${why}`, { category: 'autodiscover.invalidAnswer' }) };
  }
  evidence.activeSyncUrl = target.url;
  if (input.givenActiveSyncUrl) {
    evidence.givenUrl = input.givenActiveSyncUrl;
    const differences = urlDifferences(target.url, input.givenActiveSyncUrl);
    if (differences.length) {
      evidence.differences = differences;
      b.detail('URL given', input.givenActiveSyncUrl).detail('Differs in', differences.join(', '));
      return {
        step: b.finish('warning', `Autodiscover hands devices ${target.url}, but the URL given is ${input.givenActiveSyncUrl} (they differ in ${differences.join(', ')}). Devices set up by Autodiscover use the first; the steps below test it.`, { category: 'autodiscover.mismatch' }),
        activeSyncUrl: target.url,
      };
    }
  }
  return { step: b.finish('passed', `Autodiscover at ${found.by} hands devices ${target.url}.`), activeSyncUrl: target.url };
}

/** Nothing found: the most telling reason leads (an Autodiscover error before a 401, before no answer at all). */
function judgeNothingFound(b: StepBuilder, input: AutodiscoverInput, results: AttemptResult[], stop: Stop | undefined): ProbeStep {
  const where = (r: AttemptResult) => hostOf(r.record.url);
  const tried = `${results.length} request${results.length === 1 ? '' : 's'} in all.`;
  const first = (outcome: AutodiscoverAttemptEvidence['outcome'], test: (r: AttemptResult) => boolean = () => true) => results.find((r) => r.record.outcome === outcome && test(r));
  if (stop) return b.finish('failed', `${stop.message} ${tried}`, { category: stop.category });
  const error = first('error');
  if (error && error.outcome.kind === 'error') {
    const o = error.outcome;
    b.evidence.autodiscover!.error = { code: o.code, status: o.status, message: o.message };
    const code = o.code ? `error ${o.code}${o.code === '600' ? ' (invalid request)' : o.code === '601' ? ' (no provider for the mobilesync schema)' : ''}` : `status ${o.status ?? 'unknown'}`;
    return b.finish('failed', `Autodiscover at ${where(error)} answered with ${code}${o.message ? `: "${o.message}"` : ''}; it handed out no ActiveSync URL. ${tried}`, { category: 'autodiscover.error' });
  }
  // A 401 offering neither Basic nor OAuth stops every phone, whatever the password.
  const noBasic = first('unauthorized', (r) => r.outcome.kind === 'unauthorized' && !deviceSignInOffered(r.outcome.schemes));
  if (noBasic && noBasic.outcome.kind === 'unauthorized') {
    return b.finish(
      'failed',
      `Autodiscover at ${where(noBasic)} answered 401 offering ${noBasic.outcome.schemes.join(' and ')}, not Basic. Phones sign in to Autodiscover with Basic (or OAuth, which it does not offer either), so a phone set up from the address stops here; like a phone, the probe does not try Windows authentication there.${noBasic.record.credentialsSent ? ' The password sent with Basic was not checked, so whether it is right is not known.' : ''} ${tried}`,
      { category: 'autodiscover.basicNotOffered' },
    );
  }
  // A 401 offering OAuth but not Basic, after a password went with Basic, never checked the password.
  const sentBasic = /^basic /i.test(input.authorization ?? '');
  const otherScheme = first('unauthorized', (r) => sentBasic && r.record.credentialsSent && r.outcome.kind === 'unauthorized' && offersScheme(r.outcome.schemes, 'bearer') && !offersScheme(r.outcome.schemes, 'basic'));
  if (otherScheme && otherScheme.outcome.kind === 'unauthorized') {
    return b.finish(
      'failed',
      `Autodiscover at ${where(otherScheme)} answered 401 offering ${otherScheme.outcome.schemes.join(' and ')}: OAuth, but not Basic, so the password sent was not checked, so whether it is right is not known. Devices that sign in with a password cannot use it; sign in with OAuth (--auth oauth) to test it as a modern-auth device would. ${tried}`,
      { category: 'autodiscover.oauthOnly' },
    );
  }
  const refused = first('unauthorized', (r) => r.record.credentialsSent);
  if (refused) return b.finish('failed', `Autodiscover at ${where(refused)} refused the credentials (HTTP 401). This is Autodiscover's sign-in, not ActiveSync's. ${tried}`, { category: 'autodiscover.unauthorized' });
  const wantsSignIn = first('unauthorized');
  if (wantsSignIn && !input.authorization) {
    return b.finish('failed', `Autodiscover at ${where(wantsSignIn)} wants a sign-in (HTTP 401), and no user name was given. ${tried}`, { category: 'autodiscover.unauthorized' });
  }
  if (wantsSignIn) {
    return b.finish('failed', `Autodiscover at ${where(wantsSignIn)} answers (401 without credentials), but that server was named by ${describeSource(wantsSignIn.record.source)}, not by you, so the credentials were not sent there. To test it with them: --autodiscover-url ${wantsSignIn.record.url}. ${tried}`, { category: 'autodiscover.credentialsWithheld' });
  }
  const invalid = first('invalid');
  if (invalid && invalid.outcome.kind === 'failed') return b.finish('failed', `${where(invalid)} answered, but not with a usable Autodiscover answer: ${invalid.outcome.message} ${tried}`, { category: 'autodiscover.invalidAnswer' });
  const certificate = first('certificate');
  if (certificate && certificate.outcome.kind === 'failed') return b.finish('failed', `The certificate of ${where(certificate)} failed the checks, so nothing was sent there: ${certificate.outcome.message} ${tried}`, { category: 'autodiscover.certificate' });
  const answered = results.find((r) => r.record.outcome === 'notAutodiscover' || r.record.outcome === 'notFollowed');
  if (answered && answered.outcome.kind === 'failed') return b.finish('failed', `No Autodiscover service found for ${input.email.address}: ${where(answered)} answered ${answered.outcome.message} ${tried}`, { category: 'autodiscover.notFound' });
  return b.finish('failed', `No Autodiscover server could be reached for ${input.email.address}: every place devices look failed (DNS, connection or SRV record). ${tried}`, { category: 'autodiscover.noneReachable' });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
