import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import {
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
  uuidOf,
  withResponse,
} from './mapping-replay-fixtures.js';
import { type Answer, sortedByText } from './recorded-replay.js';
import {
  BATCH_ITEM_FAILURE_RESPONSES,
  BATCH_ITEM_SUCCESS_RESPONSES,
  createTable,
  enableStream,
  parametrized,
  putItem,
  receiveNotification,
  s3FailureRecord,
  topicIntoQueue,
} from './stream-mapping-fixtures.js';

const PARTITION_KEY = 'my_partition_key';
/** The item most tests put: a string key and a binary attribute. */
const DB_ITEM: Record<string, AttributeValue> = {
  [PARTITION_KEY]: { S: 'hello world' },
  binary_key: { B: Buffer.from('foobar') },
};

/** The settings most of the tests' mappings have. */
const ONE_AT_A_TIME = {
  BatchSize: 1,
  StartingPosition: 'TRIM_HORIZON',
  MaximumBatchingWindowInSeconds: 1,
  MaximumRetryAttempts: 1,
} as const satisfies Partial<CreateEventSourceMappingCommandInput>;

/** The settings of the tests whose function reports its failures: batches of three, retried three times, failures to `destination`. */
const REPORTING_BATCHES = (destination: string): Partial<CreateEventSourceMappingCommandInput> => ({
  BatchSize: 3,
  StartingPosition: 'TRIM_HORIZON',
  MaximumBatchingWindowInSeconds: 1,
  MaximumRetryAttempts: 3,
  DestinationConfig: { OnFailure: { Destination: destination } },
  FunctionResponseTypes: ['ReportBatchItemFailures'],
});

/** Where a test keeps CreateTable's answer (`table`) and UpdateTable's (`update`, if it keeps it). */
type TableKeys = { readonly table: string; readonly update?: string };

/** The keys of the tests that keep both answers. */
const CREATE_AND_UPDATE: TableKeys = { table: 'create_table_response', update: 'update_table_response' };

/** A function of `code`, a table keyed by my_partition_key with a NEW_IMAGE stream turned on by UpdateTable; their answers into `live`. */
async function functionAndStream(c: MappingReplayContext, code: HandlerFile | { code: string }, live: Answer, keys: TableKeys) {
  const name = await pythonFunction(c, code);
  const table = await createTable(c, PARTITION_KEY);
  live[keys.table] = table.answer;
  const { answer, streamArn } = await enableStream(c, table.TableName, 'NEW_IMAGE');
  if (keys.update) live[keys.update] = answer;
  return { name, TableName: table.TableName, streamArn };
}

/**
 * An echo function mapped from the start of the NEW_IMAGE stream of a table keyed by id, with
 * these further settings; CreateTable's answer kept under `tableKey`, the mapping's under AWS's.
 */
async function echoMappedToStream(c: MappingReplayContext, tableKey: string, settings: Partial<CreateEventSourceMappingCommandInput> = {}) {
  const name = await pythonFunction(c, 'lambda_echo');
  const table = await createTable(c, 'id', 'NEW_IMAGE');
  const live: Answer = { [tableKey]: table.answer };
  live.create_event_source_mapping_result = await enabledMapping(c, {
    FunctionName: name,
    EventSourceArn: table.streamArn,
    StartingPosition: 'TRIM_HORIZON',
    ...settings,
  });
  return { name, table, live };
}

/** A function failing each invocation, mapped with an on-failure destination (`destination(c)`) after one retry. */
function onFailure(
  destination: (c: MappingReplayContext) => Promise<{ arn: string; read(uuid: string): Promise<unknown> }>,
  key: string,
): MappingReplay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, 'lambda_unhandled_error', live, CREATE_AND_UPDATE);
    const target = await destination(c);
    live.create_event_source_mapping_response = await enabledMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...ONE_AT_A_TIME,
      DestinationConfig: { OnFailure: { Destination: target.arn } },
    });
    await putItem(c, TableName, { [PARTITION_KEY]: { S: 'hello world' } });
    live[key] = await target.read(uuidOf(live.create_event_source_mapping_response));
    return live;
  };
}

