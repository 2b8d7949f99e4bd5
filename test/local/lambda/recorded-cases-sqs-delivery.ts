import { GetEventSourceMappingCommand, InvokeCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { pythonJson } from './recorded-cases-sqs-filters.js';
import { type Answer, asBotoAnswer } from './recorded-replay.js';
import {
  createMapping,
  enabled,
  handlerFunction,
  idleStep,
  queue,
  queueUrlOf,
  receiveWaiting,
  type SqsMappingContext,
  type SqsMappingReplay,
} from './sqs-mapping-replay.js';

/**
 * test_lambda_integration_sqs.py's tests of what a mapping delivers and what becomes of a batch
 * that fails: `lambda_sqs_integration.py` fails a message until its receive count passes the
 * message's `fail_attempts` and sends what it was given (and its error) to the message's
 * `destination` queue; `lambda_sqs_batch_item_failure.py` reports the records still to fail as
 * batch item failures (or answers its OVERWRITE_RESULT) and sends the batch and its answer to
 * DESTINATION_QUEUE_URL. Each waits for the function's message on the destination queue, the
 * runtime's clock moved past the source queue's visibility timeout meanwhile.
 */

/** The destination queue the function writes to, and its GetQueueUrl as recorded. */
async function destinationQueue(c: SqsMappingContext): Promise<{ url: string; answer: Answer }> {
  const name = c.name('destination-queue');
  const { url } = await queue(c, name);
  return { url, answer: await queueUrlOf(c, name) };
}

/** A source queue whose messages go to a new dead-letter queue after `maxReceiveCount` receives. */
async function redrivenQueue(c: SqsMappingContext, visibility: number, maxReceiveCount: number, fifo = false) {
  const suffix = fifo ? '.fifo' : '';
  const dlq = await queue(c, `${c.name('event-dlq')}${suffix}`, fifo ? { FifoQueue: 'true' } : undefined);
  const source = await queue(c, `${c.name('source-queue')}${suffix}`, {
    ...(fifo ? { FifoQueue: 'true' } : {}),
    VisibilityTimeout: String(visibility),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
  });
  return { dlq, source };
}

/** A destination message's Body parsed and its records sorted by their body's `message`, as the test does before its snapshot. */
function sortedInvocation(answer: Answer): Answer {
  const messages = (answer.Messages as Answer[] | undefined) ?? [];
  return {
    ...answer,
    Messages: messages.map((message) => {
      const body = JSON.parse(String(message.Body)) as { event: { Records: { body: string }[] } };
      const order = (record: { body: string }) => (JSON.parse(record.body) as { message: number }).message;
      body.event.Records.sort((a, b) => order(a) - order(b));
      return { ...message, Body: body };
    }),
  };
}

/** A case with `lambda_sqs_integration.py` failing `fail_attempts` times behind a queue whose visibility timeout is 5 s. */
async function integrationFunction(c: SqsMappingContext, prefix: string): Promise<string> {
  const name = c.name(prefix);
  await handlerFunction(c, name, 'lambda_sqs_integration', { Timeout: 5 });
  return name;
}

/** `lambda_sqs_batch_item_failure.py` writing to `destination`, answering `overwrite` when given. */
async function batchItemFunction(c: SqsMappingContext, destination: string, Timeout: number, overwrite?: string): Promise<string> {
  const name = c.name('failing-lambda');
  const variables = { DESTINATION_QUEUE_URL: destination, ...(overwrite === undefined ? {} : { OVERWRITE_RESULT: overwrite }) };
  await handlerFunction(c, name, 'lambda_sqs_batch_item_failure', { Timeout, Environment: { Variables: variables } });
  return name;
}

/** `_await_queue_size`: until the queue has `count` messages to receive. */
async function queueSize(c: SqsMappingContext, QueueUrl: string, count: number): Promise<void> {
  for (;;) {
    const read = await c.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    if (Number(read.Attributes?.ApproximateNumberOfMessages) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const SQS_DELIVERY_CASES: Record<string, SqsMappingReplay> = {
  test_failing_lambda_retries_after_visibility_timeout: async (c) => {
    const destination = await destinationQueue(c);
    const name = await integrationFunction(c, 'failing-lambda');
    const source = await queue(c, c.name('source-queue'), { VisibilityTimeout: '5' });
    const [, uuid] = await createMapping(c, { EventSourceArn: source.arn, FunctionName: name, BatchSize: 1 });
    await enabled(c, uuid);
    const live: Answer = { get_destination_queue_url: destination.answer };
    live.event_source_mapping = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    await c.sqs.send(
      new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ destination: destination.url, fail_attempts: 1 }) }),
    );
    const sentAt = c.clock.now();
    live.first_attempt = await receiveWaiting(c, destination.url);
    live.second_attempt = await receiveWaiting(c, destination.url);
    // Received again only once the visibility timeout (5 s) has passed, and then deleted.
    if (c.clock.now() < sentAt + 5000) throw new Error('the failed message came back before its visibility timeout');
    const third = await receiveWaiting(c, destination.url, 6);
    if ((third.Messages as unknown[] | undefined)?.length) throw new Error('the message was delivered a third time');
    return live;
  },
  test_message_body_and_attributes_passed_correctly: async (c) => {
    const destination = await destinationQueue(c);
    const name = await integrationFunction(c, 'lambda');
    const { source } = await redrivenQueue(c, 5, 2);
    const [, uuid] = await createMapping(c, { EventSourceArn: source.arn, FunctionName: name, BatchSize: 1 });
    await enabled(c, uuid);
    await c.sqs.send(
      new SendMessageCommand({
        QueueUrl: source.url,
        MessageBody: pythonJson({ destination: destination.url, fail_attempts: 0 }),
        MessageAttributes: {
          Title: { DataType: 'String', StringValue: 'The Whistler' },
          Author: { DataType: 'String', StringValue: 'John Grisham' },
          WeeksOn: { DataType: 'Number', StringValue: '6' },
        },
      }),
    );
    return { get_destination_queue_url: destination.answer, first_attempt: await receiveWaiting(c, destination.url) };
  },
  test_redrive_policy_with_failing_lambda: async (c) => {
    const destination = await destinationQueue(c);
    const name = await integrationFunction(c, 'failing-lambda');
    const { source, dlq } = await redrivenQueue(c, 5, 2);
    const [, uuid] = await createMapping(c, { EventSourceArn: source.arn, FunctionName: name, BatchSize: 1 });
    await enabled(c, uuid);
    await c.sqs.send(
      new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ destination: destination.url, fail_attempts: 2 }) }),
    );
    const live: Answer = { get_destination_queue_url: destination.answer, first_attempt: await receiveWaiting(c, destination.url) };
    const early = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url }));
    if ((early.Messages ?? []).length > 0) throw new Error('the message was in the dead-letter queue after its first failure');
    live.second_attempt = await receiveWaiting(c, destination.url);
    live.dlq_response = await receiveWaiting(c, dlq.url);
    return live;
  },
  test_sqs_queue_as_lambda_dead_letter_queue: async (c) => {
    const dlq = await queue(c, c.name('queue'));
    const name = c.name('lambda-fn');
    const created = (await handlerFunction(c, name, 'lambda_integration', { DeadLetterConfig: { TargetArn: dlq.arn } })) as {
      CreateFunctionResponse: { DeadLetterConfig: unknown };
    };
    await c.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }));
    await c.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ raise_error: 1 }), InvocationType: 'Event' }));
    let messages: Answer;
    do {
      await idleStep(c);
      messages = await asBotoAnswer(() =>
        c.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MessageAttributeNames: ['All'], VisibilityTimeout: 0 })),
      );
    } while (!(messages.Messages as unknown[] | undefined)?.length);
    return { 'lambda-response-dlq-config': created.CreateFunctionResponse.DeadLetterConfig, messages };
  },
  test_report_batch_item_failures: async (c) => {
    const destination = await destinationQueue(c);
    const name = await batchItemFunction(c, destination.url, 6);
    const { source, dlq } = await redrivenQueue(c, 8, 2, true);
    const entries = [0, 1, 1, 2].map((fail_attempts, i) => ({
      Id: `message-${i + 1}`,
      MessageBody: pythonJson({ message: i + 1, fail_attempts }),
      MessageGroupId: '1',
      MessageDeduplicationId: `dedup-${i + 1}`,
    }));
    const live: Answer = { get_destination_queue_url: destination.answer };
    live.send_message_batch = await asBotoAnswer(async () => {
      const sent = await c.sqs.send(new SendMessageBatchCommand({ QueueUrl: source.url, Entries: entries }));
      return { ...sent, Successful: sent.Successful?.sort((a, b) => String(a.Id).localeCompare(String(b.Id))) };
    });
    await queueSize(c, source.url, 4);
    let uuid: string;
    [live.create_event_source_mapping, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await enabled(c, uuid);
    live.first_invocation = sortedInvocation(await receiveWaiting(c, destination.url));
    live.second_invocation = sortedInvocation(await receiveWaiting(c, destination.url));
    live.dlq_response = await receiveWaiting(c, dlq.url);
    return live;
  },
  test_report_batch_item_failures_on_lambda_error: async (c) => {
    const name = c.name('failing-lambda');
    await handlerFunction(c, name, 'lambda_sqs_integration', { Timeout: 2 });
    const { source, dlq } = await redrivenQueue(c, 2, 2);
    await c.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: [
          { Id: 'message-1', MessageBody: '{not a json body' },
          { Id: 'message-2', MessageBody: pythonJson({ message: 2, fail_attempts: 0 }) },
        ],
      }),
    );
    await queueSize(c, source.url, 2);
    const [, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await enabled(c, uuid);
    const messages: Answer[] = [];
    while (messages.length < 2) {
      await idleStep(c);
      const read = await asBotoAnswer(() => c.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url })));
      messages.push(...((read.Messages as Answer[] | undefined) ?? []));
    }
    messages.sort((a, b) => String(a.MD5OfBody).localeCompare(String(b.MD5OfBody)));
    return { dlq_messages: messages };
  },
  test_report_batch_item_failures_invalid_result_json_batch_fails: async (c) => {
    const destination = await destinationQueue(c);
    const name = await batchItemFunction(c, destination.url, 4, '{"batchItemFailures": [{"foo":"notvalid"}]}');
    const { source, dlq } = await redrivenQueue(c, 4, 2);
    const [, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await enabled(c, uuid);
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ message: 1, fail_attempts: 0 }) }));
    const live: Answer = { get_destination_queue_url: destination.answer, first_invocation: await receiveWaiting(c, destination.url) };
    live.second_invocation = await receiveWaiting(c, destination.url);
    live.dlq_response = await receiveWaiting(c, dlq.url);
    return live;
  },
  test_report_batch_item_failures_empty_json_batch_succeeds: async (c) => {
    const destination = await destinationQueue(c);
    const name = await batchItemFunction(c, destination.url, 4, '{}');
    const { source, dlq } = await redrivenQueue(c, 4, 1);
    const [, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await enabled(c, uuid);
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ message: 1, fail_attempts: 0 }) }));
    const live: Answer = { get_destination_queue_url: destination.answer, first_invocation: await receiveWaiting(c, destination.url) };
    const dead = await receiveWaiting(c, dlq.url, 5);
    if ((dead.Messages as unknown[] | undefined)?.length) throw new Error('the batch that succeeded went to the dead-letter queue');
    return live;
  },
};
