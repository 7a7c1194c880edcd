// What one probe run knows while its steps run: the options and limits, the steps finished so
// far, and what earlier steps found for later ones (addresses, the socket, the TLS judgement, the
// HTTP connection, the sign-in that worked, the device session). Each step module reads and fills
// it; the orchestrator in probe.ts only walks the step table.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { verifiedEndpoint } from './credentialGate';
import { ProbeHttpConnection, type HttpLimits, type HttpResult } from './httpConnection';
import type { CommandContext } from './eas/commandContext';
import { DEFAULT_DEVICE_ID, DEFAULT_DEVICE_TYPE } from './eas/deviceIdentity';
import type { CommandCredentials, CommandResult } from './eas/easTransport';
import type { AttemptScheme, AuthPlan } from './ntlm/authenticatedAttempts';
import { DEFAULT_TIMEOUTS, FULL_MODE_OVERALL_MS, type ProbeOptions, type ProbeTimeouts } from './probeOptions';
import { openTunnel, type ProxyEndpoint } from './proxyTunnel';
import { defaultStepTitle, PROBE_STEPS, type AuthMethod, type ProbeMode, type ProbeStep, type StepId } from './runModel';
import { skippedStep, StepBuilder } from './stepBuilder';
import type { EmailTarget } from './emailTarget';
import { readProbeTarget } from './probeTarget';
import { normalizeTarget, type NormalizedTarget } from './targetInput';
import { connectOnce } from './tcpStep';
import { tlsHandshake, type TlsStepResult } from './tlsStep';

/**
 * What a step tells the orchestrator: go on; stop and skip every remaining step for this reason;
 * or `done`: the run is complete and the remaining steps are not part of it (an anonymous run
 * has no device session to report).
 */
export type StepOutcome = 'next' | 'done' | { stop: string };
export type StepRunner = (ctx: ProbeContext) => Promise<StepOutcome>;

export class ProbeContext {
  readonly steps: ProbeStep[] = [];
  /** The step running now, finished as failed if the run is cancelled or times out during it. */
  current: { id: StepId; builder: StepBuilder } | undefined;
  /** The ActiveSync target: what was typed, or (after the autodiscover step) the URL Autodiscover handed out. */
  target: NormalizedTarget;
  /** The target was an e-mail address: there is no ActiveSync URL until Autodiscover finds one. */
  readonly emailTarget: EmailTarget | undefined;
  /** Autodiscover runs first: for an e-mail target, or when asked for (--autodiscover, --autodiscover-url). */
  readonly wantsAutodiscover: boolean;
  readonly auth: AuthMethod;
  readonly mode: ProbeMode;
  readonly deviceId: string;
  readonly deviceType: string;
  readonly startedAt: Date;
  readonly timeouts: ProbeTimeouts;
  readonly limits: HttpLimits;
  readonly log: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;

  // Filled by the steps, in order.
  proxy: ProxyEndpoint | undefined;
  addresses: string[] = [];
  /** The address the TCP step connected to (none through a proxy). */
  address: string | undefined;
  /** The raw TCP (or tunnel) socket, then, after the TLS step, the TLS socket. */
  socket: Socket | undefined;
  tlsJudgement: TlsStepResult['judged'];
  withSystemStore = false;
  connection: ProbeHttpConnection | undefined;
  /** The ActiveSync path requests go to. */
  path = '';
  anonymous: HttpResult | undefined;
  plan: AuthPlan | undefined;
  /** The authenticated step's deciding answer, for the cross-check. */
  decisive: { scheme: AttemptScheme; statusCode?: number } | undefined;
  /** The authenticated OPTIONS step: the command steps run only if it worked, in a version it offered. */
  authenticated: ProbeStep | undefined;
  /** The account an OAuth sign-in named (the run's user when none was typed). */
  signedInAccount: string | undefined;
  /** How the command steps sign in: the way the authenticated OPTIONS got through. */
  commandCredentials: CommandCredentials | undefined;
  /** The device session, from the provision step on. */
  eas: CommandContext | undefined;
  /** A FolderSync answer the provision step already has (a server that asks for no policy). */
  folderSyncAnswer: CommandResult | undefined;
  /** The Inbox FolderSync found, for Sync and Ping. */
  inbox: { serverId: string; name: string } | undefined;

  /** Sockets and connections opened besides the main one, closed when the run ends. */
  readonly extraSockets: Socket[] = [];
  readonly extraConnections: ProbeHttpConnection[] = [];

