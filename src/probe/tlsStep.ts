// Step 4: the TLS handshake and the certificate, judged the way a device would judge it:
// protocol and cipher, subject, SANs, issuer, validity and days left, whether the name
// matches, and whether the chain is trusted (system store plus an optional extra CA). The
// handshake itself never rejects, so a bad certificate is reported in full rather than as a
// bare error; "ignore trust" turns trust failures into warnings, never into silence.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { isIP } from 'node:net';
import { abortReason } from './abortable';
import { authorizationCode, checkPeer } from './peerCertificate';
import type { ProbeContext, StepOutcome } from './probeContext';
import type { CertificateInfo, FailureCategory, ProbeStep } from './runModel';
import { StepBuilder } from './stepBuilder';

const EXPIRY_WARNING_DAYS = 30;
// Keyed by the extra CA's PEM text itself ('' for none), one map with and one without the OS
// store: a key built by concatenation would be a new string, hashed over the whole PEM, every run.
const contextCache = { withSystem: new Map<string, tls.SecureContext>(), nodeOnly: new Map<string, tls.SecureContext>() };

type CaLister = (kind: 'default' | 'system') => string[];
// Node 22.15+/23.8+ can read the operating system's store (Windows, macOS, Linux); older ones cannot.
const getCACertificates = (tls as unknown as { getCACertificates?: CaLister }).getCACertificates;
// Where OpenSSL-based systems keep the OS trust bundle, for Node versions without getCACertificates.
const OS_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem'];

let systemStore: { pems: string[]; source: string } | undefined;

/**
 * The operating system's trusted roots. On-premises Exchange is usually signed by an internal CA
 * that the OS trusts but Node's bundled list does not: judging trust without the OS store would
 * call a healthy server "untrusted".
 */
export function systemTrustStore(): { pems: string[]; source: string } {
  if (systemStore) return systemStore;
  let pems: string[] = [];
  let source = 'not available to this Node.js';
  if (getCACertificates) {
    try {
      pems = getCACertificates('system');
      source = 'operating system store';
    } catch {
      pems = [];
    }
  } else {
    // SSL_CERT_FILE is OpenSSL's own override of the default bundle, honoured as it would be there.
    for (const file of [process.env.SSL_CERT_FILE, ...OS_BUNDLES].filter((f): f is string => Boolean(f))) {
      try {
        const text = readFileSync(file, 'utf8');
        if (text.includes('-----BEGIN CERTIFICATE-----')) {
          pems = [text];
          source = file;
          break;
        }
      } catch {
        // not on this system
      }
    }
  }
  systemStore = { pems, source };
  return systemStore;
}

function nodeExtraCaCerts(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [readFileSync(file, 'utf8')];
  } catch {
    return []; // Node itself warns about an unreadable NODE_EXTRA_CA_CERTS at start-up
  }
}

/** One line for the TLS step's details: what the chain was checked against. */
export function describeTrustStore(extraCaPem: string | undefined, withSystem = true): string {
  // Loading the OS store only to name it would cost every run (tens of ms on Node 22+): only when the check used it.
  const system = withSystem ? systemTrustStore() : undefined;
  return ['Node.js bundled roots', system?.pems.length ? system.source : '', extraCaPem ? 'extra CA file' : ''].filter(Boolean).join(' + ');
}

/**
 * Trust: Node's roots (with NODE_EXTRA_CA_CERTS), `extraCaPem`, and with `withSystem` the OS store.
 * Built on the default context and extended with addCACert, which reuses Node's already-parsed
 * roots instead of re-parsing ~140 PEMs; cached per combination.
 */
