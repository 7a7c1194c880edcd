// The lab's TLS behaviour: certificate properties per scenario (trusted via the lab CA, self-signed,
// expired, wrong name), the TLS 1.0-only listener and the silent listener that never answers.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { startLab, type RunningLab } from '../../src/lab/labServer';
import { LAB_CA_NAME, WRONG_NAME_HOST } from '../../src/lab/labCertificates';

interface HandshakeResult {
  authorized: boolean;
  error?: string;
  protocol?: string | null;
  cert?: tls.PeerCertificate;
}

/** Handshake and report, never throwing: rejectUnauthorized false so the certificate can be read either way. */
function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...options });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      let error = socket.authorizationError ? String((socket.authorizationError as NodeJS.ErrnoException).code ?? socket.authorizationError) : undefined;
      // Name checks are separate from chain checks in Node: run the same one an https client would.
      const cert = socket.getPeerCertificate();
      if (!error && options.servername !== undefined) {
        const nameError = tls.checkServerIdentity(options.servername, cert);
        if (nameError) error = (nameError as NodeJS.ErrnoException).code ?? nameError.message;
      }
      resolve({ authorized: socket.authorized && !error, error, protocol: socket.getProtocol(), cert });
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ authorized: false, error: err.code ?? err.message }));
  });
}

describe('lab server: TLS', () => {
  let lab: RunningLab;
  const port = (id: string) => lab.endpoints.find((e) => e.scenario.id === id)!.port;

  before(async () => {
    lab = await startLab({ scenarios: ['exchange2016-healthy', 'tls-self-signed', 'tls-expired', 'tls-wrong-name', 'tls10-only', 'silent'] });
  });
  after(async () => {
    await lab.close();
  });

  it('the normal leaf verifies against the lab CA for localhost and 127.0.0.1', async () => {
    const byName = await handshake(port('exchange2016-healthy'), { ca: lab.caPem, servername: 'localhost' });
    assert.equal(byName.error, undefined);
    assert.equal(byName.authorized, true);
    assert.equal(byName.cert!.issuer.CN, LAB_CA_NAME);
    assert.match(byName.cert!.subjectaltname ?? '', /DNS:localhost/);
    assert.match(byName.cert!.subjectaltname ?? '', /IP Address:127\.0\.0\.1/);
    assert.equal(tls.checkServerIdentity('127.0.0.1', byName.cert!), undefined);
  });

  it('the lab CA is not trusted without the ca option', async () => {
    const res = await handshake(port('exchange2016-healthy'), { servername: 'localhost' });
    assert.equal(res.authorized, false);
    assert.ok(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN'].includes(res.error ?? ''), res.error);
  });

  it('tls-self-signed presents a leaf whose issuer is its subject', async () => {
    const res = await handshake(port('tls-self-signed'), { ca: lab.caPem, servername: 'localhost' });
    assert.equal(res.authorized, false);
    assert.equal(res.error, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.deepEqual(res.cert!.issuer, res.cert!.subject);
  });

  it('tls-expired presents a lab-signed leaf whose validity ended in the past', async () => {
    const res = await handshake(port('tls-expired'), { ca: lab.caPem, servername: 'localhost' });
    assert.equal(res.error, 'CERT_HAS_EXPIRED');
    assert.ok(new Date(res.cert!.valid_to).getTime() < Date.now());
    assert.equal(res.cert!.issuer.CN, LAB_CA_NAME);
  });

  it('tls-wrong-name presents a trusted leaf for another host', async () => {
    const res = await handshake(port('tls-wrong-name'), { ca: lab.caPem, servername: 'localhost' });
    assert.equal(res.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(res.cert!.subjectaltname, `DNS:${WRONG_NAME_HOST}`);
    const forItsOwnName = await handshake(port('tls-wrong-name'), { ca: lab.caPem, servername: WRONG_NAME_HOST });
    assert.equal(forItsOwnName.error, undefined);
  });

  it('tls10-only speaks TLS 1.0 alone, or is reported unavailable with a reason', async function () {
    const unavailable = lab.unavailable.find((u) => u.scenario.id === 'tls10-only');
    if (unavailable) {
      assert.ok(unavailable.reason.length > 0);
      assert.throws(() => lab.urlFor('tls10-only'));
      this.skip();
    }
    const modern = await handshake(port('tls10-only'), { ca: lab.caPem, servername: 'localhost' });
    assert.equal(modern.protocol, undefined, 'a default (TLS 1.2+) client cannot connect');
    assert.ok(modern.error);
    const legacy = await handshake(port('tls10-only'), { ca: lab.caPem, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.equal(legacy.protocol, 'TLSv1');
    assert.equal(legacy.error, undefined);
  });

  it('silent accepts the connection and never sends a byte, until close() ends it', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: port('silent') });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    // Send a TLS ClientHello's worth of bytes and wait: a real handshake would answer at once.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received, 0);
    assert.equal(socket.destroyed, false);
    // A separate lab so this suite's lab stays up for the other tests: close a fresh one holding a silent socket.
    const silentLab = await startLab({ scenarios: ['silent'] });
    const held = net.connect({ host: '127.0.0.1', port: silentLab.endpoints[0].port });
    held.on('error', () => undefined);
    await new Promise<void>((resolve) => held.once('connect', () => resolve()));
    const heldClosed = new Promise<void>((resolve) => held.once('close', () => resolve()));
    await silentLab.close();
    await heldClosed;
    socket.destroy();
    await closed;
  });
});
