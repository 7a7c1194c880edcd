// The NTLM handshake over HTTP, as "NTLM" or as NTLM inside SPNEGO under "Negotiate": leg 1 sends
// the negotiate message and expects 401 with the server's challenge, leg 2 answers it. Both legs
// must travel on the same kept-alive connection, because the server remembers the challenge per
// connection; when the server (or a load balancer in front of it) closes the connection between
// the legs, the handshake cannot work and the step says so.
//
// Negotiate carries NTLM wrapped in SPNEGO (a NegTokenInit naming only NTLMSSP), which is what a
// Windows client that cannot get a Kerberos ticket sends; a server's raw NTLMSSP answer under
// Negotiate is accepted too. Kerberos itself needs a domain-joined client and is out of scope.
import { describeChallenges, parseWwwAuthenticate } from '../../protocol/authChallenges';
import type { HttpResult, ProbeHttpConnection } from '../httpConnection';
import type { FailureCategory, ProbeStep, StepEvidence } from '../runModel';
import { headerValues } from '../serverIdentity';
import { childStep } from '../stepBuilder';
import { decodeChallengeMessage, describeFlags, formatVersion, MAX_CHALLENGE_BYTES, windowsReleaseName, type NtlmChallengeMessage } from '../../protocol/ntlm/ntlmChallenge';
import { authenticateMessage, negotiateMessage } from './ntlmMessages';
import { describeIdentity, ntlmIdentity, type NtlmIdentity } from './ntlmUserName';
import { oidToString, readNegotiateToken, wrapNegTokenInit, wrapNegTokenResp } from '../../protocol/ntlm/spnego';

export type WindowsScheme = 'NTLM' | 'Negotiate';

export interface HandshakeRequest {
  connection: ProbeHttpConnection;
  path: string;
  scheme: WindowsScheme;
  userName: string;
  password: string;
  /** Domain for a bare user name (the run's domain option). */
  domain?: string;
  signal: AbortSignal;
}

export interface HandshakeResult {
  /** The answer that decides the sign-in: leg 2's, or leg 1's when the handshake stopped there. */
  final: HttpResult;
  /** Leg 1's exchange when leg 2 was sent (the final one is recorded by whoever judges it). */
  earlier: HttpResult[];
  challenge?: NtlmChallengeMessage;
  identity?: NtlmIdentity;
  /** Set when the handshake itself failed, before the server could judge the password. */
  problem?: { category: FailureCategory; message: string };
  /** One child step per leg, for the step tree. */
  legs: ProbeStep[];
}

export const CONNECTION_DROPPED_MESSAGE =
  "The server dropped the connection between the NTLM handshake's legs, so the answer to its challenge reached a connection that never saw it. A proxy or load balancer without connection affinity (or one that does not keep connections alive) is in the way.";

