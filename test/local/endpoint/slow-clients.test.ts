import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../../local/endpoint/server.js';

/** Short limits, so that a stalled client is seen cut within the test; the defaults are Node's (60 s, 300 s). */
const TIMEOUTS = { headersMs: 400, requestMs: 800, idleMs: 400 };
/** Longer than every limit above, with room for Node's connection check. */
const PAST_LIMITS = 1_500;

let endpoint: Endpoint;
let url: URL;

beforeAll(async () => {
  endpoint = new Endpoint({ port: 0, timeouts: TIMEOUTS });
  url = new URL(await endpoint.start());
  endpoint.mount({
    jsonServices: [
      {
        targetPrefix: 'AWSEvents',
        jsonVersion: '1.1',
        operations: {
          ListEventBuses: async () => ({ EventBuses: [] }),
          // An answer that takes longer than every limit, as a synchronous Invoke may.
          DescribeEventBus: async () => {
            await sleep(PAST_LIMITS);
            return { Name: 'default' };
          },
        },
      },
    ],
  });
});
afterAll(() => endpoint.stop());

const jsonHeaders = 'X-Amz-Target: AWSEvents.ListEventBuses\r\nContent-Type: application/x-amz-json-1.1\r\n';

/** Writes `data` on a new connection and collects what comes back until the endpoint closes it (or `waitMs` passes). */
function rawConnection(data: string, waitMs = 4_000): Promise<{ closed: boolean; received: string }> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
    if (data !== '') socket.write(data);
  });
}

/** One JSON-protocol request over a fresh HTTP/1.1 connection. */
async function listBuses(): Promise<number> {
  const answer = await fetch(url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.ListEventBuses' }, body: '{}' });
  await answer.text();
  return answer.status;
}

function h2Request(session: ClientHttp2Session, target: string, body?: string) {
  return new Promise<{ status?: number; body: string; reset?: number }>((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': '/', 'x-amz-target': `AWSEvents.${target}` }, { endStream: false });
    let status: number | undefined;
    let text = '';
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    stream.on('error', () => {});
    stream.on('close', () => resolve({ status, body: text, reset: stream.rstCode }));
    if (body === undefined) stream.write('{');
    else stream.end(body);
  });
}

describe('Endpoint with slow clients', () => {
  it('closes a connection that says nothing', async () => {
    const started = Date.now();
    expect(await rawConnection('')).toEqual({ closed: true, received: '' });
    expect(Date.now() - started).toBeLessThan(PAST_LIMITS * 2);
  });

  it('closes a connection that sends only part of the HTTP/2 preface', async () => {
    expect(await rawConnection('PRI * HTTP/2.0\r\n')).toEqual({ closed: true, received: '' });
  });

  it("answers 408 and closes the connection when a request's headers never end", async () => {
    const { closed, received } = await rawConnection(`POST / HTTP/1.1\r\nHost: localhost\r\n${jsonHeaders}`);
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes the connection when a body stops short of its Content-Length, and serves others meanwhile', async () => {
    const stalled = rawConnection(`POST / HTTP/1.1\r\nHost: localhost\r\n${jsonHeaders}Content-Length: 100\r\n\r\n{`);
    expect(await listBuses()).toBe(200);
    const { closed, received } = await stalled;
    expect(closed).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 to an HTTP/2 stream whose body never ends, and the connection serves its other streams', async () => {
    const session = connectHttp2(url.origin);
    try {
      const stalled = h2Request(session, 'ListEventBuses');
      expect((await h2Request(session, 'ListEventBuses', '{}')).status).toBe(200);
      expect((await stalled).status).toBe(408);
      expect((await h2Request(session, 'ListEventBuses', '{}')).status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it('closes an HTTP/2 connection that has had no stream for the idle time', async () => {
    const session = connectHttp2(url.origin);
    const closed = new Promise<boolean>((resolve) => {
      session.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 4_000);
    });
    session.on('error', () => {});
    expect((await h2Request(session, 'ListEventBuses', '{}')).status).toBe(200);
    expect(await closed).toBe(true);
  });

  it('keeps a connection open while an answer takes longer than every limit, over either protocol', async () => {
    const session = connectHttp2(url.origin);
    try {
      const [h2, h1] = await Promise.all([
        h2Request(session, 'DescribeEventBus', '{}'),
        fetch(url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.DescribeEventBus' }, body: '{}' }).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        })),
      ]);
      expect(h2).toMatchObject({ status: 200, body: '{"Name":"default"}' });
      expect(h1).toEqual({ status: 200, body: '{"Name":"default"}' });
    } finally {
      session.destroy();
    }
  });
});
