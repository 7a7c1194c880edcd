// A tiny HTTPS client for the lab tests: node's https module directly (not the probe), keeping
// raw header lines so repeated WWW-Authenticate lines can be checked one by one.
import * as https from 'node:https';

export interface LabResponse {
  status: number;
  statusMessage: string;
  /** Header lines in order, names as sent. */
  headers: Array<[string, string]>;
  body: string;
}

export interface LabRequest {
  method?: string;
  /** Replaces the path of the URL (e.g. '/EWS/Exchange.asmx'). */
  path?: string;
  basic?: { userName: string; password: string };
  /** An OAuth access token, sent as `Authorization: Bearer …`. */
  bearer?: string;
  body?: string;
  ca?: string;
}

export function labRequest(url: string, request: LabRequest = {}): Promise<LabResponse> {
  const target = new URL(url);
  if (request.path) target.pathname = request.path;
  const headers: Record<string, string> = { 'User-Agent': 'lab-test' };
  if (request.bearer) headers.Authorization = `Bearer ${request.bearer}`;
  if (request.basic) {
    headers.Authorization = `Basic ${Buffer.from(`${request.basic.userName}:${request.basic.password}`, 'utf8').toString('base64')}`;
  }
  if (request.body !== undefined) {
    headers['Content-Type'] = 'text/xml';
    headers['Content-Length'] = String(Buffer.byteLength(request.body));
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      target,
      { method: request.method ?? 'OPTIONS', headers, ca: request.ca, agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', headers: pairs, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('lab request timed out')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(res: LabResponse, name: string): string[] {
  return res.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

export function header(res: LabResponse, name: string): string | undefined {
  return headerValues(res, name)[0];
}
