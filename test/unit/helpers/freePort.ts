// A TCP port on loopback that was free a moment ago: bind port 0, read the port, close. Another
// process could take it in between; tests use it only where a server must be told its port up front.
import * as net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
