// A step's evidence as a flat list of comparable facts. Fields the comparison knows get a clear
// label and a stable form (the certificate's parts, the offered methods as a set, the server's
// identity, the HTTP status); every other field, including those of steps added later, is
// flattened generically, so a new step's evidence is compared without code of its own.
import type { ProbeStep, StepEvidence } from '../probe/runModel';
import type { StepFact } from './runComparison';

/** Longest value kept for display; the comparison itself uses the full text. */
const MAX_SHOWN = 300;
/** How deep the generic flattening follows nested objects. */
const MAX_DEPTH = 3;

/**
 * Headers whose value changes with every request (ids, clocks): a difference there says nothing
 * about the server, so it is left out rather than reported as a change.
 */
const PER_REQUEST_HEADERS = new Set(['request-id', 'x-request-id', 'client-request-id', 'x-ms-request-id', 'date', 'x-proxy-backendserverstatus']);

/**
 * Evidence fields read above rather than flattened: `http` is reduced to its status codes, and the
 * certificate's `daysToExpiry` is left out because it counts down every day while the certificate
 * stays the same (its expiry date is compared instead).
 */
const HANDLED_OR_NOISY = new Set(['http', 'certificate', 'challenges', 'server', 'protocolVersions', 'protocolCommands', 'diagnosticHeaders', 'crossCheck', 'authAttempts', 'eas']);

export function stepFacts(step: ProbeStep): StepFact[] {
  const ev: StepEvidence = isObject(step?.evidence) ? step.evidence : {};
  const facts: StepFact[] = [];
  const add = (key: string, label: string, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    facts.push({ key, label, value: String(value) });
  };
  const addSet = (key: string, label: string, items: unknown[], sorted = false) => {
    const clean = [...new Set(items.filter((i) => i !== undefined && i !== null).map(String))];
    if (clean.length === 0) return;
    facts.push({ key, label, value: (sorted ? [...clean].sort() : clean).join(', '), items: clean });
  };

  const statuses = (Array.isArray(ev.http) ? ev.http : []).map((ex) => (ex?.response ? String(ex.response.statusCode) : ex?.error ? `no answer (${ex.error.code})` : undefined)).filter(Boolean);
  if (statuses.length) add('http.status', 'HTTP status', statuses.join(' then '));

  const cert = ev.certificate;
  if (isObject(cert)) {
    add('certificate.subject', 'Certificate subject', cert.subject);
    add('certificate.issuer', 'Certificate issuer', cert.issuer);
    add('certificate.validTo', 'Certificate expires', cert.validTo);
    add('certificate.validFrom', 'Certificate valid from', cert.validFrom);
    add('certificate.fingerprint256', 'Certificate fingerprint (SHA-256)', cert.fingerprint256);
    if (Array.isArray(cert.subjectAltNames)) addSet('certificate.subjectAltNames', 'Certificate names', cert.subjectAltNames, true);
    if (typeof cert.selfSigned === 'boolean') add('certificate.selfSigned', 'Certificate self-signed', cert.selfSigned ? 'yes' : 'no');
    if (Array.isArray(cert.chainSubjects)) add('certificate.chain', 'Certificate chain sent', cert.chainSubjects.join(' › '));
  }
  if (Array.isArray(ev.challenges)) addSet('challenges', 'Offered authentication', ev.challenges.map((c) => c?.scheme));
  // Placed here by compareRuns from the run's one identification (runs before it stored it per step).
  const server = (ev as { server?: { productName?: unknown; build?: unknown } }).server;
  if (isObject(server)) {
    add('server.product', 'Server', server.productName);
    // 14.03.0123.004 (MS-Server-ActiveSync) and 14.3.123.4 (X-OWA-Version) are the same build.
    add('server.build', 'Server build', typeof server.build === 'string' ? server.build.replace(/(^|\.)0+(?=\d)/g, '$1') : server.build);
  }
  if (Array.isArray(ev.protocolVersions)) addSet('protocolVersions', 'Protocol versions', ev.protocolVersions);
  if (Array.isArray(ev.protocolCommands)) addSet('protocolCommands', 'Protocol commands', ev.protocolCommands);
  for (const header of Array.isArray(ev.diagnosticHeaders) ? ev.diagnosticHeaders : []) {
    const name = String(header?.[0] ?? '');
    if (name && !PER_REQUEST_HEADERS.has(name.toLowerCase())) add(`diagnosticHeaders.${name.toLowerCase()}`, `${name} header`, header[1]);
  }
  for (const check of Array.isArray(ev.crossCheck) ? ev.crossCheck : []) {
    const outcome = check?.accepted ? 'accepted' : 'refused';
    add(`crossCheck.${check?.endpoint}`, `${check?.endpoint === 'ews' ? 'EWS' : 'Autodiscover'} sign-in`, `${outcome}${check?.statusCode ? ` (${check.statusCode})` : check?.error ? ` (${check.error})` : ''}`);
  }
  if (Array.isArray(ev.authAttempts)) {
    add('authAttempts', 'Sign-in attempts', ev.authAttempts.map((a) => `${a?.scheme} ${a?.statusCode ?? a?.error ?? '?'}`).join(', '));
  }

  // ActiveSync commands: what they established, not each exchange's XML (sync keys change every run).
  if (isObject(ev.eas)) {
    add('eas.protocolVersion', 'ActiveSync protocol version', ev.eas.protocolVersion);
    add('eas.device', 'Device identity', `${ev.eas.deviceType} / ${ev.eas.deviceId}`);
    if (Array.isArray(ev.eas.policy)) add('eas.policy', 'Policy', ev.eas.policy.map((p) => `${p?.name} ${p?.value}`).join(', '));
    if (Array.isArray(ev.eas.folders)) addSet('eas.folders', 'Folders', ev.eas.folders.map((f) => f?.name), true);
    if (isObject(ev.eas.inbox)) {
      add('eas.inbox.items', 'Inbox items received', ev.eas.inbox.itemsReceived);
      add('eas.inbox.estimate', 'Inbox estimate', ev.eas.inbox.estimate);
    }
  }
  for (const [name, value] of Object.entries(ev)) {
    if (HANDLED_OR_NOISY.has(name)) continue;
    flatten(name, value, 0, facts);
  }
  return facts;
}