/**
 * `test_dynamodb_event_filter`: a mapping of one filter; the first item must pass it, the
 * second may (`calls` says how many invocations there are in the end).
 */
function eventFilter(
  first: Record<string, AttributeValue>,
  second: Record<string, AttributeValue>,
  filter: object,
  calls: number,
): MappingReplay {
  return async (c) => {
    const name = await pythonFunction(c, 'lambda_echo');
    const table = await createTable(c, 'id');
    const live: Answer = { table_creation_response: table.answer };
    const { streamArn } = await enableStream(c, table.TableName, 'NEW_AND_OLD_IMAGES');
    live.create_event_source_mapping_response = await enabledMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...ONE_AT_A_TIME,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(filter) }] },
    });
    await putItem(c, table.TableName, first);
    live['lambda-log-events'] = await logEvents(c, name, 1);
    await putItem(c, table.TableName, second);
    live['lambda-multiple-log-events'] = await logEvents(c, name, calls, undefined, calls === 1 ? SETTLE_MS : 0);
    return live;
  };
}

/** `test_dynamodb_report_batch_item_failure_scenarios`: a function answering `response` (Python) for a batch that reports its failures. */
function failureScenario(response: string): MappingReplay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, withResponse(response), live, { table: 'create-table-result' });
    const failures = await queue(c);
    await enabledMapping(c, { FunctionName: name, EventSourceArn: streamArn, ...REPORTING_BATCHES(failures.arn) });
    await putItem(c, TableName, DB_ITEM);
    live.destination_queue_messages = await receiveFailure(c, failures.url);
    live.dynamodb_events = await logEvents(c, name, 4, invocations);
    return live;
  };
}

/** `test_dynamodb_report_batch_item_success_scenarios`: a function answering `response` (Python) that names no failed record. */
function successScenario(response: string): MappingReplay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, withResponse(response), live, { table: 'create-table-result' });
    await enabledMapping(c, {
      EventSourceArn: streamArn,
      FunctionName: name,
      ...ONE_AT_A_TIME,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 2,
    });
    await putItem(c, TableName, DB_ITEM);
    live.dynamodb_events = await logEvents(c, name, 1, invocations, SETTLE_MS);
    return live;
  };
}

const invalidFilter =
  (pattern: string): MappingReplay =>
  async (c) => {
    const name = await pythonFunction(c, 'lambda_echo');
    const table = await createTable(c, 'id');
    const { streamArn } = await enableStream(c, table.TableName, 'NEW_AND_OLD_IMAGES');
    return {
      exception_event_source_creation: await createMapping(c, {
        FunctionName: name,
        EventSourceArn: streamArn,
        ...ONE_AT_A_TIME,
        FilterCriteria: { Filters: [{ Pattern: pattern }] },
      }),
    };
  };

/** Its success scenarios: the Kinesis test's but the empty string, which it does not parametrize. */
const DYNAMODB_SUCCESS_RESPONSES = Object.fromEntries(
  Object.entries(BATCH_ITEM_SUCCESS_RESPONSES).filter(([id]) => id !== 'empty_string_success'),
);

const PREFIX = 'TestDynamoDBEventSourceMapping::';

