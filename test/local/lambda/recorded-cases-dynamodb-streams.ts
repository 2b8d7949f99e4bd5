import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';
import type { HandlerFile } from './sqs-mapping-replay.js';
import {
  createMapping,
  createQueue,
  createTable,
  enableStream,
  fixtures,
  invocations,
  logEvents,
  mappingState,
  putItem,
  pythonFunction,
  receiveFailure,
  receiveNotification,
  SETTLE_MS,
  s3FailureRecord,
  topicIntoQueue,
  uuidOf,
  withResponse,
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

/** A function of `code`, a table keyed by my_partition_key with a NEW_IMAGE stream turned on by UpdateTable. */
async function functionAndStream(
  c: ReplayContext,
  code: HandlerFile | { code: string },
  live: Answer,
  tableKey: string,
  updateKey?: string,
) {
  const name = await pythonFunction(c, code);
  const table = await createTable(c, PARTITION_KEY);
  live[tableKey] = table.answer;
  const { answer, streamArn } = await enableStream(c, table.TableName, 'NEW_IMAGE');
  if (updateKey) live[updateKey] = answer;
  return { name, TableName: table.TableName, streamArn };
}

/** A function failing each invocation, mapped with an on-failure destination (`destination(c)`) after one retry. */
function onFailure(destination: (c: ReplayContext) => Promise<{ arn: string; read(uuid: string): Promise<unknown> }>, key: string): Replay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(
      c,
      'lambda_unhandled_error',
      live,
      'create_table_response',
      'update_table_response',
    );
    const target = await destination(c);
    live.create_event_source_mapping_response = await createMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...ONE_AT_A_TIME,
      DestinationConfig: { OnFailure: { Destination: target.arn } },
    });
    const uuid = uuidOf(live.create_event_source_mapping_response);
    await mappingState(c, uuid, 'Enabled');
    await putItem(c, TableName, { [PARTITION_KEY]: { S: 'hello world' } });
    live[key] = await target.read(uuid);
    return live;
  };
}

/**
 * `test_dynamodb_event_filter`: a mapping of one filter; the first item must pass it, the
 * second may (`calls` says how many invocations there are in the end).
 */
function eventFilter(first: Record<string, AttributeValue>, second: Record<string, AttributeValue>, filter: object, calls: number): Replay {
  return async (c) => {
    const name = await pythonFunction(c, 'lambda_echo');
    const table = await createTable(c, 'id');
    const live: Answer = { table_creation_response: table.answer };
    const { streamArn } = await enableStream(c, table.TableName, 'NEW_AND_OLD_IMAGES');
    live.create_event_source_mapping_response = await createMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      ...ONE_AT_A_TIME,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(filter) }] },
    });
    await mappingState(c, uuidOf(live.create_event_source_mapping_response), 'Enabled');
    await putItem(c, table.TableName, first);
    live['lambda-log-events'] = await logEvents(c, name, 1);
    await putItem(c, table.TableName, second);
    live['lambda-multiple-log-events'] = await logEvents(c, name, calls, undefined, calls === 1 ? SETTLE_MS : 0);
    return live;
  };
}

