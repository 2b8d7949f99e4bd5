import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { startApp, type TestApp } from '../../testing/index.js';
import { consumerFixture } from '../local/consumer-fixture.js';

/**
 * `app.pause` and `app.resume` on an app built from the real constructs and kit
 * (test/fixtures/consumer-app.ts): TicketCreated -> rule -> queue (its dead-letter queue after
 * 2 receives) -> a kit consumer that counts its side effect per ticket (`runs` in fixture-effects),
 * with a 30 s handler timeout (a 180 s visibility timeout).
 */
let app: TestApp;
let queueUrl: string;
beforeAll(async () => {
  // A handler timeout far from what 100 backlogged events take on a loaded machine: a batch that
  // timed out mid-effect would be redelivered and its effect run again, which is not what this tests.
  app = await startApp({ cdkOut: await consumerFixture({ handlerTimeoutSeconds: 30 }) });
  const { QueueUrls = [] } = await app.clients.sqs.send(new ListQueuesCommand({}));
  queueUrl = QueueUrls.find((url) => /Fixture-RecorderQueue[0-9A-F]{8}$/.test(url)) ?? '';
}, 120_000);
afterAll(async () => {
  await app?.stop();
});

const ticket = (n: number) => ({ ticketId: `P-${n}`, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund.' });

async function depth(): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await app.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

describe('TestApp.pause and resume', () => {
  it('holds 100 events sent while the consumer is paused, through a restart, and handles each once when resumed, nothing dead-lettered', async () => {
    expect(await app.pause('RecorderHandler')).toEqual([
      { consumer: 'RecorderQueue -> RecorderHandler', kind: 'mapping', state: 'Disabled', changed: true },
    ]);
    for (let n = 0; n < 100; n++) await app.send(TicketCreated, ticket(n));
    await expect.poll(depth, { timeout: 10_000 }).toEqual({ visible: 100, inFlight: 0 });
    await app.restart();
    // Still paused after the restart: the queue holds every event, none received.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await depth()).toEqual({ visible: 100, inFlight: 0 });
    expect(await app.pause('RecorderHandler')).toEqual([
      { consumer: 'RecorderQueue -> RecorderHandler', kind: 'mapping', state: 'Disabled', changed: false },
    ]);

    expect(await app.resume('RecorderQueue')).toEqual([
      { consumer: 'RecorderQueue -> RecorderHandler', kind: 'mapping', state: 'Enabled', changed: true },
    ]);
    await app.waitForItem('fixture-effects', { ticketId: 'P-99' }, { timeoutMs: 30_000 });
    await expect.poll(depth, { timeout: 30_000 }).toEqual({ visible: 0, inFlight: 0 });
    const expected = Array.from({ length: 100 }, (_, n) => `P-${n}`);
    await app.expectEachEffectOnce({ table: 'fixture-effects', count: 'runs', name: (item) => String(item.ticketId), expected });
    await app.expectNoDeadLetters();
  }, 120_000);

  it('fails at once for a name the app does not have, listing what can be paused', async () => {
    await expect(app.pause('Nope')).rejects.toThrow(
      'no flow, function or queue "Nope" in the app (what can be paused: functions: RecorderHandler; queues: RecorderQueue)',
    );
  });
});
