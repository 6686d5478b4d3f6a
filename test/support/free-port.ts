/**
 * A TCP port that was free on 127.0.0.1 a moment ago: bind port 0, read the port the kernel chose,
 * release it. Another process can still take it before the caller binds, so callers retry on EADDRINUSE.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the bound port'));
      });
    });
  });
}
