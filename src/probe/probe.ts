// The connectivity probe: input → DNS → TCP → TLS → OPTIONS anonymous → OPTIONS with
// credentials → credential cross-check, each step timed and judged, producing one ProbeRun.
// It never throws for anything a server or a user can do: every problem becomes a failed or
// warning step, and a cancel or the overall deadline ends the run within milliseconds.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { RunAbortedError, withAbort } from './abortable';
import { crossCheckStep } from './crossCheckStep';
import { resolveStep } from './dnsStep';
import { verifiedEndpoint } from './credentialGate';
import { ProbeHttpConnection, type HttpLimits } from './httpConnection';
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
import { followRedirect451, type RedirectContext } from './redirect451Step';
import { tlsHandshake, tlsStep, type TlsStepResult } from './tlsStep';

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
    let tlsJudgement: TlsStepResult['judged'];
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
      tlsJudgement = result.judged;
    } else {
      push(skippedStep('tls', 'Negotiate TLS and check the certificate', 'Plain HTTP: no TLS, the password travels unencrypted.'));
    }

    const reopen = async (): Promise<Socket> => {
      const raw = await openRaw();
      if (target.scheme !== 'https') return raw;
      return tlsHandshake(raw, { host: target.host, timeoutMs: timeouts.tlsMs, signal, extraCaPem: options.extraCaPem, withSystemStore });
    };
    const origin = `${target.scheme}://${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
    // Every socket of this connection, the first and each reconnect, passes the credential gate.
    const endpoint = verifiedEndpoint({ scheme: target.scheme === 'http' ? 'http' : 'https', host: target.host, port: target.port }, tlsJudgement);
    connection = new ProbeHttpConnection({ origin, socket: transport, reopen, endpoint, limits, log });
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
    const userName = options.userName;
    const password = options.password ?? '';
    // One redirect context for every sign-in method: only how the credentials are sent differs.
    const redirectContext = (scheme: AttemptScheme): RedirectContext => ({
      current: target.url,
      connection: connection as ProbeHttpConnection,
      scheme,
      sendWithCredentials: async (conn, redirectPath) =>
        scheme === 'Basic'
          ? conn.send({ method: 'OPTIONS', path: redirectPath, headers: { Authorization: authorization }, label: 'following 451 with credentials' }, signal)
          : (await windowsAuthHandshake({ connection: conn, path: redirectPath, scheme, userName, password, domain: options.domain, signal })).final,
      ignoreTrust: options.ignoreTrust ?? false,
      extraCaPem: options.extraCaPem,
      timeouts,
      limits,
      log,
      signal,
      track: (c) => extraConnections.push(c),
    });
    if (auth !== 'basic') {
      const authBuilder = begin('optionsAuthenticated', `Send the OPTIONS command as ${options.userName} (${auth === 'auto' ? `automatic: ${plan.attempts.join(', then ')}` : plan.attempts[0]})`);
      if (plan.note) authBuilder.detail('Note', plan.note);
      const ctx: AttemptContext = {
        connection,
        path,
        userName,
        password,
        domain: options.domain,
        signal,
        basicAuthorization: authorization,
        follow451: (b, first, scheme: AttemptScheme) => followRedirect451(b, first, redirectContext(scheme)),
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
      authStep = await followRedirect451(authBuilder, authed, redirectContext('Basic'));
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
