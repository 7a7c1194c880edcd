// The connectivity probe: input → (Autodiscover) → DNS → TCP → TLS → OPTIONS anonymous → OPTIONS with
// credentials → credential cross-check, then the device session (provision → folderSync → sync
// → ping), each step timed and judged, producing one ProbeRun.
// It never throws for anything a server or a user can do: every problem becomes a failed or
// warning step, and a cancel or the overall deadline ends the run within milliseconds.
//
// The steps, their order and titles are the table PROBE_STEPS in the run model; each step is a
// module with one runner, named below. Adding a step is a row there and a module.
import { RunAbortedError } from './abortable';
import { runAutodiscoverStep } from './autodiscover/autodiscoverStep';
import { defaultUserName } from './emailTarget';
import { runCrossCheckStep } from './crossCheckStep';
import { runDnsStep } from './dnsStep';
import { runFolderSyncStep } from './eas/folderSyncStep';
import { runPingStep } from './eas/pingStep';
import { runProvisionStep } from './eas/provisionStep';
import { runSyncStep } from './eas/syncStep';
import { runInputStep } from './inputStep';
import { runOptionsAnonymousStep } from './optionsAnonymousStep';
import { runOptionsAuthenticatedStep } from './optionsAuthenticatedStep';
import { ProbeContext, type StepRunner } from './probeContext';
import type { ProbeOptions } from './probeOptions';
import { PROBE_STEPS, runOutcome, type ProbeRun, type StepId } from './runModel';
import { newRunShell } from './runShell';
import { identifyServer, observationsOf } from './serverIdentification';
import { runTcpStep } from './tcpStep';
import { runTlsStep } from './tlsStep';

/** One runner per row of PROBE_STEPS: the compiler refuses a step without one. */
const STEP_RUNNERS: Record<StepId, StepRunner> = {
  input: runInputStep,
  autodiscover: runAutodiscoverStep,
  dns: runDnsStep,
  tcp: runTcpStep,
  tls: runTlsStep,
  optionsAnonymous: runOptionsAnonymousStep,
  optionsAuthenticated: runOptionsAuthenticatedStep,
  crossCheck: runCrossCheckStep,
  provision: runProvisionStep,
  folderSync: runFolderSyncStep,
  sync: runSyncStep,
  ping: runPingStep,
};

export async function runProbe(given: ProbeOptions): Promise<ProbeRun> {
  const options: ProbeOptions = { ...given, userName: defaultUserName(given.target, given.userName) };
  const controller = new AbortController();
  const ctx = new ProbeContext(options, controller.signal);
  const { timeouts, signal, log, startedAt } = ctx;
  const overallTimer = setTimeout(() => controller.abort(new RunAbortedError('timeout')), timeouts.overallMs);
  const onUserAbort = () => controller.abort(new RunAbortedError('cancelled'));
  if (options.signal?.aborted) onUserAbort();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });

  const run = newRunShell(options, ctx.target, startedAt);
  run.steps = ctx.steps;
  let cancelled = false;
  try {
    for (const { id } of PROBE_STEPS) {
      if (ctx.has(id)) continue; // a step may finish a later one itself
      const outcome = await STEP_RUNNERS[id](ctx);
      if (outcome === 'done') break;
      if (outcome !== 'next') {
        ctx.skipRest(outcome.stop);
        break;
      }
    }
  } catch (error) {
    const aborted = error instanceof RunAbortedError ? error : signal.aborted && signal.reason instanceof RunAbortedError ? signal.reason : undefined;
    const current = ctx.current;
    if (aborted) {
      cancelled = aborted.reason === 'cancelled';
      if (current) {
        const category = cancelled ? 'run.cancelled' : 'run.timeout';
        const message = cancelled ? 'Cancelled while this step was running.' : `The run reached its overall limit of ${timeouts.overallMs} ms during this step.`;
        ctx.push(current.builder.finish('failed', message, { category }));
      }
      ctx.skipRest(cancelled ? 'Skipped: the run was cancelled.' : 'Skipped: the run ran out of time.');
      log(`✗ run ${cancelled ? 'cancelled' : 'timed out'}${current ? ` during ${current.id}` : ''}`);
    } else {
      // A bug of ours must still produce a readable run rather than a crash.
      const message = `Internal error: ${(error as Error).message ?? String(error)}`;
      if (current) ctx.push(current.builder.finish('failed', message, { category: 'internal' }));
      ctx.skipRest('Skipped after an internal error.');
    }
  } finally {
    clearTimeout(overallTimer);
    options.signal?.removeEventListener('abort', onUserAbort);
    ctx.close();
  }
  // The account that signed in is the run's user when none was typed (VS Code and the CLI fill it the same way).
  if (!run.userName && ctx.signedInAccount) run.userName = ctx.signedInAccount;
  // The steps after Autodiscover tested the URL it handed out: the run is about that server.
  if (ctx.target.url && ctx.target.url !== run.target.url) run.target = { input: run.target.input, url: ctx.target.url, host: ctx.target.host, port: ctx.target.port };
  const finishedAt = new Date();
  run.finishedAt = finishedAt.toISOString();
  run.durationMs = finishedAt.getTime() - startedAt.getTime();
  run.outcome = runOutcome(ctx.steps, cancelled);
  const server = identifyServer(observationsOf(ctx.steps));
  if (server) run.server = server;
  return run;
}
