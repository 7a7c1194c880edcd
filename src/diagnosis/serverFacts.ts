// What the run tells us about the server behind the URL: Exchange Online or on-premises, and
// which Exchange generation answered. Each conclusion comes with the evidence it rests on.
import type { EvidenceRef } from './diagnosisModel';
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
  const beTarget = findHeader(facts, 'X-CalculatedBETarget');
  if (beTarget && /prod\.outlook\.com\.?$/i.test(beTarget.value.trim())) strong.push(headerRef(beTarget));
  const build = findHeader(facts, 'MS-Server-ActiveSync');
  if (build && /^15\.20(\.|$)/.test(build.value.trim())) strong.push(headerRef(build));
  if (facts.server?.value.product === 'exchangeOnline') strong.push(ref(facts.server.stepId, 'Server', facts.server.value.productName || 'Exchange Online'));
  const beStatus = findHeader(facts, 'X-BackEndHttpStatus');
  if (beStatus) weak.push(headerRef(beStatus));
  return { strong, weak };
}

export function isExchangeOnline(facts: RunFacts): boolean {
  return exchangeOnlineSignals(facts).strong.length > 0;
}

/** The generation of the server that answered (the front end), from the identity or the build header. */
export function serverGeneration(facts: RunFacts): ServerGeneration {
  if (isExchangeOnline(facts)) return 'online';
  const product = facts.server?.value.product;
  switch (product) {
    case 'exchange2003':
    case 'exchange2007':
    case 'exchange2010':
      return product;
    case 'exchange2013':
    case 'exchange2016':
    case 'exchange2019':
      return 'exchange2013plus';
    case 'exchangeOnline':
      return 'online';
    case 'zpush':
      return 'other';
    default:
      break;
  }
  const build = facts.server?.value.build || findHeader(facts, 'MS-Server-ActiveSync')?.value || '';
  return generationFromBuild(build);
}

export function generationFromBuild(build: string): ServerGeneration {
  const major = /^\s*(\d+)\./.exec(build)?.[1];
  switch (major) {
    case '6':
      return 'exchange2003';
    case '8':
      return 'exchange2007';
    case '14':
      return 'exchange2010';
    case '15':
      return 'exchange2013plus';
    default:
      return 'unknown';
  }
}

/** Evidence line naming the server build, if the run saw one. */
export function serverRef(facts: RunFacts): EvidenceRef | undefined {
  if (facts.server) {
    const s = facts.server.value;
    return ref(facts.server.stepId, s.source || 'Server', [s.productName, s.build].filter(Boolean).join(' '));
  }
  const build = findHeader(facts, 'MS-Server-ActiveSync');
  return build ? headerRef(build) : undefined;
}
