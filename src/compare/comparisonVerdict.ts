// The one-line verdict of a comparison, e.g. "401 → 200: the sign-in now works; Integrated
// Windows authentication (NTLM) is now offered". Built only from the comparison's facts: an
// evidence change is named only when both runs recorded that fact, runs of two different servers
// are never called a fix, and a cancelled run is not read as a result.
import type { FactChange, RunComparison, StepComparison, StepSide } from './runComparison';

/** What passing a step means, for the steps whose meaning is worth saying in words. */
const FIXED: Record<string, string> = {
  input: 'the input is now usable',
  dns: 'the name now resolves',
  tcp: 'the server now accepts connections',
  tls: 'the certificate and TLS are now accepted',
  optionsAnonymous: 'the anonymous OPTIONS now gets the answer a device expects',
  optionsAuthenticated: 'the sign-in now works',
  crossCheck: 'EWS and Autodiscover now accept the credentials',
};
const BROKEN: Record<string, string> = {
  input: 'the input is no longer usable',
  dns: 'the name no longer resolves',
  tcp: 'the server no longer accepts connections',
  tls: 'the certificate or TLS is no longer accepted',
  optionsAnonymous: 'the anonymous OPTIONS no longer gets the answer a device expects',
  optionsAuthenticated: 'the sign-in no longer works',
  crossCheck: 'EWS or Autodiscover no longer accept the credentials',
};

const WINDOWS_SCHEMES = new Set(['ntlm', 'negotiate', 'kerberos']);

export function comparisonVerdict(c: RunComparison): string {
  if (c.before.outcome === 'cancelled' || c.after.outcome === 'cancelled') {
    const which = c.after.outcome === 'cancelled' ? 'later' : 'earlier';
    return `The ${which} run was cancelled, so the two runs cannot be compared step by step.`;
  }
  const parts: string[] = [];
  if (!c.sameServer) parts.push(`Two different servers (${c.before.target || 'unknown'} and ${c.after.target || 'unknown'}): a side-by-side, not a before-and-after`);
  parts.push(c.sameServer ? leadChange(c) : sideBySideLead(c));
  parts.push(...evidenceHighlights(c, c.sameServer));
  const testNote = c.testChanges.filter((t) => ['userName', 'auth', 'domain', 'crossCheck', 'ignoreTrust', 'allowHttp', 'proxy'].includes(t.key));
  if (testNote.length) parts.push(`the test itself changed too (${testNote.map((t) => `${t.label.toLowerCase()} ${t.before ?? 'none'} → ${t.after ?? 'none'}`).join(', ')})`);
  return parts.filter(Boolean).join('; ');
}

function leadChange(c: RunComparison): string {
  const top = c.steps.filter((s) => s.depth === 0);
  const regressed = top.find((s) => s.statusChange === 'regressed');
  if (regressed) return `${transition(regressed)}: ${BROKEN[regressed.id] ?? `${title(regressed)} no longer passes`}`;
  const improved = top.find((s) => s.statusChange === 'improved');
  if (improved) {
    let text = `${transition(improved)}: ${FIXED[improved.id] ?? `${title(improved)} now passes`}`;
    const nowStops = top.find((s) => s.statusChange === 'nowTested' && s.after?.status === 'failed');
    if (nowStops) text += `; the test now gets as far as ${title(nowStops)}, which fails (${token(nowStops.after)})`;
    else if (c.after.outcome === 'passed' && c.before.outcome !== 'passed') text += '; every step now passes';
    return text;
  }
  const nowStops = top.find((s) => s.statusChange === 'nowTested' && s.after?.status === 'failed');
  if (nowStops) return `The test now gets as far as ${title(nowStops)}, which fails (${token(nowStops.after)})`;
  const failed = top.find((s) => s.after?.status === 'failed');
  if (failed) {
    const was = failed.before?.failureCategory;
    const is = failed.after?.failureCategory;
    if (was && is && was !== is) return `Still fails at ${title(failed)}, now with ${is} instead of ${was}`;
    return `No step changed status: still fails at ${title(failed)} (${token(failed.after)})`;
  }
  const warned = top.some((s) => s.after?.status === 'warning');
  return `No step changed status: still passes${warned ? ' with warnings' : ''}`;
}

