import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnyEventContract } from '../../contracts/index.js';
import { startApp, type TestApp } from '../../testing/index.js';
import { OrderPlaced, smallApp } from './small-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startApp({ cdkOut: smallApp() });
});
afterAll(async () => {
  await app?.stop();
});

/** Whether something listens on the port. */
function listening(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

describe('startApp', () => {
  it('serves the app on a free port with clients set up for it', async () => {
    expect(app.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { QueueUrls = [] } = await app.clients.sqs.send(new ListQueuesCommand({}));
    expect(QueueUrls.map((url) => url.split('/').at(-1)).sort()).toEqual(['small-orders', 'small-orders-dlq']);
  });

  it('frees the port and removes the data folder on stop, and a second stop does nothing', async () => {
    const other = await startApp({ cdkOut: app.cdkOut });
    const port = Number(new URL(other.endpoint).port);
    expect(await listening(port)).toBe(true);
    await other.stop();
    await other.stop();
    expect(await listening(port)).toBe(false);
    expect(existsSync(other.dataDir)).toBe(false);
  });

  it('fails if the assembly does not load, naming its folder', async () => {
    await expect(startApp({ cdkOut: '/nonexistent/cdk.out' })).rejects.toThrow(/nonexistent/);
  });
});

describe('TestApp.send', () => {
  it('puts the event on the app bus, where the rule takes it to the queue', async () => {
    const sent = await app.send(OrderPlaced, { orderId: 'o-1', amount: 5 });
    expect(sent.bus).toBe('small-bus');
    const event = await app.waitForEvent('small-bus', { detail: { orderId: ['o-1'] } });
    expect(event.id).toBe(sent.eventId);
  });

  it('fails if the detail breaks the contract, naming the field', async () => {
    await expect(app.send(OrderPlaced, { orderId: 'o-2', amount: -1 })).rejects.toThrow(
      /OrderPlaced does not satisfy its contract: \/amount/,
    );
  });

  it('fails if the detail has no value for a key field, naming it, and sends nothing', async () => {
    // Keyed on a field its schema does not have, as a contract written without defineContract can be.
    const misspelt: AnyEventContract = { ...OrderPlaced, idempotencyFields: ['orderNumber'] };
    const put = vi.spyOn(app.clients.eventbridge, 'send');
    await expect(app.send(misspelt, { orderId: 'o-4', amount: 1 })).rejects.toThrow(
      expect.objectContaining({
        name: 'TestAppError',
        message: expect.stringContaining('OrderPlaced has no value for detail.orderNumber'),
      }),
    );
    expect(put).not.toHaveBeenCalled();
    put.mockRestore();
  });

  it('fails if the bus named is not the app s, naming the buses it has', async () => {
    await expect(app.send(OrderPlaced, { orderId: 'o-3', amount: 1 }, { bus: 'nope' })).rejects.toThrow(
      'no event bus "nope" in the app; it has: small-bus',
    );
  });
});

describe('TestApp.waitForExecution', () => {
  it('resolves with the ended execution, by name', async () => {
    const passing = `arn:aws:states:us-east-1:000000000000:stateMachine:small-passing`;
    await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: passing, name: 'run-1', input: '{}' }));
    const execution = await app.waitForExecution('run-1');
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('finds the execution named from the event that started it', async () => {
    const detail = { orderId: 'o-9', amount: 3 };
    const { executionName } = await app.send(OrderPlaced, detail);
    // What the workflow starter would do with the event: start the flow under the event's name.
    const failing = `arn:aws:states:us-east-1:000000000000:stateMachine:small-failing`;
    await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: failing, name: executionName, input: '{}' }));
    const execution = await app.waitForExecution({ contract: OrderPlaced, detail }, { stateMachine: 'failing' });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Declined' });
  });

  it('finds an Express execution, which ListExecutions does not list, from the runtime s records', async () => {
    const quick = 'arn:aws:states:us-east-1:000000000000:stateMachine:small-quick';
    await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn: quick, name: 'quick-1', input: '{}' }));
    const execution = await app.waitForExecution('quick-1', { stateMachine: 'quick' });
    expect(execution).toMatchObject({ name: 'quick-1', status: 'SUCCEEDED' });
  });

  it('fails on a timeout, listing the executions there were', async () => {
    await expect(app.waitForExecution('never-started', { timeoutMs: 200 })).rejects.toThrow(
      /timed out after 200 ms waiting for execution never-started to end; seen instead: .*small-passing\/run-1 SUCCEEDED/,
    );
  });

  it('fails at once for a state machine the app does not have, naming the ones it has', async () => {
    await expect(app.waitForExecution('run-1', { stateMachine: 'billing' })).rejects.toThrow(
      'no state machine "billing" in the app; it has: small-passing, small-failing, small-quick',
    );
  });
});

