// Step 7: when ActiveSync answers 401, try the very same credentials on EWS and Autodiscover
// on the same host. If either accepts them, the password is right and the fault lies in the
// ActiveSync virtual directory or the back end behind it — the classic Exchange 2007/2010 in
// front of an Exchange 2003 mailbox whose ActiveSync directory allows only Basic.
import { escapeHtml } from '../common/textSafety';
import type { ProbeHttpConnection } from './httpConnection';
import type { ProbeStep, StepEvidence } from './runModel';
import { identifyServer } from './serverIdentity';
import { childStep, type StepBuilder } from './stepBuilder';

type CrossCheckResult = NonNullable<StepEvidence['crossCheck']>[number];

function autodiscoverRequest(email: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">',
    '  <Request>',
    `    <EMailAddress>${escapeHtml(email)}</EMailAddress>`,
    '    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>',
    '  </Request>',
    '</Autodiscover>',
  ].join('\r\n');
}

/** 2xx, or 405 (the method is wrong but the caller got past authentication), means accepted. */
function accepted(status: number | undefined): boolean | undefined {
  if (status === undefined) return undefined;
  if ((status >= 200 && status < 300) || status === 405) return true;
  if (status === 401) return false;
  return undefined;
}

export async function crossCheckStep(b: StepBuilder, connection: ProbeHttpConnection, authorization: string, userName: string, signal: AbortSignal): Promise<ProbeStep> {
  const results: CrossCheckResult[] = [];
  const probes: Array<{ endpoint: 'ews' | 'autodiscover'; method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> }> = [
    { endpoint: 'ews', method: 'GET', path: '/EWS/Exchange.asmx', headers: { Authorization: authorization } },
    {
      endpoint: 'autodiscover',
      method: 'POST',
      path: '/autodiscover/autodiscover.xml',
      body: autodiscoverRequest(userName.includes('@') ? userName : `${userName.split('\\').pop()}@unknown.invalid`),
      headers: { Authorization: authorization, 'Content-Type': 'text/xml' },
    },
  ];
  for (const p of probes) {
    const result = await connection.send({ method: p.method, path: p.path, headers: p.headers, body: p.body, label: `cross-check ${p.endpoint}` }, signal);
    (b.evidence.http ??= []).push(result.exchange);
    const server = identifyServer(result.headers);
    if (server && !b.evidence.server) b.evidence.server = server;
    const verdict = accepted(result.statusCode);
    results.push({ endpoint: p.endpoint, url: `${connection.origin}${p.path}`, statusCode: result.statusCode, accepted: verdict === true, error: result.error?.message });
    const name = p.endpoint === 'ews' ? 'EWS (/EWS/Exchange.asmx)' : 'Autodiscover (/autodiscover/autodiscover.xml)';
    b.child(childStep(
      `crossCheck.${p.endpoint}`,
      name,
      verdict === true ? 'passed' : verdict === false ? 'failed' : 'skipped',
      verdict === true
        ? `Accepted the same credentials (HTTP ${result.statusCode}).`
        : verdict === false
          ? 'Refused the same credentials (HTTP 401).'
          : result.error
            ? `No verdict: ${result.error.message}`
            : `No verdict: HTTP ${result.statusCode}.`,
      server ? [{ label: server.source, value: `${server.build} (${server.productName})` }] : [],
    ));
  }
  b.evidence.crossCheck = results;
  const ok = results.filter((r) => r.accepted);
  if (ok.length) {
    const where = ok.map((r) => (r.endpoint === 'ews' ? 'EWS' : 'Autodiscover')).join(' and ');
    return b.finish('warning', `${where} accepted the same user name and password, so the credentials are right: the problem lies with the ActiveSync virtual directory or the mailbox server behind it.`, { category: 'crossCheck.accepted' });
  }
  if (results.some((r) => r.statusCode === 401)) {
    return b.finish('failed', 'EWS and Autodiscover refused the same credentials too: the user name or password is most likely wrong, or the account is locked or disabled.', { category: 'crossCheck.rejected' });
  }
  return b.finish('skipped', 'Neither EWS nor Autodiscover could judge the credentials on this host.');
}
