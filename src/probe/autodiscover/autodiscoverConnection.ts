// One connection to an Autodiscover server, opened and judged with the very steps the run uses
// for the ActiveSync server (dnsStep, tcpStep, tlsStep, or the proxy tunnel), shown as children
// of the attempt. The connection carries credentials only when its origin is one the user named
// and the TLS judgement accepted it: then the credential gate (verifiedEndpoint) watches every
// socket of it. Anything else is anonymous-only, which ProbeHttpConnection enforces itself.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { RunAbortedError } from '../abortable';
import { verifiedEndpoint } from '../credentialGate';
import { resolveStep } from '../dnsStep';
import { ProbeHttpConnection, type HttpLimits } from '../httpConnection';
import type { ProbeTimeouts } from '../probeOptions';
import { openTunnel, parseProxy, proxyFor } from '../proxyTunnel';
import type { FailureCategory, ProbeStep } from '../runModel';
import type { StepBuilder } from '../stepBuilder';
import { connectOnce, tcpStep } from '../tcpStep';
import { tlsHandshake, tlsStep } from '../tlsStep';

export interface AutodiscoverNetwork {
  extraCaPem?: string;
  ignoreTrust: boolean;
  timeouts: ProbeTimeouts;
  limits: HttpLimits;
  proxy?: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Connections and sockets opened here, closed when the run ends. */
  track(connection: ProbeHttpConnection): void;
  trackSocket(socket: Socket): void;
}

export type OpenedConnection =
  | { ok: true; connection: ProbeHttpConnection; mayCarryCredentials: boolean; trustIgnored: boolean }
  | { ok: false; category: FailureCategory; message: string; reached: boolean };

/** A child step of the attempt under its own id, so findStep(run, 'tls') still finds the run's own TLS step. */
function asChild(step: ProbeStep, id: string): ProbeStep {
  return { ...step, id };
}

/**
 * Opens `url` (http or https) and judges it. `credentialsWanted`: the origin is one the user
 * named, so a verified connection may carry the Authorization header.
 */
export async function openAutodiscoverConnection(attempt: StepBuilder, url: URL, credentialsWanted: boolean, net: AutodiscoverNetwork): Promise<OpenedConnection> {
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  const prefix = attempt.id;
  let raw: Socket;
  let openRaw: () => Promise<Socket>;
  const proxyUrl = proxyFor(host, port, net.proxy, net.env);
  try {
    if (proxyUrl) {
      const proxy = parseProxy(proxyUrl);
      raw = (await openTunnel(proxy, host, port, net.timeouts.connectMs, net.signal)).socket;
      attempt.detail('Proxy', proxy.display);
      openRaw = async () => (await openTunnel(proxy, host, port, net.timeouts.connectMs, net.signal)).socket;
    } else {
      const dns = await resolveStep(host, { timeoutMs: net.timeouts.dnsMs, signal: net.signal });
      attempt.child(asChild(dns.step, `${prefix}.dns`));
      if (dns.addresses.length === 0) return { ok: false, category: dns.step.failure?.category ?? 'dns.error', message: dns.step.summary, reached: false };
      const tcp = await tcpStep(dns.addresses, port, { timeoutMs: net.timeouts.connectMs, signal: net.signal, label: host });
      attempt.child(asChild(tcp.step, `${prefix}.tcp`));
      if (!tcp.socket) return { ok: false, category: tcp.step.failure?.category ?? 'tcp.error', message: tcp.step.summary, reached: false };
      raw = tcp.socket;
      const address = tcp.address as string;
      openRaw = () => connectOnce(address, port, net.timeouts.connectMs, net.signal);
    }
  } catch (error) {
    if (error instanceof RunAbortedError) throw error;
    return { ok: false, category: 'proxy.error', message: `The proxy could not reach ${host}:${port}: ${(error as Error).message}`, reached: false };
  }
  net.trackSocket(raw);
  const tracked = async () => {
    const s = await openRaw();
    net.trackSocket(s);
    return s;
  };
  const origin = `${url.protocol}//${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

  if (!https) {
    // Plain http is only ever asked for its redirect: never a connection that may carry credentials.
    const connection = new ProbeHttpConnection({ origin, socket: raw, reopen: tracked, limits: net.limits, log: net.log });
    net.track(connection);
    return { ok: true, connection, mayCarryCredentials: false, trustIgnored: false };
  }

  // The TLS step's own judgement: trust, name, expiry, old protocols, the system store retry.
  const tls = await tlsStep(raw, { host, timeoutMs: net.timeouts.tlsMs, signal: net.signal, extraCaPem: net.extraCaPem, ignoreTrust: net.ignoreTrust, reconnect: tracked });
  attempt.child(asChild(tls.step, `${prefix}.tls`));
  if (!tls.usable || !tls.socket) return { ok: false, category: tls.step.failure?.category ?? 'tls.handshakeFailed', message: tls.step.summary, reached: true };
  net.trackSocket(tls.socket);
  const withSystemStore = Boolean(tls.withSystemStore);
  const reopen = async () => tlsHandshake(await tracked(), { host, timeoutMs: net.timeouts.tlsMs, signal: net.signal, extraCaPem: net.extraCaPem, withSystemStore });
  const endpoint = credentialsWanted ? verifiedEndpoint({ scheme: 'https', host, port }, tls.judged) : undefined;
  const connection = new ProbeHttpConnection({ origin, socket: tls.socket, reopen, endpoint, limits: net.limits, log: net.log });
  net.track(connection);
  return { ok: true, connection, mayCarryCredentials: Boolean(endpoint), trustIgnored: Boolean(tls.judged?.trustIgnored) };
}
