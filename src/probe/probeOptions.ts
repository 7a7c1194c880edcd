// What a caller (CLI, extension, batch, tests) can ask of one probe run.
import type { BearerTokenSource } from './oauthToken';
import type { AutodiscoverDiscovery } from '../protocol/autodiscoverPlaces';
import type { AuthMethod, ProbeMode, ProbeRun, ProbeStep, StepId } from './runModel';

export interface ProbeTimeouts {
  /** Whole run, whatever the server does. Default 30 000 ms. */
  overallMs: number;
  /** DNS look-up. Default 5 000 ms. */
  dnsMs: number;
  /** TCP connect, per address. Default 10 000 ms. */
  connectMs: number;
  /** TLS handshake. Default 10 000 ms. */
  tlsMs: number;
  /** From sending a request to the end of the response headers. Default 15 000 ms. */
  headersMs: number;
  /** Between body chunks. Default 10 000 ms. */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: ProbeTimeouts = {
  overallMs: 30_000,
  dnsMs: 5_000,
  connectMs: 10_000,
  tlsMs: 10_000,
  headersMs: 15_000,
  bodyMs: 10_000,
};

export interface ProbeProgress {
  /** A step is about to run (for progress text). */
  onStepStart?(id: StepId, title: string): void;
  /** A top-level step finished; `steps` is every step finished so far. */
  onStepFinished?(step: ProbeStep, steps: readonly ProbeStep[]): void;
  /** One line per HTTP exchange and connection event, credentials already redacted. */
  log?(line: string): void;
}

export interface ProbeOptions extends ProbeProgress {
  /**
   * A URL or a host name, e.g. "mail.contoso.com" or "https://mail.contoso.com:8443/Microsoft-Server-ActiveSync",
   * or an e-mail address ("jdoe@contoso.com"): the run then starts with Autodiscover, and the
   * user name defaults to the address.
   */
  target: string;
  /** Run Autodiscover first for a URL or host target too; the address is the user name (a UPN). */
  autodiscover?: boolean;
  /** Ask this Autodiscover endpoint only, instead of the places devices look (split DNS, tests). Implies autodiscover. */
  autodiscoverUrl?: string;
  /**
   * Tests and the lab only: where the places devices look lead, since the lab's domains have no
   * DNS. Real runs leave it unset and use the real candidates and DNS.
   */
  autodiscoverDiscovery?: AutodiscoverDiscovery;
  userName?: string;
  /** Held in memory for the run only; never stored in the run. */
  password?: string;
  auth?: AuthMethod;
  /**
   * Where an OAuth access token comes from (auth 'oauth', or 'auto' when the server offers only
   * Bearer). Called at most once, only after the anonymous OPTIONS showed Bearer is wanted; it may
   * prompt a person. The token is held in memory for the run only; only its claims are recorded.
   */
  bearerToken?: BearerTokenSource;
  /** The resource to ask a token for; default Exchange Online's for its hosts, else https://HOST (hybrid). */
  oauthResource?: string;
  /** Domain for bare user names with NTLM. */
  domain?: string;
  /** Allow http:// targets (credentials then travel in clear text; the run warns). */
  allowHttp?: boolean;
  /** Turn certificate trust failures into warnings (never silently). */
  ignoreTrust?: boolean;
  /** Extra trusted CA certificates in PEM, added to the system store. */
  extraCaPem?: string;
  /** Try the same credentials against EWS and Autodiscover when ActiveSync answers 401. Default true. */
  crossCheck?: boolean;
  timeouts?: Partial<ProbeTimeouts>;
  /**
   * Proxy URL (http://host:port). Undefined: use HTTPS_PROXY / NO_PROXY from the environment.
   * The empty string: no proxy.
   */
  proxy?: string;
  /** Connect to this IP address instead of resolving the host (test one server behind a load balancer). */
  connectTo?: string;
  /** Environment used for proxy variables; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Recorded in the run when the target is a built-in lab scenario. */
  labScenario?: string;
  /**
   * How far the run goes: 'commands' (default) adds Provision, FolderSync and a first Sync after
   * OPTIONS; 'options' is the light probe; 'full' adds a Ping.
   */
  mode?: ProbeMode;
  /** The device identity commands present (default ActiveSyncDoctorProbe / ActiveSyncDoctor). */
  deviceId?: string;
  deviceType?: string;
  /** MS-ASProtocolVersion to use instead of the highest version both sides support. */
  protocolVersion?: string;
  /** Upper bounds on what is read from a server. */
  limits?: { maxHeaderBytes?: number; maxBodyBytes?: number };
}

/** A full run waits for a Ping heartbeat, so its default overall limit is longer. */
export const FULL_MODE_OVERALL_MS = 120_000;

export type ProbeFunction = (options: ProbeOptions) => Promise<ProbeRun>;
