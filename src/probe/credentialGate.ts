// The one rule for credentials: an Authorization header (Basic, NTLM, Negotiate, Bearer) is
// written only to a connection that is the endpoint the run verified. For https that means the
// certificate of that very connection passes the TLS step's trust and name checks, or, when the
// user chose to ignore trust, is byte-identical (SHA-256) to the certificate the TLS step judged
// and warned about; for http, only a target the user allowed plain HTTP for. A URL of another
// scheme, host or port is never that endpoint, whatever a redirect says.
//
// ProbeHttpConnection asks the gate about every socket it is handed (the first, each reconnect),
// so reconnects, NTLM legs, 451 follow-ups on the same origin and the cross-check are all covered;
// a connection made for anything else is anonymous-only and refuses an Authorization header.
import type { Socket } from 'node:net';
import type * as tls from 'node:tls';
import { checkPeerLeaf } from './peerCertificate';

/** The endpoint a run verified: the only place its credentials may go. */
export interface VerifiedEndpoint {
  scheme: 'https' | 'http';
  /** Lower-case host name, or an IP literal without brackets. */
  host: string;
  port: number;
  /**
   * How the endpoint was accepted: `verified` (trusted chain, matching name), `acceptedByUser`
   * (the user chose to ignore a trust problem: only the certificate they were warned about
   * counts), or `plainHttpAllowed` (an http:// target the user allowed for this run).
   */
  trust: 'verified' | 'acceptedByUser' | 'plainHttpAllowed';
  /** SHA-256 fingerprint of the certificate the TLS step judged (https only). */
  fingerprint256?: string;
}

export type GateRefusalReason = 'plainHttp' | 'otherOrigin' | 'certificateChanged' | 'untrusted' | 'noCertificate';

export interface GateRefusal {
  ok: false;
  reason: GateRefusalReason;
  /** One sentence for the step, ending in what was not sent. */
  message: string;
  /** The fingerprint the TLS step judged, and the one this connection presented. */
  expectedFingerprint?: string;
  presentedFingerprint?: string;
}

export type GateVerdict = { ok: true } | GateRefusal;

function normalHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

export function verifiedEndpoint(target: { scheme: 'https' | 'http'; host: string; port: number }, tlsJudgement?: { fingerprint256?: string; trustIgnored: boolean }): VerifiedEndpoint {
  if (target.scheme === 'http') return { scheme: 'http', host: normalHost(target.host), port: target.port, trust: 'plainHttpAllowed' };
  return { scheme: 'https', host: normalHost(target.host), port: target.port, trust: tlsJudgement?.trustIgnored ? 'acceptedByUser' : 'verified', fingerprint256: tlsJudgement?.fingerprint256 };
}

export function describeOrigin(e: Pick<VerifiedEndpoint, 'scheme' | 'host' | 'port'>): string {
  return `${e.scheme}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/** May credentials for `endpoint` go to `url`? Only when scheme, host and port are the same. */
export function checkOrigin(endpoint: VerifiedEndpoint, url: string | URL): GateVerdict {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return { ok: false, reason: 'otherOrigin', message: 'The address is not a URL; no credentials were sent.' };
  }
  const scheme = u.protocol.replace(/:$/, '');
  const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : 0;
  const where = `${scheme}://${u.host}`;
  if (scheme === 'http' && endpoint.scheme === 'https') {
    return { ok: false, reason: 'plainHttp', message: `${where} is plain HTTP: credentials verified for ${describeOrigin(endpoint)} never go over http.` };
  }
  if (scheme !== endpoint.scheme || normalHost(u.hostname) !== endpoint.host || port !== endpoint.port) {
    return { ok: false, reason: 'otherOrigin', message: `${where} is not ${describeOrigin(endpoint)}, the server you entered and the probe verified: no credentials were sent there.` };
  }
  return { ok: true };
}

/**
 * May credentials for `endpoint` be written to `socket`? `when` says which connection it is, for
 * the message ("on reconnect"). Re-runs the trust and name checks on this socket's own certificate.
 */
export function checkConnection(endpoint: VerifiedEndpoint, socket: Socket, when = 'on reconnect'): GateVerdict {
  if (endpoint.scheme === 'http') return { ok: true }; // the user allowed plain HTTP for exactly this target
  const tlsSocket = socket as tls.TLSSocket;
  if (typeof tlsSocket.getPeerCertificate !== 'function') {
    return { ok: false, reason: 'noCertificate', message: `The connection ${when} is not TLS; no credentials were sent over it.`, expectedFingerprint: endpoint.fingerprint256 };
  }
  const peer = checkPeerLeaf(tlsSocket, endpoint.host);
  const expectedFingerprint = endpoint.fingerprint256;
  const presentedFingerprint = peer.fingerprint256;
  const evidence = { expectedFingerprint, presentedFingerprint };
  if (!presentedFingerprint) {
    return { ok: false, reason: 'noCertificate', message: `The server presented no certificate ${when}; no credentials were sent.`, ...evidence };
  }
  const changed = presentedFingerprint !== expectedFingerprint;
  const opening = changed ? `The server presented a different certificate ${when} (SHA-256 ${presentedFingerprint}, not ${expectedFingerprint ?? 'none'} judged by the TLS step)` : `The certificate ${when}`;
  if (endpoint.trust === 'acceptedByUser') {
    if (!changed) return { ok: true };
    return { ok: false, reason: 'certificateChanged', message: `${opening}, and trust was ignored only for the certificate shown in the TLS step. No credentials were sent over it.`, ...evidence };
  }
  const problems: string[] = [];
  if (!peer.chainTrusted) problems.push(`its chain is not trusted (${peer.authorizationCode ?? 'unknown reason'})`);
  if (peer.nameError) problems.push(`it does not cover ${endpoint.host}`);
  if (problems.length === 0) return { ok: true };
  return { ok: false, reason: changed ? 'certificateChanged' : 'untrusted', message: `${opening}: ${problems.join(' and ')}. No credentials were sent over it.`, ...evidence };
}

/** Carries a refusal through undici's connect callback to the request that needed the socket. */
export class CredentialGateError extends Error {
  readonly code = 'CREDENTIAL_GATE';
  constructor(readonly refusal: GateRefusal) {
    super(refusal.message);
    this.name = 'CredentialGateError';
  }
}
