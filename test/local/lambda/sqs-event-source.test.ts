import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

/**
 * Reports the records whose body starts with `fail` as batch item failures, throws for a
 * batch holding `throw`, and answers a malformed partial batch response for `malformed`.
 */
const handlerSource = `
exports.handler = async (event) => {
  const bodies = event.Records.map((r) => r.body);
  if (bodies.includes('throw')) throw new Error('the whole batch failed');
  if (bodies.includes('malformed')) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
  return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('fail')).map((r) => ({ itemIdentifier: r.messageId })) };
};`;

function queue(name: string) {
  // A long visibility timeout: a message the function failed stays in flight for the whole test.
  return { Type: 'AWS::SQS::Queue', Properties: { QueueName: name, VisibilityTimeout: 600 } };
}

function mapping(queueId: string, reportFailures: boolean) {
  return {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: {
      FunctionName: { Ref: 'Consumer' },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ...(reportFailures ? { FunctionResponseTypes: ['ReportBatchItemFailures'] } : {}),
    },
  };
}

// Moved by no test: it tells when the work in flight (a poller's batch, from receive to delete) has ended.
const clock = new AdvanceableClock();
const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Partial: queue('partial'),
      WholeBatch: queue('whole-batch'),
      Consumer: inlineFunction(handlerSource, { FunctionName: 'consumer' }),
      PartialMapping: mapping('Partial', true),
      WholeBatchMapping: mapping('WholeBatch', false),
    }),
  ownsAssembly: true,
  options: { clock },
  clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
});

async function depth(queueName: string): Promise<{ visible: number; inFlight: number }> {
  const QueueUrl = `${app.runtime.url}/000000000000/${queueName}`;
  const { Attributes = {} } = await app.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

async function send(queueName: string, bodies: readonly string[]): Promise<void> {
  const QueueUrl = `${app.runtime.url}/000000000000/${queueName}`;
  await app.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }));
}

/**
 * Waits for the queue to reach `expected`, then checks it stays there once the function's
 * answer was applied: the clock knows when the pollers' batches have ended (their deletes made).
 */
async function settlesAt(queueName: string, expected: { visible: number; inFlight: number }): Promise<void> {
  await eventually(async () => {
    const now = await depth(queueName);
    return now.visible === expected.visible && now.inFlight === expected.inFlight ? now : undefined;
  }).catch(async () => expect(await depth(queueName)).toEqual(expected));
  await clock.whenIdle({ timeoutMs: 10_000 });
  expect(await depth(queueName)).toEqual(expected);
}

describe('SQS event source mapping', () => {
  it('deletes the records a partial batch response does not name, and leaves the named ones to be retried', async () => {
    await send('partial', ['ok-1', 'fail-1', 'ok-2', 'fail-2', 'ok-3']);
    await settlesAt('partial', { visible: 0, inFlight: 2 });
  });

  it('deletes nothing when the partial batch response names a record that is not in the batch', async () => {
    await send('partial', ['ok-4', 'malformed', 'ok-5']);
    // The two failures of the first test are still in flight, plus these three.
    await settlesAt('partial', { visible: 0, inFlight: 5 });
  });

  it('deletes nothing when the function fails, and everything when it succeeds without ReportBatchItemFailures', async () => {
    await send('whole-batch', ['a', 'throw', 'b']);
    await settlesAt('whole-batch', { visible: 0, inFlight: 3 });
    await send('whole-batch', ['c', 'fail-but-not-reported', 'd']);
    await settlesAt('whole-batch', { visible: 0, inFlight: 3 });
  });
});