describe('TestApp.waitForItem', () => {
  it('resolves with the item once it is written, unmarshalled', async () => {
    const waiting = app.waitForItem('small-items', { pk: 'a' });
    await app.clients.dynamodb.send(new PutItemCommand({ TableName: 'small-items', Item: { pk: { S: 'a' }, n: { N: '2' } } }));
    expect(await waiting).toEqual({ pk: 'a', n: 2 });
  });

  it('fails at once for a table the app does not have, naming the ones it has', async () => {
    await expect(app.waitForItem('orders', { pk: 'a' })).rejects.toThrow('no table "orders" in the app; it has: small-items');
  });

  it('fails on a timeout, saying the item is not there', async () => {
    await expect(app.waitForItem('items', { pk: 'missing' }, { timeoutMs: 100 })).rejects.toThrow(
      'timed out after 100 ms waiting for an item {"pk":"missing"} in small-items; seen instead: no item with key {"pk":"missing"} in small-items',
    );
  });
});

describe('TestApp.waitForEvent', () => {
  it('fails on a timeout, listing the events the bus had', async () => {
    await expect(app.waitForEvent('small-bus', { 'detail-type': ['OrderShipped'] }, { timeoutMs: 100 })).rejects.toThrow(
      /seen instead: OrderPlaced from test\.orders \{"orderId":"o-1","amount":5\}/,
    );
  });

  it('fails at once for a pattern EventBridge would refuse', async () => {
    await expect(app.waitForEvent('small-bus', { source: 'not-an-array' })).rejects.toThrow(/is not an event pattern/);
  });
});

describe('TestApp.waitForDeadLetter and failures', () => {
  it('fails on a timeout, saying where the messages are instead', async () => {
    await app.send(OrderPlaced, { orderId: 'o-waiting', amount: 1 });
    await expect(app.waitForDeadLetter('small-orders-dlq', { timeoutMs: 100 })).rejects.toThrow(/small-orders: [1-9]/);
  });

  it('resolves with the dead-lettered message, which failures() lists with its reason', async () => {
    await app.send(OrderPlaced, { orderId: 'o-poison', amount: 1 });
    const queueUrl = `${app.endpoint}/000000000000/small-orders`;
    // A consumer that receives the messages and never deletes them: on the next receive SQS moves them to the DLQ.
    const receive = () =>
      app.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    expect((await receive()).Messages?.length).toBeGreaterThan(0);
    await receive();
    const letters = await app.waitForDeadLetter('orders-dlq');
    expect(letters.length).toBeGreaterThan(0);
    const { deadLetters, executions } = await app.failures();
    expect(deadLetters.map((l) => l.queueName)).toContain('small-orders-dlq');
    expect(executions.map((e) => e.flow).join()).toMatch(/Failing/);
  });

  it('fails at once for a queue the app does not have, naming the ones it has', async () => {
    await expect(app.waitForDeadLetter('payments-dlq')).rejects.toThrow(
      'no queue "payments-dlq" in the app; it has: small-orders-dlq, small-orders',
    );
  });
});