/** A value as shown in a comparison: the comparison itself uses the full text. */
export function shownValue(value: string): string {
  return value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN - 1)}…` : value;
}

/** A step's facts by key (the first of a repeated key wins). */
export function factsByKey(step: ProbeStep | undefined): Map<string, StepFact> {
  const map = new Map<string, StepFact>();
  if (!step) return map;
  for (const fact of stepFacts(step)) if (!map.has(fact.key)) map.set(fact.key, fact);
  return map;
}

function flatten(key: string, value: unknown, depth: number, out: StepFact[]): void {
  if (value === undefined || value === null || value === '') return;
  const label = labelFor(key);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out.push({ key, label, value: typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value) });
    return;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) {
      const items = [...new Set(value.map(String))];
      if (items.length) out.push({ key, label, value: items.join(', '), items });
    } else {
      out.push({ key, label, value: JSON.stringify(value) });
    }
    return;
  }
  if (isObject(value)) {
    if (depth >= MAX_DEPTH) {
      out.push({ key, label, value: JSON.stringify(value) });
      return;
    }
    for (const [name, inner] of Object.entries(value)) flatten(`${key}.${name}`, inner, depth + 1, out);
  }
}

/** "ntlmChallenge.dnsComputer" → "NTLM challenge: DNS computer"; "folderCount" → "Folder count". */
export function labelFor(key: string): string {
  return key
    .split('.')
    .map((part) => {
      const words = part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
      const named = words.replace(/\b(ntlm|dns|tls|http|url|eas|ews|id|netbios)\b/g, (w) => ACRONYMS[w] ?? w);
      return named.charAt(0).toUpperCase() + named.slice(1);
    })
    .join(': ');
}

const ACRONYMS: Record<string, string> = { ntlm: 'NTLM', dns: 'DNS', tls: 'TLS', http: 'HTTP', url: 'URL', eas: 'EAS', ews: 'EWS', id: 'ID', netbios: 'NetBIOS' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
