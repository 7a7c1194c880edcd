// Certificate and handshake problems. Devices are stricter than browsers (no click-through), so
// every trust problem here stops them, and one that a desktop tolerates still breaks phones.
import { CHECKLIST_ID } from '../checklists/checklistIds';
import { ref, type RunFacts } from '../runFacts';
import type { EvidenceRef } from '../diagnosisModel';
import { categoryRule } from './categoryRule';

function certificateRefs(facts: RunFacts): Array<EvidenceRef | undefined> {
  const c = facts.certificate;
  const out: Array<EvidenceRef | undefined> = [];
  if (facts.tlsErrorCode) out.push(ref(facts.tlsErrorCode.stepId, 'TLS error code', facts.tlsErrorCode.value));
  if (!c) return out;
  const cert = c.value;
  out.push(ref(c.stepId, 'Subject', cert.subject));
  if (cert.subjectAltNames?.length) out.push(ref(c.stepId, 'Subject alternative names', cert.subjectAltNames.join(', ')));
  out.push(ref(c.stepId, 'Issuer', cert.issuer));
  out.push(ref(c.stepId, 'Valid', `${cert.validFrom ?? '?'} to ${cert.validTo ?? '?'}`));
  if (cert.chainSubjects?.length) out.push(ref(c.stepId, 'Chain sent by the server', cert.chainSubjects.join(' ← ')));
  return out;
}

const tlsChecks = {
  inspect: 'Open https://<host>/Microsoft-Server-ActiveSync in a browser on a machine outside the network and look at the certificate.',
  binding: 'On the server, check which certificate is bound to the site (IIS Manager → Default Web Site → Bindings, or Get-ExchangeCertificate on 2007 and later).',
};

