import {
  GetEventSourceMappingCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { isObject } from '../../helpers/recorded-answers.js';
import { SQS_DELIVERY_CASES } from './recorded-cases-sqs-delivery.js';
import { pythonJson } from './recorded-cases-sqs-filters.js';
import { type Answer, asBotoAnswer } from './recorded-replay.js';
import {
  createMapping,
  enabled,
  handlerFunction,
  idleStep,
  logEvents,
  queue,
  type SqsMappingContext,
  type SqsMappingReplay,
} from './sqs-mapping-replay.js';

const CLASS = 'TestSQSEventSourceMapping';

/** The queue is empty now (the recorded tests' last ReceiveMessage). */
async function drained(c: SqsMappingContext, QueueUrl: string): Promise<void> {
  const left = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  if ((left.Messages ?? []).length > 0) throw new Error(`${QueueUrl} still has ${left.Messages?.length} message(s)`);
}

/**
 * `get_msg_from_q` of the batch tests: the batches the function sent on (each a message of its
 * records), read until they hold `count` records; the records, sorted by body as the recording's
 * SortingTransformer sorted AWS's, and the number of batches.
 */
async function sentBatches(c: SqsMappingContext, QueueUrl: string, count: number): Promise<{ records: Answer[]; batches: number }> {
  const batches: Answer[][] = [];
  while (batches.flat().length < count) {
    const read = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 120 }));
    for (const message of read.Messages ?? []) batches.push(JSON.parse(String(message.Body)) as Answer[]);
    if ((read.Messages ?? []).length === 0) await idleStep(c);
  }
  const records = batches.flat().sort((a, b) => (String(a.body) < String(b.body) ? -1 : String(a.body) > String(b.body) ? 1 : 0));
  return { records, batches: batches.length };
}

/** `test_sqs_event_source_mapping_batch_size[n]`: fifteen messages reach the function in batches of at most n. */
const batchSizeCase =
  (BatchSize: number): SqsMappingReplay =>
  async (c) => {
    const destination = await queue(c, c.name('destination-queue'));
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_event_source_mapping_send_message', {
      Environment: { Variables: { SQS_QUEUE_URL: destination.url } },
    });
    const source = await queue(c, c.name('source-queue'));
    // The test's own value off AWS (2 s, where AWS's took 10): the recording keeps no value.
    const [created, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      MaximumBatchingWindowInSeconds: 2,
      BatchSize,
    });
    await enabled(c, uuid);
    const send = (round: number, count: number) =>
      asBotoAnswer(async () => {
        const sent = await c.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: source.url,
            Entries: Array.from({ length: count }, (_, i) => ({ Id: `${i}-${round}`, MessageBody: `${i}-${round}-message-${i}` })),
          }),
        );
        return { ...sent, Successful: sent.Successful?.sort((a, b) => String(a.Id).localeCompare(String(b.Id))) };
      });
    const live: Answer = { 'create-event-source-mapping-response': created };
    live['send-message-batch-result-10'] = await send(0, 10);
    live['send-message-batch-result-5'] = await send(1, 5);
    live.Records = (await sentBatches(c, destination.url, 15)).records;
    return live;
  };