/** test_lambda_integration_dynamodbstreams.py's tests, by snapshot key. */
export const DYNAMODB_STREAM_CASES: Record<string, MappingReplay> = {
  [`${PREFIX}test_esm_with_not_existing_dynamodb_stream`]: async (c) => {
    const name = await pythonFunction(c, 'lambda_echo');
    return {
      error: await createMapping(c, {
        FunctionName: name,
        ...ONE_AT_A_TIME,
        EventSourceArn: `arn:aws:dynamodb:${region}:${c.accountId}:table/test-table-4a53f4e8/stream/2025-02-22T03:03:25.490`,
      }),
    };
  },
  [`${PREFIX}test_dynamodb_event_source_mapping`]: async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, 'lambda_echo', live, { table: 'create-table-result' });
    live.create_event_source_mapping_response = await enabledMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...ONE_AT_A_TIME,
    });
    await putItem(c, TableName, DB_ITEM);
    live.event_logs = await logEvents(c, name, 1);
    return live;
  },
  [`${PREFIX}test_duplicate_event_source_mappings`]: async (c) => {
    const table = await createTable(c, PARTITION_KEY);
    const live: Answer = { 'create-table-result': table.answer };
    const { streamArn } = await enableStream(c, table.TableName, 'NEW_IMAGE');
    const settings = { StartingPosition: 'TRIM_HORIZON', MaximumBatchingWindowInSeconds: 1, MaximumRetryAttempts: 1 } as const;
    const first = await pythonFunction(c, 'lambda_echo');
    live.create = await createMapping(c, { FunctionName: first, EventSourceArn: streamArn, ...settings });
    live.error = await createMapping(c, { FunctionName: first, EventSourceArn: streamArn, ...settings });
    const second = await pythonFunction(c, 'lambda_echo');
    const another = await createMapping(c, { FunctionName: second, EventSourceArn: streamArn, ...settings });
    if (another.Error !== undefined) throw new Error(`a second function's mapping was refused: ${JSON.stringify(another.Error)}`);
    return live;
  },
  [`${PREFIX}test_disabled_dynamodb_event_source_mapping`]: async (c) => {
    const { name, table, live } = await echoMappedToStream(c, 'dynamodb_create_table_result', { MaximumBatchingWindowInSeconds: 1 });
    const UUID = uuidOf(live.create_event_source_mapping_result);
    await putItem(c, table.TableName, { id: { S: c.name('id') }, data: { S: 'data1' } });
    await logEvents(c, name, 1);
    live.update_event_source_mapping_result = await c.call(new UpdateEventSourceMappingCommand({ UUID, Enabled: false }));
    await mappingState(c, UUID, 'Disabled');
    await putItem(c, table.TableName, { id: { S: c.name('id') }, data: { S: 'data2' } });
    const events = await logEvents(c, name, 1, undefined, SETTLE_MS);
    if (events.length !== 1) throw new Error(`the disabled mapping invoked its function: ${events.length} events`);
    return live;
  },
  [`${PREFIX}test_deletion_event_source_mapping_with_dynamodb`]: async (c) => {
    const { table, live } = await echoMappedToStream(c, 'create_dynamodb_table_response');
    await c.dynamodb.send(new DeleteTableCommand({ TableName: table.TableName }));
    live.list_event_source_mapping_result = await c.call(new ListEventSourceMappingsCommand({ EventSourceArn: table.streamArn }));
    return live;
  },
  [`${PREFIX}test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config`]: onFailure(async (c) => {
    const { topicArn, queueUrl } = await topicIntoQueue(c);
    return { arn: topicArn, read: () => receiveNotification(c, queueUrl) };
  }, 'failure_sns_message'),
  [`${PREFIX}test_dynamodb_event_source_mapping_with_on_failure_destination_config`]: onFailure(async (c) => {
    const failures = await queue(c);
    return { arn: failures.arn, read: () => receiveFailure(c, failures.url) };
  }, 'destination_queue_messages'),
  [`${PREFIX}test_dynamodb_event_source_mapping_with_s3_on_failure_destination`]: onFailure(
    (c) => s3FailureRecord(c, 'DDBStreamBatchInfo'),
    'record_body',
  ),
  [`${PREFIX}test_dynamodb_event_filter[insert_same_entry_twice]`]: eventFilter(
    { id: { S: 'id_value' }, id2: { S: 'id2_value' } },
    { id: { S: 'id_value' }, id2: { S: 'id2_value' } },
    { eventName: ['INSERT'] },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[content_or_filter]`]: eventFilter(
    { id: { S: 'id_value' } },
    { id: { S: 'id_value' }, id2: { S: 'id2_new_value' } },
    { eventName: ['INSERT', 'MODIFY'] },
    2,
  ),
  [`${PREFIX}test_dynamodb_event_filter[content_multiple_filters]`]: eventFilter(
    { id: { S: 'id_value' } },
    { id: { S: 'id_value' }, id2: { S: 'id2_new_value' } },
    { eventName: ['INSERT'], eventSource: ['aws:dynamodb'] },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[content_filter_type]`]: eventFilter(
    { id: { S: 'id_value_1' }, presentKey: { S: 'presentValue' } },
    { id: { S: 'id_value_2' } },
    { dynamodb: { NewImage: { presentKey: { S: ['presentValue'] } } } },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[exists_filter_type]`]: eventFilter(
    { id: { S: 'id_value_1' }, presentKey: { S: 'presentValue' } },
    { id: { S: 'id_value_2' } },
    { dynamodb: { NewImage: { presentKey: { S: [{ exists: true }] } } } },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[exists_false_filter]`]: eventFilter(
    { id: { S: 'id_value_1' } },
    { id: { S: 'id_value_2' }, presentKey: { S: 'presentValue' } },
    { dynamodb: { NewImage: { presentKey: [{ exists: false }] } } },
    2,
  ),
  [`${PREFIX}test_dynamodb_event_filter[numeric_filter]`]: eventFilter(
    { id: { S: 'id_value_1' }, numericFilter: { N: '42' } },
    { id: { S: 'id_value_2' }, numericFilter: { N: '101' } },
    { dynamodb: { NewImage: { numericFilter: { N: [{ numeric: ['>', 100] }, { 'anything-but': '101' }] } } } },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[prefix_filter]`]: eventFilter(
    { id: { S: 'id_value_1' }, prefix: { S: 'us-1-other-suffix' } },
    { id: { S: 'id_value_1' }, prefix: { S: 'other-suffix' } },
    { dynamodb: { NewImage: { prefix: { S: [{ prefix: 'us-1' }] } } } },
    1,
  ),
  [`${PREFIX}test_dynamodb_event_filter[date_time_conversion]`]: eventFilter(
    { id: { S: 'id_value_1' } },
    { id: { S: 'id_value_2' } },
    { dynamodb: { ApproximateCreationDateTime: [{ numeric: ['>', 0] }] } },
    2,
  ),
  [`${PREFIX}test_dynamodb_invalid_event_filter[single-string]`]: invalidFilter('single-string'),
  [`${PREFIX}test_dynamodb_invalid_event_filter[[{"eventName": ["INSERT"=123}]]`]: invalidFilter('[{"eventName": ["INSERT"=123}]'),
  [`${PREFIX}test_dynamodb_report_batch_item_failures`]: async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(
      c,
      'lambda_report_batch_item_failures_dynamodb',
      live,
      CREATE_AND_UPDATE,
    );
    const failures = await queue(c);
    live.create_event_source_mapping_response = await enabledMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...REPORTING_BATCHES(failures.arn),
    });
    for (let i = 0; i < 6; i++) {
      await putItem(c, TableName, { [PARTITION_KEY]: { S: `testId${i}` }, should_fail: { BOOL: i === 5 } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    live.destination_queue_messages = await receiveFailure(c, failures.url);
    const batches = (await logEvents(c, name, 1)) as { Records?: { dynamodb: { Keys: Record<string, { S: string }> } }[] }[];
    const records = batches.flatMap((batch) => batch.Records ?? []);
    live.dynamodb_records = { Records: sortedByText(records, (r) => String(r.dynamodb.Keys[PARTITION_KEY]?.S)) };
    return live;
  },
  ...parametrized(`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios`, BATCH_ITEM_FAILURE_RESPONSES, failureScenario),
  ...parametrized(`${PREFIX}test_dynamodb_report_batch_item_success_scenarios`, DYNAMODB_SUCCESS_RESPONSES, successScenario),
};