  constructor(
    readonly options: ProbeOptions,
    readonly signal: AbortSignal,
  ) {
    this.startedAt = new Date();
    this.mode = options.mode ?? 'commands';
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...(this.mode === 'full' ? { overallMs: FULL_MODE_OVERALL_MS } : {}), ...options.timeouts };
    this.deviceId = options.deviceId ?? DEFAULT_DEVICE_ID;
    this.deviceType = options.deviceType ?? DEFAULT_DEVICE_TYPE;
    this.limits = {
      headersTimeoutMs: this.timeouts.headersMs,
      bodyTimeoutMs: this.timeouts.bodyMs,
      maxHeaderBytes: options.limits?.maxHeaderBytes ?? 64 * 1024,
      maxBodyBytes: options.limits?.maxBodyBytes ?? 256 * 1024,
      runEndsAt: this.startedAt.getTime() + this.timeouts.overallMs,
    };
    this.log = options.log ?? (() => undefined);
    this.env = options.env ?? process.env;
    const typed = readProbeTarget(options.target, { allowHttp: options.allowHttp });
    this.emailTarget = typed.email;
    this.target = typed.server;
    this.wantsAutodiscover = Boolean(this.emailTarget || options.autodiscover || options.autodiscoverUrl);
    this.auth = options.auth ?? 'basic';
  }

  /** Who the run signs in as: the user name typed, else the account the OAuth sign-in named. */
  get userName(): string | undefined {
    return this.options.userName || this.signedInAccount;
  }

  begin(id: StepId, title = defaultStepTitle(id)): StepBuilder {
    this.current = { id, builder: new StepBuilder(id, title) };
    this.options.onStepStart?.(id, title);
    return this.current.builder;
  }

  push(step: ProbeStep): void {
    this.steps.push(step);
    this.current = undefined;
    this.options.onStepFinished?.(step, this.steps);
  }

  skip(id: StepId, reason: string, title = defaultStepTitle(id)): void {
    this.push(skippedStep(id, title, reason));
  }

  /** Milliseconds left before the run's overall limit. */
  remainingMs(): number {
    return this.timeouts.overallMs - (Date.now() - this.startedAt.getTime());
  }

  has(id: StepId): boolean {
    return this.steps.some((s) => s.id === id);
  }

  /** Whether a step belongs to this run at all: Autodiscover only when it was asked for. */
  takesPart(id: StepId): boolean {
    return id !== 'autodiscover' || this.wantsAutodiscover;
  }

  skipRest(reason: string): void {
    for (const { id } of PROBE_STEPS) if (!this.has(id) && this.takesPart(id)) this.skip(id, reason);
  }

  /** The following steps test `url` (what Autodiscover handed out; already checked usable). */
  retarget(url: string): void {
    this.target = normalizeTarget(url, { allowHttp: this.options.allowHttp });
  }

  /** A new raw connection to the target (direct or through the proxy), closed when the run ends. */
  async openRaw(): Promise<Socket> {
    const { target, proxy, timeouts, signal } = this;
    const s = proxy ? (await openTunnel(proxy, target.host, target.port, timeouts.connectMs, signal)).socket : await connectOnce(this.address as string, target.port, timeouts.connectMs, signal);
    this.extraSockets.push(s);
    return s;
  }

  /** A new connection ready for HTTP: TLS with the same roots as the TLS step (the credential gate then judges it). */
  async reopen(): Promise<Socket> {
    const raw = await this.openRaw();
    if (this.target.scheme !== 'https') return raw;
    return tlsHandshake(raw, { host: this.target.host, timeoutMs: this.timeouts.tlsMs, signal: this.signal, extraCaPem: this.options.extraCaPem, withSystemStore: this.withSystemStore });
  }

  /** The run's HTTP connection over the socket the earlier steps opened; every socket of it passes the credential gate. */
  openHttpConnection(): ProbeHttpConnection {
    const { target } = this;
    const origin = `${target.scheme}://${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
    const endpoint = verifiedEndpoint({ scheme: target.scheme === 'http' ? 'http' : 'https', host: target.host, port: target.port }, this.tlsJudgement);
    this.connection = new ProbeHttpConnection({ origin, socket: this.socket as Socket, reopen: () => this.reopen(), endpoint, limits: this.limits, log: this.log });
    this.path = new URL(target.url).pathname;
    return this.connection;
  }

  close(): void {
    void this.connection?.close();
    for (const c of this.extraConnections) void c.close();
    for (const s of this.extraSockets) s.destroy();
  }
}
