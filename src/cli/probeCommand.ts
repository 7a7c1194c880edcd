// `activesync-doctor probe <url|host>`: one connectivity test, printed for a person (step tree
// and diagnosis), as JSON (the run and its diagnosis) or as Markdown (a change-ticket report).
import { isIP } from 'node:net';
import { stripControlCharacters, terminalInertJson, terminalSafe } from '../common/textSafety';
import { diagnose } from '../diagnosis/diagnose';
import type { MailboxServerHint } from '../diagnosis/diagnosisModel';
import { renderRunMarkdown } from '../diagnosis/markdownReport';
import type { RunningLab } from '../lab/labEntry';
import type { ProbeRun } from '../probe/runModel';
import { rejectedInput } from '../probe/runVerdict';
import { runProbe } from '../probe/probe';
import { parseProxy } from '../probe/proxyTunnel';
import { errorMessage } from '../common/errorMessage';
import type { BearerTokenSource } from '../probe/oauthToken';
import type { ProbeOptions } from '../probe/probeOptions';
import { readOwnerOnlySecret } from '../common/secretFile';
import { defaultUserName, isEmailAddress } from '../probe/emailTarget';
import { PROBE_VERSIONS } from '../protocol/eas/easCodes';
import { DEFAULT_DEVICE_ID, DEFAULT_DEVICE_TYPE, deviceIdentityProblem } from '../probe/eas/deviceIdentity';
import { flag, has, integerFlag, parseArgs, UsageError, type FlagSpec } from './cliArgs';
import { nagiosResult, type CertificateThresholds } from './nagiosOutput';
import type { CliIo } from './cliIo';
import { renderHumanReport } from './humanReport';
import { deviceCodeTokenSource, promptOn, tokenFromStdin, validateOAuthFlags } from './oauthSignIn';
import { resolvePassword } from './passwordSource';
import { authFlag, autodiscoverUrlFlag, readCaFile, RUN_FLAGS } from './runFlags';
import { styleFor } from './terminalStyle';

export const PROBE_FLAGS: Record<string, FlagSpec> = {
  ...RUN_FLAGS,
  user: { value: true },
  markdown: {},
  verbose: {},
  proxy: { value: true },
  'connect-to': { value: true },
  lab: { value: true },
  'log-http': {},
  'mailbox-on': { value: true },
  'password-file': { value: true },
  format: { value: true },
  'warning-days': { value: true },
  'critical-days': { value: true },
  'options-only': {},
  full: {},
  'device-id': { value: true },
  'device-type': { value: true },
  'protocol-version': { value: true },
  tenant: { value: true },
  'client-id': { value: true },
  'token-cache': { value: true },
  'token-stdin': {},
  autodiscover: {},
};