function sideBySideLead(c: RunComparison): string {
  const differing = c.steps.filter((s) => s.depth === 0 && s.before && s.after && s.before.status !== s.after.status);
  if (differing.length === 0) return 'every step has the same status on both';
  const s = differing[0];
  return `${title(s)}: ${token(s.before)} on the first, ${token(s.after)} on the second`;
}

/** The changes worth a place in one line: offered methods, certificate, server identity, versions. */
function evidenceHighlights(c: RunComparison, sameServer: boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const once = (text: string) => {
    if (seen.has(text)) return;
    out.push(text);
    seen.add(text);
  };
  // Only facts both runs recorded: a method not seen before because the step was skipped is not "new".
  const both = (f: FactChange) => f.before !== undefined && f.after !== undefined;
  for (const step of c.steps) {
    for (const f of step.changedFacts.filter(both)) {
      if (f.key === 'challenges') {
        for (const text of methodChanges(f, sameServer)) once(text);
      } else if (f.key === 'certificate.fingerprint256') {
        const expiry = step.changedFacts.find((g) => g.key === 'certificate.validTo' && both(g));
        once(sameServer ? `the certificate was replaced${expiry ? ` (it now expires ${expiry.after}, before ${expiry.before})` : ''}` : 'the certificates differ');
      } else if (f.key === 'server.product') {
        once(`the server now identifies as ${f.after} (was ${f.before})`);
      } else if (f.key === 'server.build' && !step.changedFacts.some((g) => g.key === 'server.product' && both(g))) {
        once(`server build ${f.before} → ${f.after}`);
      } else if (f.key === 'protocolVersions') {
        if (f.added?.length) once(`protocol version${f.added.length > 1 ? 's' : ''} ${f.added.join(', ')} now offered`);
        if (f.removed?.length) once(`protocol version${f.removed.length > 1 ? 's' : ''} ${f.removed.join(', ')} no longer offered`);
      }
    }
  }
  return out;
}

function methodChanges(f: FactChange, sameServer: boolean): string[] {
  const out: string[] = [];
  const describe = (schemes: string[]) => {
    const windows = schemes.filter((s) => WINDOWS_SCHEMES.has(s.toLowerCase()));
    const others = schemes.filter((s) => !WINDOWS_SCHEMES.has(s.toLowerCase()));
    const names = [...(windows.length ? [`Integrated Windows authentication (${windows.join(', ')})`] : []), ...others];
    return { text: names.join(' and '), plural: names.length > 1 };
  };
  if (f.added?.length) {
    const d = describe(f.added);
    out.push(sameServer ? `${d.text} ${d.plural ? 'are' : 'is'} now offered` : `only the second offers ${d.text}`);
  }
  if (f.removed?.length) {
    const d = describe(f.removed);
    out.push(sameServer ? `${d.text} ${d.plural ? 'are' : 'is'} no longer offered` : `only the first offers ${d.text}`);
  }
  return out;
}

function transition(s: StepComparison): string {
  const a = s.before?.httpStatus;
  const b = s.after?.httpStatus;
  // The HTTP status says it best, unless it is the same on both sides (e.g. 200 without the MS-AS headers).
  if (a !== undefined && b !== undefined && a !== b) return `${a} → ${b}`;
  return `${outcomeToken(s.before)} → ${outcomeToken(s.after)}`;
}

function outcomeToken(side: StepSide | undefined): string {
  return side ? side.failureCategory ?? side.status : 'not run';
}

/** A step's result in one word: its HTTP status when it got one, else its failure or status. */
function token(side: StepSide | undefined): string {
  if (!side) return 'not run';
  if (side.httpStatus !== undefined) return String(side.httpStatus);
  return side.failureCategory ?? side.status;
}

function title(s: StepComparison): string {
  return (s.after ?? s.before)?.title ?? s.id;
}
