// The connectivity probe: input → DNS → TCP → TLS → OPTIONS anonymous → OPTIONS with
// credentials → credential cross-check, each step timed and judged, producing one ProbeRun.
// It never throws for anything a server or a user can do: every problem becomes a failed or
// warning step, and a cancel or the overall deadline ends the run within milliseconds.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import * as tls from 'node:tls';
import { RunAbortedError, withAbort } from './abortable';
import { crossCheckStep } from './crossCheckStep';
import { resolveStep } from './dnsStep';
import { ProbeHttpConnection, type HttpLimits, type HttpResult } from './httpConnection';
import { planAuthentication, runAttempt, runAutomatic, type AttemptContext, type AttemptScheme } from './ntlm/authenticatedAttempts';
import { windowsAuthHandshake } from './ntlm/windowsAuthHandshake';
import { judgeAnonymous, judgeAuthenticated } from './optionsSteps';
import { DEFAULT_TIMEOUTS, FULL_MODE_OVERALL_MS, type ProbeOptions } from './probeOptions';
import { openTunnel, parseProxy, proxyFor, type ProxyEndpoint } from './proxyTunnel';
import { AUTH_METHODS, COMMAND_STEP_IDS, runOutcome, type ProbeRun, type ProbeStep, type StepId } from './runModel';
import { COMMAND_STEP_TITLES, runCommandPhase } from './eas/commandPhase';
import type { CommandCredentials } from './eas/easTransport';
import { DEFAULT_DEVICE_ID, DEFAULT_DEVICE_TYPE, deviceIdentityProblem } from './eas/deviceIdentity';
import { newRunShell } from './runShell';
import { identifyServer, observationsOf } from './serverIdentification';
import { childStep, skippedStep, StepBuilder } from './stepBuilder';
import { connectOnce, tcpStep } from './tcpStep';
import { abbreviate, judgeUserName, normalizeTarget, userNameForm, type InputFinding } from './targetInput';
import { tlsHandshake, tlsStep } from './tlsStep';

const STEP_TITLES: Record<StepId, string> = {
  input: 'Check the server address and user name',
  dns: 'Resolve the host name in DNS',
  tcp: 'Open a TCP connection',
  tls: 'Negotiate TLS and check the certificate',
  optionsAnonymous: 'Send OPTIONS without credentials to learn the authentication methods',
  optionsAuthenticated: 'Send the OPTIONS command with credentials',
  crossCheck: 'Cross-check the credentials against EWS and Autodiscover',
  ...COMMAND_STEP_TITLES,
};
const ORDER: StepId[] = ['input', 'dns', 'tcp', 'tls', 'optionsAnonymous', 'optionsAuthenticated', 'crossCheck', ...COMMAND_STEP_IDS];

export function basicAuthorization(userName: string, password: string): string {
  return `Basic ${Buffer.from(`${userName}:${password}`, 'utf8').toString('base64')}`;
}