/** Runs the two legs on `connection`. Never throws except for a cancel or the run's deadline. */
export async function windowsAuthHandshake(req: HandshakeRequest): Promise<HandshakeResult> {
  const { connection, scheme, signal } = req;
  const lower = scheme.toLowerCase();
  const legs: ProbeStep[] = [];
  const negotiate = negotiateMessage();
  const firstToken = scheme === 'Negotiate' ? wrapNegTokenInit(negotiate) : negotiate;
  const leg1 = await connection.send(
    { method: 'OPTIONS', path: req.path, headers: { Authorization: `${scheme} ${firstToken.toString('base64')}` }, label: `${scheme} leg 1: negotiate message` },
    signal,
  );
  const connectionAfterLeg1 = connection.connections;
  const leg1Title = `Leg 1: send the ${scheme === 'Negotiate' ? 'SPNEGO-wrapped ' : ''}NTLM negotiate message`;

  if (leg1.error || leg1.statusCode !== 401) {
    // Nothing to answer: the status (or the error) is the verdict, judged by the caller.
    legs.push(childStep(`optionsAuthenticated.${lower}.negotiate`, leg1Title, leg1.error ? 'failed' : 'passed', leg1.error ? leg1.error.message : `The server answered HTTP ${leg1.statusCode} without a challenge.`));
    return { final: leg1, earlier: [], legs };
  }

  const extracted = extractChallenge(leg1, scheme);
  if (!extracted.ok) {
    legs.push(childStep(`optionsAuthenticated.${lower}.negotiate`, leg1Title, 'failed', extracted.problem.message, extracted.details));
    return { final: leg1, earlier: [], legs, problem: extracted.problem };
  }
  const challenge = extracted.challenge;
  const identity = ntlmIdentity(req.userName, req.domain, challenge.netbiosDomain || challenge.targetName || undefined);
  const leg1Step = childStep(`optionsAuthenticated.${lower}.negotiate`, leg1Title, 'passed', `The server answered 401 with an NTLM challenge${challengeOrigin(challenge)}.`, challengeDetails(challenge));
  leg1Step.evidence = { ntlmChallenge: challengeEvidence(challenge) };
  legs.push(leg1Step);

  const authenticate = authenticateMessage(challenge, identity, req.password);
  const secondToken = scheme === 'Negotiate' ? wrapNegTokenResp(authenticate) : authenticate;
  const leg2 = await connection.send(
    { method: 'OPTIONS', path: req.path, headers: { Authorization: `${scheme} ${secondToken.toString('base64')}` }, label: `${scheme} leg 2: authenticate message as ${describeIdentity(identity)}` },
    signal,
  );
  const leg2Title = `Leg 2: answer the challenge as ${describeIdentity(identity)}`;
  const reopened = connection.connections !== connectionAfterLeg1;
  const accepted = !leg2.error && leg2.statusCode !== 401;
  if (reopened && !accepted) {
    const problem = { category: 'auth.connectionDropped' as const, message: CONNECTION_DROPPED_MESSAGE };
    legs.push(childStep(`optionsAuthenticated.${lower}.authenticate`, leg2Title, 'failed', problem.message, [{ label: 'Connections opened', value: String(connection.connections) }]));
    return { final: leg2, earlier: [leg1], challenge, identity, legs, problem };
  }
  legs.push(childStep(
    `optionsAuthenticated.${lower}.authenticate`,
    leg2Title,
    accepted ? 'passed' : 'failed',
    leg2.error ? leg2.error.message : accepted ? `The server accepted the sign-in (HTTP ${leg2.statusCode}).` : 'The server refused the answer to its challenge (HTTP 401).',
    [{ label: 'NTLM user', value: describeIdentity(identity) }],
  ));
  return { final: leg2, earlier: [leg1], challenge, identity, legs };
}

type Extracted =
  | { ok: true; challenge: NtlmChallengeMessage }
  | { ok: false; problem: { category: FailureCategory; message: string }; details: Array<{ label: string; value: string }> };

/** Finds and decodes the type 2 in leg 1's 401, or says why there is none. */
function extractChallenge(leg1: HttpResult, scheme: WindowsScheme): Extracted {
  const challenges = parseWwwAuthenticate(headerValues(leg1.headers, 'www-authenticate'));
  const offered = [{ label: 'Authentication offered', value: describeChallenges(challenges) }];
  const mine = challenges.find((c) => c.scheme.toLowerCase() === scheme.toLowerCase() && (c.token || c.malformedToken !== undefined));
  if (mine?.malformedToken !== undefined) return bad(notToken68(scheme, mine.malformedToken), offered);
  if (!mine?.token) {
    const ntlmOffered = challenges.some((c) => c.scheme.toLowerCase() === 'ntlm');
    if (scheme === 'Negotiate') {
      return {
        ok: false,
        problem: {
          category: 'auth.kerberosOnly',
          message: `The server answered the NTLM token inside Negotiate with a plain 401 and no challenge: it accepts only Kerberos under Negotiate${ntlmOffered ? '' : ', and it offers no separate NTLM'}. Kerberos needs a domain-joined client: test from a domain-joined machine (Test-ActiveSyncConnectivity on Exchange 2007/2010), or allow NTLM for this directory.`,
        },
        details: offered,
      };
    }
    return {
      ok: false,
      problem: { category: 'auth.handshakeRefused', message: 'The server answered the NTLM negotiate message with a plain 401 and no challenge: it did not start NTLM, so Integrated Windows authentication is not working on this directory.' },
      details: offered,
    };
  }
  let bytes: Buffer = Buffer.from(mine.token, 'base64');
  if (bytes.length > MAX_CHALLENGE_BYTES) return bad(`The server's ${scheme} token is ${bytes.length} bytes long; no real challenge is that large.`, offered);
  if (scheme === 'Negotiate') {
    const token = readNegotiateToken(bytes);
    if (token.kind === 'invalid') return bad(`The server's Negotiate answer is malformed: ${token.error}`, offered);
    if (token.kind === 'init') return bad('The server answered with an SPNEGO NegTokenInit instead of a NegTokenResp.', offered);
    if (token.kind === 'resp') {
      if (token.resp.negState === 'reject' || !token.resp.responseToken) {
        return {
          ok: false,
          problem: {
            category: 'auth.kerberosOnly',
            message: `The server rejected NTLM inside Negotiate${token.resp.supportedMech ? ` (it wants mechanism ${oidToString(token.resp.supportedMech)})` : ''}: only Kerberos would work. Test from a domain-joined machine (Test-ActiveSyncConnectivity on Exchange 2007/2010), or allow NTLM for this directory.`,
          },
          details: offered,
        };
      }
      bytes = token.resp.responseToken;
    } else {
      bytes = token.ntlm;
    }
  }
  const decoded = decodeChallengeMessage(bytes);
  if (!decoded.ok) return bad(decoded.error, offered);
  return { ok: true, challenge: decoded.message };
}

