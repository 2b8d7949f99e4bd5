import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A backend on this machine for the HTTP integrations' suites, up while the test file runs:
 * it answers `/slow...` after a second, and anything else at once with JSON of what it got
 * (method, url, headers, body), status `status(url)` and header x-backend: yes. Returns its base URL.
 */
export function echoBackend(status: (url: string) => number): { readonly base: string } {
  let server: Server;
  const backend = { base: '' };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url?.startsWith('/slow')) {
          setTimeout(() => res.end('late'), 1000).unref();
          return;
        }
        res.writeHead(status(req.url ?? ''), { 'content-type': 'application/json', 'x-backend': 'yes' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  return backend;
}