export async function runProbe(options: ProbeOptions): Promise<ProbeRun> {
  const mode = options.mode ?? 'commands';
  const timeouts = { ...DEFAULT_TIMEOUTS, ...(mode === 'full' ? { overallMs: FULL_MODE_OVERALL_MS } : {}), ...options.timeouts };
  const deviceId = options.deviceId ?? DEFAULT_DEVICE_ID;
  const deviceType = options.deviceType ?? DEFAULT_DEVICE_TYPE;
  const limits: HttpLimits = {
    headersTimeoutMs: timeouts.headersMs,
    bodyTimeoutMs: timeouts.bodyMs,
    maxHeaderBytes: options.limits?.maxHeaderBytes ?? 64 * 1024,
    maxBodyBytes: options.limits?.maxBodyBytes ?? 256 * 1024,
  };
  const log = options.log ?? (() => undefined);
  const startedAt = new Date();
  const controller = new AbortController();
  const overallTimer = setTimeout(() => controller.abort(new RunAbortedError('timeout')), timeouts.overallMs);
  const onUserAbort = () => controller.abort(new RunAbortedError('cancelled'));
  if (options.signal?.aborted) onUserAbort();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  const signal = controller.signal;

  const steps: ProbeStep[] = [];
  let current: { id: StepId; builder: StepBuilder } | undefined;
  const begin = (id: StepId, title = STEP_TITLES[id]) => {
    current = { id, builder: new StepBuilder(id, title) };
    options.onStepStart?.(id, title);
    return current.builder;
  };
  const push = (step: ProbeStep) => {
    steps.push(step);
    current = undefined;
    options.onStepFinished?.(step, steps);
  };
  const skipRest = (reason: string) => {
    for (const id of ORDER) if (!steps.some((s) => s.id === id)) push(skippedStep(id, STEP_TITLES[id], reason));
  };

  const target = normalizeTarget(options.target, { allowHttp: options.allowHttp });
  const auth = options.auth ?? 'basic';
  const crossCheckEnabled = options.crossCheck ?? true;
  const env = options.env ?? process.env;
  const run = newRunShell(options, target, startedAt);
  run.steps = steps;

  let connection: ProbeHttpConnection | undefined;
  const extraSockets: Socket[] = [];
  // Connections opened for redirects, closed when the run ends.
  const extraConnections: ProbeHttpConnection[] = [];
  let cancelled = false;
  try {
    // 1. Input
    const inputBuilder = begin('input');
    const findings: InputFinding[] = [...target.findings];
    if (target.ok) findings.push(...judgeUserName(options.userName, target.host));
    if (options.connectTo && isIP(options.connectTo) === 0) {
      // A name here would be resolved behind the user's back: only an address is meant.
      findings.push({ severity: 'error', category: 'input.invalidHost', message: `The connect-to override "${abbreviate(options.connectTo, 60)}" is not an IP address.` });
    }
    if (mode !== 'options') {
      const identityProblem = deviceIdentityProblem(deviceId, deviceType);
      if (identityProblem) findings.push({ severity: 'error', category: 'input.deviceIdentity', message: identityProblem });
    }
    if (!(AUTH_METHODS as readonly string[]).includes(auth)) {
      findings.push({ severity: 'error', category: 'input.userNameForm', message: `Unknown authentication method "${abbreviate(String(auth), 40)}": use basic, ntlm, negotiate or auto.` });
    }
    inputBuilder.evidence.userNameForm = userNameForm(options.userName);
    inputBuilder.detail('URL', target.url || '(none)').detail('Host', target.displayHost ? `${target.host} (${target.displayHost})` : target.host).detail('Port', target.port || undefined);
    inputBuilder.detail('User name', options.userName ? `${options.userName} (${describeForm(userNameForm(options.userName))})` : 'none (anonymous checks only)');
    inputBuilder.detail('Sign-in method', AUTH_LABELS[auth] ?? String(auth));
    if (auth !== 'basic' && options.domain?.trim()) inputBuilder.detail('Domain for bare user names', options.domain.trim());
    for (const f of findings) inputBuilder.child(childStep(`input.${f.category}`, f.message, f.severity === 'error' ? 'failed' : f.severity === 'warning' ? 'warning' : 'passed', f.message));
    const errors = findings.filter((f) => f.severity === 'error');
    const warnings = findings.filter((f) => f.severity === 'warning');
    if (errors.length) {
      push(inputBuilder.finish('failed', errors[0].message, { category: errors[0].category }));
      skipRest('Skipped: the input is not usable.');
      return finish();
    }
    push(warnings.length
      ? inputBuilder.finish('warning', warnings.map((w) => w.message).join(' '), { category: warnings[0].category })
      : inputBuilder.finish('passed', `Probing ${target.url}${options.userName ? ` as ${options.userName}` : ' anonymously'}.`));

    // 2–3. DNS and TCP (or the proxy tunnel, which resolves names itself)
    const proxyUrl = proxyFor(target.host, target.port, options.proxy, env);
    let proxy: ProxyEndpoint | undefined;
    if (proxyUrl) {
      try {
        proxy = parseProxy(proxyUrl);
      } catch (error) {
        const b = begin('dns');
        push(b.finish('failed', `The proxy setting is not usable: ${(error as Error).message}`, { category: 'proxy.error' }));
        skipRest('Skipped: no connection could be opened.');
        return finish();
      }
    }

    let address: string | undefined;
    let rawSocket: Socket | undefined;
    if (proxy) {
      push(skippedStep('dns', `Resolve ${target.host} in DNS`, `The proxy ${proxy.display} resolves ${target.host}; no local look-up.`));
      const b = begin('tcp', `Connect to ${target.host}:${target.port} through the proxy ${proxy.display}`);
      b.evidence.proxy = proxy.display;
      try {
        const tunnel = await openTunnel(proxy, target.host, target.port, timeouts.connectMs, signal);
        rawSocket = tunnel.socket;
        b.detail('Proxy', proxy.display).detail('Proxy reply', tunnel.status);
        push(b.finish('passed', `The proxy ${proxy.display} opened a tunnel to ${target.host}:${target.port}.`));
      } catch (error) {
        if (error instanceof RunAbortedError) throw error;
        b.detail('Proxy', proxy.display).detail('Error', (error as Error).message);
        push(b.finish('failed', `The proxy ${proxy.display} could not open a tunnel: ${(error as Error).message}`, { category: 'proxy.error' }));
        skipRest('Skipped: no connection could be opened.');
        return finish();
      }
    } else {
      begin('dns', `Resolve ${target.host} in DNS`);
      const dns = await resolveStep(target.host, { timeoutMs: timeouts.dnsMs, signal, connectTo: options.connectTo });
      push(dns.step);
      if (dns.addresses.length === 0) {
        skipRest('Skipped: the host name did not resolve.');
        return finish();
      }
      begin('tcp', `Connect to ${target.host} on TCP port ${target.port}`);
      const tcp = await tcpStep(dns.addresses, target.port, { timeoutMs: timeouts.connectMs, signal, label: target.host });
      push(tcp.step);
      if (!tcp.socket) {
        skipRest('Skipped: no TCP connection.');
        return finish();
      }
      rawSocket = tcp.socket;
      address = tcp.address;
    }

    const openRaw = async (): Promise<Socket> => {
      const s = proxy ? (await openTunnel(proxy, target.host, target.port, timeouts.connectMs, signal)).socket : await connectOnce(address as string, target.port, timeouts.connectMs, signal);
      extraSockets.push(s);
      return s;
    };

    // 4. TLS
    let transport: Socket = rawSocket;
    let withSystemStore = false;
    if (target.scheme === 'https') {
      begin('tls', `Negotiate TLS with ${target.host} and check its certificate`);
      const result = await tlsStep(rawSocket, {
        host: target.host,
        timeoutMs: timeouts.tlsMs,
        signal,
        extraCaPem: options.extraCaPem,
        ignoreTrust: options.ignoreTrust ?? false,
        reconnect: openRaw,
      });
      push(result.step);
      if (!result.usable || !result.socket) {
        skipRest(result.step.failure?.category === 'tls.handshakeTimeout' || result.step.failure?.category === 'tls.handshakeFailed' || result.step.failure?.category === 'tls.oldProtocol'
          ? 'Skipped: no TLS session.'
          : 'Skipped: the certificate is not trusted, so no credentials are sent. Fix the certificate, or ignore trust for this run.');
        return finish();
      }
      transport = result.socket;
      withSystemStore = Boolean(result.withSystemStore);
    } else {
      push(skippedStep('tls', 'Negotiate TLS and check the certificate', 'Plain HTTP: no TLS, the password travels unencrypted.'));
    }

    const reopen = async (): Promise<Socket> => {
      const raw = await openRaw();
      if (target.scheme !== 'https') return raw;
      return tlsHandshake(raw, { host: target.host, timeoutMs: timeouts.tlsMs, signal, extraCaPem: options.extraCaPem, withSystemStore });
    };
    const origin = `${target.scheme}://${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
    connection = new ProbeHttpConnection(origin, transport, reopen, limits, log);
    const path = new URL(target.url).pathname;

    // 5. OPTIONS without credentials
    const anonBuilder = begin('optionsAnonymous');
    const anon = await withAbort(connection.send({ method: 'OPTIONS', path, headers: {}, label: 'anonymous' }, signal), signal);
    const plan = planAuthentication(auth, anon);
    // The scheme the anonymous step checks for: the first to try, or (none usable) what was wanted.
    const anonStep = judgeAnonymous(anonBuilder, anon, plan.attempts[0] ?? plan.wanted);
    push(anonStep);
    if ((anon.error && anon.error.category !== 'http.tooLarge') || anonStep.status === 'failed') {
      skipRest('Skipped: the server did not give a usable HTTP answer.');
      return finish();
    }

    // 6. OPTIONS with credentials
    if (!options.userName) {
      push(skippedStep('optionsAuthenticated', STEP_TITLES.optionsAuthenticated, 'No user name given: only the anonymous checks ran.'));
      push(skippedStep('crossCheck', STEP_TITLES.crossCheck, 'No credentials to cross-check.'));
      return finish();
    }
    const authorization = basicAuthorization(options.userName, options.password ?? '');
    if (auth !== 'basic') {
      const authBuilder = begin('optionsAuthenticated', `Send the OPTIONS command as ${options.userName} (${auth === 'auto' ? `automatic: ${plan.attempts.join(', then ')}` : plan.attempts[0]})`);
      if (plan.note) authBuilder.detail('Note', plan.note);
      const redirectBase = { current: target.url, host: target.host, allowHttp: options.allowHttp ?? false, ignoreTrust: options.ignoreTrust ?? false, extraCaPem: options.extraCaPem, timeouts, limits, log, signal, track: (c: ProbeHttpConnection) => extraConnections.push(c) };
      const userName = options.userName;
      const password = options.password ?? '';
      const ctx: AttemptContext = {
        connection,
        path,
        userName,
        password,
        domain: options.domain,
        signal,
        basicAuthorization: authorization,
        follow451: (b, first, scheme: AttemptScheme) =>
          followRedirect451(b, first, {
            ...redirectBase,
            authorization,
            scheme,
            sendWithCredentials:
              scheme === 'Basic'
                ? undefined
                : async (conn, redirectPath) => (await windowsAuthHandshake({ connection: conn, path: redirectPath, scheme, userName, password, domain: options.domain, signal })).final,
          }),
      };
      let authStep: ProbeStep;
      let decisiveScheme: AttemptScheme = plan.attempts[0];
      let decisiveStatus: number | undefined;
      if (auth === 'auto') {
        const result = await withAbort(runAutomatic(authBuilder, plan, ctx), signal);
        authStep = result.step;
        decisiveScheme = result.decisive.scheme;
        decisiveStatus = result.decisive.final.statusCode;
      } else {
        const outcome = await withAbort(runAttempt(authBuilder, plan.attempts[0], ctx), signal);
        authStep = outcome.step;
        decisiveStatus = outcome.final.statusCode;
      }
      push(authStep);
      if (decisiveStatus === 401 && decisiveScheme === 'Basic' && crossCheckEnabled) {
        const b = begin('crossCheck');
        push(await crossCheckStep(b, connection, authorization, options.userName, signal));
      } else {
        push(skippedStep('crossCheck', STEP_TITLES.crossCheck, !crossCheckEnabled ? 'Turned off for this run.' : decisiveStatus === 401 ? 'The cross-check signs in with Basic only, so it does not run after an NTLM or Negotiate refusal; run with Basic or automatic sign-in to compare.' : 'Not needed: ActiveSync did not answer 401.'));
      }
      await commandPhase(
        authStep,
        decisiveScheme === 'Basic' ? { kind: 'basic', authorization } : { kind: 'windows', scheme: decisiveScheme, userName, password, domain: options.domain },
      );
      return finish();
    }
    const authBuilder = begin('optionsAuthenticated', `Send the OPTIONS command as ${options.userName} (Basic)`);
    const authed = await withAbort(connection.send({ method: 'OPTIONS', path, headers: { Authorization: authorization }, label: `Basic as ${options.userName}` }, signal), signal);
    let authStep: ProbeStep;
    if (authed.statusCode === 451) {
      authStep = await followRedirect451(authBuilder, authed, {
        current: target.url,
        host: target.host,
        authorization,
        allowHttp: options.allowHttp ?? false,
        ignoreTrust: options.ignoreTrust ?? false,
        extraCaPem: options.extraCaPem,
        timeouts,
        limits,
        log,
        signal,
        track: (c) => extraConnections.push(c),
      });
    } else {
      authStep = judgeAuthenticated(authBuilder, authed, 'Basic');
    }
    push(authStep);

    // 7. Cross-check
    if (authed.statusCode === 401 && crossCheckEnabled) {
      const b = begin('crossCheck');
      push(await crossCheckStep(b, connection, authorization, options.userName, signal));
    } else {
      push(skippedStep('crossCheck', STEP_TITLES.crossCheck, crossCheckEnabled ? 'Not needed: ActiveSync did not answer 401.' : 'Turned off for this run.'));
    }
    await commandPhase(authStep, { kind: 'basic', authorization });
    return finish();
  } catch (error) {
    const aborted = error instanceof RunAbortedError ? error : signal.aborted && signal.reason instanceof RunAbortedError ? signal.reason : undefined;
    if (aborted) {
      cancelled = aborted.reason === 'cancelled';
      const id = current?.id;
      if (current) {
        const category = cancelled ? 'run.cancelled' : 'run.timeout';
        const message = cancelled ? 'Cancelled while this step was running.' : `The run reached its overall limit of ${timeouts.overallMs} ms during this step.`;
        push(current.builder.finish('failed', message, { category }));
      }
      skipRest(cancelled ? 'Skipped: the run was cancelled.' : 'Skipped: the run ran out of time.');
      log(`✗ run ${cancelled ? 'cancelled' : 'timed out'}${id ? ` during ${id}` : ''}`);
      return finish();
    }
    // A bug of ours must still produce a readable run rather than a crash.
    const message = `Internal error: ${(error as Error).message ?? String(error)}`;
    if (current) push(current.builder.finish('failed', message, { category: 'internal' }));
    skipRest('Skipped after an internal error.');
    return finish();
  } finally {
    clearTimeout(overallTimer);
    options.signal?.removeEventListener('abort', onUserAbort);
    void connection?.close();
    for (const c of extraConnections) void c.close();
    for (const s of extraSockets) s.destroy();
  }

  /** The steps past OPTIONS, when the authenticated OPTIONS showed a working ActiveSync. */
  async function commandPhase(authStep: ProbeStep, credentials: CommandCredentials): Promise<void> {
    if (mode === 'options') {
      skipRest('Not run: this was the light probe (OPTIONS only). Provision, FolderSync and Sync show whether a phone could really sync.');
      return;
    }
    const usable = authStep.status === 'passed' || (authStep.status === 'warning' && authStep.failure?.category === 'eas.missingCommands');
    if (!usable || !connection || !options.userName) {
      skipRest(
        authStep.failure?.category === 'http.451'
          ? 'Not run: the mailbox is served from another URL; run the test against that URL.'
          : 'Skipped: OPTIONS with credentials did not work, so no command was sent.',
      );
      return;
    }
    await runCommandPhase({
      mode,
      connection,
      path: new URL(target.url).pathname,
      userName: options.userName,
      credentials,
      deviceId,
      deviceType,
      protocolVersionOverride: options.protocolVersion,
      serverVersions: authStep.evidence.protocolVersions ?? [],
      signal,
      remainingMs: () => timeouts.overallMs - (Date.now() - startedAt.getTime()),
      begin: (id, title) => begin(id, title),
      push,
    });
  }

  function finish(): ProbeRun {
    const finishedAt = new Date();
    run.finishedAt = finishedAt.toISOString();
    run.durationMs = finishedAt.getTime() - startedAt.getTime();
    run.outcome = runOutcome(steps, cancelled);
    const server = identifyServer(observationsOf(steps));
    if (server) run.server = server;
    return run;
  }
}

function describeForm(form: string): string {
  return form === 'upn' ? 'user principal name' : form === 'downLevel' ? 'DOMAIN\\user form' : form === 'bare' ? 'bare name, no domain' : form;
}

const AUTH_LABELS: Record<string, string> = {
  basic: 'Basic',
  ntlm: 'NTLM (Integrated Windows authentication)',
  negotiate: 'Negotiate (NTLM inside SPNEGO; Kerberos is not attempted)',
  auto: 'Automatic: Negotiate or NTLM first, then Basic',
};

interface RedirectContext {
  current: string;
  host: string;
  authorization: string;
  /** The scheme the first request used (for the judge's wording). Default Basic. */
  scheme?: AttemptScheme;
  /** For NTLM/Negotiate: runs the handshake on the redirect's connection instead of sending `authorization`. */
  sendWithCredentials?: (connection: ProbeHttpConnection, path: string) => Promise<HttpResult>;
  allowHttp: boolean;
  ignoreTrust: boolean;
  extraCaPem?: string;
  timeouts: typeof DEFAULT_TIMEOUTS;
  limits: HttpLimits;
  log: (line: string) => void;
  signal: AbortSignal;
  track: (c: ProbeHttpConnection) => void;
}

/**
 * HTTP 451 names the URL the device must use instead (X-MS-Location). Follow it once, over
 * HTTPS only, with the credentials only when it stays on the same host; another host gets an
 * anonymous request so the user's password never goes somewhere they did not type.
 */
async function followRedirect451(b: StepBuilder, first: HttpResult, ctx: RedirectContext): Promise<ProbeStep> {
  const scheme = ctx.scheme ?? 'Basic';
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
  if (next.protocol !== 'https:' && !(next.protocol === 'http:' && ctx.allowHttp)) {
    return b.finish('failed', `The server answered 451 pointing at ${next.protocol}//${next.host}: the probe never follows a downgrade from HTTPS.`, { category: 'http.redirectDowngrade' });
  }
  const host = next.hostname.replace(/^\[|\]$/g, '');
  const sameHost = host.toLowerCase() === ctx.host.toLowerCase();
  const child = new StepBuilder('optionsAuthenticated.follow', `Follow X-MS-Location to ${next.origin}${next.pathname}`);
  try {
    const port = next.port ? Number(next.port) : next.protocol === 'https:' ? 443 : 80;
    const addresses = isIP(host) ? [host] : (await withAbort(lookup(host, { all: true }), ctx.signal)).map((a) => a.address);
    const raw = await connectOnce(addresses[0], port, ctx.timeouts.connectMs, ctx.signal);
    let socket: Socket = raw;
    if (next.protocol === 'https:') {
      // A redirect target is judged once, so use every trusted root straight away.
      const t = await tlsHandshake(raw, { host, timeoutMs: ctx.timeouts.tlsMs, signal: ctx.signal, extraCaPem: ctx.extraCaPem, withSystemStore: true });
      const peer = t.getPeerCertificate();
      const trusted = t.authorized && !(peer && peer.raw && tls.checkServerIdentity(host, peer));
      if (!trusted && !ctx.ignoreTrust) {
        t.destroy();
        b.child(child.finish('failed', `The certificate of ${host} is not trusted; nothing was sent.`, { category: 'tls.untrusted' }));
        return b.finish('failed', `The server redirected (451) to ${next.origin}, whose certificate is not trusted.`, { category: 'http.451' });
      }
      socket = t;
    }
    const conn = new ProbeHttpConnection(next.origin, socket, () => Promise.reject(new Error('no reconnect for redirects')), ctx.limits, ctx.log);
    ctx.track(conn);
    const nextPath = next.pathname || '/';
    const result = sameHost && ctx.sendWithCredentials
      ? await withAbort(ctx.sendWithCredentials(conn, nextPath), ctx.signal)
      : await withAbort(conn.send({ method: 'OPTIONS', path: nextPath, headers: sameHost ? { Authorization: ctx.authorization } : {}, label: sameHost ? 'following 451 with credentials' : 'following 451 without credentials (other host)' }, ctx.signal), ctx.signal);
    const followed = judgeAuthenticated(child, result, scheme);
    b.child(followed);
    for (const h of followed.evidence.http ?? []) (b.evidence.http ??= []).push(h);
    if (followed.evidence.protocolVersions) b.evidence.protocolVersions = followed.evidence.protocolVersions;
    if (followed.evidence.protocolCommands) b.evidence.protocolCommands = followed.evidence.protocolCommands;
    if (result.statusCode === 451) {
      return b.finish('failed', `The server redirected (451) to ${next.href}, which redirected again: the probe stops there to avoid a loop.`, { category: 'http.redirectLoop' });
    }
    const works = followed.status === 'passed' || followed.status === 'warning';
    if (!sameHost) {
      b.detail('Credentials', `not sent to ${host}: it is a different host from the one you entered`);
      return b.finish(works || result.statusCode === 401 ? 'warning' : 'failed', `The server redirected (451) to another host, ${next.host}. Credentials were not sent there; if you trust it, run the test against ${next.href}.`, { category: 'http.451' });
    }
    return works
      ? b.finish('warning', `The server redirected (451) to ${next.href}, which answers ActiveSync. Devices configured with the old URL must move there (Autodiscover normally does it).`, { category: 'http.451' })
      : b.finish('failed', `The server redirected (451) to ${next.href}, which does not work either: ${followed.summary}`, { category: 'http.451' });
  } catch (error) {
    if (error instanceof RunAbortedError) throw error;
    b.child(child.finish('failed', `Could not reach ${next.host}: ${(error as Error).message}`, { category: 'tcp.error' }));
    return b.finish('failed', `The server redirected (451) to ${next.href}, which could not be reached.`, { category: 'http.451' });
  }
}
