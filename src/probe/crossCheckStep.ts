// Step 7: when ActiveSync answers 401, try the very same credentials on EWS and Autodiscover
// on the same host. If either accepts them, the password is right and the fault lies in the
// ActiveSync virtual directory or the back end behind it — the classic Exchange 2007/2010 in
// front of an Exchange 2003 mailbox whose ActiveSync directory allows only Basic.
import { mobileSyncRequest, parseMobileSyncAnswer } from '../protocol/autodiscoverPox';
import type { HttpResult, ProbeHttpConnection } from './httpConnection';
import { basicAuthorization } from './requestAuthorization';
import type { ProbeContext, StepOutcome } from './probeContext';
import type { ProbeStep, StepEvidence } from './runModel';
import { headerValue } from './serverIdentity';
import { StepBuilder } from './stepBuilder';

type CrossCheckResult = NonNullable<StepEvidence['crossCheck']>[number];

/** 2xx, or 405 (the method is wrong but the caller got past authentication), means accepted. */
function accepted(status: number | undefined): boolean | undefined {
  if (status === undefined) return undefined;
  if ((status >= 200 && status < 300) || status === 405) return true;
  if (status === 401) return false;
  return undefined;
}

/** What one endpoint did, in words: "Autodiscover refused the same credentials (HTTP 401)". */
export function describeCrossCheckResult(r: Pick<CrossCheckResult, 'endpoint' | 'statusCode' | 'accepted' | 'error'>): string {
  const name = r.endpoint === 'ews' ? 'EWS' : 'Autodiscover';
  if (r.accepted) return `${name} accepted the same credentials (HTTP ${r.statusCode})`;
  if (r.statusCode === 401) return `${name} refused the same credentials (HTTP 401)`;
  if (r.statusCode !== undefined) return `${name} gave no verdict (HTTP ${r.statusCode})`;
  return `${name} gave no verdict (${r.error ?? 'no answer'})`;
}

export async function crossCheckStep(b: StepBuilder, connection: ProbeHttpConnection, authorization: string, userName: string, signal: AbortSignal): Promise<ProbeStep> {
  const results: CrossCheckResult[] = [];
  const probes: Array<{ endpoint: 'ews' | 'autodiscover'; method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> }> = [
    { endpoint: 'ews', method: 'GET', path: '/EWS/Exchange.asmx', headers: { Authorization: authorization } },
    {
      endpoint: 'autodiscover',
      method: 'POST',
      path: '/autodiscover/autodiscover.xml',
      body: mobileSyncRequest(userName.includes('@') ? userName : `${userName.split('\\').pop()}@unknown.invalid`),
      headers: { Authorization: authorization, 'Content-Type': 'text/xml' },
    },
  ];
  for (const p of probes) {
    // Each endpoint is its own child step, timed from its own request.
    const child = new StepBuilder(`crossCheck.${p.endpoint}`, p.endpoint === 'ews' ? 'EWS (/EWS/Exchange.asmx)' : 'Autodiscover (/autodiscover/autodiscover.xml)');
    const result = await connection.send({ method: p.method, path: p.path, headers: p.headers, body: p.body, label: `cross-check ${p.endpoint}` }, signal);
    (b.evidence.http ??= []).push(result.exchange);
    const verdict = accepted(result.statusCode);
    const r: CrossCheckResult = { endpoint: p.endpoint, url: `${connection.origin}${p.path}`, statusCode: result.statusCode, accepted: verdict === true, error: result.error?.message };
    results.push(r);
    child.detail('HTTP status', result.statusCode).detail('X-OWA-Version', headerValue(result.headers, 'x-owa-version'));
    if (p.endpoint === 'autodiscover' && verdict === true) describeAutodiscoverAnswer(child, result, `${connection.origin}`);
    b.child(child.finish(verdict === true ? 'passed' : verdict === false ? 'failed' : 'skipped', `${describeCrossCheckResult(r)}.`));
  }
  b.evidence.crossCheck = results;
  const said = results.map(describeCrossCheckResult).join('; ');
  if (results.some((r) => r.accepted)) {
    return b.finish('warning', `${said}. The credentials are right: the problem lies with the ActiveSync virtual directory or the mailbox server behind it.`, { category: 'crossCheck.accepted' });
  }
  if (results.some((r) => r.statusCode === 401)) {
    return b.finish('failed', `${said}. The user name or password is most likely wrong, or the account is locked or disabled.`, { category: 'crossCheck.rejected' });
  }
  return b.finish('skipped', `${said}. Neither endpoint could judge the credentials on this host.`);
}

/** What the accepted Autodiscover answer hands devices, and whether it is the URL being probed. */
function describeAutodiscoverAnswer(child: StepBuilder, result: HttpResult, origin: string): void {
  const snippet = result.exchange.response?.bodySnippet ?? '';
  if (!snippet || result.exchange.response?.bodyTruncated) return;
  const answer = parseMobileSyncAnswer(snippet);
  if (answer.kind === 'settings') {
    child.detail('ActiveSync URL it hands out', answer.url);
    let sameOrigin = false;
    try {
      sameOrigin = new URL(answer.url).origin === new URL(origin).origin;
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin) child.detail('Note', `Devices using Autodiscover are sent to ${answer.url}, not to ${origin}.`);
  } else if (answer.kind === 'redirect') {
    child.detail('Autodiscover redirects to', answer.emailAddress);
  } else if (answer.kind === 'error') {
    child.detail('Autodiscover error', [answer.code ?? answer.status, answer.message].filter(Boolean).join(' '));
  } else {
    child.detail('Autodiscover answer', answer.reason);
  }
}

/** The cross-check step of a run: only after a Basic sign-in that ActiveSync refused with 401. */
export async function runCrossCheckStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { options } = ctx;
  const enabled = options.crossCheck ?? true;
  const decisive = ctx.decisive;
  if (decisive?.scheme === 'Bearer') {
    ctx.skip('crossCheck', 'The cross-check signs in with Basic only; an OAuth run sends no password anywhere.');
  } else if (!options.userName || !decisive) {
    ctx.skip('crossCheck', 'No credentials to cross-check.');
  } else if (!enabled) {
    ctx.skip('crossCheck', 'Turned off for this run.');
  } else if (decisive.statusCode !== 401) {
    ctx.skip('crossCheck', 'Not needed: ActiveSync did not answer 401.');
  } else if (decisive.scheme !== 'Basic') {
    ctx.skip('crossCheck', 'The cross-check signs in with Basic only, so it does not run after an NTLM or Negotiate refusal; run with Basic or automatic sign-in to compare.');
  } else {
    const b = ctx.begin('crossCheck');
    ctx.push(await crossCheckStep(b, ctx.connection!, basicAuthorization(options.userName, options.password ?? ''), options.userName, ctx.signal));
  }
  return 'next';
}
