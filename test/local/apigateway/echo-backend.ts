import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';

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

/** What the HTTP integrations' services are built with beside their APIs: a function that answers `{}`, a manual clock, log lines into `log`. */
export const proxyServiceOptions = (log: string[]) => ({
  lambda: { invoke: async () => ({ ok: true as const, payload: '{}' }) },
  clock: new ManualClock(),
  accountId: '000000000000',
  region: 'us-east-1',
  log: (line: string) => void log.push(line),
});

/** That the backend's answer came back as it is (`status`, its x-backend header) and that it got `request` with header x-trace: abc. */
export function expectEchoed(
  response: { status: number; headers: Record<string, unknown>; text: string },
  status: number,
  request: { method: string; url: string; body: string },
) {
  expect(response.status).toBe(status);
  expect(response.headers['x-backend']).toBe('yes');
  const got = JSON.parse(response.text);
  expect(got).toMatchObject(request);
  expect(got.headers['x-trace']).toBe('abc');
}
