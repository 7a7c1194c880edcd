// Step 3: open a TCP connection, trying each resolved address in turn (as a device's stack
// would), and say precisely why it failed: refused (nothing listening, or a firewall that
// rejects), timed out (a firewall that drops), or unreachable (no route).
import { connect, type Socket } from 'node:net';
import { abortReason, RunAbortedError } from './abortable';
import type { ProbeContext, StepOutcome } from './probeContext';
import { openTunnel } from './proxyTunnel';
import type { FailureCategory, ProbeStep } from './runModel';
import { childStep, StepBuilder } from './stepBuilder';

export interface TcpAttempt {
  address: string;
  ok: boolean;
  category?: FailureCategory;
  code?: string;
  ms: number;
}

export function connectOnce(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const socket = connect({ host: address, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`No answer from ${address}:${port} within ${timeoutMs} ms.`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const onAbort = () => {
      socket.destroy();
      cleanup();
      reject(abortReason(signal));
    };
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      cleanup();
      resolve(socket);
    });
    socket.once('error', (error) => {
      cleanup();
      socket.destroy();
      reject(error);
    });
  });
}

export function classifyConnectError(code: string | undefined): FailureCategory {
  switch (code) {
    case 'ECONNREFUSED':
      return 'tcp.refused';
    case 'ETIMEDOUT':
      return 'tcp.timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return 'tcp.unreachable';
    default:
      return 'tcp.error';
  }
}

const MEANING: Partial<Record<FailureCategory, string>> = {
  'tcp.refused': 'refused the connection (nothing listening on that port, or a firewall rejecting it)',
  'tcp.timeout': 'did not answer (a firewall or load balancer is probably dropping the packets)',
  'tcp.unreachable': 'is unreachable (no network route to it)',
  'tcp.error': 'could not be reached',
};

export interface TcpResult {
  step: ProbeStep;
  socket?: Socket;
  address?: string;
}

export async function tcpStep(addresses: string[], port: number, options: { timeoutMs: number; signal: AbortSignal; label?: string }): Promise<TcpResult> {
  const label = options.label ?? 'the server';
  const b = new StepBuilder('tcp', `Connect to ${label} on TCP port ${port}`);
  const attempts: TcpAttempt[] = [];
  for (const address of addresses) {
    const started = Date.now();
    try {
      const socket = await connectOnce(address, port, options.timeoutMs, options.signal);
      attempts.push({ address, ok: true, ms: Date.now() - started });
      b.evidence.remoteAddress = address;
      b.evidence.remotePort = port;
      b.detail('Connected to', `${address}:${port}`).detail('Local address', `${socket.localAddress}:${socket.localPort}`);
      if (attempts.length > 1) for (const a of attempts) b.child(attemptStep(a, port));
      return { step: b.finish('passed', `Connected to ${address} on port ${port}.`), socket, address };
    } catch (error) {
      if ((error as { name?: string }).name === 'RunAbortedError') throw error;
      const code = (error as NodeJS.ErrnoException).code;
      attempts.push({ address, ok: false, category: classifyConnectError(code), code, ms: Date.now() - started });
    }
  }
  for (const a of attempts) b.child(attemptStep(a, port));
  // The most telling failure wins: a timeout says more about filtering than a refused IPv6 address.
  const order: FailureCategory[] = ['tcp.timeout', 'tcp.refused', 'tcp.unreachable', 'tcp.error'];
  const worst = order.find((c) => attempts.some((a) => a.category === c)) ?? 'tcp.error';
  const addrs = attempts.map((a) => a.address).join(', ');
  b.detail('Addresses tried', addrs || 'none');
  for (const a of attempts) b.detail(a.address, `${a.code ?? 'error'} after ${a.ms} ms`);
  return { step: b.finish('failed', `Port ${port} on ${addrs || label} ${MEANING[worst]}.`, { category: worst }) };
}

function attemptStep(a: TcpAttempt, port: number): ProbeStep {
  return childStep(
    `tcp.${a.address}`,
    `Connect to ${a.address}:${port}`,
    a.ok ? 'passed' : 'failed',
    a.ok ? `Connected in ${a.ms} ms.` : `${a.code ?? 'error'} after ${a.ms} ms.`,
  );
}

/** The TCP step of a run: a direct connection to the resolved addresses, or a CONNECT tunnel through the proxy. */
export async function runTcpStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { target, proxy } = ctx;
  if (proxy) {
    const b = ctx.begin('tcp', `Connect to ${target.host}:${target.port} through the proxy ${proxy.display}`);
    b.evidence.proxy = proxy.display;
    try {
      const tunnel = await openTunnel(proxy, target.host, target.port, ctx.timeouts.connectMs, ctx.signal);
      ctx.socket = tunnel.socket;
      b.detail('Proxy', proxy.display).detail('Proxy reply', tunnel.status);
      ctx.push(b.finish('passed', `The proxy ${proxy.display} opened a tunnel to ${target.host}:${target.port}.`));
      return 'next';
    } catch (error) {
      if (error instanceof RunAbortedError) throw error;
      b.detail('Proxy', proxy.display).detail('Error', (error as Error).message);
      ctx.push(b.finish('failed', `The proxy ${proxy.display} could not open a tunnel: ${(error as Error).message}`, { category: 'proxy.error' }));
      return { stop: 'Skipped: no connection could be opened.' };
    }
  }
  ctx.begin('tcp', `Connect to ${target.host} on TCP port ${target.port}`);
  const tcp = await tcpStep(ctx.addresses, target.port, { timeoutMs: ctx.timeouts.connectMs, signal: ctx.signal, label: target.host });
  ctx.push(tcp.step);
  if (!tcp.socket) return { stop: 'Skipped: no TCP connection.' };
  ctx.socket = tcp.socket;
  ctx.address = tcp.address;
  return 'next';
}
