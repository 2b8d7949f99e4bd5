import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type CreateEventSourceMappingCommandInput, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import {
  advance,
  createMapping,
  enabledMapping,
  type HandlerFile,
  invocations,
  logEvents,
  type MappingReplay,
  type MappingReplayContext,
  mappingState,
  pythonFunction,
  queue,
  receiveFailure,
  SETTLE_MS,
  until,
  uuidOf,
  withResponse,
} from './mapping-replay-fixtures.js';
import { type Answer, sortedByText } from './recorded-replay.js';
import {
  BATCH_ITEM_FAILURE_RESPONSES,
  BATCH_ITEM_SUCCESS_RESPONSES,
  createKinesisStream,
  parametrized,
  putRecord,
  putRecords,
  receiveNotification,
  s3FailureRecord,
  topicIntoQueue,
} from './stream-mapping-fixtures.js';

/** A minute and a second: a record past MaximumRecordAgeInSeconds 60 (the tests sleep 60 s, or 80 s, on AWS). */
const PAST_RECORD_AGE_MS = 61_000;

/** The settings most of the tests' mappings have: one record a batch, from the start of the shard. */
const ONE_RECORD: Partial<CreateEventSourceMappingCommandInput> = {
  BatchSize: 1,
  StartingPosition: 'TRIM_HORIZON',
  MaximumBatchingWindowInSeconds: 1,
};

/** The settings of the batch item failure scenarios: one record, retried twice, reporting its failures. */
const REPORTING: Partial<CreateEventSourceMappingCommandInput> = {
  ...ONE_RECORD,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  MaximumRetryAttempts: 2,
};

/**
 * `test_kinesis_maximum_record_age_exceeded`: a record put, a failing function mapped with
 * MaximumRecordAgeInSeconds 60 and `maxRetries`; the record expires before the mapping
 * reads it (`expireFirst`) or while it retries.
 */
function recordAgeExceeded(expireFirst: boolean, maxRetries: number): MappingReplay {
  return async (c) => {
    const { StreamName, arn } = await createKinesisStream(c);
    await putRecord(c, StreamName, 'stream-data', 'test');
    if (expireFirst) await advance(c, PAST_RECORD_AGE_MS);
    const name = await pythonFunction(c, 'lambda_echofail');
    const failures = await queue(c);
    const live = await mapped(c, name, arn, {
      ...ONE_RECORD,
      MaximumRetryAttempts: maxRetries,
      MaximumRecordAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: failures.arn } },
    });
    if (!expireFirst) {
      // Retried until it expires: the function has failed on it at least once, then the minute passes.
      await logEvents(c, name, 1);
      await advance(c, PAST_RECORD_AGE_MS);
    }
    live.record_age_exceeded_payload = await receiveFailure(c, failures.url);
    return live;
  };
}

/** A mapping of function `name` to stream `arn` with these settings, created (and waited Enabled), under the recording's key. */
async function mapped(
  c: MappingReplayContext,
  FunctionName: string,
  EventSourceArn: string,
  settings: Partial<CreateEventSourceMappingCommandInput>,
  create = enabledMapping,
): Promise<Answer> {
  return { create_event_source_mapping_response: await create(c, { FunctionName, EventSourceArn, ...settings }) };
}

/** The message the on-failure tests put (Python's json.dumps of it): `lambda_integration`'s raise_error flag set. */
const RAISING_MESSAGE = '{"input": "hello", "value": "world", "raise_error": 1}';

/** A function of `code` and a stream of one shard. */
async function functionAndStream(c: MappingReplayContext, code: HandlerFile | { code: string }) {
  const name = await pythonFunction(c, code);
  const stream = await createKinesisStream(c);
  return { name, ...stream };
}

/** A function that fails on the record put, mapped with an on-failure destination after one retry. */
function onFailure(
  destination: (c: MappingReplayContext) => Promise<{ arn: string; read(uuid: string): Promise<unknown> }>,
  key: string,
): MappingReplay {
  return async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_integration');
    const target = await destination(c);
    const live = await mapped(c, name, arn, {
      ...ONE_RECORD,
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: target.arn } },
    });
    await putRecord(c, StreamName, RAISING_MESSAGE, 'custom');
    live[key] = await target.read(uuidOf(live.create_event_source_mapping_response));
    return live;
  };
}

