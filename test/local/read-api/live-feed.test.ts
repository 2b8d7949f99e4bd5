import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../../local/read-api/live-feed.js';
import { eventually } from '../helpers.js';

let server: Server | undefined;

async function serve(feed: LiveFeed): Promise<string> {
  server = createServer((_req, res) => feed.subscribe(res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function open(url: string): Promise<{ response: IncomingMessage; text: () => string }> {
  return new Promise((resolve) =>
    get(url, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('error', () => {});
      resolve({ response, text: () => text });
    }),
  );
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('LiveFeed', () => {
  it('sends each message as a server-sent event named by its kind, to every subscriber', async () => {
    const feed = new LiveFeed();
    const url = await serve(feed);
    const [a, b] = await Promise.all([open(url), open(url)]);
    await eventually(async () => (feed.subscribers === 2 ? true : undefined));
    feed.publish({ kind: 'dead-letter', queueArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', messageId: 'm-1', reason: 'why' });
    for (const client of [a, b]) {
      const text = await eventually(async () => (client.text().includes('m-1') ? client.text() : undefined));
      expect(text).toContain(
        'event: dead-letter\ndata: {"kind":"dead-letter","queueArn":"arn:aws:sqs:us-east-1:000000000000:dlq","messageId":"m-1","reason":"why"}\n\n',
      );
    }
    feed.close();
  });

  it('sends a heartbeat comment while idle', async () => {
    const feed = new LiveFeed(50);
    const client = await open(await serve(feed));
    await eventually(async () => (client.text().includes(': heartbeat ') ? true : undefined), 2_000, 'a heartbeat');
    feed.close();
  });

  it('forgets a subscriber that disconnects, and stops its heartbeat with the last one', async () => {
    // No heartbeat within the test: the disconnect alone must drop it.
    const feed = new LiveFeed(60_000);
    const client = await open(await serve(feed));
    await eventually(async () => (feed.subscribers === 1 ? true : undefined));
    client.response.destroy();
    await eventually(async () => (feed.subscribers === 0 ? true : undefined), 2_000, 'the subscriber to be dropped');
    // Publishing to nobody is a no-op, not an error on a closed socket.
    feed.publish({ kind: 'dead-letter', queueArn: 'q', messageId: 'm' });
  });

  it('ends every stream when closed', async () => {
    const feed = new LiveFeed();
    const client = await open(await serve(feed));
    await eventually(async () => (feed.subscribers === 1 ? true : undefined));
    const ended = new Promise((resolve) => client.response.on('end', resolve));
    feed.close();
    await ended;
    expect(feed.subscribers).toBe(0);
  });
});
