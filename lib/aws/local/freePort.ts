import { createServer } from 'node:net';

/**
 * A port nothing listens on right now, found by binding port 0 and releasing it. Another
 * process could take it before we bind again; for test servers started at once that is rare.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
