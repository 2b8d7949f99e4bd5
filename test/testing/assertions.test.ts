import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../testing/index.js';
import { OrderPlaced, smallApp } from './small-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ cdkOut: smallApp() });
});
afterAll(async () => {
  await app?.stop();
});

/** Sends an order and receives it from the queue twice without deleting it: SQS moves it to the dead-letter queue. */
async function deadLetter(orderId: string): Promise<void> {
  await app.send(OrderPlaced, { orderId, amount: 1 });
  const QueueUrl = `${app.endpoint}/000000000000/small-orders`;
  const receive = () =>
    app.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 1 }));
  // Once received (the delivery may come after a first look), the next receive is past maxReceiveCount (1).
  while (((await receive()).Messages ?? []).length === 0);
  await receive();
  await app.waitForDeadLetter('small-orders-dlq');
}

describe('TestApp.expectNoDeadLetters', () => {
  it('passes on empty dead-letter queues', async () => {
    await app.expectNoDeadLetters();
  });

  it('fails naming each unexpected dead letter with its queue and reason', async () => {
    await deadLetter('poison-1');
    await expect(app.expectNoDeadLetters()).rejects.toThrow(/1 unexpected dead letter:\n {2}- small-orders-dlq: .*OrderPlaced/);
  });

  it('passes when the only dead letters are the poison named in except', async () => {
    await app.expectNoDeadLetters({ except: [{ queue: 'orders-dlq', detail: { orderId: 'poison-1' } }] });
  });

  it('fails if an expected dead letter is not there, listing the ones there are', async () => {
    await expect(app.expectNoDeadLetters({ except: [{ detail: { orderId: 'poison-2' } }] })).rejects.toThrow(
      /1 unexpected dead letter[\s\S]*1 expected dead letter is not there:\n {2}- \{"detail":\{"orderId":"poison-2"\}\}/,
    );
  });
});

describe('TestApp.expectNoFailedExecutions', () => {
  it('passes while no execution failed', async () => {
    await app.expectNoFailedExecutions();
  });

  it('fails listing the failed execution with its error and cause', async () => {
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:small-failing';
    await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'declined-1', input: '{}' }));
    await app.waitForExecution('declined-1');
    await expect(app.expectNoFailedExecutions()).rejects.toThrow(
      /1 execution did not succeed:\n {2}- \S+ declined-1 FAILED: Declined: the card was declined/,
    );
    await app.expectNoFailedExecutions({ except: (e) => e.name === 'declined-1' });
  });
});

describe('TestApp.expectEachEffectOnce', () => {
  const put = (pk: string, applied: number) =>
    app.clients.dynamodb.send(new PutItemCommand({ TableName: 'small-items', Item: { pk: { S: pk }, applied: { N: String(applied) } } }));
  const name = (item: Record<string, unknown>) => String(item.pk);

  it('passes when each effect was applied once', async () => {
    await put('charge#o-1', 1);
    await app.expectEachEffectOnce({ table: 'small-items', name, expected: ['charge#o-1'] });
  });

  it('fails naming the effect applied twice and the one never applied', async () => {
    await put('charge#o-2', 2);
    await expect(app.expectEachEffectOnce({ table: 'items', name, expected: ['charge#o-1', 'charge#o-3'] })).rejects.toThrow(
      /1 effect was not applied exactly once \(applied in small-items\):\n {2}- charge#o-2: applied = 2\n[^\n]*\n1 effect was never applied: charge#o-3/,
    );
  });

  it('fails at once for a table the app does not have, naming the ones it has', async () => {
    await expect(app.expectEachEffectOnce({ table: 'ledger' })).rejects.toThrow('no table "ledger" in the app; it has: small-items');
  });
});
