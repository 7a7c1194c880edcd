// The embedded lab: one loopback HTTPS listener per scenario (each with its own certificate and
// TCP behaviour), so the probe, the CLI, the extension, the tests and the benchmarks can run
// against realistic Exchange answers with no Exchange at hand. It never writes to stdout: callers
// print, and may watch requests through onRequest.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFor, labCertificates, type LabCertificates } from './labCertificates';
import { createLabRequestHandler, type LabRequestInfo } from './labRequestHandler';
import { LAB_SCENARIOS, type LabScenario } from './scenarios';
import { TLS10_SERVER_OPTIONS, tls10Unavailable } from './legacyTlsSupport';
import { EXCHANGE_ONLINE_RESOURCE, LAB_OAUTH_CLIENT_ID, startLabAuthority, type LabAuthority } from './labOAuthAuthority';
import { signInWithDeviceCode } from '../oauth/deviceCodeSignIn';
import { labDiscovery } from './labAutodiscover';
import type { AutodiscoverDiscovery } from '../protocol/autodiscoverPlaces';

export type { LabRequestInfo } from './labRequestHandler';
export { formatLabListing } from './labListing';

export const LAB_EAS_PATH = '/Microsoft-Server-ActiveSync';

export interface LabEndpoint {
  scenario: LabScenario;
  port: number;
  url: string;
}

export interface RunningLab {
  /** Host name used in the URLs: 'localhost' (the certificates name it, plus 127.0.0.1 and ::1). */
  host: string;
  /** The lab CA in PEM, for a probe's extraCaPem. */
  caPem: string;
  /** caPem written to a temporary file (for the CLI's --ca); removed by close(). */
  caFile: string;
  endpoints: LabEndpoint[];
  /** Scenarios left out because this runtime cannot play them (e.g. TLS 1.0), with the reason. */
  unavailable: Array<{ scenario: LabScenario; reason: string }>;
  /** The ActiveSync URL of a running scenario; throws for an id that is not running. */
  urlFor(id: string): string;
  /** The lab's OAuth authority, present when an OAuth scenario runs. */
  oauth?: LabOAuthEndpoints;
  /**
   * For an Autodiscover scenario: where the places devices look lead in this lab (there is no DNS
   * for contoso.example), for the probe's autodiscoverDiscovery option. Undefined for the others.
   */
  autodiscoverDiscovery(id: string): AutodiscoverDiscovery | undefined;
  /** Stops every listener and destroys open connections, including held-open silent ones. */
  close(): Promise<void>;
}

/** A probe's token source (BearerTokenSource in src/probe/oauthToken.ts), spelled out: the lab does not import the probe. */
export type LabTokenSource = (request: { scopes: string[]; signal: AbortSignal }) => Promise<{ accessToken: string; account?: string; source: string }>;

/** What a client needs to sign in at the lab authority for one OAuth scenario. */
export interface LabOAuthEndpoints {
  /** https://localhost:PORT, the authority's host (for msal's knownAuthorities). */
  origin: string;
  clientId: string;
  /** The scenario's tenant id. */
  tenantFor(scenarioId: string): string;
  /** https://localhost:PORT/TENANT for the scenario. */
  authorityFor(scenarioId: string): string;
  /** The resource the scenario's server accepts tokens for (Exchange Online's, or the server's own URL). */
  resourceFor(scenarioId: string): string;
  /**
   * The device code sign-in at the lab authority through msal-node, as a probe's token source.
   * `prompt` receives the instructions a person would follow (the lab approves by itself).
   */
  tokenSource(scenarioId: string, options: { prompt(message: string): void; cacheFile?: string }): LabTokenSource;
}

export interface StartLabOptions {
  /** Base port: scenario number i of LAB_SCENARIOS listens on port + i. 0 or undefined: ephemeral ports. */
  port?: number;
  /**
   * Exact ports for some scenarios, overriding `port`. A test stages "the same server after a
   * change" by starting the changed scenario on the port the earlier one used.
   */
  ports?: Record<string, number>;
  /** Loopback address to listen on (default 127.0.0.1); the lab refuses anything else. */
  host?: string;
  /** Subset of scenario ids. Scenarios another one points at (451's redirect target) are added. */
  scenarios?: string[];
  /** Called after each answered HTTP request (never with a password). */
  onRequest?(info: LabRequestInfo): void;
  /**
   * For tests and benchmarks: play a distant server. The TLS handshake starts this many
   * milliseconds after the connection is accepted, and every HTTP answer leaves this much later,
   * so each round trip a probe makes costs about this long, as over a WAN. Default 0 (none).
   */
  latencyMs?: number;
}

type AnyServer = net.Server;

