// The HTTP client msal-node uses to reach the authority: undici, with the trust of the run (the
// lab CA or an --ca file added to the system roots), certificate and name checks always on, no
// redirects followed, bounded by a timeout and the run's cancel signal, and restricted to the
// authority's own origins. A request anywhere else (msal's instance discovery at
// login.microsoftonline.com when pointed at the lab, say) is refused rather than sent.
import { rootCertificates } from 'node:tls';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request } from 'undici';

export interface AuthorityNetworkOptions {
  /** Origins (https://host[:port]) msal may talk to; anything else is refused. */
  allowedOrigins: string[];
  /** Extra CA certificates in PEM, trusted beside Node's roots. */
  extraCaPem?: string;
  /** Per request, from sending to the last body byte. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Enough for any token or metadata answer; more is not an authority talking. */
const MAX_BODY_BYTES = 1024 * 1024;

/** An OAuth error answer (RFC 6749 §5.2) with Entra ID's AADSTS codes. */
export interface AuthorityError {
  error: string;
  description: string;
  codes: number[];
}

export class AuthorityNetworkClient implements INetworkModule {
  private readonly agent: Agent;
  private readonly allowed: Set<string>;
  /**
   * The last error the authority answered, other than "authorization_pending". msal keeps only
   * the error code of a failed device code poll; the description and AADSTS codes are what
   * tells a Conditional Access block from a consent problem, so they are kept here.
   */
  lastError: AuthorityError | undefined;

  constructor(private readonly options: AuthorityNetworkOptions) {
    this.allowed = new Set(options.allowedOrigins.map((o) => new URL(o).origin));
    this.agent = new Agent({
      connect: { ca: options.extraCaPem ? [...rootCertificates, options.extraCaPem] : undefined, rejectUnauthorized: true },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    if (target.protocol !== 'https:') throw new Error(`Refused to reach the authority over ${target.protocol.replace(':', '')}: only https is used for sign-in.`);
    if (!this.allowed.has(target.origin)) throw new Error(`Refused to contact ${target.origin}: it is not the configured authority.`);
    const signals = [AbortSignal.timeout(timeout && timeout > 0 ? Math.min(timeout, this.options.timeoutMs) : this.options.timeoutMs)];
    if (this.options.signal) signals.push(this.options.signal);
    const response = await request(url, {
      method,
      headers: options?.headers,
      body: method === 'POST' ? (options?.body ?? '') : undefined,
      dispatcher: this.agent,
      // undici follows no redirect unless told to: a 3xx comes back as it is.
      signal: AbortSignal.any(signals),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        response.body.destroy();
        throw new Error(`The authority's answer from ${target.origin} is larger than ${MAX_BODY_BYTES / 1024} KB.`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new Error(`The authority at ${target.origin} answered HTTP ${response.statusCode} with something that is not JSON.`);
    }
    const answer = body as { error?: unknown; error_description?: unknown; error_codes?: unknown };
    if (typeof answer?.error === 'string' && answer.error !== 'authorization_pending') {
      this.lastError = {
        error: answer.error,
        description: typeof answer.error_description === 'string' ? answer.error_description : '',
        codes: Array.isArray(answer.error_codes) ? answer.error_codes.filter((c): c is number => typeof c === 'number') : [],
      };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return { status: response.statusCode, headers, body: body as T };
  }
}
