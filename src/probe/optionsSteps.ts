// Steps 5 and 6: the OPTIONS command, first without credentials (to learn which sign-in
// schemes the server offers) and then with them (to read the ActiveSync headers a device
// needs). The judging is separate from the sending so every status is read the same way.
import { describeChallenges, offeredSchemes, parseMsDiagnostics, parseWwwAuthenticate } from '../protocol/authChallenges';
import type { HttpResult } from './httpConnection';
import type { FailureCategory, ProbeStep, StepEvidence } from './runModel';
import {
  hasUsableProtocolVersion,
  headerValue,
  headerValues,
  missingEssentialCommands,
  parseList,
  pickDiagnosticHeaders,
} from './serverIdentity';
import { childStep, StepBuilder } from './stepBuilder';

export const STATUS_MEANINGS: Record<number, { category: FailureCategory; text: string }> = {
  401: { category: 'http.401', text: 'The server refused the credentials (HTTP 401 Unauthorized).' },
  403: { category: 'http.403', text: 'Access is forbidden (HTTP 403): the user may not be allowed to use ActiveSync, or the directory demands something the request lacks, such as SSL or a client certificate.' },
  404: { category: 'http.404', text: 'Not found (HTTP 404): there is no ActiveSync directory at this URL, or a proxy in front does not publish it.' },
  449: { category: 'http.449', text: 'Retry after provisioning (HTTP 449): the server wants the device to accept its ActiveSync policy first.' },
  451: { category: 'http.451', text: 'Redirect (HTTP 451): the mailbox is served from another ActiveSync URL.' },
  456: { category: 'http.456', text: 'The account is blocked from ActiveSync (HTTP 456).' },
  457: { category: 'http.457', text: 'The password has expired (HTTP 457).' },
  500: { category: 'http.500', text: 'The server failed internally (HTTP 500).' },
  503: { category: 'http.503', text: 'The service is unavailable (HTTP 503): the mailbox store or the ActiveSync application is down or overloaded.' },
};

export function statusMeaning(status: number): { category: FailureCategory; text: string } {
  if (STATUS_MEANINGS[status]) return STATUS_MEANINGS[status];
  if (status >= 300 && status < 400) return { category: 'http.redirect', text: `The server redirected the request (HTTP ${status}).` };
  return { category: 'http.otherStatus', text: `The server answered HTTP ${status}, which ActiveSync devices do not expect.` };
}

/**
 * What a 3xx means, from where it points: to plain http (a password would follow in clear text),
 * to another server (devices set up with this one do not go there), or elsewhere on the same one.
 * Devices follow none of them for ActiveSync, and neither does the probe.
 */
export function redirectMeaning(status: number, requestUrl: string, location: string | undefined): { category: FailureCategory; text: string } {
  const plain = statusMeaning(status);
  let target: URL;
  let from: URL;
  try {
    from = new URL(requestUrl);
    target = new URL(location ?? '', from);
  } catch {
    return plain;
  }
  if (!location) return plain;
  if (target.protocol === 'http:' && from.protocol === 'https:') {
    return { category: 'http.redirectDowngrade', text: `The server redirected the request (HTTP ${status}) from https to plain http.` };
  }
  if (target.host !== from.host || target.protocol !== from.protocol) {
    return { category: 'http.redirectOtherHost', text: `The server redirected the request (HTTP ${status}) to another server, ${target.protocol}//${target.host}.` };
  }
  return plain;
}

/** The meaning of a status other than 2xx on an OPTIONS request; a 3xx is read with its Location. */
function optionsStatusMeaning(status: number, result: HttpResult, location: string | undefined): { category: FailureCategory; text: string } {
  return status >= 300 && status < 400 ? redirectMeaning(status, result.exchange.url, location) : statusMeaning(status);
}