interface Listener {
  servers: AnyServer[];
  sockets: Set<net.Socket>;
}

export async function startLab(options: StartLabOptions = {}): Promise<RunningLab> {
  const listenHost = options.host ?? '127.0.0.1';
  if (!isLoopback(listenHost)) throw new Error(`The lab listens on loopback only; "${listenHost}" is not a loopback address.`);
  const basePort = options.port ?? 0;
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`Invalid lab latency: ${options.latencyMs}`);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort + LAB_SCENARIOS.length > 65535) {
    throw new Error(`Invalid lab base port: ${options.port}`);
  }

  const selected = selectScenarios(options.scenarios);
  const certs = labCertificates();
  const unavailable: RunningLab['unavailable'] = [];
  const playable: LabScenario[] = [];
  for (const scenario of selected) {
    const reason = scenario.requires === 'tls10' ? await tls10Unavailable(certs.lab) : undefined;
    if (reason) unavailable.push({ scenario, reason });
    else playable.push(scenario);
  }

  const urlHost = listenHost === '127.0.0.1' || listenHost === 'localhost' || listenHost === '::1' ? 'localhost' : listenHost;
  const urls = new Map<string, string>();
  const urlFor = (id: string): string => {
    const url = urls.get(id);
    if (!url) throw new Error(`Lab scenario "${id}" is not running.`);
    return url;
  };

  const listeners: Listener[] = [];
  const endpoints: LabEndpoint[] = [];
  let authority: LabAuthority | undefined;
  const stopAll = () => Promise.all([...listeners.map(stopListener), authority?.close()]).then(() => undefined);
  try {
    const oauthScenarios = playable.filter((s) => s.oauth);
    if (oauthScenarios.length) {
      authority = await startLabAuthority({
        certPem: certs.lab.certPem,
        keyPem: certs.lab.keyPem,
        host: listenHost === 'localhost' ? '127.0.0.1' : listenHost,
        tenants: oauthScenarios.map((s) => ({ tenantId: s.oauth!.tenantId, userPrincipalName: s.credentials.userName, grantedScopes: [], ...s.oauth!.tenant })),
      });
    }
    for (const scenario of playable) {
      const exact = options.ports?.[scenario.id];
      if (exact !== undefined && (!Number.isInteger(exact) || exact < 1 || exact > 65535)) throw new Error(`Invalid lab port for ${scenario.id}: ${exact}`);
      const wanted = exact ?? (basePort === 0 ? 0 : basePort + LAB_SCENARIOS.indexOf(scenario));
      const factory = serverFactory(scenario, certs, {
        scenario,
        get selfUrl() {
          return urlFor(scenario.id);
        },
        urlFor,
        onRequest: options.onRequest,
        latencyMs,
        authority,
      });
      const listener = await listen(factory, listenHost, wanted);
      listeners.push(listener);
      const port = (listener.servers[0].address() as net.AddressInfo).port;
      const url = `https://${urlHost}:${port}${LAB_EAS_PATH}`;
      urls.set(scenario.id, url);
      endpoints.push({ scenario, port, url });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  // Where nothing listens: the Autodiscover candidates that lead nowhere point here.
  const closedPort = await unusedLoopbackPort(listenHost);

  const caDir = mkdtempSync(join(tmpdir(), 'activesync-doctor-lab-'));
  const caFile = join(caDir, 'lab-ca.pem');
  writeFileSync(caFile, certs.caPem);

  let closing: Promise<void> | undefined;
  const oauthSetup = (id: string) => {
    const setup = playable.find((s) => s.id === id)?.oauth;
    if (!setup) throw new Error(`Lab scenario "${id}" is not an OAuth scenario, or is not running.`);
    return setup;
  };
  const oauth: LabOAuthEndpoints | undefined = authority && {
    origin: authority.origin,
    clientId: LAB_OAUTH_CLIENT_ID,
    tenantFor: (id) => oauthSetup(id).tenantId,
    authorityFor: (id) => authority!.authorityUrl(oauthSetup(id).tenantId),
    resourceFor: (id) => (oauthSetup(id).audience === 'exchangeOnline' ? EXCHANGE_ONLINE_RESOURCE : `https://${new URL(urlFor(id)).hostname}`),
    tokenSource: (id, { prompt, cacheFile }) => async ({ scopes, signal }) => {
      const result = await signInWithDeviceCode({
        authority: authority!.authorityUrl(oauthSetup(id).tenantId),
        clientId: LAB_OAUTH_CLIENT_ID,
        scopes,
        extraCaPem: certs.caPem,
        customAuthority: true,
        cacheFile,
        prompt,
        signal,
        timeoutMs: 60_000,
      });
      return { accessToken: result.accessToken, account: result.account, source: result.fromCache ? `cached sign-in (${cacheFile})` : 'device code sign-in at the lab authority' };
    },
  };
  return {
    host: urlHost,
    caPem: certs.caPem,
    caFile,
    endpoints,
    unavailable,
    urlFor,
    oauth,
    autodiscoverDiscovery(id) {
      const scenario = playable.find((s) => s.id === id);
      if (!scenario?.autodiscover) return undefined;
      return labDiscovery(scenario.autodiscover, new URL(urlFor(id)).origin, closedPort);
    },
    close() {
      closing ??= stopAll().then(() => rmSync(caDir, { recursive: true, force: true }));
      return closing;
    },
  };
}

/** A loopback port bound once and released: nothing listens there afterwards. */
async function unusedLoopbackPort(host: string): Promise<number> {
  const server = net.createServer();
  await bind(server, host === 'localhost' ? '127.0.0.1' : host, 0);
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

function selectScenarios(ids: string[] | undefined): LabScenario[] {
  if (!ids) return [...LAB_SCENARIOS];
  const wanted = new Set<string>();
  const add = (id: string) => {
    const scenario = LAB_SCENARIOS.find((s) => s.id === id);
    if (!scenario) throw new Error(`Unknown lab scenario "${id}". Known: ${LAB_SCENARIOS.map((s) => s.id).join(', ')}`);
    if (wanted.has(id)) return;
    wanted.add(id);
    if (scenario.redirectTo) add(scenario.redirectTo);
    if (scenario.autodiscover?.kind === 'settings' && scenario.autodiscover.handsOut) add(scenario.autodiscover.handsOut);
  };
  ids.forEach(add);
  return LAB_SCENARIOS.filter((s) => wanted.has(s.id));
}

/** Makes a fresh server for a scenario (called once per address family the lab listens on). */
function serverFactory(scenario: LabScenario, certs: LabCertificates, context: Parameters<typeof createLabRequestHandler>[0]): () => AnyServer {
  if (scenario.transport === 'silent') {
    // Accepts the connection and never writes: the client's TLS handshake waits forever.
    return () => net.createServer((socket) => socket.on('error', () => undefined));
  }
  const cert = certificateFor(certs, scenario.tls);
  const tlsOptions = scenario.tls === 'tls10Only' ? TLS10_SERVER_OPTIONS : {};
  const handler = createLabRequestHandler(context);
  return () => {
    const server = https.createServer({ key: cert.keyPem, cert: cert.certPem, ...tlsOptions }, handler);
    // A refused handshake (expired certificate, TLS 1.0 only…) is the scenario working, not an error.
    server.on('tlsClientError', () => undefined);
    const latencyMs = context.latencyMs ?? 0;
    return latencyMs > 0 ? delayedHandshakeFront(server, latencyMs) : server;
  };
}

/**
 * A plain TCP listener that accepts connections paused (so not one byte of the client's hello is
 * read) and hands each one to the HTTPS server `latencyMs` later: the handshake's answer arrives
 * one simulated round trip late. The HTTPS server itself never listens.
 */
function delayedHandshakeFront(server: https.Server, latencyMs: number): net.Server {
  return net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      if (!socket.destroyed) server.emit('connection', socket);
    }, latencyMs);
    socket.once('close', () => clearTimeout(timer));
  });
}

