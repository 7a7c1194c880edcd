// HTTP-level trouble that isn't a status code: timeouts, broken or oversized answers, closed
// connections, and redirects (which ActiveSync clients don't follow the way browsers do).
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { ref, type RunFacts } from '../runFacts';
import { categoryRule } from './categoryRule';

const locationRef = (facts: RunFacts) => (facts.redirectLocation ? ref(facts.redirectLocation.stepId, 'Location', facts.redirectLocation.value) : undefined);
const serverHeaderRef = (facts: RunFacts) => {
  const h = facts.headers.find((x) => x.name.toLowerCase() === 'server');
  return h ? ref(h.stepId, 'Server', h.value) : undefined;
};

export const transportRules = categoryRule([
  {
    categories: ['http.timeout'],
    id: 'http.timeout',
    title: 'The server accepted the request but did not answer in time',
    score: 70,
    explanation: 'The connection and TLS worked, then no complete response came in time (nothing, or a body that kept trickling in). The front end may be waiting on a back-end or mailbox server that is down or slow, or a proxy holds the request.',
    checks: ['Check the Exchange services and the application event log on the front end and mailbox servers.', 'Check proxies or load balancers for a request timeout on this path.'],
    checklistIds: [CHECKLIST_ID.unavailable503],
  },
  {
    categories: ['http.malformed'],
    id: 'http.malformed',
    title: 'The answer was not valid HTTP',
    score: 70,
    explanation: 'What came back could not be read as an HTTP response. Something other than a web server is on that port, or a broken proxy or inspection device garbles the traffic.',
    checks: ['Check which service listens on the port.', 'Bypass inspection devices or proxies and compare.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
  },
  {
    categories: ['http.connectionClosed'],
    id: 'http.connectionClosed',
    title: 'The connection was closed before a response arrived',
    score: 65,
    explanation: 'The server or something in between dropped the connection after receiving the request. Intrusion prevention, a reverse proxy that blocks the OPTIONS method, or a crashing application pool all look like this.',
    checks: ['Check reverse proxy / firewall logs for a blocked OPTIONS request to /Microsoft-Server-ActiveSync.', 'Check the MSExchangeSyncAppPool (or the 2003 server\'s IIS logs) for errors.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
  },
  {
    categories: ['http.tooLarge'],
    id: 'http.tooLarge',
    title: 'The response was far larger than ActiveSync sends',
    score: 55,
    explanation: 'An OPTIONS answer is headers and an empty body. A large body means a web page answered instead: a login portal, an error page or another application.',
    checks: ['Open the URL in a browser and see what page comes back.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts) => [serverHeaderRef(facts)],
  },
  {
    categories: ['http.redirectLoop'],
    id: 'redirect.loop',
    title: 'Redirect loop',
    score: 82,
    explanation: 'The server keeps redirecting back to where it came from. Devices give up. Typically an http→https rule combined with an https→http one, or an IIS redirect on the Default Web Site that was inherited by the Microsoft-Server-ActiveSync directory.',
    checks: ['In IIS Manager, check HTTP Redirect on Default Web Site and make sure Microsoft-Server-ActiveSync does not inherit it.', 'Check redirect rules on the load balancer or proxy.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts) => [locationRef(facts)],
  },
  {
    categories: ['http.redirectDowngrade'],
    id: 'redirect.downgrade',
    title: 'Redirected from https to plain http',
    score: 85,
    explanation: 'The server sends the client to an http:// URL, where credentials would travel in clear text. Devices refuse or fail; the redirect rule is wrong.',
    checks: ['Find the rule producing the redirect (IIS HTTP Redirect, URL Rewrite, proxy) and correct it.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts) => [locationRef(facts)],
  },
  {
    categories: ['http.redirectOtherHost'],
    id: 'redirect.otherHost',
    title: 'Redirected to a different host',
    score: 70,
    explanation: 'The server points the client at another host name. ActiveSync devices do not follow redirects for the OPTIONS test; they need the right server configured, or Autodiscover must hand it to them.',
    checks: ['Decide whether the new host is the right ActiveSync endpoint; if so, configure devices (or Autodiscover) with it.', 'Otherwise remove the redirect for /Microsoft-Server-ActiveSync.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts) => [locationRef(facts)],
  },
  {
    categories: ['http.redirect'],
    id: 'redirect.unexpected',
    title: 'Redirected instead of answered',
    score: 65,
    explanation: 'A 3xx came back where ActiveSync answers directly. Common sources: an IIS redirect on the Default Web Site inherited by the ActiveSync directory, or a pre-authentication portal sending the client to a login page.',
    checks: ['Check IIS HTTP Redirect on Microsoft-Server-ActiveSync (it must not be set).', 'Check the publishing rule does not use forms-based pre-authentication for this path.'],
    checklistIds: [CHECKLIST_ID.reverseProxy],
    evidence: (facts) => [locationRef(facts)],
  },
]);