/** `test_kinesis_report_batch_item_failure_scenarios`: a function answering `response` (Python) for one record, retried twice. */
function failureScenario(response: string): MappingReplay {
  return async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, withResponse(response));
    const failures = await queue(c);
    const live = await mapped(c, name, arn, { ...REPORTING, DestinationConfig: { OnFailure: { Destination: failures.arn } } });
    await putRecord(c, StreamName, 'hello', 'test');
    live.sqs_payload = await receiveFailure(c, failures.url);
    live.kinesis_events = await logEvents(c, name, 3, invocations);
    return live;
  };
}

/** `test_kinesis_report_batch_item_success_scenarios`: a function answering `response` (Python) that names no failed record. */
function successScenario(response: string): MappingReplay {
  return async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, withResponse(response));
    const live = await mapped(c, name, arn, REPORTING);
    await putRecord(c, StreamName, 'hello', 'test');
    live.kinesis_events = await logEvents(c, name, 1, invocations, SETTLE_MS);
    return live;
  };
}

/** Ten records of `{"record_id": j}` under one partition key, in one PutRecords. */
const tenRecords = (c: MappingReplayContext, StreamName: string, key: string, member = 'record_id') =>
  putRecords(
    c,
    StreamName,
    Array.from({ length: 10 }, (_, j) => ({ Data: JSON.stringify({ [member]: j }).replace(':', ': '), PartitionKey: key })),
  );

/** The REPORT lines of a function's log: how many times it ran. */
async function reports(c: MappingReplayContext, functionName: string): Promise<number> {
  try {
    const page = await c.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }));
    return (page.events ?? []).filter((e) => e.message?.includes('REPORT')).length;
  } catch (error) {
    // Its log group comes with its first invocation.
    if ((error as Error).name === 'ResourceNotFoundException') return 0;
    throw error;
  }
}

const PREFIX = 'TestKinesisSource::';