export const OUTPUT_FORMATS = ['text', 'json', 'markdown', 'nagios'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const MAILBOX_HINTS: Record<string, MailboxServerHint> = {
  '2003': 'exchange2003',
  '2007': 'exchange2007',
  '2010': 'exchange2010',
  later: 'later',
  online: 'online',
};

/** Default overall limit when a person may have to finish a device code sign-in. */
const INTERACTIVE_SIGN_IN_TIMEOUT_MS = 300_000;

export const PROBE_USAGE = `Usage: activesync-doctor probe <url|host|e-mail address> [options]
       activesync-doctor probe --lab <scenario> [options]

Runs the Exchange ActiveSync connectivity test against https://HOST/Microsoft-Server-ActiveSync:
DNS, TCP, TLS certificate, OPTIONS without and with credentials, and a credential cross-check.
Given an e-mail address (user@contoso.com), it first finds the server with Autodiscover, as a
phone does, and signs in as that address unless --user says otherwise.

Options:
  --user U            user name (user@domain.com, DOMAIN\\user or a bare name)
  --autodiscover      run Autodiscover first for a URL or host too (the --user address is asked for);
                      a URL it hands out that differs from the one given is a warning
  --autodiscover-url URL  ask this Autodiscover endpoint (https://…/autodiscover/autodiscover.xml)
                      instead of the places devices look (split DNS, a server you want to check)
  --password-stdin    read the password from standard input (else ACTIVESYNC_PASSWORD, else a prompt)
  --password-file F   read the password from a file only its owner can read (chmod 600)
  --ca FILE           also trust the CA certificate(s) in this PEM file
  --insecure          report certificate trust problems as warnings and go on (lab use)
  --allow-http        allow an http:// target (the password then travels unencrypted)
  --timeout MS        overall limit for the whole run, default 30000 (300000 with a device code sign-in)
  --no-cross-check    do not try the credentials against EWS and Autodiscover
  --proxy URL         use this http:// proxy (default: HTTPS_PROXY / NO_PROXY; "" for none)
  --connect-to IP     connect to this address instead of resolving the host (one server behind a balancer)
  --auth METHOD       basic (default), ntlm, negotiate (NTLM inside SPNEGO; no Kerberos), oauth
                      (Bearer token: Exchange Online, hybrid modern auth) or auto (Negotiate/NTLM
                      first, then Basic, each attempt shown; OAuth when only Bearer is offered)
  --tenant T          OAuth: tenant id or domain (default "organizations")
  --client-id ID      OAuth: your app registration's client id (EAS.AccessAsUser.All, public client)
  --token-cache FILE  OAuth: keep msal's token cache in FILE (mode 0600) to skip the next sign-in
  --token-stdin       OAuth: read an access token from standard input instead of signing in
  --domain D          domain for a bare user name with ntlm/negotiate/auto (default: the server's own)
  --options-only      stop after OPTIONS (the light probe); by default the run goes on to Provision,
                      FolderSync and a read-only first Sync of the Inbox, as a new phone would
  --full              also send a Ping (waits up to a 60 s heartbeat; default timeout becomes 120000)
  --device-id ID      the device id the commands present (1-32 letters/digits, default ActiveSyncDoctorProbe)
  --device-type T     the device type (default ActiveSyncDoctor), e.g. to match an Allow rule
  --protocol-version V  MS-ASProtocolVersion to use instead of the highest shared one (2.5 to 14.1)
  --lab SCENARIO      start the built-in lab and probe that scenario with its test account
  --json | --markdown machine-readable run and diagnosis, or a Markdown report
  --format F          text (default), json, markdown, or nagios: a Nagios/Icinga plugin result
                      (status line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
  --warning-days N    with --format nagios: WARNING when the certificate has fewer than N days left
  --critical-days N   with --format nagios: CRITICAL when it has fewer than N days left
  --mailbox-on V      where the mailbox lives (2003, 2007, 2010, later, online): sharpens the diagnosis
  --verbose           details of every step, not only the failing ones
  --log-http          print each HTTP exchange (credentials redacted) to standard error

Exit codes: 0 passed (warnings allowed), 1 a step failed, 2 usage or configuration error, an
unusable server address or user name included (with --format nagios: the plugin codes above,
usage errors being UNKNOWN).`;

/**
 * A --proxy the run could not use is a usage error, found before anything starts (a malformed
 * HTTPS_PROXY from the environment is reported by the run itself, as the network setting it is).
 */
function validateProxyFlag(proxy: string | undefined): void {
  if (!proxy?.trim()) return;
  try {
    parseProxy(proxy.trim());
  } catch (error) {
    throw new UsageError(`--proxy takes an http:// proxy such as http://proxy.contoso.com:8080: ${errorMessage(error)}`);
  }
}

/** The output format asked for, from --format or the older --json / --markdown switches. */
export function outputFormat(flags: Map<string, string[]>): OutputFormat {
  const named = flags.get('format')?.[0]?.toLowerCase();
  if (named !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(named)) {
    throw new UsageError(`--format takes one of ${OUTPUT_FORMATS.join(', ')}, not "${named.slice(0, 20)}".`);
  }
  const switches = (['json', 'markdown'] as const).filter((f) => flags.has(f));
  if (switches.length > 1) throw new UsageError('Choose --json or --markdown, not both.');
  if (named && switches.length && switches[0] !== named) throw new UsageError(`--format ${named} and --${switches[0]} disagree; give one.`);
  return (named as OutputFormat | undefined) ?? switches[0] ?? 'text';
}

/** True when argv asks for Nagios output, so even a usage error must be reported as a plugin result. */
export function wantsNagiosFormat(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg.toLowerCase() === '--format=nagios' || (arg === '--format' && argv[i + 1]?.toLowerCase() === 'nagios'));
}

