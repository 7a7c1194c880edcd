// OPTIONS with credentials, by the sign-in method chosen (Basic, NTLM, Negotiate, or
// automatic: each scheme the server offers in turn), following a 451 once. Every request goes
// over the run's gated connection (see credentialGate.ts).
import { withAbort } from './abortable';
import { runAttempt, runAutomatic, type AttemptContext, type AttemptScheme, type AuthPlan } from './ntlm/authenticatedAttempts';
import { windowsAuthHandshake } from './ntlm/windowsAuthHandshake';
import type { ProbeContext, StepOutcome } from './probeContext';
import { followRedirect451, type RedirectContext } from './redirect451Step';
import type { ProbeStep } from './runModel';

export function basicAuthorization(userName: string, password: string): string {
  return `Basic ${Buffer.from(`${userName}:${password}`, 'utf8').toString('base64')}`;
}

export async function runOptionsAuthenticatedStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { options, signal } = ctx;
  if (!options.userName) {
    ctx.skip('optionsAuthenticated', 'No user name given: only the anonymous checks ran.');
    return 'next';
  }
  const plan = ctx.plan as AuthPlan;
  const connection = ctx.connection!;
  const userName = options.userName;
  const password = options.password ?? '';
  const authorization = basicAuthorization(userName, password);
  // One redirect context for every sign-in method: only how the credentials are sent differs.
  const redirectContext = (scheme: AttemptScheme): RedirectContext => ({
    current: ctx.target.url,
    connection,
    scheme,
    sendWithCredentials: async (conn, redirectPath) =>
      scheme === 'Basic'
        ? conn.send({ method: 'OPTIONS', path: redirectPath, headers: { Authorization: authorization }, label: 'following 451 with credentials' }, signal)
        : (await windowsAuthHandshake({ connection: conn, path: redirectPath, scheme, userName, password, domain: options.domain, signal })).final,
    ignoreTrust: options.ignoreTrust ?? false,
    extraCaPem: options.extraCaPem,
    timeouts: ctx.timeouts,
    limits: ctx.limits,
    log: ctx.log,
    signal,
    track: (c) => ctx.extraConnections.push(c),
  });
  const attempt: AttemptContext = {
    connection,
    path: ctx.path,
    userName,
    password,
    domain: options.domain,
    signal,
    basicAuthorization: authorization,
    follow451: (b, first, scheme) => followRedirect451(b, first, redirectContext(scheme)),
  };

  const b = ctx.begin('optionsAuthenticated', `Send the OPTIONS command as ${userName} (${ctx.auth === 'auto' ? `automatic: ${plan.attempts.join(', then ')}` : plan.attempts[0]})`);
  if (plan.note) b.detail('Note', plan.note);
  let step: ProbeStep;
  if (ctx.auth === 'auto') {
    const result = await withAbort(runAutomatic(b, plan, attempt), signal);
    step = result.step;
    ctx.decisive = { scheme: result.decisive.scheme, statusCode: result.decisive.final.statusCode };
  } else {
    const outcome = await withAbort(runAttempt(b, plan.attempts[0], attempt), signal);
    step = outcome.step;
    ctx.decisive = { scheme: plan.attempts[0], statusCode: outcome.final.statusCode };
  }
  ctx.push(step);
  ctx.authenticated = step;
  ctx.commandCredentials = ctx.decisive.scheme === 'Basic' ? { kind: 'basic', authorization } : { kind: 'windows', scheme: ctx.decisive.scheme, userName, password, domain: options.domain };
  return 'next';
}
