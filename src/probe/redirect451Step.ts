// HTTP 451 names the URL the device must use instead (X-MS-Location). The probe follows it once,
// and only to https. The credentials go with it only when the URL is the very endpoint the run
// verified (same scheme, host and port: the request then travels on the run's own gated
// connection); any other server gets one anonymous request on a connection that cannot carry
// credentials, so the admin learns whether it answers without the password going somewhere
// they did not type. A downgrade to http:// is never followed, whatever --allow-http says.
import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { RunAbortedError, withAbort } from './abortable';
import { checkOrigin, describeOrigin } from './credentialGate';
import { ProbeHttpConnection, type HttpLimits, type HttpResult } from './httpConnection';
import type { AttemptScheme } from './ntlm/authenticatedAttempts';
import { judgeAnonymous, judgeAuthenticated } from './optionsSteps';
import { checkPeerLeaf, peerVerified } from './peerCertificate';
import type { ProbeTimeouts } from './probeOptions';
import type { ProbeStep } from './runModel';
import { StepBuilder } from './stepBuilder';
import { connectOnce } from './tcpStep';
import { tlsHandshake } from './tlsStep';

/** What the authenticated step's 451 follow-up needs from the run; one shape for Basic, Bearer and Windows sign-in. */
export interface RedirectContext {
  /** The URL that answered 451. */
  current: string;
  /** The run's gated connection to the verified endpoint: a same-origin redirect is followed on it. */
  connection: ProbeHttpConnection;
  /** Sends the authenticated request to `path` on `connection`: the Basic or Bearer header, or an NTLM/Negotiate handshake. */
  sendWithCredentials(connection: ProbeHttpConnection, path: string): Promise<HttpResult>;
  /** The scheme the first request used (for the judge's wording). */
  scheme: AttemptScheme;
  ignoreTrust: boolean;
  extraCaPem?: string;
  timeouts: ProbeTimeouts;
  limits: HttpLimits;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Connections opened for other servers, closed when the run ends. */
  track(connection: ProbeHttpConnection): void;
}

export async function followRedirect451(b: StepBuilder, first: HttpResult, ctx: RedirectContext): Promise<ProbeStep> {
  const scheme = ctx.scheme;
  const firstStep = judgeAuthenticated(new StepBuilder('optionsAuthenticated.451', 'First answer'), first, scheme);
  for (const [k, v] of Object.entries(firstStep.evidence)) (b.evidence as Record<string, unknown>)[k] = v;
  const location = b.evidence.redirectLocation;
  b.detail('HTTP status', '451').detail('X-MS-Location', location ?? 'missing');
  if (!location) return b.finish('failed', 'The server answered 451 (use another URL) but gave no X-MS-Location; devices must rerun Autodiscover.', { category: 'http.451' });
  let next: URL;
  try {
    next = new URL(location);
  } catch {
    return b.finish('failed', `The server answered 451 with an X-MS-Location that is not a URL: "${location.slice(0, 200)}".`, { category: 'http.451' });
  }
  if (next.href === ctx.current || next.href === new URL(ctx.current).href) {
    return b.finish('failed', 'The server answered 451 pointing back at the same URL: a redirect loop.', { category: 'http.redirectLoop' });
  }
  if (next.protocol !== 'https:') {
    b.detail('Followed', 'no: the probe follows a 451 only to https');
    const downgrade = next.protocol === 'http:' ? ' Plain HTTP would expose the password, so this downgrade is never followed, even with plain HTTP allowed for the target.' : '';
    return b.finish('failed', `The server answered 451 pointing at ${next.protocol}//${next.host}: not followed, the probe follows a 451 only to https.${downgrade}`, { category: 'http.redirectDowngrade' });
  }
  const nextPath = `${next.pathname || '/'}${next.search}`;
  const endpoint = ctx.connection.endpoint;
  const sameEndpoint = endpoint ? checkOrigin(endpoint, next).ok : false;
  const child = new StepBuilder('optionsAuthenticated.follow', `Follow X-MS-Location to ${next.origin}${next.pathname}`);

  if (sameEndpoint) {
    // The server the user entered, on the connection the credential gate watches.
    const result = await withAbort(ctx.sendWithCredentials(ctx.connection, nextPath), ctx.signal);
    b.detail('Credentials', `sent: ${next.origin} is the server you entered`);
    return judgeFollowed(b, child, result, next, scheme, true);
  }

  const host = next.hostname.replace(/^\[|\]$/g, '');
  const port = next.port ? Number(next.port) : 443;
  b.detail('Credentials', `not sent to ${next.origin}: ${endpoint ? `it is not ${describeOrigin(endpoint)}, the server you entered` : 'no verified endpoint'}`);
  try {
    const addresses = isIP(host) ? [host] : (await withAbort(lookup(host, { all: true }), ctx.signal)).map((a) => a.address);
    const raw = await connectOnce(addresses[0], port, ctx.timeouts.connectMs, ctx.signal);
    // A redirect target is judged once, so use every trusted root straight away.
    const t = await tlsHandshake(raw, { host, timeoutMs: ctx.timeouts.tlsMs, signal: ctx.signal, extraCaPem: ctx.extraCaPem, withSystemStore: true });
    const peer = checkPeerLeaf(t, host);
    const trusted = peerVerified(peer);
    child.detail('Certificate (SHA-256)', peer.fingerprint256 ?? 'none');
    if (!trusted) {
      const why = peer.nameError ? `it does not cover ${host}` : `its chain is not trusted (${peer.authorizationCode ?? 'unknown reason'})`;
      if (!ctx.ignoreTrust) {
        t.destroy();
        b.child(child.finish('failed', `The certificate of ${next.host} is not trusted (${why}); nothing was sent.`, { category: 'tls.untrusted' }));
        return b.finish('failed', `The server redirected (451) to ${next.origin}, whose certificate is not trusted.`, { category: 'http.451' });
      }
      child.detail('Certificate trust', `not trusted (${why}); trust is ignored for this run, so one anonymous request was sent`);
    }
    const trustNote = trusted ? undefined : `its certificate is not trusted (${peer.nameError ? `it does not cover ${host}` : peer.authorizationCode ?? 'unknown reason'}; ignored for this run)`;
    // Anonymous-only: this connection refuses an Authorization header whatever asks it to send one.
    const conn = new ProbeHttpConnection({ origin: next.origin, socket: t as Socket, reopen: () => Promise.reject(new Error('no reconnect for redirects')), limits: ctx.limits, log: ctx.log });
    ctx.track(conn);
    const result = await withAbort(conn.send({ method: 'OPTIONS', path: nextPath, headers: {}, label: 'following 451 without credentials (another server)' }, ctx.signal), ctx.signal);
    return judgeFollowed(b, child, result, next, scheme, false, trustNote);
  } catch (error) {
    if (error instanceof RunAbortedError) throw error;
    b.child(child.finish('failed', `Could not reach ${next.host}: ${(error as Error).message}`, { category: 'tcp.error' }));
    return b.finish('failed', `The server redirected (451) to ${next.href}, which could not be reached.`, { category: 'http.451' });
  }
}