export const tlsRules = categoryRule([
  {
    categories: ['tls.nameMismatch'],
    id: 'tls.nameMismatch',
    title: 'The certificate does not name this host',
    score: 90,
    explanation: 'The server\'s certificate is valid for other names than the one used. Devices refuse it. Either use a host name the certificate covers, or get a certificate that includes this name.',
    checks: [tlsChecks.inspect, 'Compare the host name with the certificate\'s subject alternative names.', tlsChecks.binding],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: (facts) => [ref('input', 'Host', facts.host), ...certificateRefs(facts)],
  },
  {
    categories: ['tls.selfSigned'],
    id: 'tls.selfSigned',
    title: 'Self-signed certificate',
    score: 90,
    explanation: 'The certificate was issued by the server itself (Exchange installs one by default). Phones and most clients do not trust it; a certificate from a public or enterprise-trusted authority is needed.',
    checks: [tlsChecks.binding, 'Check whether a commercial certificate was installed but never assigned to IIS.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.missingIntermediate'],
    id: 'tls.missingIntermediate',
    title: 'The server does not send the intermediate certificate',
    score: 88,
    explanation: 'The certificate was issued by an intermediate authority that the server leaves out of the handshake. Desktop browsers often fetch it themselves; devices and this probe do not, so the chain can\'t be built.',
    checks: ['Install the issuer\'s intermediate certificate in the server\'s Intermediate Certification Authorities store (or on the proxy/load balancer that terminates TLS).', tlsChecks.inspect],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    // OpenSSL can't tell "intermediate left out" from "issued straight by a root we don't know":
    // the second is the usual internal-CA case on premises, so it is always listed too.
    categories: ['tls.missingIntermediate'],
    id: 'tls.unknownIssuer',
    title: 'Or: the issuer is an internal root CA this machine does not trust',
    score: 60,
    explanation: 'When an enterprise root CA signs the Exchange certificate directly, the server has no intermediate to send, and the chain fails here only because this machine does not trust that root. Devices enrolled in the PKI would accept it.',
    checks: ['Look at the certificate\'s issuer: if it is your own root CA, trust it for this test (--ca FILE, or the activesyncDoctor.extraCaFile setting) and make sure devices have it.', tlsChecks.inspect],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.untrusted'],
    id: 'tls.untrusted',
    title: 'The certificate is issued by an authority this machine does not trust',
    score: 85,
    explanation: 'The chain ends at a root that is not trusted here, typically an internal enterprise CA. Devices that are not enrolled in that PKI will refuse it too.',
    checks: ['Find the root of the chain and decide whether devices should trust it (MDM-distributed) or the server needs a public certificate.', tlsChecks.inspect],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.expired'],
    id: 'tls.expired',
    title: 'The certificate has expired',
    score: 92,
    explanation: 'The certificate\'s validity ended. Every client refuses it until a renewed certificate is installed and assigned to the web site or to the device that terminates TLS.',
    checks: [tlsChecks.binding, 'Check the renewed certificate (if any) was also assigned to IIS services, and to the load balancer or proxy.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.notYetValid'],
    id: 'tls.notYetValid',
    title: 'The certificate is not valid yet',
    score: 85,
    explanation: 'Its validity starts in the future. Either a new certificate was assigned too early, or the clock of this machine (or the server) is wrong.',
    checks: ['Check this machine\'s date and time.', 'Check the certificate\'s start date and the server\'s clock.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.oldProtocol'],
    id: 'tls.oldProtocol',
    title: 'The server speaks only an outdated TLS/SSL version',
    score: 85,
    explanation: 'The handshake failed because the server offers only SSL 3.0 or TLS 1.0/1.1, which current clients refuse. Old Windows/IIS servers (Exchange 2003 and 2007 era) need TLS 1.2 enabled, or must be published through something that speaks it.',
    checks: ['Check which protocols the server or its proxy enables (registry SCHANNEL settings on Windows).', 'Consider publishing the old server through a reverse proxy that speaks TLS 1.2.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: (facts) => [...certificateRefs(facts), ref('tls', 'Protocol', facts.allSteps.find((s) => s.evidence?.tlsProtocol)?.evidence.tlsProtocol)],
  },
  {
    categories: ['tls.handshakeTimeout'],
    id: 'tls.handshakeTimeout',
    title: 'The TLS handshake did not finish in time',
    score: 70,
    explanation: 'The TCP connection opened but the server never completed the handshake. Typical causes: the port is not TLS at all (plain http on 443), an inspecting firewall stalls, or an overloaded server or load balancer.',
    checks: ['Check the port really serves https (not plain http or another service).', 'Check firewalls that inspect TLS between here and the server.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate, CHECKLIST_ID.reachability],
  },
  {
    categories: ['tls.handshakeFailed'],
    id: 'tls.handshakeFailed',
    title: 'The TLS handshake failed',
    score: 65,
    explanation: 'Client and server could not agree on a secure connection: no common protocol or cipher, a server that wants a client certificate, or something other than a TLS server on the port.',
    checks: ['Check the TLS protocols and ciphers the server (or its proxy) allows.', 'Check whether the published site requires client certificates.'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: certificateRefs,
  },
  {
    categories: ['tls.expiresSoon'],
    id: 'tls.expiresSoon',
    title: 'The certificate expires soon',
    score: 70,
    explanation: 'The certificate works today but runs out shortly. When it does, every device stops syncing at once.',
    checks: ['Order the renewal now, and note every place it must be installed (Exchange servers, load balancers, reverse proxies).'],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: (facts) => [...certificateRefs(facts), ref(facts.certificate?.stepId ?? 'tls', 'Days to expiry', facts.certificate?.value.daysToExpiry)],
    // A certificate expiring within a week is urgent; one with a month left is routine.
    adjustScore: (score, facts) => ((facts.certificate?.value.daysToExpiry ?? 30) <= 7 ? score + 15 : score),
  },
  {
    categories: ['tls.unverifiedConnection'],
    id: 'tls.unverifiedConnection',
    title: 'Another certificate on a later connection: credentials withheld',
    score: 88,
    explanation: 'The first connection passed the certificate checks, but a later one (after the server closed the connection, or on a redirect) presented a certificate that does not pass them, or, with trust ignored, is not the one that was accepted. The probe sent no credentials over it. Load-balanced servers with different certificates, a TLS-inspecting device that steps in on some connections, or an attacker on the path all look like this.',
    checks: [
      'Compare the two SHA-256 fingerprints in the evidence with the certificate bound on each server behind the load balancer.',
      'Check for a proxy or firewall that inspects TLS on some connections only.',
      'Until both connections present a trusted certificate for this name, do not enter the password on devices.',
    ],
    checklistIds: [CHECKLIST_ID.tlsCertificate],
    evidence: (facts) => {
      const step = facts.allSteps.find((s) => s.evidence?.credentialGate);
      const gate = step?.evidence.credentialGate;
      return [...certificateRefs(facts), ref(String(step?.id ?? 'optionsAuthenticated'), 'Certificate judged by the TLS step (SHA-256)', gate?.expectedFingerprint), ref(String(step?.id ?? 'optionsAuthenticated'), 'Certificate on the later connection (SHA-256)', gate?.presentedFingerprint)];
    },
  },
]);