/** `test_dynamodb_report_batch_item_failure_scenarios`: a function answering `response` (Python) for a batch that reports its failures. */
function failureScenario(response: string): Replay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, withResponse(response), live, 'create-table-result');
    const queue = await createQueue(c);
    const created = await createMapping(c, {
      FunctionName: name,
      EventSourceArn: streamArn,
      BatchSize: 3,
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 3,
      DestinationConfig: { OnFailure: { Destination: queue.arn } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await mappingState(c, String(created.UUID), 'Enabled');
    await putItem(c, TableName, DB_ITEM);
    live.destination_queue_messages = await receiveFailure(c, queue.url);
    live.dynamodb_events = await logEvents(c, name, 4, invocations);
    return live;
  };
}

/** `test_dynamodb_report_batch_item_success_scenarios`: a function answering `response` (Python) that names no failed record. */
function successScenario(response: string): Replay {
  return async (c) => {
    const live: Answer = {};
    const { name, TableName, streamArn } = await functionAndStream(c, withResponse(response), live, 'create-table-result');
    const created = await createMapping(c, {
      EventSourceArn: streamArn,
      FunctionName: name,
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 2,
    });
    await mappingState(c, String(created.UUID), 'Enabled');
    await putItem(c, TableName, DB_ITEM);
    live.dynamodb_events = await logEvents(c, name, 1, invocations, SETTLE_MS);
    return live;
  };
}

const invalidFilter =
  (pattern: string): Replay =>
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

const PREFIX = 'TestDynamoDBEventSourceMapping::';

/** test_lambda_integration_dynamodbstreams.py's tests, by snapshot key. */
export const DYNAMODB_STREAM_CASES: Record<string, Replay> = {
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
    const { name, TableName, streamArn } = await functionAndStream(c, 'lambda_echo', live, 'create-table-result');
    live.create_event_source_mapping_response = await createMapping(c, { FunctionName: name, EventSourceArn: streamArn, ...ONE_AT_A_TIME });
    await mappingState(c, uuidOf(live.create_event_source_mapping_response), 'Enabled');
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
    const name = await pythonFunction(c, 'lambda_echo');
    const table = await createTable(c, 'id', 'NEW_IMAGE');
    const live: Answer = { dynamodb_create_table_result: table.answer };
    live.create_event_source_mapping_result = await createMapping(c, {
      FunctionName: name,
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
      MaximumBatchingWindowInSeconds: 1,
    });
    const UUID = uuidOf(live.create_event_source_mapping_result);
    await mappingState(c, UUID, 'Enabled');
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
    const name = await pythonFunction(c, 'lambda_echo');
    const table = await createTable(c, 'id', 'NEW_IMAGE');
    const live: Answer = { create_dynamodb_table_response: table.answer };
    live.create_event_source_mapping_result = await createMapping(c, {
      FunctionName: name,
      EventSourceArn: table.streamArn,
      StartingPosition: 'TRIM_HORIZON',
    });
    await mappingState(c, uuidOf(live.create_event_source_mapping_result), 'Enabled');
    await fixtures(c).dynamodb.send(new DeleteTableCommand({ TableName: table.TableName }));
    live.list_event_source_mapping_result = await c.call(new ListEventSourceMappingsCommand({ EventSourceArn: table.streamArn }));
    return live;
  },
  [`${PREFIX}test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config`]: onFailure(async (c) => {
    const { topicArn, queueUrl } = await topicIntoQueue(c);
    return { arn: topicArn, read: () => receiveNotification(c, queueUrl) };
  }, 'failure_sns_message'),
  [`${PREFIX}test_dynamodb_event_source_mapping_with_on_failure_destination_config`]: onFailure(async (c) => {
    const queue = await createQueue(c);
    return { arn: queue.arn, read: () => receiveFailure(c, queue.url) };
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
      'create_table_response',
      'update_table_response',
    );
    const queue = await createQueue(c);
    live.create_event_source_mapping_response = await createMapping(c, {
      FunctionName: name,
      BatchSize: 3,
      StartingPosition: 'TRIM_HORIZON',
      EventSourceArn: streamArn,
      MaximumBatchingWindowInSeconds: 1,
      MaximumRetryAttempts: 3,
      DestinationConfig: { OnFailure: { Destination: queue.arn } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await mappingState(c, uuidOf(live.create_event_source_mapping_response), 'Enabled');
    for (let i = 0; i < 6; i++) {
      await putItem(c, TableName, { [PARTITION_KEY]: { S: `testId${i}` }, should_fail: { BOOL: i === 5 } });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    live.destination_queue_messages = await receiveFailure(c, queue.url);
    const batches = (await logEvents(c, name, 1)) as { Records?: { dynamodb: { Keys: Record<string, { S: string }> } }[] }[];
    const records = batches.flatMap((batch) => batch.Records ?? []);
    const key = (r: (typeof records)[number]) => String(r.dynamodb.Keys[PARTITION_KEY]?.S);
    records.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    live.dynamodb_records = { Records: records };
    return live;
  },
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[item_identifier_not_present_failure]`]: failureScenario(
    '{"batchItemFailures": [{"itemIdentifier": 123}]}',
  ),
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[empty_string_item_identifier_failure]`]: failureScenario(
    '{"batchItemFailures": [{"itemIdentifier": ""}]}',
  ),
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[null_item_identifier_failure]`]: failureScenario(
    '{"batchItemFailures": [{"itemIdentifier": None}]}',
  ),
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[invalid_key_foo_failure]`]: failureScenario(
    '{"batchItemFailures": [{"foo": 123}]}',
  ),
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[invalid_key_foo_null_value_failure]`]: failureScenario(
    '{"batchItemFailures": [{"foo": None}]}',
  ),
  [`${PREFIX}test_dynamodb_report_batch_item_failure_scenarios[unhandled_exception_in_function]`]: failureScenario('(lambda: 1 / 0)()'),
  [`${PREFIX}test_dynamodb_report_batch_item_success_scenarios[empty_list_success]`]: successScenario('[]'),
  [`${PREFIX}test_dynamodb_report_batch_item_success_scenarios[null_success]`]: successScenario('None'),
  [`${PREFIX}test_dynamodb_report_batch_item_success_scenarios[empty_dict_success]`]: successScenario('{}'),
  [`${PREFIX}test_dynamodb_report_batch_item_success_scenarios[empty_batch_item_failure_success]`]:
    successScenario('{"batchItemFailures": []}'),
  [`${PREFIX}test_dynamodb_report_batch_item_success_scenarios[null_batch_item_failure_success]`]:
    successScenario('{"batchItemFailures": None}'),
};
