import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';
import { processAlive } from '../local/helpers.js';
import { consumerApp, OrderPlaced, smallApp } from './small-app.js';

/** The pid of the runtime that holds the data folder now (its lock's holder record). */
function holderPid(app: TestApp): number {
  return (JSON.parse(readFileSync(path.join(app.dataDir, 'runtime.lock.json'), 'utf8')) as { pid: number }).pid;
}

function listening(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ cdkOut: consumerApp() }, { ownProcess: true });
}, 60_000);
afterAll(async () => {
  await app?.stop();
});

describe('startApp with ownProcess', () => {
  it('runs the app in a child process the test reaches through the same endpoint, clients and logs', async () => {
    expect(holderPid(app)).not.toBe(process.pid);
    await app.send(OrderPlaced, { orderId: 'own-1', amount: 1 });
    await expect.poll(() => app.logs().some((line) => line.includes('handled own-1')), { timeout: 10_000 }).toBe(true);
  });

  it('crash() kills the process with SIGKILL and starts another on the same data and port, where accepted work carries on', async () => {
    const { sqs } = app.clients;
    // A queue no function drains, so what it holds after the crash is what the runtime had accepted.
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'consumer-dlq' }));
    const endpoint = app.endpoint;
    const before = holderPid(app);
    for (let i = 0; i < 20; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `kept-${i}` }));
    await app.crash();
    expect(processAlive(before)).toBe(false);
    expect(holderPid(app)).not.toBe(before);
    expect(app.endpoint).toBe(endpoint);
    const { Attributes } = await app.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).toBe('20');
    // And the app carries on: the new process drains the inbox.
    await app.send(OrderPlaced, { orderId: 'after-crash', amount: 1 });
    await expect.poll(() => app.logs().some((line) => line.includes('handled after-crash')), { timeout: 30_000 }).toBe(true);
  }, 60_000);

  it('fails if a fault or IAM report asks for the runtime in the test process', () => {
    expect(() => app.failFunction('consumer-fn', { times: 1 })).toThrow(
      /failFunction acts on a runtime in the test's process: .*ownProcess: true/,
    );
    expect(() => app.iamReport()).toThrow(/iamReport\(\) acts on a runtime in the test's process/);
  });

  it('stop() ends the process and frees the port', async () => {
    const other = await startApp({ cdkOut: smallApp() }, { ownProcess: true });
    const pid = holderPid(other);
    const port = Number(new URL(other.endpoint).port);
    await other.stop();
    expect(processAlive(pid)).toBe(false);
    expect(await listening(port)).toBe(false);
  }, 60_000);
});

describe('startApp', () => {
  it('fails if crash() is asked of a runtime in the test process', async () => {
    const inProcess = await startApp({ cdkOut: smallApp() });
    try {
      await expect(inProcess.crash()).rejects.toThrow(/crash\(\) kills the runtime's process: start the app with .*ownProcess: true/);
    } finally {
      await inProcess.stop();
    }
  });

  it('fails if virtual time is asked of a runtime in its own process', async () => {
    await expect(startApp({ cdkOut: smallApp() }, { ownProcess: true, virtualTime: true })).rejects.toThrow(
      /virtualTime .* cannot be used with ownProcess/,
    );
  });

  it('fails if the process cannot start the app, with its last lines', async () => {
    // No cloud assembly there: the runtime stops while loading it.
    const missing = path.join(smallApp(), 'nope');
    await expect(startApp({ cdkOut: missing }, { ownProcess: true })).rejects.toThrow(
      /the test runtime's process exited before it listened \(code 1\); its last lines:\n.*no cloud assembly at .*nope/s,
    );
  }, 60_000);
});
