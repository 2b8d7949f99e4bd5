import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_HEAD_BYTES } from '../../../local/endpoint/listener.js';
import { Endpoint } from '../../../local/endpoint/server.js';

/** Short limits, so that a stalled client is seen cut within the test; the defaults are Node's (60 s, 300 s). */
const TIMEOUTS = { headersMs: 400, requestMs: 800, idleMs: 400 };
/** Longer than every limit above, with room for Node's connection check. */
const PAST_LIMITS = 1_500;

let endpoint: Endpoint;
let url: URL;
/** What the endpoint reported as its own failures (the runtime prints them as bugs). */
const internalErrors: unknown[] = [];
/** The inputs PutEvents ran with. */
const received: unknown[] = [];

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
          PutEvents: async (input: unknown) => {
            received.push(input);
            return { FailedEntryCount: 0, Entries: [] };
          },
          // An answer that takes longer than every limit, as a synchronous Invoke may.
          DescribeEventBus: async () => {
            await sleep(PAST_LIMITS);
            return { Name: 'default' };
          },
        },
      },
    ],
    onInternalError: (error) => internalErrors.push(error),
  });
});
afterAll(() => endpoint.stop());

const jsonHeaders = 'X-Amz-Target: AWSEvents.ListEventBuses\r\nContent-Type: application/x-amz-json-1.1\r\n';

/**
 * How long a test waits for the endpoint to close a connection its limits cut (hundreds of
 * milliseconds): a busy machine's seconds fit, and Node's own limits (60 s, 300 s) do not.
 */
const CLOSE_WAIT_MS = 30_000;

/** Writes `data` on a new connection and collects what comes back until the endpoint closes it (or `waitMs` passes). */
function rawConnection(data: string, waitMs = CLOSE_WAIT_MS): Promise<{ closed: boolean; received: string }> {
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
    expect(await rawConnection('')).toEqual({ closed: true, received: '' });
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
      // The request it cut was the client's doing, not a failure of the runtime's.
      expect(internalErrors).toEqual([]);
    } finally {
      session.destroy();
    }
  });

  it('closes an HTTP/2 connection that has had no stream for the idle time', async () => {
    const session = connectHttp2(url.origin);
    const closed = new Promise<boolean>((resolve) => {
      session.once('close', () => resolve(true));
      setTimeout(() => resolve(false), CLOSE_WAIT_MS);
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

describe('Endpoint with clients that leave mid-request', () => {
  it('reports no failure of its own when an HTTP/1.1 client disconnects before its body has arrived', async () => {
    internalErrors.length = 0;
    const socket = connect(Number(url.port), url.hostname);
    socket.write(`POST / HTTP/1.1\r\nHost: localhost\r\n${jsonHeaders}Content-Length: 100\r\n\r\n{`);
    await sleep(100);
    socket.destroy();
    await sleep(100);
    expect(internalErrors).toEqual([]);
    expect(await listBuses()).toBe(200);
  });

  it('runs nothing of an HTTP/2 request reset before its body has ended, and reports no failure', async () => {
    internalErrors.length = 0;
    // Raw frames: Node's own client ends a stream's body before it resets it.
    const frame = (type: number, flags: number, payload: Buffer) => {
      const head = Buffer.alloc(9);
      head.writeUIntBE(payload.length, 0, 3);
      head.writeUInt8(type, 3);
      head.writeUInt8(flags, 4);
      head.writeUInt32BE(type === 4 ? 0 : 1, 5);
      return Buffer.concat([head, payload]);
    };
    const text = (value: string) => Buffer.concat([Buffer.from([value.length]), Buffer.from(value)]);
    // HPACK: :method POST, :path /, :scheme http (static table), :authority and x-amz-target as literals.
    const headers = Buffer.concat([Buffer.from([0x83, 0x84, 0x86, 0x01]), text('localhost'), Buffer.from([0]), text('x-amz-target')]);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    socket.write(frame(4, 0, Buffer.alloc(0))); // SETTINGS
    socket.write(frame(1, 0x4, Buffer.concat([headers, text('AWSEvents.PutEvents')]))); // HEADERS, END_HEADERS, the body to come
    socket.write(frame(0, 0, Buffer.from('{"Entries":[]}'))); // DATA, without END_STREAM: what came so far parses
    await sleep(100);
    socket.write(frame(3, 0, Buffer.from([0, 0, 0, 8]))); // RST_STREAM CANCEL
    await sleep(100);
    socket.destroy();
    expect(received).toEqual([]);
    expect(internalErrors).toEqual([]);
  });
});

describe('Endpoint request heads', () => {
  it('serves a request whose URL is as long as a model allows (200 tag keys of 128 four-byte characters, percent-encoded), and answers 431 past MAX_REQUEST_HEAD_BYTES', async () => {
    const key = encodeURIComponent('🛢'.repeat(128));
    const longest = `${url.origin}/?${Array.from({ length: 200 }, () => `tagKeys=${key}`).join('&')}`;
    expect(longest.length).toBeGreaterThan(300_000);
    const served = await fetch(longest, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.ListEventBuses' }, body: '{}' });
    expect([served.status, await served.text()]).toEqual([200, '{"EventBuses":[]}']);
    const tooLong = await fetch(`${url.origin}/?pad=${'x'.repeat(MAX_REQUEST_HEAD_BYTES)}`, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListEventBuses' },
      body: '{}',
    });
    expect(tooLong.status).toBe(431);
  });
});