export const SQS_MAPPING_CASES: Record<string, SqsMappingReplay> = {
  ...SQS_DELIVERY_CASES,
  test_esm_with_not_existing_sqs_queue: async (c) => {
    const name = c.name('simple-lambda');
    await handlerFunction(c, name, 'lambda_sqs_integration', { Timeout: 5 });
    const [error] = await createMapping(c, {
      EventSourceArn: `arn:aws:sqs:us-east-1:${c.accountId}:${c.name('not-existing-queue')}`,
      FunctionName: name,
      BatchSize: 1,
    });
    return { error };
  },
  test_fifo_message_group_parallelism: async (c) => {
    const source = await queue(c, `${c.name('test-queue')}.fifo`, {
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '60',
    });
    const name = c.name('function-name');
    // The test's function sleeps 5 s a message and the test then waits a minute for one log stream:
    // nothing of that is recorded, so the replay's does not sleep.
    await handlerFunction(c, name, 'lambda_sleep', { Timeout: 10, Environment: { Variables: { TEST_SLEEP_S: '0' } } });
    const [disabled, uuid] = await createMapping(c, { FunctionName: name, EventSourceArn: source.arn, Enabled: false, BatchSize: 1 });
    for (let i = 0; i < 5; i++) {
      await c.sqs.send(
        new SendMessageCommand({ QueueUrl: source.url, MessageBody: `message-${i}`, MessageGroupId: 'fixed-message-group-id-test' }),
      );
    }
    const live: Answer = { create_esm_disabled: disabled };
    live.update_esm_enabling = await c.call(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    await enabled(c, uuid);
    live.get_esm_enabled = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    return live;
  },
  [`${CLASS}::test_event_source_mapping_default_batch_size`]: async (c) => {
    const name = c.name('lambda_func');
    const first = await queue(c, c.name('queue'));
    await handlerFunction(c, name, 'lambda_echo');
    const [created, uuid] = await createMapping(c, { EventSourceArn: first.arn, FunctionName: name });
    await enabled(c, uuid);
    const live: Answer = { 'create-event-source-mapping': created };
    live['invalid-update-event-source-mapping'] = await c.call(
      new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: name, BatchSize: 11 }),
    );
    const second = await queue(c, c.name('queue'));
    [live['invalid-create-event-source-mapping']] = await createMapping(c, {
      EventSourceArn: second.arn,
      FunctionName: name,
      BatchSize: 11,
    });
    return live;
  },
  [`${CLASS}::test_sqs_event_source_mapping`]: async (c) => {
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_echo');
    const source = await queue(c, c.name('queue'));
    const [created, uuid] = await createMapping(c, { EventSourceArn: source.arn, FunctionName: name, MaximumBatchingWindowInSeconds: 1 });
    await enabled(c, uuid);
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ foo: 'bar' }) }));
    const events = await logEvents(c, name, 1);
    await drained(c, source.url);
    return { 'create-event-source-mapping-response': created, events };
  },
  [`${CLASS}::test_sqs_event_source_mapping_batch_size[15]`]: batchSizeCase(15),
  [`${CLASS}::test_sqs_event_source_mapping_batch_size[100]`]: batchSizeCase(100),
  [`${CLASS}::test_sqs_event_source_mapping_batch_size[1000]`]: batchSizeCase(1000),
  [`${CLASS}::test_sqs_event_source_mapping_batch_size[10000]`]: batchSizeCase(10_000),
  [`${CLASS}::test_sqs_event_source_mapping_batching_reserved_concurrency`]: async (c) => {
    const destination = await queue(c, c.name('destination-queue'));
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_event_source_mapping_send_message', {
      Environment: { Variables: { SQS_QUEUE_URL: destination.url } },
    });
    const live: Answer = {
      put_concurrency_resp: await c.call(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 2 })),
    };
    const source = await queue(c, c.name('source-queue'));
    for (let b = 0; b < 3; b++) {
      await c.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: source.url,
          Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `${i}-${b}`, MessageBody: `${i}-${b}-message` })),
        }),
      );
    }
    let uuid: string;
    [live['create-event-source-mapping-response'], uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      MaximumBatchingWindowInSeconds: 1,
      BatchSize: 20,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    await enabled(c, uuid);
    const { records, batches } = await sentBatches(c, destination.url, 30);
    live.batch_info = { total_batches_received: batches };
    live.Records = records;
    return live;
  },
  [`${CLASS}::test_sqs_event_source_mapping_update`]: async (c) => {
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_echo_version_env');
    const publish = async (value: string) => {
      await c.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { CUSTOM_VAR: value } } }),
      );
      await c.updated(name);
      const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
      await waitUntilFunctionActiveV2(
        { client: c.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 },
        { FunctionName: published.FunctionArn },
      );
      return String(published.FunctionArn);
    };
    const first = await publish('a');
    const source = await queue(c, c.name('queue'));
    const [created, uuid] = await createMapping(c, { EventSourceArn: source.arn, FunctionName: first, MaximumBatchingWindowInSeconds: 1 });
    const live: Answer = { 'create-event-source-mapping-response': created };
    await enabled(c, uuid);
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ foo: 'bar' }) }));
    live.events = await logEvents(c, name, 1);
    await drained(c, source.url);
    const second = await publish('b');
    live.updated_esm = await c.call(new UpdateEventSourceMappingCommand({ UUID: uuid, FunctionName: second }));
    await enabled(c, uuid);
    live.updated_event_source_mapping = await c.call(new GetEventSourceMappingCommand({ UUID: uuid }));
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson({ foo: 'bar2' }) }));
    live.events_postupdate = await logEvents(c, name, 2);
    await drained(c, source.url);
    return live;
  },
  [`${CLASS}::test_duplicate_event_source_mappings`]: async (c) => {
    const [first, second] = [c.name('lambda_func'), c.name('lambda_func')];
    const source = await queue(c, c.name('queue'));
    await handlerFunction(c, first, 'lambda_echo');
    const live: Answer = {};
    [live.create] = await createMapping(c, { FunctionName: first, EventSourceArn: source.arn });
    [live.error] = await createMapping(c, { FunctionName: first, EventSourceArn: source.arn });
    // A mapping of the same queue to another function is made.
    await handlerFunction(c, second, 'lambda_echo');
    const [other] = await createMapping(c, { FunctionName: second, EventSourceArn: source.arn });
    if (!isObject(other) || other.Error !== undefined)
      throw new Error(`the second function's mapping was refused: ${JSON.stringify(other)}`);
    return live;
  },
};
