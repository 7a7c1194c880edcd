// Certificates for the lab, made in memory at start with node-forge (no openssl process):
// a lab CA and, signed by it, a leaf for localhost/127.0.0.1/::1, an expired leaf and a leaf for
// the wrong name; plus a self-signed leaf. RSA keys come from Node's native crypto (forge's
// JavaScript keygen is far slower) and are made once per process: one for the CA, one shared by
// all leaves, which is harmless for a test server and keeps the lab's start fast.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import forge from 'node-forge';
import type { LabTlsMode } from './scenarios';

export const LAB_CA_NAME = 'ActiveSync Doctor Lab CA';
export const WRONG_NAME_HOST = 'mail.wrong-name.example';

export interface LabCertificate {
  certPem: string;
  keyPem: string;
}

export interface LabCertificates {
  caPem: string;
  lab: LabCertificate;
  selfSigned: LabCertificate;
  expired: LabCertificate;
  wrongName: LabCertificate;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface KeyPair {
  pem: string;
  forgePublic: forge.pki.rsa.PublicKey;
}

function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    pem: privateKey,
    forgePublic: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

/** Positive serial number (the top bit clear, so DER does not read it as negative). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

/**
 * Signs with Node's native RSA (what forge's cert.sign does, minus its slow JavaScript RSA):
 * forge builds the to-be-signed structure, OpenSSL makes the SHA-256 signature.
 */
function signCertificate(cert: forge.pki.Certificate, signer: KeyPair): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  // getTBSCertificate is public in forge but missing from its type definitions.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', der, signer.pem).toString('binary');
}

function subject(commonName: string): forge.pki.CertificateField[] {
  return [
    { name: 'countryName', value: 'US' },
    { name: 'organizationName', value: 'ActiveSync Doctor Lab' },
    { name: 'commonName', value: commonName },
  ];
}

interface LeafOptions {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** Omitted: self-signed (issuer == subject, signed by the leaf key). */
  issuer?: { cert: forge.pki.Certificate; key: KeyPair };
}

function makeLeaf(key: KeyPair, options: LeafOptions): LabCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.forgePublic;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = options.notBefore;
  cert.validity.notAfter = options.notAfter;
  cert.setSubject(subject(options.commonName));
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject(options.commonName));
  const altNames = [
    ...options.dnsNames.map((value) => ({ type: 2, value })),
    ...options.ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
  ];
  if (options.issuer) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: options.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(extensions);
  signCertificate(cert, options.issuer ? options.issuer.key : key);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.pem };
}

function makeCa(key: KeyPair, now: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.forgePublic;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 3650 * DAY_MS);
  cert.setSubject(subject(LAB_CA_NAME));
  cert.setIssuer(subject(LAB_CA_NAME));
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, key);
  return cert;
}

function generate(): LabCertificates {
  const now = Date.now();
  const caKey = newKeyPair();
  const leafKey = newKeyPair();
  const caCert = makeCa(caKey, now);
  const issuer = { cert: caCert, key: caKey };
  const localNames = { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] };
  // A year of validity: far from any "expires soon" threshold.
  const current = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) };
  return {
    caPem: forge.pki.certificateToPem(caCert),
    lab: makeLeaf(leafKey, { ...localNames, ...current, issuer }),
    selfSigned: makeLeaf(leafKey, { ...localNames, ...current }),
    expired: makeLeaf(leafKey, { ...localNames, notBefore: new Date(now - 400 * DAY_MS), notAfter: new Date(now - 30 * DAY_MS), issuer }),
    wrongName: makeLeaf(leafKey, { commonName: WRONG_NAME_HOST, dnsNames: [WRONG_NAME_HOST], ipAddresses: [], ...current, issuer }),
  };
}

let cached: LabCertificates | undefined;

/** The lab's certificates, generated on first use and kept for the life of the process. */
export function labCertificates(): LabCertificates {
  cached ??= generate();
  return cached;
}

export function certificateFor(certs: LabCertificates, mode: LabTlsMode): LabCertificate {
  switch (mode) {
    case 'selfSigned':
      return certs.selfSigned;
    case 'expired':
      return certs.expired;
    case 'wrongName':
      return certs.wrongName;
    case 'lab':
    case 'tls10Only':
      return certs.lab;
  }
}
