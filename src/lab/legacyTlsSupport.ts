// Finds out, once per process, whether this runtime can still serve TLS 1.0. Node's bundled
// OpenSSL 3 can when asked for security level 0; other builds (Electron's BoringSSL, a
// distribution OpenSSL with a stricter policy) may refuse the settings or the handshake. The lab
// then leaves the tls10-only scenario out instead of pretending to be a TLS 1.0 server.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { LabCertificate } from './labCertificates';

export const TLS10_SERVER_OPTIONS = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

let cached: Promise<string | undefined> | undefined;

/** Resolves to undefined when TLS 1.0 works here, otherwise to the reason it does not. */
export function tls10Unavailable(cert: LabCertificate): Promise<string | undefined> {
  cached ??= checkHandshake(cert);
  return cached;
}

function checkHandshake(cert: LabCertificate): Promise<string | undefined> {
  return new Promise((resolve) => {
    let server: tls.Server;
    try {
      server = tls.createServer({ key: cert.keyPem, cert: cert.certPem, ...TLS10_SERVER_OPTIONS }, (socket) => socket.end());
    } catch (err) {
      resolve(`this runtime refuses TLS 1.0 server settings (${(err as Error).message})`);
      return;
    }
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => sockets.add(s));
    server.on('tlsClientError', () => undefined);
    const finish = (reason: string | undefined) => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close();
      resolve(reason);
    };
    const timer = setTimeout(() => finish('the TLS 1.0 self-test did not complete in time'), 3000);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      let client: tls.TLSSocket;
      try {
        client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...TLS10_SERVER_OPTIONS });
      } catch (err) {
        finish(`this runtime refuses TLS 1.0 client settings (${(err as Error).message})`);
        return;
      }
      client.on('secureConnect', () => {
        const protocol = client.getProtocol();
        client.destroy();
        finish(protocol === 'TLSv1' ? undefined : `the TLS 1.0 self-test negotiated ${protocol ?? 'nothing'}`);
      });
      client.on('error', (err) => finish(`the TLS 1.0 self-test failed (${err.message})`));
    });
  });
}