export function secureContextFor(extraCaPem: string | undefined, withSystem = false): tls.SecureContext | undefined {
  const system = withSystem ? systemTrustStore().pems : [];
  if (!extraCaPem && system.length === 0) return undefined; // Node's own default store
  const cache = withSystem ? contextCache.withSystem : contextCache.nodeOnly;
  const key = extraCaPem ?? '';
  let context = cache.get(key);
  if (!context) {
    const extra = [...system, ...(extraCaPem ? [extraCaPem] : [])];
    context = tls.createSecureContext();
    const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
    try {
      if (!native?.addCACert) throw new Error('no addCACert');
      for (const pem of extra) native.addCACert(pem);
    } catch {
      // Fallback for a runtime without addCACert: the public, slower way.
      const base = getCACertificates ? getCACertificates('default') : [...tls.rootCertificates, ...nodeExtraCaCerts()];
      context = tls.createSecureContext({ ca: [...base, ...extra] });
    }
    if (cache.size > 16) cache.clear();
    cache.set(key, context);
  }
  return context;
}

/**
 * What Node's own name check saw during a handshake: the detailed leaf (with its chain), which
 * costs more to convert than the handshake's own JavaScript, and its verdict for that host name,
 * so the TLS step neither fetches the chain nor checks the name a second time.
 */
const handshakeChecks = new WeakMap<tls.TLSSocket, { host: string; leaf: tls.DetailedPeerCertificate; nameError: Error | undefined }>();

export interface TlsConnectOptions {
  host: string;
  timeoutMs: number;
  signal: AbortSignal;
  extraCaPem?: string;
  /** Allow TLS 1.0/1.1 and weak ciphers: only used to learn what an old server speaks. */
  legacy?: boolean;
  /** Also trust the operating system's store (costly to load, so only when the first check needs it). */
  withSystemStore?: boolean;
}

/** Wraps a connected TCP socket in TLS. Never rejects on certificate problems: the caller judges. */
export function tlsHandshake(socket: Socket, options: TlsConnectOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      socket.destroy();
      return reject(abortReason(options.signal));
    }
    const tlsSocket = tls.connect({
      socket,
      servername: isIP(options.host) ? undefined : options.host,
      ALPNProtocols: ['http/1.1'],
      rejectUnauthorized: false,
      // Node fetches the detailed certificate for its own name check when the chain is trusted;
      // keep it (the verdict is Node's own) so the TLS step does not fetch it a second time.
      checkServerIdentity: (hostname, cert) => {
        const nameError = tls.checkServerIdentity(hostname, cert);
        handshakeChecks.set(tlsSocket, { host: hostname, leaf: cert as tls.DetailedPeerCertificate, nameError });
        return nameError;
      },
      secureContext: options.legacy ? undefined : secureContextFor(options.extraCaPem, options.withSystemStore),
      ...(options.legacy ? { minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    });
    const timer = setTimeout(() => fail(Object.assign(new Error(`The TLS handshake did not finish within ${options.timeoutMs} ms.`), { code: 'ETLSTIMEOUT' })), options.timeoutMs);
    const onAbort = () => fail(abortReason(options.signal));
    options.signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      tlsSocket.removeListener('error', fail);
    };
    function fail(error: Error) {
      cleanup();
      tlsSocket.destroy();
      socket.destroy();
      reject(error);
    }
    tlsSocket.once('secureConnect', () => {
      cleanup();
      resolve(tlsSocket);
    });
    tlsSocket.once('error', fail);
  });
}

/** "CN=mail.example.com, O=Example": the name's attributes in the certificate's order. */
function nameString(name: tls.Certificate | undefined): string {
  if (!name) return '';
  let out = '';
  for (const [k, v] of Object.entries(name)) out += `${out ? ', ' : ''}${k}=${Array.isArray(v) ? v.join('+') : v}`;
  return out;
}

