// Step 2: resolve the host. The operating system's resolver (hosts file included) gives the
// addresses a device would use; when it fails, a direct DNS query tells "no such name" from
// "the DNS server timed out" from "the DNS server failed", which getaddrinfo folds together.
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { deadline, withAbort } from './abortable';
import type { ProbeContext, StepOutcome } from './probeContext';
import { parseProxy, proxyFor } from './proxyTunnel';
import type { FailureCategory, ProbeStep } from './runModel';
import { StepBuilder } from './stepBuilder';

export interface DnsResult {
  step: ProbeStep;
  addresses: string[];
}

class DnsTimeout extends Error {
  readonly code = 'ETIMEOUT';
}

export async function resolveStep(host: string, options: { timeoutMs: number; signal: AbortSignal; connectTo?: string }): Promise<DnsResult> {
  const title = `Resolve ${host} in DNS`;
  const b = new StepBuilder('dns', title);

  if (options.connectTo) {
    b.evidence.addresses = [options.connectTo];
    b.evidence.resolvedVia = 'override';
    b.detail('Addresses', options.connectTo).detail('Source', 'given by the user (connect-to override); DNS not asked');
    return { step: b.finish('passed', `Using ${options.connectTo} as given, without DNS.`), addresses: [options.connectTo] };
  }
  if (isIP(host)) {
    b.evidence.addresses = [host];
    b.evidence.resolvedVia = 'literal';
    b.detail('Addresses', host).detail('Source', 'IP address literal; no DNS look-up needed');
    return { step: { ...b.finish('skipped', `${host} is an IP address: no DNS look-up needed.`) }, addresses: [host] };
  }

  const timer = deadline(options.timeoutMs, () => new DnsTimeout(`No answer from DNS within ${options.timeoutMs} ms.`));
  try {
    const results = await withAbort(Promise.race([lookup(host, { all: true, verbatim: true }), timer.promise]), options.signal);
    const addresses = [...new Set(results.map((r) => r.address))];
    b.evidence.addresses = addresses;
    b.evidence.resolvedVia = 'dns';
    const v4 = results.filter((r) => r.family === 4).map((r) => r.address);
    const v6 = results.filter((r) => r.family === 6).map((r) => r.address);
    b.detail('IPv4 (A)', v4.join(', ') || 'none').detail('IPv6 (AAAA)', v6.join(', ') || 'none').detail('Time', `${Math.round(b.elapsedMs())} ms`);
    return { step: b.finish('passed', `${host} resolved to ${addresses.join(', ')}.`), addresses };
  } catch (error) {
    if ((error as { name?: string }).name === 'RunAbortedError') throw error;
    const classified = await classifyFailure(host, error as NodeJS.ErrnoException, Math.max(500, options.timeoutMs - b.elapsedMs()), options.signal);
    b.detail('Error', classified.code).detail('Time', `${Math.round(b.elapsedMs())} ms`);
    return { step: b.finish('failed', classified.message, { category: classified.category }), addresses: [] };
  } finally {
    timer.clear();
  }
}

async function classifyFailure(
  host: string,
  error: NodeJS.ErrnoException,
  budgetMs: number,
  signal: AbortSignal,
): Promise<{ category: FailureCategory; code: string; message: string }> {
  if (error instanceof DnsTimeout) {
    return { category: 'dns.timeout', code: 'ETIMEOUT', message: `DNS did not answer for ${host} in time. The resolver may be unreachable or overloaded.` };
  }
  // getaddrinfo says ENOTFOUND for NXDOMAIN and sometimes for SERVFAIL; ask DNS directly to tell them apart.
  let code = error.code ?? 'UNKNOWN';
  try {
    const resolver = new Resolver({ timeout: Math.max(1, Math.floor(Math.min(budgetMs, 3000))), tries: 1 });
    const ask = resolver.resolve4(host).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENODATA') return resolver.resolve6(host);
      throw e;
    });
    await withAbort(ask, signal, () => resolver.cancel());
  } catch (e) {
    if ((e as { name?: string }).name === 'RunAbortedError') throw e;
    code = (e as NodeJS.ErrnoException).code ?? code;
  }
  switch (code) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return { category: 'dns.notFound', code, message: `DNS says ${host} does not exist (no such name or no address record).` };
    case 'ETIMEOUT':
    case 'EAI_AGAIN':
      return { category: 'dns.timeout', code, message: `DNS did not answer for ${host} in time. The resolver may be unreachable or overloaded.` };
    case 'ESERVFAIL':
    case 'EREFUSED':
    case 'ECONNREFUSED':
      return { category: 'dns.serverFailure', code, message: `The DNS server failed to answer for ${host} (${code}).` };
    default:
      return { category: 'dns.error', code, message: `Looking up ${host} failed (${code}).` };
  }
}

/**
 * The DNS step of a run. Through a proxy (HTTPS_PROXY or --proxy) the proxy resolves the name,
 * so the step is skipped; a proxy setting that cannot be used fails here, before any connection.
 */
export async function runDnsStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { target, options } = ctx;
  const proxyUrl = proxyFor(target.host, target.port, options.proxy, ctx.env);
  if (proxyUrl) {
    try {
      ctx.proxy = parseProxy(proxyUrl);
    } catch (error) {
      const b = ctx.begin('dns');
      ctx.push(b.finish('failed', `The proxy setting is not usable: ${(error as Error).message}`, { category: 'proxy.error' }));
      return { stop: 'Skipped: no connection could be opened.' };
    }
    ctx.skip('dns', `The proxy ${ctx.proxy.display} resolves ${target.host}; no local look-up.`, `Resolve ${target.host} in DNS`);
    return 'next';
  }
  ctx.begin('dns', `Resolve ${target.host} in DNS`);
  const dns = await resolveStep(target.host, { timeoutMs: ctx.timeouts.dnsMs, signal: ctx.signal, connectTo: options.connectTo });
  ctx.push(dns.step);
  ctx.addresses = dns.addresses;
  return dns.addresses.length === 0 ? { stop: 'Skipped: the host name did not resolve.' } : 'next';
}
