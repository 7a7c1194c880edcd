// What the run tells us about the server behind the URL: Exchange Online or on-premises, and
// which Exchange generation answered. Each conclusion comes with the evidence it rests on.
import type { EvidenceRef } from './diagnosisModel';
import { describeServer } from '../probe/serverIdentification';
import { findHeader, headerRef, ref, type RunFacts } from './runFacts';

export type ServerGeneration = 'exchange2003' | 'exchange2007' | 'exchange2010' | 'exchange2013plus' | 'online' | 'other' | 'unknown';

export interface ExchangeOnlineSignals {
  /** Signals that on their own identify Exchange Online (its host names, its back-end targets, its build). */
  strong: EvidenceRef[];
  /** Signals shared with on-premises Exchange 2013+ front ends (X-BackEndHttpStatus). */
  weak: EvidenceRef[];
}

const ONLINE_HOST = /(^|\.)(outlook\.office365\.com|outlook\.office\.com|outlook\.com|office365\.com)$/;

export function exchangeOnlineSignals(facts: RunFacts): ExchangeOnlineSignals {
  const strong: EvidenceRef[] = [];
  const weak: EvidenceRef[] = [];
  if (ONLINE_HOST.test(facts.host)) strong.push(ref('input', 'Host', facts.host));
  // The headers that mark Exchange Online are read once, by the run's server identification.
  const server = facts.server?.value;
  if (server?.product === 'exchangeOnline') {
    const decisive = server.clues?.filter((c) => c.source === server.source) ?? [];
    strong.push(...(decisive.length ? decisive.map((c) => ref(c.stepId, c.source, c.value)) : [ref(facts.server!.stepId, 'Server', describeServer(server))]));
  }
  const beStatus = findHeader(facts, 'X-BackEndHttpStatus');
  if (beStatus) weak.push(headerRef(beStatus));
  return { strong, weak };
}

export function isExchangeOnline(facts: RunFacts): boolean {
  return exchangeOnlineSignals(facts).strong.length > 0;
}

/** The generation of the server that answered (the front end), from the run's one identification. */
export function serverGeneration(facts: RunFacts): ServerGeneration {
  if (isExchangeOnline(facts)) return 'online';
  switch (facts.server?.value.product) {
    case 'exchange2003':
    case 'exchange2007':
    case 'exchange2010':
      return facts.server.value.product;
    case 'exchange2013':
    case 'exchange2016':
    case 'exchange2019':
      return 'exchange2013plus';
    case 'exchangeOnline':
      return 'online';
    case 'zpush':
      return 'other';
    default:
      return 'unknown';
  }
}

/** True when the run identified a server that is not Exchange: Exchange-specific causes and checks do not apply to it. */
export function isNonExchangeServer(facts: RunFacts): boolean {
  const s = facts.server?.value;
  if (!s) return false;
  if (s.product === 'zpush') return true;
  // Unknown, but its answers rule Exchange out: a protocol version in place of a build, or PHP.
  return s.product === 'unknown' && (Boolean(s.protocolVersion) || (s.clues ?? []).some((c) => c.source === 'X-Powered-By' && /php/i.test(c.value)));
}

/** Evidence line naming the identified server, if the run identified one (an unknown server names nothing). */
export function serverRef(facts: RunFacts): EvidenceRef | undefined {
  if (!facts.server || facts.server.value.product === 'unknown') return undefined;
  const s = facts.server.value;
  return ref(facts.server.stepId, 'Server (identified from ' + (s.source || 'the answers') + ')', describeServer(s));
}