/** Summarises the peer certificate; pass the leaf from getPeerCertificate(true), which is costly to fetch twice. */
export function describeCertificate(leaf: tls.DetailedPeerCertificate | undefined): CertificateInfo | undefined {
  if (!leaf || !leaf.raw) return undefined;
  // Each name is written out once: the leaf's subject heads the chain and is compared with its issuer.
  const subject = nameString(leaf.subject);
  const issuer = nameString(leaf.issuer);
  const chain: string[] = [subject];
  const seen = new Set<string>([leaf.fingerprint256]);
  let current: tls.DetailedPeerCertificate | undefined = leaf.issuerCertificate;
  while (current && current.raw && !seen.has(current.fingerprint256) && chain.length < 10) {
    seen.add(current.fingerprint256);
    chain.push(nameString(current.subject));
    current = current.issuerCertificate;
  }
  const validTo = new Date(leaf.valid_to);
  const sans = (leaf.subjectaltname ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:'));
  return {
    subject,
    issuer,
    subjectAltNames: sans,
    validFrom: new Date(leaf.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysToExpiry: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
    fingerprint256: leaf.fingerprint256,
    serialNumber: leaf.serialNumber,
    selfSigned: subject === issuer,
    chainSubjects: chain,
  };
}

function trustCategory(code: string | undefined, cert: CertificateInfo | undefined): FailureCategory | undefined {
  switch (code) {
    case undefined:
    case null:
    case 'ERR_TLS_CERT_ALTNAME_INVALID': // the name check is reported on its own
      return undefined;
    case 'CERT_HAS_EXPIRED':
      return 'tls.expired';
    case 'CERT_NOT_YET_VALID':
      return 'tls.notYetValid';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls.selfSigned';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 'tls.missingIntermediate';
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      // Only the leaf came: the server forgot its intermediate. A longer chain: an unknown root.
      return cert && cert.chainSubjects.length <= 1 ? 'tls.missingIntermediate' : 'tls.untrusted';
    default:
      return 'tls.untrusted';
  }
}

const TRUST_MESSAGES: Partial<Record<FailureCategory, string>> = {
  'tls.expired': 'The certificate has expired.',
  'tls.notYetValid': 'The certificate is not valid yet (check the server clock and the certificate dates).',
  'tls.selfSigned': 'The certificate is self-signed: no device will trust it unless it is installed on each one.',
  'tls.missingIntermediate': 'The chain cannot be built: the server sent only its own certificate, and its issuer is not a trusted root here. Either the server leaves out an intermediate certificate, or the issuer is an internal CA this machine does not trust (trust it with --ca).',
  'tls.untrusted': 'The certificate chain ends at an authority that is not trusted.',
  'tls.nameMismatch': 'The certificate does not cover the host name.',
};

const SYSTEM_STORE_MAY_HELP = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

const OLD_PROTOCOL_CODES = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

/** OpenSSL's words for an answer that is not TLS at all (a banner or an HTTP reply in the clear). */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/**
 * The reason in an OpenSSL error ("wrong version number") without its thread id, library codes
 * and source path, which say nothing to an administrator; the full text stays in the step's details.
 */
export function openSslReason(error: Error): string {
  const reason = /error:[0-9A-Fa-f]+:SSL routines:[^:]*:([^:]+)/.exec(error.message)?.[1]?.trim();
  return reason || error.message.replace(/\s+$/, '');
}

export interface TlsStepResult {
  step: ProbeStep;
  socket?: tls.TLSSocket;
  /** The OS store was needed: later connections of this run must use it too. */
  withSystemStore?: boolean;
  /** True when the run may go on (passed, or a trust problem the user chose to ignore). */
  usable: boolean;
  /** What the credential gate holds later connections to: this certificate, and whether its trust was ignored. */
  judged?: { fingerprint256?: string; trustIgnored: boolean };
}

export async function tlsStep(
  socket: Socket,
  options: TlsConnectOptions & { ignoreTrust: boolean; reconnect: () => Promise<Socket> },
): Promise<TlsStepResult> {
  const b = new StepBuilder('tls', `Negotiate TLS with ${options.host} and check its certificate`);
  let tlsSocket: tls.TLSSocket;
  try {
    tlsSocket = await tlsHandshake(socket, options);
  } catch (error) {
    if ((error as { name?: string }).name === 'RunAbortedError') throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    b.evidence.tlsErrorCode = code;
    b.detail('Error', `${code}: ${(error as Error).message}`);
    if (code === 'ETLSTIMEOUT') {
      return { step: b.finish('failed', `The server accepted the connection but never completed the TLS handshake (${options.timeoutMs} ms).`, { category: 'tls.handshakeTimeout' }), usable: false };
    }
    if (OLD_PROTOCOL_CODES.has(code) || /protocol|version/i.test((error as Error).message)) {
      const legacy = await probeLegacyProtocol(options);
      if (legacy) {
        b.evidence.tlsProtocol = legacy;
        b.detail('Server offers', legacy);
        return { step: b.finish('failed', `The server only speaks ${legacy}, which current devices and this tool refuse (TLS 1.2 or later is needed).`, { category: 'tls.oldProtocol' }), usable: false };
      }
    }
    if (NOT_TLS_CODES.has(code)) {
      return { step: b.finish('failed', `The server did not answer in TLS: what came back is not a TLS record (OpenSSL: ${openSslReason(error as Error)}). Something other than an HTTPS server listens on that port (plain HTTP, SMTP, SSH…), or a device in between answers in the clear.`, { category: 'tls.handshakeFailed' }), usable: false };
    }
    return { step: b.finish('failed', `The TLS handshake failed: ${openSslReason(error as Error)}.`, { category: 'tls.handshakeFailed' }), usable: false };
  }

  // Not trusted by Node's roots: an internal CA is often in the operating system's store only.
  // Load that (slow, so only now) and check again on a fresh connection.
  let withSystem = Boolean(options.withSystemStore);
  if (!withSystem && !tlsSocket.authorized && SYSTEM_STORE_MAY_HELP.has(authorizationCode(tlsSocket) ?? '') && systemTrustStore().pems.length > 0) {
    try {
      const again = await tlsHandshake(await options.reconnect(), { ...options, withSystemStore: true });
      tlsSocket.destroy();
      tlsSocket = again;
      withSystem = true;
    } catch (error) {
      if ((error as { name?: string }).name === 'RunAbortedError') throw error;
      // Keep the first session's verdict.
    }
  }

  const protocol = tlsSocket.getProtocol() ?? 'unknown';
  const cipher = tlsSocket.getCipher();
  const seen = handshakeChecks.get(tlsSocket);
  const peer = seen ? checkPeer(tlsSocket, options.host, seen.leaf, seen.host === options.host ? seen : undefined) : checkPeer(tlsSocket, options.host);
  const leaf = peer.leaf;
  const cert = describeCertificate(leaf);
  b.evidence.tlsProtocol = protocol;
  b.evidence.tlsCipher = cipher?.name;
  b.evidence.certificate = cert;
  b.detail('Protocol', protocol).detail('Cipher', cipher?.name);
  if (cert) {
    b.detail('Subject', cert.subject)
      .detail('Alternative names', cert.subjectAltNames.join(', ') || 'none')
      .detail('Issuer', cert.issuer)
      .detail('Valid from', cert.validFrom)
      .detail('Valid until', cert.validTo)
      .detail('Days to expiry', cert.daysToExpiry)
      .detail('Chain sent', cert.chainSubjects.join(' → '))
      .detail('SHA-256 fingerprint', cert.fingerprint256);
  }

  const problems: Array<{ category: FailureCategory; message: string }> = [];
  const code = peer.authorizationCode;
  if (code) b.evidence.tlsErrorCode = code;
  const trust = peer.chainTrusted ? undefined : trustCategory(code, cert);
  if (trust) problems.push({ category: trust, message: TRUST_MESSAGES[trust] ?? `The certificate is not trusted (${code}).` });
  const nameError = peer.nameError;
  if (nameError) problems.push({ category: 'tls.nameMismatch', message: `The certificate does not cover ${options.host}: it names ${cert?.subjectAltNames.join(', ') || cert?.subject || 'other hosts'}.` });
  b.detail('Name matches', nameError ? 'no' : 'yes').detail('Chain trusted', trust ? `no (${code})` : 'yes').detail('Trusted roots', describeTrustStore(options.extraCaPem, withSystem));

  if (problems.length > 0) {
    const summary = problems.map((p) => p.message).join(' ');
    if (options.ignoreTrust) {
      b.evidence.trustIgnored = true;
      b.detail('Trust check', 'ignored at the user\'s request');
      return { step: b.finish('warning', `${summary} Continuing because certificate trust is ignored for this run (for this certificate only); devices will not ignore it.`, { category: problems[0].category }), socket: tlsSocket, usable: true, withSystemStore: withSystem, judged: { fingerprint256: cert?.fingerprint256, trustIgnored: true } };
    }
    tlsSocket.destroy();
    return { step: b.finish('failed', summary, { category: problems[0].category }), usable: false };
  }
  if (cert && cert.daysToExpiry < EXPIRY_WARNING_DAYS) {
    return { step: b.finish('warning', `TLS is fine, but the certificate expires in ${cert.daysToExpiry} days.`, { category: 'tls.expiresSoon' }), socket: tlsSocket, usable: true, withSystemStore: withSystem, judged: { fingerprint256: cert.fingerprint256, trustIgnored: false } };
  }
  return { step: b.finish('passed', `${protocol} with a trusted certificate for ${options.host}, valid for ${cert?.daysToExpiry ?? '?'} more days.`), socket: tlsSocket, usable: true, withSystemStore: withSystem, judged: { fingerprint256: cert?.fingerprint256, trustIgnored: false } };
}

/** A second handshake that accepts old protocols, only to name what the server speaks. */
async function probeLegacyProtocol(options: TlsStepResultOptions): Promise<string | undefined> {
  try {
    const socket = await options.reconnect();
    const legacy = await tlsHandshake(socket, { ...options, legacy: true });
    const protocol = legacy.getProtocol() ?? undefined;
    legacy.destroy();
    return protocol && protocol !== 'TLSv1.2' && protocol !== 'TLSv1.3' ? protocol : undefined;
  } catch {
    return undefined;
  }
}

type TlsStepResultOptions = TlsConnectOptions & { reconnect: () => Promise<Socket> };

/** The TLS step of a run: judges the connection the TCP step opened (plain HTTP skips it). */
export async function runTlsStep(ctx: ProbeContext): Promise<StepOutcome> {
  const { target, options } = ctx;
  if (target.scheme !== 'https') {
    ctx.skip('tls', 'Plain HTTP: no TLS, the password travels unencrypted.');
    return 'next';
  }
  ctx.begin('tls', `Negotiate TLS with ${target.host} and check its certificate`);
  const result = await tlsStep(ctx.socket as Socket, {
    host: target.host,
    timeoutMs: ctx.timeouts.tlsMs,
    signal: ctx.signal,
    extraCaPem: options.extraCaPem,
    ignoreTrust: options.ignoreTrust ?? false,
    reconnect: () => ctx.openRaw(),
  });
  ctx.push(result.step);
  if (!result.usable || !result.socket) {
    const noSession = ['tls.handshakeTimeout', 'tls.handshakeFailed', 'tls.oldProtocol'].includes(result.step.failure?.category ?? '');
    return { stop: noSession ? 'Skipped: no TLS session.' : 'Skipped: the certificate is not trusted, so no credentials are sent. Fix the certificate, or ignore trust for this run.' };
  }
  ctx.socket = result.socket;
  ctx.withSystemStore = Boolean(result.withSystemStore);
  ctx.tlsJudgement = result.judged;
  return 'next';
}
