// OPTIONS with credentials, by the sign-in method chosen (Basic, NTLM, Negotiate, OAuth, or
// automatic: each scheme the server offers in turn), following a 451 once. Every request goes
// over the run's gated connection (see credentialGate.ts), and the command steps sign in the way
// this step got through: the same Basic or Bearer header, or the same Windows handshake.
import { withAbort } from './abortable';
import { signInForBearer } from './bearerStep';
import type { HttpResult, ProbeHttpConnection } from './httpConnection';
import { runAttempt, runAutomatic, type AttemptContext, type AttemptScheme, type AuthPlan } from './ntlm/authenticatedAttempts';
import { windowsAuthHandshake } from './ntlm/windowsAuthHandshake';
import type { ProbeContext, StepOutcome } from './probeContext';
import { followRedirect451, type RedirectContext } from './redirect451Step';
import { basicAuthorization } from './requestAuthorization';
import type { ProbeStep } from './runModel';

export async function runOptionsAuthenticatedStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { options, signal } = ctx;
  const plan = ctx.plan as AuthPlan;
  // An OAuth run needs no user name: the sign-in names the user.
  const bearer = plan.attempts.includes('Bearer') && options.bearerToken ? options.bearerToken : undefined;
  if (!options.userName && !bearer) {
    ctx.skip('optionsAuthenticated', 'No user name given: only the anonymous checks ran.');
    return 'next';
  }
  const connection = ctx.connection!;
  const userName = options.userName ?? '';
  const password = options.password ?? '';
  const authorization = basicAuthorization(userName, password);
  // The Bearer value once the sign-in gave one: a 451 and the command steps send exactly it.
  let bearerAuthorization: string | undefined;
  const send = (value: string) => (conn: ProbeHttpConnection, redirectPath: string): Promise<HttpResult> =>
    conn.send({ method: 'OPTIONS', path: redirectPath, headers: { Authorization: value }, label: 'following 451 with credentials' }, signal);
  // One redirect context for every sign-in method: only how the credentials are sent differs.
  const redirectContext = (scheme: AttemptScheme): RedirectContext => ({
    current: ctx.target.url,
    connection,
    scheme,
    sendWithCredentials:
      scheme === 'Basic' ? send(authorization)
      : scheme === 'Bearer' ? send(bearerAuthorization as string)
      : async (conn, redirectPath) => (await windowsAuthHandshake({ connection: conn, path: redirectPath, scheme, userName, password, domain: options.domain, signal })).final,
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
    bearerAuthorization: bearer
      ? async (b) => {
          const signIn = await signInForBearer(b, { host: ctx.target.host, signal, tokenSource: bearer, resource: options.oauthResource });
          if (signIn.ok) {
            bearerAuthorization = signIn.authorization;
            ctx.signedInAccount = signIn.account;
          }
          return signIn;
        }
      : undefined,
    follow451: (b, first, scheme) => followRedirect451(b, first, redirectContext(scheme)),
  };

  const how = ctx.auth === 'auto' ? `automatic: ${plan.attempts.join(', then ')}` : plan.attempts[0];
  const b = ctx.begin('optionsAuthenticated', userName ? `Send the OPTIONS command as ${userName} (${how})` : `Send the OPTIONS command with an OAuth token (${how})`);
  if (plan.note) b.detail('Note', plan.note);
  let step: ProbeStep;
  if (ctx.auth === 'auto') {
    const result = await withAbort(runAutomatic(b, plan, attempt), signal);
    step = result.step;
    ctx.decisive = { scheme: result.decisive.scheme, statusCode: result.decisive.final?.statusCode };
  } else {
    const outcome = await withAbort(runAttempt(b, plan.attempts[0], attempt), signal);
    step = outcome.step;
    ctx.decisive = { scheme: plan.attempts[0], statusCode: outcome.final?.statusCode };
  }
  ctx.push(step);
  ctx.authenticated = step;
  const decisive = ctx.decisive.scheme;
  if (decisive === 'Basic') ctx.commandCredentials = { kind: 'header', authorization };
  else if (decisive === 'Bearer') ctx.commandCredentials = bearerAuthorization ? { kind: 'header', authorization: bearerAuthorization } : undefined;
  else ctx.commandCredentials = { kind: 'windows', scheme: decisive, userName, password, domain: options.domain };
  return 'next';
}
