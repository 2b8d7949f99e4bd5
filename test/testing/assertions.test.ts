import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
  /** An effect counted as the scaffold's handler and docs/testing.md's recipe count it: `ADD timesApplied :one`. */
  const put = (pk: string, timesApplied: number) =>
    app.clients.dynamodb.send(
      new PutItemCommand({ TableName: 'small-items', Item: { pk: { S: pk }, timesApplied: { N: String(timesApplied) } } }),
    );

  it('passes when each effect was applied once, counted in timesApplied and named by its key', async () => {
    await put('charge#o-1', 1);
    await app.expectEachEffectOnce({ table: 'small-items', expected: ['charge#o-1'] });
  });

  it('fails naming the effect applied twice and the one never applied, with nothing after the message', async () => {
    await put('charge#o-2', 2);
    const failure = await app
      .expectEachEffectOnce({ table: 'items', expected: ['charge#o-1', 'charge#o-3'] })
      .catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('AssertionError');
    expect((failure as Error).message).toMatch(
      /^1 effect was not applied exactly once \(timesApplied in small-items\):\n {2}- charge#o-2: timesApplied = 2\n[^\n]*\n1 effect was never applied: charge#o-3 \(the table has charge#o-1, charge#o-2\)$/,
    );
    // node:assert's AssertionError carries `diff: 'simple'`, which vitest printed after the message as if it were a diff.
    expect(Object.keys(failure as Error)).not.toContain('diff');
  });

  it('fails if no item has the count attribute, naming the numeric attributes the items have', async () => {
    await expect(app.expectEachEffectOnce({ table: 'small-items', count: 'applied' })).rejects.toThrow(
      "no item of small-items has the attribute applied that counts how often its effect was applied; its items' numeric attributes are timesApplied: pass the one that counts as count (count: 'timesApplied')",
    );
  });

  it('fails at once for a table the app does not have, naming the ones it has', async () => {
    await expect(app.expectEachEffectOnce({ table: 'ledger' })).rejects.toThrow('no table "ledger" in the app; it has: small-items');
  });

  it('counts applied, warning that the default is timesApplied and what to pass, for a ledger written to the earlier default', async () => {
    // A suite written from the earlier docs: its ledger counts `applied`, and it names no count.
    const table = 'small-items';
    for (const pk of ['charge#o-1', 'charge#o-2'])
      await app.clients.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk } } }));
    const putApplied = (pk: string, applied: number) =>
      app.clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, applied: { N: String(applied) } } }));
    await putApplied('charge#o-4', 1);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      await app.expectEachEffectOnce({ table, expected: ['charge#o-4'] });
      await putApplied('charge#o-5', 2);
      await expect(app.expectEachEffectOnce({ table })).rejects.toThrow('1 effect was not applied exactly once (applied in small-items)');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("Pass count: 'applied'"), {
        type: 'DeprecationWarning',
        code: 'SWITCHYARD_DEP_EFFECT_COUNT',
      });
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /^expectEachEffectOnce counts timesApplied by default now; small-items's items have applied/,
      );
      // Named, the attribute is counted without a warning.
      await expect(app.expectEachEffectOnce({ table, count: 'applied' })).rejects.toThrow('charge#o-5: applied = 2');
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
