// Failures before TLS: name resolution, the TCP connection and an HTTP proxy on the way.
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { ref, type RunFacts } from '../runFacts';
import { categoryRule } from './categoryRule';

const addressRefs = (facts: RunFacts) => {
  const dns = facts.allSteps.find((s) => s.id === 'dns');
  const tcp = facts.allSteps.find((s) => s.id === 'tcp');
  return [
    ref('dns', 'Addresses', dns?.evidence?.addresses?.join(', ')),
    ref('tcp', 'Remote address', tcp?.evidence?.remoteAddress ? `${tcp.evidence.remoteAddress}:${tcp.evidence.remotePort ?? facts.run?.target?.port ?? ''}` : undefined),
  ];
};

export const networkRules = categoryRule([
  {
    categories: ['dns.notFound'],
    id: 'dns.nameNotFound',
    title: 'The host name does not exist in DNS',
    score: 88,
    explanation: 'The DNS server answered that the name does not exist. Either it is misspelt, or the record exists only in a DNS zone this machine doesn\'t use (split DNS: internal names are not visible from outside, and the other way round).',
    checks: ['Check the spelling against a working device\'s settings.', 'Run nslookup <host> here and from a machine on the devices\' network.', 'Check the public DNS zone holds an A/AAAA or CNAME record for the name.'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: (facts) => [ref('input', 'Host', facts.host)],
  },
  {
    categories: ['dns.timeout'],
    id: 'dns.timeout',
    title: 'DNS did not answer in time',
    score: 75,
    explanation: 'No answer came back from the DNS server. That is a problem of this machine\'s resolver or network, not yet of the Exchange server.',
    checks: ['Run nslookup <host> and check which DNS server answers.', 'Check this machine\'s network connection and VPN.'],
    checklistIds: [CHECKLIST_ID.reachability],
  },
  {
    categories: ['dns.serverFailure'],
    id: 'dns.serverFailure',
    title: 'The DNS server failed to resolve the name (SERVFAIL)',
    score: 75,
    explanation: 'The resolver could not get an answer from the zone\'s authoritative servers: often broken delegation, DNSSEC problems or an unreachable name server for that domain.',
    checks: ['Ask a different resolver (nslookup <host> 1.1.1.1 where permitted).', 'Check the domain\'s name servers and delegation with the DNS provider.'],
    checklistIds: [CHECKLIST_ID.reachability],
  },
  {
    categories: ['dns.error'],
    id: 'dns.error',
    title: 'Name resolution failed',
    score: 60,
    explanation: 'The host name could not be resolved; the failure message says how.',
    checks: ['Run nslookup <host> and compare with another machine.'],
    checklistIds: [CHECKLIST_ID.reachability],
  },
  {
    categories: ['tcp.refused'],
    id: 'tcp.refused',
    title: 'Connection refused: nothing listens on that port, or a firewall rejects it',
    score: 82,
    explanation: 'The address answered but refused the connection. Either the web service (IIS or the publishing proxy) is not listening on this port, or a firewall or load balancer actively rejects it (for example because no pool member is healthy).',
    checks: ['On the server, check the Default Web Site (or the publishing rule) is started and bound to this port.', 'Check the load balancer has healthy members for this virtual service.', 'Check the firewall allows the port from this network.'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: addressRefs,
  },
  {
    categories: ['tcp.timeout'],
    id: 'tcp.filtered',
    title: 'Connection timed out: a firewall is probably dropping the traffic',
    score: 80,
    explanation: 'No answer at all came back to the connection attempt. Packets are being dropped on the way, most often by a firewall, a missing NAT/publishing rule or a server that is switched off.',
    checks: ['Check the firewall and NAT rules for this address and port.', 'Try from inside the network, straight at the server\'s address.', 'Check the server is running and reachable (ping may be blocked even when the port works).'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: addressRefs,
  },
  {
    categories: ['tcp.unreachable'],
    id: 'tcp.unreachable',
    title: 'No route to the server',
    score: 75,
    explanation: 'The network reported the address as unreachable: a routing problem, a VPN that is not connected, or an address family (IPv6) this machine cannot reach.',
    checks: ['Check this machine\'s routes and VPN.', 'If the name resolves to an IPv6 address only, check IPv6 connectivity.'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: addressRefs,
  },
  {
    categories: ['tcp.error'],
    id: 'tcp.error',
    title: 'The TCP connection failed',
    score: 55,
    explanation: 'The connection could not be set up; the failure message has the system\'s reason.',
    checks: ['Check firewall, routing and that the server is up.'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: addressRefs,
  },
  {
    categories: ['proxy.error'],
    id: 'network.proxy',
    title: 'The HTTP proxy on the way failed or refused the connection',
    score: 80,
    explanation: 'The request went through a proxy, and the proxy could not (or would not) open the tunnel to the server. The Exchange server may be fine; the proxy settings or its rules are the problem.',
    checks: ['Check the proxy address (HTTPS_PROXY / NO_PROXY or the proxy setting) is right.', 'Ask whether the proxy allows CONNECT to this host and port, or rerun without a proxy.'],
    checklistIds: [CHECKLIST_ID.reachability],
    evidence: (facts) => [ref('input', 'Proxy', facts.run?.settings?.proxy ?? facts.allSteps.find((s) => s.evidence?.proxy)?.evidence.proxy)],
  },
]);
