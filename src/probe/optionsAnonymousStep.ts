// The first HTTP request, OPTIONS without credentials, on the connection the earlier steps
// opened. Its 401 challenges decide how the next step signs in (see planAuthentication).
import { withAbort } from './abortable';
import { planAuthentication } from './ntlm/authenticatedAttempts';
import { judgeAnonymous } from './optionsSteps';
import type { ProbeContext, StepOutcome } from './probeContext';

export async function runOptionsAnonymousStep(ctx: ProbeContext): Promise<StepOutcome> {
  const connection = ctx.openHttpConnection();
  const b = ctx.begin('optionsAnonymous');
  const anon = await withAbort(connection.send({ method: 'OPTIONS', path: ctx.path, headers: {}, label: 'anonymous' }, ctx.signal), ctx.signal);
  const plan = planAuthentication(ctx.auth, anon, { bearerAvailable: Boolean(ctx.options.bearerToken) });
  ctx.anonymous = anon;
  ctx.plan = plan;
  // The scheme the anonymous step checks for: the first to try, or (none usable) what was wanted.
  const step = judgeAnonymous(b, anon, plan.attempts[0] ?? plan.wanted);
  ctx.push(step);
  if ((anon.error && anon.error.category !== 'http.tooLarge') || step.status === 'failed') return { stop: 'Skipped: the server did not give a usable HTTP answer.' };
  return 'next';
}
