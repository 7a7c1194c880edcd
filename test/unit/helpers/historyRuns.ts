// Realistic ProbeRuns for the history tests and the history benchmark: an OPTIONS 401 against an
// Exchange 2016 front end, with the evidence a real run carries (headers, challenges, certificate).
import { RUN_SCHEMA_VERSION, type ProbeRun, type ProbeStep, type RunOutcome } from '../../../src/probe/runModel';

export interface SampleRunOptions {
  id?: string;
  host?: string;
  startedAt?: string;
  outcome?: RunOutcome;
  userName?: string;
  labScenario?: string;
  /** Pads the 401 body snippet, to make runs that span several disk pages. */
  extraBodyBytes?: number;
}

function step(id: string, title: string, status: ProbeStep['status'], summary: string, startedAt: string, extra: Partial<ProbeStep> = {}): ProbeStep {
  return { id, title, status, summary, startedAt, durationMs: 12, details: [], evidence: {}, children: [], ...extra };
}

export function sampleRun(index: number, options: SampleRunOptions = {}): ProbeRun {
  const host = options.host ?? `mail${index % 7}.contoso.com`;
  const startedAt = options.startedAt ?? new Date(Date.UTC(2025, 0, 1) + index * 60_000).toISOString();
  const outcome = options.outcome ?? (index % 3 === 0 ? 'passed' : 'failed');
  const url = `https://${host}/Microsoft-Server-ActiveSync`;
  const body = `<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head><body>${'x'.repeat(options.extraBodyBytes ?? 0)}</body></html>`;
  const failed = outcome === 'failed';
  const steps: ProbeStep[] = [
    step('input', `Check the address ${url}`, 'passed', 'The address is a valid HTTPS ActiveSync URL.', startedAt),
    step('dns', `Resolve ${host} in DNS`, 'passed', `${host} resolves to 192.0.2.10.`, startedAt, {
      details: [{ label: 'Addresses', value: '192.0.2.10' }],
      evidence: { addresses: ['192.0.2.10'], resolvedVia: 'dns' },
    }),
    step('tcp', 'Connect to port 443', 'passed', 'Connected to 192.0.2.10:443.', startedAt, { evidence: { remoteAddress: '192.0.2.10', remotePort: 443 } }),
    step('tls', 'TLS handshake and certificate', 'passed', 'TLSv1.3 with a trusted certificate for the host.', startedAt, {
      evidence: {
        tlsProtocol: 'TLSv1.3',
        tlsCipher: 'TLS_AES_256_GCM_SHA384',
        certificate: {
          subject: `CN=${host}`,
          issuer: 'CN=Contoso Issuing CA 01, DC=contoso, DC=com',
          subjectAltNames: [`DNS:${host}`, 'DNS:autodiscover.contoso.com'],
          validFrom: '2024-06-01T00:00:00.000Z',
          validTo: '2026-06-01T00:00:00.000Z',
          daysToExpiry: 400,
          fingerprint256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
          serialNumber: '3300000123456789ABCDEF',
          selfSigned: false,
          chainSubjects: [`CN=${host}`, 'CN=Contoso Issuing CA 01', 'CN=Contoso Root CA'],
        },
      },
    }),
    step('optionsAnonymous', 'OPTIONS without credentials', 'passed', 'The server asks for credentials and offers Negotiate, NTLM and Basic.', startedAt, {
      evidence: {
        http: [
          {
            method: 'OPTIONS',
            url,
            requestHeaders: [['Host', host], ['User-Agent', 'ActiveSyncDoctor/0.1']],
            response: {
              statusCode: 401,
              statusText: 'Unauthorized',
              headers: [
                ['Server', 'Microsoft-IIS/10.0'],
                ['request-id', '5b1c2d3e-0000-4000-8000-000000000000'],
                ['X-FEServer', 'EX16-FE01'],
                ['WWW-Authenticate', 'Negotiate'],
                ['WWW-Authenticate', 'NTLM'],
                ['WWW-Authenticate', `Basic realm="${host}"`],
                ['X-Powered-By', 'ASP.NET'],
                ['Content-Type', 'text/html'],
              ],
              bodyBytes: body.length,
              bodySnippet: body,
              bodyTruncated: false,
            },
          },
        ],
        challenges: [
          { scheme: 'Negotiate', params: {} },
          { scheme: 'NTLM', params: {} },
          { scheme: 'Basic', params: { realm: host } },
        ],
        diagnosticHeaders: [['X-FEServer', 'EX16-FE01']],
      },
    }),
    step(
      'optionsAuthenticated',
      'OPTIONS with credentials (Basic)',
      failed ? 'failed' : 'passed',
      failed ? 'The server refused the credentials: HTTP 401 Unauthorized.' : 'The server accepted the credentials: Exchange 2016, protocol 16.1.',
      startedAt,
      {
        evidence: {
          authScheme: 'Basic',
          http: [
            {
              method: 'OPTIONS',
              url,
              requestHeaders: [['Host', host], ['Authorization', 'Basic <redacted>']],
              response: {
                statusCode: failed ? 401 : 200,
                statusText: failed ? 'Unauthorized' : 'OK',
                headers: failed ? [['WWW-Authenticate', `Basic realm="${host}"`]] : [['MS-Server-ActiveSync', '15.1'], ['MS-ASProtocolVersions', '2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1']],
                bodyBytes: failed ? body.length : 0,
                bodySnippet: failed ? body : '',
                bodyTruncated: false,
              },
            },
          ],
        },
        failure: failed ? { category: 'http.401', message: 'The credentials were refused.' } : undefined,
      },
    ),
  ];
  return {
    schemaVersion: RUN_SCHEMA_VERSION,
    id: options.id ?? `run-${String(index).padStart(6, '0')}`,
    engineVersion: '0.1.0',
    target: { input: host, url, host, port: 443 },
    userName: options.userName ?? 'CONTOSO\\jdoe',
    settings: { auth: 'basic', crossCheck: false, ignoreTrust: false, allowHttp: false, timeoutMs: 30_000 },
    ...(options.labScenario ? { labScenario: options.labScenario } : {}),
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + 840).toISOString(),
    durationMs: 840,
    outcome,
    steps,
  };
}