function judgeFollowed(b: StepBuilder, child: StepBuilder, result: HttpResult, next: URL, scheme: AttemptScheme, withCredentials: boolean, trustNote?: string): ProbeStep {
  // Without credentials the answer is judged like the anonymous step: a 401 offering the scheme is what is expected.
  const followed = withCredentials ? judgeAuthenticated(child, result, scheme) : judgeAnonymous(child, result, scheme);
  if (trustNote && followed.status === 'passed') {
    // An answer over a connection whose certificate a device would refuse is not a clean pass.
    followed.status = 'warning';
    followed.summary = `${followed.summary} But ${trustNote}.`;
  }
  b.child(followed);
  for (const h of followed.evidence.http ?? []) (b.evidence.http ??= []).push(h);
  if (followed.evidence.protocolVersions) b.evidence.protocolVersions = followed.evidence.protocolVersions;
  if (followed.evidence.protocolCommands) b.evidence.protocolCommands = followed.evidence.protocolCommands;
  if (followed.evidence.credentialGate) b.evidence.credentialGate = followed.evidence.credentialGate;
  if (result.error?.refusal) return b.finish('failed', `The server redirected (451) to ${next.href}; the request with credentials was refused there. ${result.error.message}`, { category: 'tls.unverifiedConnection' });
  if (result.statusCode === 451) {
    return b.finish('failed', `The server redirected (451) to ${next.href}, which redirected again: the probe stops there to avoid a loop.`, { category: 'http.redirectLoop' });
  }
  const works = followed.status === 'passed' || followed.status === 'warning';
  if (!withCredentials) {
    return b.finish(works || result.statusCode === 401 ? 'warning' : 'failed', `The server redirected (451) to another server, ${next.origin}${trustNote ? `; ${trustNote}` : ''}. Credentials were not sent there, only to the server you entered; if you trust it, run the test against ${next.href}.`, { category: 'http.451' });
  }
  return works
    ? b.finish('warning', `The server redirected (451) to ${next.href}, which answers ActiveSync. Devices configured with the old URL must move there (Autodiscover normally does it).`, { category: 'http.451' })
    : b.finish('failed', `The server redirected (451) to ${next.href}, which does not work either: ${followed.summary}`, { category: 'http.451' });
}
