// The two checks a device makes on the certificate of a TLS connection: is the chain trusted
// (by the roots the connection was opened with), and does it name the host. The TLS step, the
// credential gate and the 451 follow-up all ask these questions here, so they can never differ.
import * as tls from 'node:tls';

export interface PeerCheck<Leaf extends tls.PeerCertificate = tls.DetailedPeerCertificate> {
  /** The leaf as getPeerCertificate returns it (with the chain when asked for), undefined when none was sent. */
  leaf?: Leaf;
  /** SHA-256 fingerprint of the leaf, colon-separated hex, as Node formats it. */
  fingerprint256?: string;
  /** OpenSSL's verdict on the chain, against the roots of this connection's secure context. */
  chainTrusted: boolean;
  /** OpenSSL-style code of the chain failure (CERT_HAS_EXPIRED…), when there is one. */
  authorizationCode?: string;
  /** Why the certificate does not cover the host, when it does not. */
  nameError?: Error;
}

export function authorizationCode(socket: tls.TLSSocket): string | undefined {
  const e = socket.authorizationError as unknown as NodeJS.ErrnoException | string | null | undefined;
  if (!e) return undefined;
  return typeof e === 'string' ? e : String(e.code ?? e.message);
}

/**
 * The verdict checkPeer gave on a socket, for that same socket only. A TLS session's peer is the
 * one its handshake authenticated, so the verdict holds for the socket's life; a reconnect is
 * another socket and is judged afresh.
 */
const judgedSockets = new WeakMap<tls.TLSSocket, { host: string; check: PeerCheck }>();

/**
 * Pass `leaf` when the caller already fetched it: the detailed chain is costly to fetch twice;
 * and `nameChecked` when Node's handshake already checked that leaf against `host` (the same
 * tls.checkServerIdentity, so its verdict is this one).
 */
export function checkPeer(socket: tls.TLSSocket, host: string, leaf: tls.DetailedPeerCertificate = socket.getPeerCertificate(true), nameChecked?: { nameError: Error | undefined }): PeerCheck {
  const check = judgePeer(socket, host, leaf, nameChecked);
  judgedSockets.set(socket, { host, check });
  return check;
}

/**
 * The same two checks on the leaf alone, for a connection that needs a verdict and not the chain's
 * description (the credential gate): the chain's verdict is OpenSSL's either way, and converting
 * the whole chain to objects costs several times the leaf (bench figure 1). The socket the TLS
 * step judged (the first one the gate sees) keeps that judgement instead of converting its
 * certificate again.
 */
export function checkPeerLeaf(socket: tls.TLSSocket, host: string): PeerCheck<tls.PeerCertificate> {
  const judged = judgedSockets.get(socket);
  if (judged && judged.host === host) return judged.check;
  return judgePeer(socket, host, socket.getPeerCertificate(false));
}

function judgePeer<Leaf extends tls.PeerCertificate>(socket: tls.TLSSocket, host: string, leaf: Leaf, nameChecked?: { nameError: Error | undefined }): PeerCheck<Leaf> {
  const present = leaf && leaf.raw ? leaf : undefined;
  return {
    leaf: present,
    fingerprint256: present?.fingerprint256,
    chainTrusted: socket.authorized,
    authorizationCode: authorizationCode(socket),
    nameError: present ? (nameChecked ? nameChecked.nameError : tls.checkServerIdentity(host, present)) : undefined,
  };
}

/** Trusted chain and matching name: what a device requires before it signs in. */
export function peerVerified(check: PeerCheck<tls.PeerCertificate>): boolean {
  return Boolean(check.leaf) && check.chainTrusted && !check.nameError;
}