/** test_lambda_integration_kinesis.py's tests, by snapshot key. */
export const KINESIS_STREAM_CASES: Record<string, MappingReplay> = {
  [`${PREFIX}test_esm_with_not_existing_kinesis_stream`]: async (c) => {
    const name = await pythonFunction(c, 'lambda_echo');
    return {
      error: await createMapping(c, {
        EventSourceArn: `arn:aws:kinesis:${region}:${c.accountId}:stream/test-foobar-81ded7e8`,
        FunctionName: name,
        StartingPosition: 'LATEST',
      }),
    };
  },
  [`${PREFIX}test_create_kinesis_event_source_mapping`]: async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_echo');
    const live = await mapped(c, name, arn, { StartingPosition: 'LATEST' });
    await putRecords(
      c,
      StreamName,
      Array.from({ length: 10 }, (_, i) => ({ Data: 'hello', PartitionKey: `test_${i}` })),
    );
    live.kinesis_records = (await logEvents(c, name, 1))[0];
    return live;
  },
  [`${PREFIX}test_create_kinesis_event_source_mapping_multiple_lambdas_single_kinesis_event_stream`]: async (c) => {
    const { StreamName, arn } = await createKinesisStream(c);
    const live: Answer = {};
    const functions: [string, string][] = [];
    for (const id of ['a', 'b']) {
      const name = await pythonFunction(c, 'lambda_echo');
      functions.push([name, id]);
      live[`create_event_source_mapping_response-${id}`] = await createMapping(c, {
        EventSourceArn: arn,
        FunctionName: name,
        StartingPosition: 'TRIM_HORIZON',
      });
    }
    await putRecords(c, StreamName, [{ Data: 'hello', PartitionKey: 'test_1' }]);
    for (const [name, id] of functions) live[`kinesis_records-${id}`] = (await logEvents(c, name, 1))[0];
    return live;
  },
  [`${PREFIX}test_duplicate_event_source_mappings`]: async (c) => {
    const { arn } = await createKinesisStream(c);
    const first = await pythonFunction(c, 'lambda_echo');
    const live: Answer = {
      create: await createMapping(c, { FunctionName: first, EventSourceArn: arn, StartingPosition: 'LATEST' }),
      error: await createMapping(c, { FunctionName: first, EventSourceArn: arn, StartingPosition: 'LATEST' }),
    };
    const second = await pythonFunction(c, 'lambda_echo');
    const another = await createMapping(c, { FunctionName: second, EventSourceArn: arn, StartingPosition: 'LATEST' });
    if (another.Error !== undefined) throw new Error(`a second function's mapping was refused: ${JSON.stringify(another.Error)}`);
    return live;
  },
  [`${PREFIX}test_kinesis_event_source_mapping_with_async_invocation`]: async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_parallel');
    const live = await mapped(c, name, arn, { StartingPosition: 'LATEST', BatchSize: 10 });
    for (const i of [0, 1]) await tenRecords(c, StreamName, `test_${i}`);
    const events = (await logEvents(c, name, 2)) as { executionStart: number }[];
    // Kinesis keeps a shard's order: the second batch runs once the first (which sleeps 5 s) has ended.
    if (!((events[1]?.executionStart ?? 0) - (events[0]?.executionStart ?? 0) > 5)) {
      throw new Error('the second batch started before the first ended');
    }
    live.invocation_events = events;
    return live;
  },
  [`${PREFIX}test_kinesis_event_source_trim_horizon`]: async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_parallel');
    for (const i of [0, 1]) await tenRecords(c, StreamName, `test_${i}`);
    const live = await mapped(c, name, arn, { StartingPosition: 'TRIM_HORIZON', BatchSize: 10 }, createMapping);
    await tenRecords(c, StreamName, 'test_3');
    live.invocation_events = await logEvents(c, name, 3);
    return live;
  },
  [`${PREFIX}test_disable_kinesis_event_source_mapping`]: async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_echo');
    const live = await mapped(c, name, arn, { StartingPosition: 'LATEST', BatchSize: 10 });
    const UUID = uuidOf(live.create_event_source_mapping_response);
    await tenRecords(c, StreamName, 'test');
    live.invocation_events = await logEvents(c, name, 1);
    await c.lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
    await mappingState(c, UUID, 'Disabled');
    await tenRecords(c, StreamName, 'test', 'record_id_disabled');
    const after = await logEvents(c, name, 1, undefined, SETTLE_MS);
    if (after.length !== 1) throw new Error(`the disabled mapping invoked its function: ${after.length} events`);
    return live;
  },
  [`${PREFIX}test_kinesis_event_source_mapping_with_on_failure_destination_config`]: onFailure(async (c) => {
    const failures = await queue(c);
    return { arn: failures.arn, read: () => receiveFailure(c, failures.url) };
  }, 'sqs_payload'),
  [`${PREFIX}test_kinesis_event_source_mapping_with_sns_on_failure_destination_config`]: onFailure(async (c) => {
    const { topicArn, queueUrl } = await topicIntoQueue(c);
    return { arn: topicArn, read: () => receiveNotification(c, queueUrl) };
  }, 'failure_sns_message'),
  [`${PREFIX}test_kinesis_event_source_mapping_with_s3_on_failure_destination`]: onFailure(
    (c) => s3FailureRecord(c, 'KinesisBatchInfo'),
    'record_body',
  ),
  [`${PREFIX}test_kinesis_report_batch_item_failures`]: async (c) => {
    const { name, StreamName, arn } = await functionAndStream(c, 'lambda_report_batch_item_failures_kinesis');
    const failures = await queue(c);
    const live = await mapped(c, name, arn, {
      ...ONE_RECORD,
      BatchSize: 3,
      MaximumRetryAttempts: 3,
      DestinationConfig: { OnFailure: { Destination: failures.arn } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await putRecords(
      c,
      StreamName,
      Array.from({ length: 6 }, (_, i) => ({
        Data: JSON.stringify({ should_fail: i === 5 }).replace(':', ': '),
        PartitionKey: `test_${i}`,
      })),
    );
    live.sqs_payload = await receiveFailure(c, failures.url);
    const batches = (await logEvents(c, name, 5, invocations)) as { Records: { kinesis: { partitionKey: string } }[] }[];
    live.kinesis_records = {
      Records: sortedByText(
        batches.flatMap((batch) => batch.Records),
        (r) => r.kinesis.partitionKey,
      ),
    };
    return live;
  },
  ...parametrized(`${PREFIX}test_kinesis_report_batch_item_failure_scenarios`, BATCH_ITEM_FAILURE_RESPONSES, failureScenario),
  ...parametrized(`${PREFIX}test_kinesis_report_batch_item_success_scenarios`, BATCH_ITEM_SUCCESS_RESPONSES, successScenario),
  [`${PREFIX}test_kinesis_maximum_record_age_exceeded[expire-while-retrying]`]: recordAgeExceeded(false, -1),
  [`${PREFIX}test_kinesis_maximum_record_age_exceeded[expire-before-ingestion]`]: recordAgeExceeded(true, 0),
  [`${PREFIX}test_kinesis_maximum_record_age_exceeded_discard_records`]: async (c) => {
    const { StreamName, arn } = await createKinesisStream(c);
    await putRecord(c, StreamName, 'stream-data', 'test');
    await advance(c, PAST_RECORD_AGE_MS);
    const destination = await queue(c);
    const name = await pythonFunction(c, 'lambda_event_source_mapping_send_message', {
      Environment: { Variables: { SQS_QUEUE_URL: destination.url } },
    });
    const deadLetters = await queue(c);
    // The first record of the batch has expired; the rest have not.
    await putRecords(
      c,
      StreamName,
      Array.from({ length: 5 }, (_, i) => ({ Data: `stream-data-${i + 1}`, PartitionKey: 'test' })),
    );
    const live = await mapped(c, name, arn, {
      ...ONE_RECORD,
      BatchSize: 10,
      MaximumRetryAttempts: 0,
      MaximumRecordAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: deadLetters.arn } },
    });
    live.record_age_exceeded_payload = await receiveFailure(c, deadLetters.url);
    const sent = await receiveFailure(c, destination.url);
    // The recording's SortingTransformer sorted them by their data.
    const records = (sent.Messages as { Body: { kinesis: { data: string } }[] }[]).flatMap((m) => m.Body);
    const data = (r: (typeof records)[number]) => Buffer.from(r.kinesis.data, 'base64').toString('utf8');
    live.Records = sortedByText(records, data);
    return live;
  },
  'TestKinesisEventFiltering::test_kinesis_event_filtering_json_pattern': async (c) => {
    const { StreamName, arn } = await createKinesisStream(c);
    const first = await pythonFunction(c, 'kinesis_log');
    const second = await pythonFunction(c, 'kinesis_log');
    const mapping = (FunctionName: string, eventType: string) =>
      enabledMapping(c, {
        FunctionName,
        EventSourceArn: arn,
        ...ONE_RECORD,
        MaximumRetryAttempts: 1,
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { event_type: [eventType] } }) }] },
      });
    const live: Answer = { create_event_source_mapping_response: await mapping(first, 'function_1') };
    live.create_event_source_mapping_2_response = await mapping(second, 'function_2');
    await putRecord(c, StreamName, '{"event_type": "function_1", "message": "foo"}', 'custom');
    await putRecord(c, StreamName, '{"event_type": "function_2", "message": "bar"}', 'custom');
    for (const name of [first, second]) await until(async () => (await reports(c, name)) >= 1, `an invocation of ${name}`);
    const page = await c.logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${first}` }));
    live['kinesis-record-lambda-payload'] = String(page.events?.find((e) => e.message?.includes('{'))?.message).trim();
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const name of [first, second]) {
      const count = await reports(c, name);
      if (count !== 1) throw new Error(`${name} ran ${count} times; its filter passes one record`);
    }
    return live;
  },
};