/** Why a token after NTLM or Negotiate is not one: where the first character outside token68 sits. */
function notToken68(scheme: WindowsScheme, raw: string): string {
  // A character outside token68, or one after the "=" padding that may only end it.
  const outside = /[^A-Za-z0-9\-._~+/=]/.exec(raw)?.index ?? raw.search(/=[^=]/) + 1;
  const where = outside > 0 || /^[^A-Za-z0-9\-._~+/]/.test(raw) ? `, the first one that cannot be there at position ${outside + 1}` : '';
  return `the ${scheme} token in WWW-Authenticate is not Base64 (${raw.length} characters${where}).`;
}

function bad(message: string, details: Array<{ label: string; value: string }>): Extracted {
  return { ok: false, problem: { category: 'auth.badChallenge', message: `The server's NTLM challenge is unusable: ${message}` }, details };
}

function challengeOrigin(c: NtlmChallengeMessage): string {
  const computer = c.dnsComputer || c.netbiosComputer;
  const domain = c.netbiosDomain || c.targetName;
  const release = c.version ? windowsReleaseName(c.version) : undefined;
  const version = c.version ? `Windows version ${formatVersion(c.version)}${release ? `, ${release}` : ''}` : undefined;
  const who = [computer ? `computer ${computer}` : '', domain ? `domain ${domain}` : ''].filter(Boolean).join(' in ');
  return `${who ? ` from ${who}` : ''}${version ? ` (${version})` : ''}`;
}

/** The challenge's facts as the evidence shape of the run model. */
export function challengeEvidence(c: NtlmChallengeMessage): NonNullable<StepEvidence['ntlmChallenge']> {
  return {
    targetName: c.targetName,
    netbiosDomain: c.netbiosDomain ?? '',
    netbiosComputer: c.netbiosComputer ?? '',
    dnsDomain: c.dnsDomain ?? '',
    dnsComputer: c.dnsComputer ?? '',
    dnsTree: c.dnsTree,
    windowsVersion: c.version ? formatVersion(c.version) : undefined,
    windowsRelease: c.version ? windowsReleaseName(c.version) : undefined,
    flags: describeFlags(c.flags),
    warnings: c.warnings.length ? [...c.warnings] : undefined,
  };
}

export function challengeDetails(c: NtlmChallengeMessage): Array<{ label: string; value: string }> {
  const rows: Array<[string, string | undefined]> = [
    ['Target name', c.targetName],
    ['NetBIOS domain', c.netbiosDomain],
    ['NetBIOS computer', c.netbiosComputer],
    ['DNS domain', c.dnsDomain],
    ['DNS computer', c.dnsComputer],
    ['DNS forest', c.dnsTree],
    ['Windows version', c.version ? `${formatVersion(c.version)}${windowsReleaseName(c.version) ? ` (${windowsReleaseName(c.version)})` : ''}` : undefined],
    ['Server time', c.timestamp],
    ['Flags', describeFlags(c.flags)],
    ...c.warnings.map((w): [string, string] => ['Warning', w]),
  ];
  return rows.filter((r): r is [string, string] => !!r[1]).map(([label, value]) => ({ label, value }));
}