/** Records the exchange and the headers every OPTIONS step keeps as evidence. */
export function recordResponse(b: StepBuilder, result: HttpResult): void {
  (b.evidence.http ??= []).push(result.exchange);
  const refusal = result.error?.refusal;
  if (refusal) {
    b.evidence.credentialGate = { reason: refusal.reason, expectedFingerprint: refusal.expectedFingerprint, presentedFingerprint: refusal.presentedFingerprint };
    b.detail('Certificate judged by the TLS step (SHA-256)', refusal.expectedFingerprint ?? 'none');
    b.detail('Certificate presented on this connection (SHA-256)', refusal.presentedFingerprint ?? 'none');
    b.detail('Credentials', 'not sent: the connection failed the credential check');
  }
  if (!result.statusCode) return;
  const r = result.exchange.response;
  b.detail('HTTP status', `${result.statusCode} ${r?.statusText ?? ''}`.trim());
  const diag = pickDiagnosticHeaders(result.headers);
  if (diag.length) b.evidence.diagnosticHeaders = [...(b.evidence.diagnosticHeaders ?? []), ...diag];
  const challenges = parseWwwAuthenticate(headerValues(result.headers, 'www-authenticate'));
  if (challenges.length) b.evidence.challenges = challenges;
  const retryAfter = headerValue(result.headers, 'retry-after');
  if (retryAfter) b.evidence.retryAfter = retryAfter;
  const credentialUrl = headerValue(result.headers, 'x-ms-credential-service-url');
  if (credentialUrl) b.evidence.credentialServiceUrl = credentialUrl;
  const location = headerValue(result.headers, 'x-ms-location') ?? headerValue(result.headers, 'location');
  if (location) b.evidence.redirectLocation = location;
  const msDiagnostics = parseMsDiagnostics(headerValue(result.headers, 'x-ms-diagnostics'));
  if (msDiagnostics) b.evidence.msDiagnostics = msDiagnostics;
}

export function judgeAnonymous(b: StepBuilder, result: HttpResult, authScheme = 'Basic'): ProbeStep {
  recordResponse(b, result);
  if (result.error) return b.finish('failed', result.error.message, { category: result.error.category });
  const status = result.statusCode as number;
  const challenges = b.evidence.challenges ?? [];
  if (challenges.length) b.detail('Authentication offered', describeChallenges(challenges));
  if (status === 401) {
    if (challenges.length === 0) {
      return b.finish('warning', 'The server asks for authentication but offers no method (no WWW-Authenticate header); devices cannot tell how to sign in.', { category: 'http.noChallenge' });
    }
    if (!offeredSchemes(challenges).includes(authScheme.toLowerCase())) {
      // Sending a password by a method the server does not accept gains nothing and exposes it.
      return b.finish('failed', `The server requires authentication but does not accept ${authScheme}; it offers ${describeChallenges(challenges)}. The credentials were not sent.`, { category: 'http.schemeNotOffered' });
    }
    return b.finish('passed', `The server requires authentication and offers ${describeChallenges(challenges)}.`);
  }
  if (status === 404) {
    // No ActiveSync directory here: sending the password to whatever answers would gain nothing.
    return b.finish('failed', `${statusMeaning(404).text} The credentials were not sent.`, { category: 'http.404' });
  }
  if (status >= 200 && status < 300) {
    const eas = headerValue(result.headers, 'ms-server-activesync');
    if (eas) {
      return b.finish('warning', 'The server answered OPTIONS without asking who is calling: anonymous access is enabled on the ActiveSync directory. That is a security problem.', { category: 'http.anonymousAccess' });
    }
    return b.finish('warning', `The server answered ${status} to an anonymous OPTIONS without ActiveSync headers: something other than Exchange answered.`, { category: 'eas.missingHeaders' });
  }
  const meaning = optionsStatusMeaning(status, result, b.evidence.redirectLocation);
  return b.finish('warning', `Without credentials: ${meaning.text}`, { category: meaning.category });
}

/** Judges the authenticated OPTIONS response (after any redirect handling by the caller). */
export function judgeAuthenticated(b: StepBuilder, result: HttpResult, authScheme: string): ProbeStep {
  recordResponse(b, result);
  b.evidence.authScheme = authScheme;
  if (result.error) return b.finish('failed', result.error.message, { category: result.error.category });
  const status = result.statusCode as number;
  if (status >= 200 && status < 300) return judgeHealthyOptions(b, result);
  const ev = b.evidence;
  const meaning = optionsStatusMeaning(status, result, ev.redirectLocation);
  let summary = meaning.text;
  if (status === 401) {
    const schemes = offeredSchemes(ev.challenges ?? []);
    if (ev.challenges?.length) b.detail('Authentication offered', describeChallenges(ev.challenges));
    if (authScheme === 'Bearer') {
      const bearer = ev.challenges?.find((c) => c.scheme.toLowerCase() === 'bearer');
      const error = bearer?.params.error;
      if (error) b.detail('Bearer error', error);
      if (ev.msDiagnostics) b.detail('x-ms-diagnostics', `${ev.msDiagnostics.code}${ev.msDiagnostics.category ? ` (${ev.msDiagnostics.category})` : ''}${ev.msDiagnostics.reason ? `: ${ev.msDiagnostics.reason}` : ''}`);
      summary = `The server refused the OAuth token (HTTP 401${error ? `, error "${error}"` : ''})${ev.msDiagnostics?.reason ? `: ${ev.msDiagnostics.reason}` : '.'}`;
    } else if (schemes.length && !schemes.includes(authScheme.toLowerCase())) {
      summary += ` The server does not offer ${authScheme} here; it offers ${describeChallenges(ev.challenges ?? [])}.`;
    } else if (/^(ntlm|negotiate)$/i.test(authScheme)) {
      summary += ` With ${authScheme} this means a wrong password, a user the domain does not know (check the domain part of the name), or an account that is locked or disabled.`;
    } else {
      summary += ' This is usually a wrong user name or password; for Office 365 use the full user principal name (user@domain.com).';
    }
  }
  if (ev.retryAfter) {
    b.detail('Retry-After', ev.retryAfter);
    summary += ` The server asks to retry after ${ev.retryAfter}${/^\d+$/.test(ev.retryAfter) ? ' seconds' : ''}.`;
  }
  if (ev.credentialServiceUrl) {
    b.detail('Password change URL', ev.credentialServiceUrl);
    summary += ` The server names ${ev.credentialServiceUrl} for changing it.`;
  }
  if (status >= 300 && status < 400 && ev.redirectLocation) {
    b.detail('Location', ev.redirectLocation);
    summary += ` It points to ${ev.redirectLocation}; devices do not follow this for ActiveSync, so the probe did not either.`;
  }
  return b.finish('failed', summary, { category: meaning.category });
}