async function listen(factory: () => AnyServer, host: string, port: number): Promise<Listener> {
  const listener: Listener = { servers: [], sockets: new Set() };
  const track = (server: AnyServer) => {
    server.on('connection', (socket: net.Socket) => {
      listener.sockets.add(socket);
      socket.on('close', () => listener.sockets.delete(socket));
    });
    listener.servers.push(server);
  };
  const primaryHost = host === 'localhost' ? '127.0.0.1' : host;
  const primary = factory();
  track(primary);
  await bind(primary, primaryHost, port);
  // 'localhost' may resolve to ::1 first (macOS, many desktops): listen there too on the same
  // port when the machine has IPv6 loopback. Best effort: without it, 127.0.0.1 still serves.
  if (primaryHost === '127.0.0.1') {
    const secondary = factory();
    const boundPort = (primary.address() as net.AddressInfo).port;
    try {
      await bind(secondary, '::1', boundPort);
      track(secondary);
    } catch {
      secondary.close();
    }
  }
  return listener;
}

function bind(server: AnyServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function stopListener(listener: Listener): Promise<void> {
  const closed = listener.servers.map(
    (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  );
  for (const socket of listener.sockets) socket.destroy();
  listener.sockets.clear();
  return Promise.all(closed).then(() => undefined);
}