export async function probeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, PROBE_FLAGS);
  if (args.positionals.length > 1) throw new UsageError('Give one server (URL or host name). For many, use the batch command.');
  const labScenario = flag(args, 'lab');
  if (!labScenario && args.positionals.length === 0) throw new UsageError('Which server? Give a URL, a host name or an e-mail address, e.g. activesync-doctor probe mail.contoso.com --user user@contoso.com or activesync-doctor probe user@contoso.com');
  if (labScenario && args.positionals.length) throw new UsageError('Give either a server or --lab, not both.');
  const format = outputFormat(args.flags);
  const thresholds: CertificateThresholds = { warningDays: integerFlag(args, 'warning-days', 0, 3650), criticalDays: integerFlag(args, 'critical-days', 0, 3650) };
  if (format !== 'nagios' && (thresholds.warningDays !== undefined || thresholds.criticalDays !== undefined)) {
    throw new UsageError('--warning-days and --critical-days go with --format nagios.');
  }
  if (thresholds.warningDays !== undefined && thresholds.criticalDays !== undefined && thresholds.criticalDays > thresholds.warningDays) {
    throw new UsageError('--critical-days must not be larger than --warning-days (critical is the nearer expiry).');
  }
  const passwordFile = flag(args, 'password-file');
  if (passwordFile !== undefined && has(args, 'password-stdin')) throw new UsageError('Give --password-stdin or --password-file, not both.');
  const tokenStdin = has(args, 'token-stdin');
  // A piped token means OAuth unless another method is named.
  const auth = flag(args, 'auth') === undefined && tokenStdin ? 'oauth' : authFlag(args);
  const tenant = flag(args, 'tenant');
  const clientId = flag(args, 'client-id');
  const tokenCache = flag(args, 'token-cache');
  validateOAuthFlags(tenant, clientId);
  const oauthFlags = [tenant !== undefined && '--tenant', clientId !== undefined && '--client-id', tokenCache !== undefined && '--token-cache', tokenStdin && '--token-stdin'].filter(Boolean);
  if (oauthFlags.length && auth !== 'oauth' && auth !== 'auto') throw new UsageError(`${oauthFlags.join(', ')} ${oauthFlags.length > 1 ? 'apply' : 'applies'} only with --auth oauth or auto.`);
  if (tokenStdin && has(args, 'password-stdin')) throw new UsageError('Standard input can carry a password or a token, not both.');
  validateProxyFlag(flag(args, 'proxy'));
  if (tokenStdin && tokenCache) throw new UsageError('--token-cache keeps a sign-in; with --token-stdin there is none to keep.');
  if (labScenario && (tenant !== undefined || clientId !== undefined)) throw new UsageError('--tenant and --client-id do not apply to the lab: it has its own authority and client.');
  const domain = flag(args, 'domain')?.trim() || undefined;
  if (domain !== undefined && !/^[^\\/@\s]{1,255}$/.test(domain)) throw new UsageError('--domain takes a NetBIOS or DNS domain name, e.g. CONTOSO or contoso.com.');
  const timeout = integerFlag(args, 'timeout', 100, 600_000);
  if (has(args, 'options-only') && has(args, 'full')) throw new UsageError('Choose --options-only or --full, not both.');
  const mode = has(args, 'options-only') ? 'options' : has(args, 'full') ? 'full' : 'commands';
  const deviceId = flag(args, 'device-id');
  const deviceType = flag(args, 'device-type');
  const identityProblem = deviceIdentityProblem(deviceId ?? DEFAULT_DEVICE_ID, deviceType ?? DEFAULT_DEVICE_TYPE);
  if (identityProblem) throw new UsageError(identityProblem);
  const protocolVersion = flag(args, 'protocol-version');
  if (protocolVersion !== undefined && !(PROBE_VERSIONS as readonly string[]).includes(protocolVersion)) throw new UsageError(`--protocol-version takes one of ${PROBE_VERSIONS.join(', ')}.`);
  const connectTo = flag(args, 'connect-to');
  if (connectTo && isIP(connectTo) === 0) throw new UsageError(`--connect-to takes an IP address, not "${connectTo.slice(0, 60)}".`);
  const autodiscoverUrl = autodiscoverUrlFlag(args);
  const autodiscover = has(args, 'autodiscover') || autodiscoverUrl !== undefined;
  const mailboxOn = flag(args, 'mailbox-on');
  if (mailboxOn !== undefined && !MAILBOX_HINTS[mailboxOn]) throw new UsageError(`--mailbox-on takes one of ${Object.keys(MAILBOX_HINTS).join(', ')}.`);

  let extraCaPem = await readCaFile(flag(args, 'ca'));

  let lab: RunningLab | undefined;
  let target = args.positionals[0] ?? '';
  // An e-mail address as the target is also the user name, unless --user says otherwise.
  let userName = defaultUserName(target, flag(args, 'user'));
  if (autodiscover && !labScenario && !isEmailAddress(target) && !isEmailAddress(userName)) {
    throw new UsageError('Autodiscover asks for an e-mail address: give it as the target (activesync-doctor probe user@contoso.com) or as --user.');
  }
  let autodiscoverDiscovery: ProbeOptions['autodiscoverDiscovery'];
  let password: string | undefined;
  let bearerToken: BearerTokenSource | undefined;
  let oauthResource: string | undefined;
  try {
    if (labScenario) {
      const { startLab } = await import('../lab/labEntry');
      const { findScenario, LAB_SCENARIOS } = await import('../lab/scenarios');
      const scenario = findScenario(labScenario);
      if (!scenario) throw new UsageError(`No lab scenario "${labScenario.slice(0, 60)}". Known: ${LAB_SCENARIOS.map((s) => s.id).join(', ')}`);
      lab = await startLab({ scenarios: [scenario.id] });
      // An Autodiscover scenario starts from the account's address; the lab says where its places lead.
      target = scenario.autodiscover ? scenario.credentials.userName : lab.urlFor(scenario.id);
      autodiscoverDiscovery = lab.autodiscoverDiscovery(scenario.id);
      extraCaPem = lab.caPem;
      if (scenario.signIn !== 'oauth' || auth !== 'oauth') userName ??= scenario.credentials.userName;
      if (lab.oauth && scenario.oauth && (auth === 'oauth' || auth === 'auto') && !tokenStdin) {
        oauthResource = lab.oauth.resourceFor(scenario.id);
        bearerToken = lab.oauth.tokenSource(scenario.id, { prompt: promptOn(io.stderr), cacheFile: tokenCache });
      }
      // The scenario's own test password, unless the user chose to supply one (e.g. to see a wrong one fail).
      const supplied = has(args, 'password-stdin') || io.env.ACTIVESYNC_PASSWORD !== undefined;
      password = userName === scenario.credentials.userName && !supplied ? scenario.credentials.password : undefined;
    }
    if (password === undefined && passwordFile !== undefined && userName) {
      try {
        password = readOwnerOnlySecret(passwordFile);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    if (tokenStdin) bearerToken = await tokenFromStdin(io.stdin);
    else if (!bearerToken && (auth === 'oauth' || (auth === 'auto' && clientId))) {
      bearerToken = labScenario
        ? async () => {
            throw new Error(`The lab scenario ${labScenario} has no OAuth authority: it signs in with a password.`);
          }
        : deviceCodeTokenSource({ tenant, clientId, cacheFile: tokenCache, extraCaPem, stderr: io.stderr });
    }
    // An OAuth run sends no password, so none is asked for.
    if (password === undefined && auth !== 'oauth') {
      // stdin as a getter: a password from the environment never makes the stdin stream (main.ts).
      password = await resolvePassword({
        userName,
        fromStdin: has(args, 'password-stdin'),
        env: io.env,
        stderr: io.stderr,
        get stdin() {
          return io.stdin;
        },
      });
    }
    const interactiveSignIn = bearerToken !== undefined && !tokenStdin && !labScenario;

    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const options: ProbeOptions = {
      target,
      autodiscover: autodiscover || undefined,
      autodiscoverUrl,
      autodiscoverDiscovery,
      userName,
      password,
      auth,
      domain,
      allowHttp: has(args, 'allow-http'),
      ignoreTrust: has(args, 'insecure'),
      extraCaPem,
      crossCheck: !has(args, 'no-cross-check'),
      mode,
      deviceId,
      deviceType,
      protocolVersion,
      timeouts: timeout ? { overallMs: timeout } : interactiveSignIn ? { overallMs: INTERACTIVE_SIGN_IN_TIMEOUT_MS } : undefined,
      bearerToken,
      oauthResource,
      proxy: flag(args, 'proxy'),
      connectTo,
      env: io.env,
      signal: controller.signal,
      labScenario: labScenario ?? undefined,
      // Log lines quote server headers and reason phrases: no escape sequence may reach the terminal.
      log: has(args, 'log-http') ? (line) => io.stderr.write(`${terminalSafe(line)}\n`) : undefined,
    };
    let run: ProbeRun;
    try {
      run = await runProbe(options);
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if (format === 'nagios') {
      const hint = flag(args, 'mailbox-on');
      const result = nagiosResult(run, diagnose(run, { mailboxServerHint: hint ? MAILBOX_HINTS[hint] : undefined }), thresholds);
      io.stdout.write(result.text);
      return result.exitCode;
    }
    printRun(run, args.flags, io);
    if (rejectedInput(run)) return 2;
    return run.outcome === 'passed' || run.outcome === 'warning' ? 0 : 1;
  } finally {
    await lab?.close();
  }
}

export function printRun(run: ProbeRun, flags: Map<string, string[]>, io: CliIo): void {
  const hint = flags.get('mailbox-on')?.[0];
  const diagnosis = diagnose(run, { mailboxServerHint: hint ? MAILBOX_HINTS[hint] : undefined });
  const format = outputFormat(flags);
  if (format === 'json') {
    io.stdout.write(`${terminalInertJson({ run, diagnosis })}\n`);
  } else if (format === 'markdown') {
    // Body snippets sit raw inside code fences; on a terminal their control bytes would still act.
    io.stdout.write(stripControlCharacters(renderRunMarkdown(run, diagnosis)));
  } else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(renderHumanReport(run, diagnosis, { style, width: Math.min(io.stdout.columns ?? 100, 120), verbose: flags.has('verbose') }));
  }
}