function judgeHealthyOptions(b: StepBuilder, result: HttpResult): ProbeStep {
  const ev: StepEvidence = b.evidence;
  const build = headerValue(result.headers, 'ms-server-activesync');
  const versionsHeader = headerValue(result.headers, 'ms-asprotocolversions');
  const versions = parseList(versionsHeader);
  const commands = parseList(headerValue(result.headers, 'ms-asprotocolcommands'));
  ev.protocolVersions = versions;
  ev.protocolCommands = commands;

  if (!build || !versionsHeader) {
    const missing = [!build ? 'MS-Server-ActiveSync' : '', !versionsHeader ? 'MS-ASProtocolVersions' : ''].filter(Boolean).join(' and ');
    b.detail('Missing headers', missing);
    const server = headerValue(result.headers, 'server');
    return b.finish('failed', `The OPTIONS reply lacks ${missing}. Something between the device and Exchange (a reverse proxy, URLScan, ISA/TMG) is answering or stripping the OPTIONS request${server ? `; the reply came from "${server}"` : ''}.`, { category: 'eas.missingHeaders' });
  }

  const usable = hasUsableProtocolVersion(versions);
  b.child(childStep('optionsAuthenticated.versions', 'Protocol versions', usable ? 'passed' : 'failed', usable ? `Offers ${versions.join(', ')}.` : `Offers only ${versions.join(', ') || 'nothing'}: neither 2.5 nor 12.0 or later.`, [{ label: 'MS-ASProtocolVersions', value: versionsHeader }]));
  const missingCommands = missingEssentialCommands(commands);
  b.child(childStep('optionsAuthenticated.commands', 'Protocol commands', missingCommands.length ? 'warning' : 'passed', missingCommands.length ? `Missing ${missingCommands.join(', ')}.` : `${commands.length} commands, including Provision, FolderSync and Sync.`, [{ label: 'MS-ASProtocolCommands', value: headerValue(result.headers, 'ms-asprotocolcommands') ?? 'missing' }]));
  if (ev.diagnosticHeaders?.length) {
    b.child(childStep('optionsAuthenticated.diagnostics', 'Exchange diagnostic headers', 'passed', `${ev.diagnosticHeaders.length} header(s) kept as evidence.`, ev.diagnosticHeaders.map(([label, value]) => ({ label, value }))));
  }
  // The value only: which product it points at is decided once per run, from every answer (serverIdentification.ts).
  b.detail('MS-Server-ActiveSync', build).detail('Protocol versions', versions.join(', ')).detail('Commands', `${commands.length}`);

  if (!usable) {
    return b.finish('failed', `The server offers no protocol version a current device can use (${versions.join(', ') || 'none'}); 2.5, or 12.0 or later, is needed.`, { category: 'eas.noUsableVersion' });
  }
  if (missingCommands.length) {
    return b.finish('warning', `ActiveSync answers, but the command list lacks ${missingCommands.join(', ')}.`, { category: 'eas.missingCommands' });
  }
  const top = versions[versions.length - 1];
  return b.finish('passed', `ActiveSync answered OPTIONS (MS-Server-ActiveSync ${build}): protocol up to ${top}, ${commands.length} commands.`);
}
