import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { BARE, callbacks, passResult, sqsCase, startExecutionSync } from './recorded-cases-callbacks.js';
import { normaliseParallelEvents, pythonJson } from './recorded-cases-parallel-map.js';
import { eventsToQueue } from './recorded-cases-service-scenarios.js';
import {
  createMachine,
  type Definition,
  functionCode,
  lambdaFunction,
  recordExecution,
  startExecution,
  stateOf,
  template,
} from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded base state and scenario tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/ makes them: scenarios/test_base_scenarios.py's distributed
 * Maps reading S3 objects (JSON, CSV, ListObjectsV2; MaxItems, headers, ItemsPath, ItemBatcher),
 * its tolerated failure paths, invalid JSONPaths, JSONata Choices and Wait timestamps;
 * base/test_base.py's JSONPath array access, base/test_wait.py's SecondsPath, a timestamp Choice
 * operator, States.UUID and an execution's timeout.
 */

const scenarios = (name: string) => template(`scenarios/statemachines/${name}.json`);
const base = (name: string) => template(`base/statemachines/${name}.json`);

/** `create_and_record_execution`: the machine (changed as the test changes it) and one execution's history. */
const execution =
  (definition: () => Definition, input: unknown = {}): Replay =>
  async (context) => ({ get_execution_history: await recordExecution(context, definition(), pythonJson(input)) });

/** A template with one state's field set, as the parametrized tests set it. */
const withField = (definition: () => Definition, state: string, field: string, value: unknown) => () => {
  const changed = definition();
  stateOf(changed, state)[field] = value;
  return changed;
};

/** The tests' `s3_create_bucket` with one object (`key`) in it, the bucket shown as `bucket-name`. */
async function bucketWith(context: ReplayContext, key: string, body: string, placeholder = 'bucket-name'): Promise<string> {
  const bucket = context.name('bucket-');
  context.replace(bucket, placeholder);
  await context.putObject(bucket, key, body);
  return bucket;
}

/** A distributed Map reading `key` of a fresh bucket; the input names the bucket and key (and `extra`). */
const reading =
  (definition: () => Definition, key: string, body: string, extra: Record<string, unknown> = {}): Replay =>
  async (context) => {
    const bucket = await bucketWith(context, key, body);
    return {
      get_execution_history: await recordExecution(context, definition(), pythonJson({ Bucket: bucket, Key: key, ...extra })),
    };
  };

/** A replay whose recording shows a date inside JSON text (a BatchInput's `$states.context.State.EnteredTime`) as `date`. */
const datesShown =
  (replay: Replay): Replay =>
  (context) => {
    context.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, 'date');
    return replay(context);
  };

/** The JSON file of the item reader tests: three statements. */
const STATEMENTS = pythonJson([
  { verdict: 'true', statement_date: '6/11/2008', statement_source: 'speech' },
  { verdict: 'false', statement_date: '6/7/2022', statement_source: 'television' },
  { verdict: 'mostly-true', statement_date: '5/18/2016', statement_source: 'news' },
]);
const CSV_ROWS = ['Value1,Value2,Value3', 'Value4,Value5,Value6', ',,,', "true,1,'HelloWorld'", 'Null,None,', '   ', ''].join('\n');
const CSV_MAX_ITEMS = 'Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n';

/** A CSV reader's ReaderConfig with `CSVHeaders` declared, as the headers tests set it. */
const csvHeaders = (headers: string[]) => () => {
  const definition = scenarios('map_item_reader_base_csv_headers_decl');
  const reader = stateOf(definition, 'MapState').ItemReader as { ReaderConfig: Record<string, unknown> };
  reader.ReaderConfig.CSVHeaders = headers;
  return definition;
};

const csvMaxItems = (value: number) => () => {
  const definition = scenarios('map_item_reader_base_csv_max_items');
  const reader = stateOf(definition, 'MapState').ItemReader as { ReaderConfig: Record<string, unknown> };
  reader.ReaderConfig.MaxItems = value;
  return definition;
};

/**
 * test_map_item_reader_base_list_objects_v2: three objects listed; the test writes the Map's
 * output (and so the execution's) with each object's Etag and LastModified as placeholders,
 * sorted by key, as Python's json.dumps writes it.
 */
const listObjects: Replay = async (context) => {
  const bucket = context.name('bucket-');
  context.replace(bucket, 'bucket_name');
  for (const i of [0, 1, 2]) await context.putObject(bucket, `file_${i}.txt`, `${i}HelloWorld!`);
  const history = await recordExecution(context, scenarios('map_item_reader_base_list_objects_v2'), pythonJson({ Bucket: bucket }));
  const events = history.events as Record<string, Record<string, unknown>>[];
  const exited = events.at(-2)?.stateExitedEventDetails;
  const succeeded = events.at(-1)?.executionSucceededEventDetails;
  if (exited && succeeded) {
    const listed = JSON.parse(String(succeeded.output)) as Record<string, unknown>[];
    const normalised = pythonJson(
      listed
        .map((o) => ({ Etag: `<Etag-${o.Key}>`, LastModified: '<date>', Key: o.Key, Size: o.Size, StorageClass: o.StorageClass }))
        .sort((a, b) => String(a.Key).localeCompare(String(b.Key))),
    );
    exited.output = normalised;
    succeeded.output = normalised;
  }
  return { get_execution_history: history };
};

/** `create_and_test_comparison_function` without a literal: one machine per comparison, its input and output. */
const comparison =
  (operator: string, comparisons: [string, string][]): Replay =>
  async (context) => {
    context.replace(context.roleArn, 'snf_role_arn');
    const definition = JSON.stringify(template('choiceoperators/statemachines/template.json')).replace(
      '%ComparisonOperatorType%',
      operator,
    );
    const name = context.name('statemachine_');
    const cases: Answer[] = [];
    for (const [i, [variable, value]] of comparisons.entries()) {
      const created = await context.call(new CreateStateMachineCommand({ name: `${name}_${i}`, definition, roleArn: context.roleArn }));
      const input = pythonJson({ Variable: variable, Value: value });
      const { executionArn } = await startExecution(context, created.stateMachineArn as string, input);
      await context.ended(executionArn);
      const { events = [] } = await context.call(new GetExecutionHistoryCommand({ executionArn }));
      const output = (events as Record<string, Record<string, unknown>>[]).find((e) => e.executionSucceededEventDetails)
        ?.executionSucceededEventDetails?.output;
      cases.push({ input, output });
    }
    return { cases };
  };

/** test_uuid: one execution without input; the generated UUID shown as `generated-uuid`. */
const uuid: Replay = async (context) => {
  const { stateMachineArn } = await createMachine(context, template('intrinsicfunctions/statemachines/unique_id_generation/uuid.json'));
  const { executionArn } = await startExecution(context, stateMachineArn);
  await context.ended(executionArn);
  const history = await context.call(new GetExecutionHistoryCommand({ executionArn }));
  const events = history.events as Record<string, Record<string, unknown>>[];
  const output = events.find((e) => e.executionSucceededEventDetails)?.executionSucceededEventDetails?.output;
  if (typeof output === 'string') context.replace((JSON.parse(output) as { FunctionResult: string }).FunctionResult, 'generated-uuid');
  return { exec_hist_resp: history };
};

/** test_global_timeout: a Wait of a minute in a machine whose TimeoutSeconds is 5; the execution as DescribeExecution shows it. */
const globalTimeout: Replay = async (context) => {
  const definition = base('wait_1_min');
  definition.TimeoutSeconds = 5;
  const { stateMachineArn } = await createMachine(context, definition, { unnamed: false, name: context.name('test_global_timeout-') });
  const name = context.name('exec_of-test_global_timeout-');
  context.replace(name, '<execution-name>');
  const { executionArn } = await context.call(new StartExecutionCommand({ stateMachineArn, name }));
  await context.ended(executionArn as string);
  return { describe_execution: await context.call(new DescribeExecutionCommand({ executionArn: executionArn as string })) };
};

const byIds = (test: string, ids: readonly (string | number)[], replay: (id: string) => Replay) =>
  Object.fromEntries(ids.map((id) => [`${test}[${id}]`, replay(String(id))]));

const JSON_PATHS = [
  '$[*]',
  '$.items[*]',
  '$.items[1:]',
  '$.items[:1]',
  '$.item.items[*]',
  '$.item.items[1:]',
  '$.item.items[:1]',
  '$.item.items[1:5]',
  '$.items[*].itemValue',
  '$.items[1:].itemValue',
  '$.items[:1].itemValue',
  '$.item.items[1:5].itemValue',
];

const arrayAccess = (path: string) => () => {
  const definition = base('json_path_array_access');
  (stateOf(definition, 'EntryState').Parameters as Record<string, unknown>)['item.$'] = path;
  return definition;
};

/**
 * test_event_bridge_events_base: the execution's status changes as EventBridge delivers them to
 * a queue (a rule on the default bus for the machine), read until one is not RUNNING and sorted
 * by time; the test's transformers write each start and stop date and name as placeholders.
 */
const eventBridgeEvents: Replay = async (context) => {
  const definition = base('wait_1_min');
  // The test waits a minute on AWS and a second elsewhere: nothing recorded shows which.
  stateOf(definition, 'State_1').Seconds = 1;
  const { stateMachineArn } = await createMachine(context, definition, {
    unnamed: true,
    role: context.roleArn,
    name: context.name('test_event_bridge_events-'),
  });
  const queueUrl = await eventsToQueue(context, { source: ['aws.states'], detail: { stateMachineArn: [stateMachineArn] } });
  const { executionArn } = await context.call(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  await context.ended(executionArn as string);
  const sqs = new SQSClient({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });
  const events: { time: string; detail: Record<string, unknown> }[] = [];
  try {
    // poll_condition's 60 s, a second a poll.
    for (let i = 0; i < 60 && [undefined, 'RUNNING'].includes(events.at(-1)?.detail.status as string | undefined); i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      for (const m of Messages) events.push(JSON.parse(m.Body as string));
      events.sort((a, b) => a.time.localeCompare(b.time));
    }
  } finally {
    sqs.destroy();
  }
  for (const { detail } of events) {
    detail.startDate = 'start-date';
    detail.stopDate = 'stop-date';
    detail.name = 'test_event_bridge_events-{short_uid()}';
  }
  return { stepfunctions_events: events };
};

/**
 * local_mocking's test_parallel_state_lambda as it ran on AWS: two branches invoking two
 * functions; its history through the Parallel normaliser, then each state's and the
 * execution's output written as a placeholder.
 */
const parallelStateLambda: Replay = async (context) => {
  const branch1 = await lambdaFunction(context, functionCode('services/lambdafunctions/id_function.py'), 'function_name_branch1', {
    prefix: 'lambda_branch1_',
  });
  const branch2 = await lambdaFunction(
    context,
    functionCode('services/lambdafunctions/return_decorated_input.py'),
    'function_name_branch2',
    { prefix: 'lambda_branch2_' },
  );
  const input = { FunctionNameBranch1: branch1.name, FunctionNameBranch2: branch2.name, Payload: ['string-literal'] };
  const history = await recordExecution(context, scenarios('parallel_state_service_lambda'), pythonJson(input));
  const events = history.events as Answer[];
  normaliseParallelEvents(events);
  for (const event of events as Record<string, Record<string, unknown>>[]) {
    if (event.stateExitedEventDetails) event.stateExitedEventDetails.output = 'stateExitedEventDetails.output';
    if (event.executionSucceededEventDetails) event.executionSucceededEventDetails.output = 'executionSucceededEventDetails.output';
  }
  return { get_execution_history: history };
};

const heartbeat = (change: (definition: Definition) => void, input: Record<string, unknown> = {}): Replay =>
  sqsCase({
    machine: () => {
      const definition = template('timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat.json');
      change(definition);
      return definition;
    },
    token: 'task_token',
    input: (url) => ({ QueueUrl: url, Message: 'test_message_txt', ...input }),
  });

/**
 * local_mocking's `.sync` tests as they ran on AWS: the child's ARNs written as the test's
 * placeholders (`$..StateMachineArn`, `$..ExecutionArn`), before the machines' names are.
 */
const startExecutionSyncCase =
  (machine: string): Replay =>
  (context) => {
    context.replace(/arn:aws:states:[^"\\]*:execution:[^"\\]*/g, 'execution-arn');
    context.replace(/arn:aws:states:[^"\\]*:stateMachine:[^"\\]*/g, 'state-machine-arn');
    return startExecutionSync(machine, passResult)(context);
  };

export const BASE_STATE_CASES: Record<string, Replay> = {
  test_map_item_reader_base_list_objects_v2: listObjects,
  test_map_item_reader_base_csv_headers_first_line: reading(
    () => scenarios('map_item_reader_base_csv_headers_first_line'),
    'file.csv',
    `Col1,Col2,Col3\n${CSV_ROWS}`,
  ),
  test_map_item_reader_base_csv_headers_decl: reading(csvHeaders(['H1', 'H2', 'H3']), 'file.csv', CSV_ROWS),
  test_map_item_reader_csv_headers_decl_duplicate_headers: reading(csvHeaders(['H1', 'H1', 'H3']), 'file.csv', CSV_ROWS),
  test_map_item_reader_csv_headers_decl_extra_fields: reading(csvHeaders(['H1']), 'file.csv', CSV_ROWS),
  test_map_item_reader_csv_headers_first_row_typed_headers: reading(
    () => scenarios('map_item_reader_base_csv_headers_first_line'),
    'file.csv',
    "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
  ),
  test_map_item_reader_csv_first_row_extra_fields: reading(
    () => scenarios('map_item_reader_base_csv_headers_first_line'),
    'file.csv',
    "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
  ),
  test_map_item_reader_base_json: reading(() => scenarios('map_item_reader_base_json'), 'file.json', STATEMENTS),
  test_map_item_reader_json_no_json_list_object: reading(
    () => scenarios('map_item_reader_base_json'),
    'file.json',
    pythonJson({ Hello: 'world' }),
  ),
  test_map_item_reader_base_json_max_items: reading(
    () => scenarios('map_item_reader_base_json_max_items'),
    'file.json',
    pythonJson(Array(3).fill({ verdict: 'true', statement_date: '6/11/2008', statement_source: 'speech' })),
  ),
  test_map_item_reader_base_json_max_items_jsonata: reading(
    () => scenarios('map_item_reader_base_json_max_items_jsonata'),
    'file.json',
    STATEMENTS,
    { MaxItems: 2 },
  ),
  test_map_item_batching_base_json_max_per_batch_jsonata: datesShown(
    reading(() => scenarios('map_item_batcher_base_max_per_batch_jsonata'), 'file.json', STATEMENTS, {
      MaxItemsPerBatch: 2,
      MaxInputBytesPerBatch: 150_000,
    }),
  ),
  ...byIds('test_map_item_reader_csv_max_items', [0, 2, 100_000_000], (id) => reading(csvMaxItems(Number(id)), 'file.csv', CSV_MAX_ITEMS)),
  ...byIds('test_map_item_reader_csv_max_items_paths', [-1, 0, 1.5, 2, 100_000_000, 100_000_001], (id) =>
    reading(() => scenarios('map_item_reader_base_csv_max_items_path'), 'file.csv', CSV_MAX_ITEMS, { MaxItems: Number(id) }),
  ),
  ...byIds(
    'test_map_item_reader_base_json_with_items_path',
    ['VALID_ITEMS_PATH_FROM_PREVIOUS', 'VALID_ITEMS_PATH_FROM_ITEM_READER', 'INVALID_ITEMS_PATH'],
    (id) => {
      const path =
        { VALID_ITEMS_PATH_FROM_PREVIOUS: '$.from_previous', VALID_ITEMS_PATH_FROM_ITEM_READER: '$[0]' }[id] ??
        '$.no_such_path_in_bucket_result';
      return reading(
        withField(() => scenarios('map_item_reader_base_json_with_items_path'), 'MapState', 'ItemsPath', path),
        'file.json',
        pythonJson([['from-bucket-item-0']]),
        { from_input_items: ['input-item-0'] },
      );
    },
  ),
  'test_map_state_tolerated_failure_count_path[-1]': execution(() => scenarios('map_state_tolerated_failure_count_path'), {
    Items: [0],
    ToleratedFailureCount: -1,
  }),
  ...byIds('test_map_state_tolerated_failure_percentage_path', ['-1.1', '-1', '1.1', '100.1'], (id) =>
    execution(() => scenarios('map_state_tolerated_failure_percentage_path'), { Items: [0], ToleratedFailurePercentage: Number(id) }),
  ),
  'test_choice_aws_docs_scenario[CHOICE_STATE_AWS_SCENARIO_JSONATA]': execution(() => scenarios('choice_state_aws_scenario_jsonata'), {
    type: 'Private',
    value: 22,
  }),
  test_choice_condition_constant_jsonata: execution(() => scenarios('choice_state_condition_constant_jsonata')),
  'test_wait_timestamp[SECONDS]': execution(withField(() => scenarios('wait_timestamp'), 'WaitUntil', 'Timestamp', '2016-03-14T01:59:00Z')),
  'test_wait_timestamp_path[NANOSECONDS]': execution(() => scenarios('wait_timestamp_path'), {
    TimestampValue: '2016-03-05T21:29:29.243167252Z',
  }),
  ...byIds(
    'test_invalid_jsonpath',
    ['CAUSEPATH', 'INPUTPATH', 'OUTPUTPATH', 'TIMEOUTSECONDSPATH', 'HEARTBEATSECONDSPATH'].map((id) => `ST.INVALID_JSONPATH_IN_${id}`),
    (id) => execution(() => scenarios(id.slice(3).toLowerCase()), { 'int-literal': 0 }),
  ),
  ...byIds('test_json_path_array_access', ['$.items[0]', '$.items[10]'], (path) =>
    execution(arrayAccess(path), { items: Array.from({ length: 11 }, (_, i) => ({ item_key: i })) }),
  ),
  ...byIds('test_json_path_array_wildcard_or_slice_with_no_input', JSON_PATHS, (path) => execution(arrayAccess(path))),
  test_decl_version_1_0: execution(() => base('decl_version_1_0')),
  ...byIds('test_base_wait_seconds_path', ['-1.5', '1.5', '1'], (seconds) =>
    execution(() => base('wait_seconds_path'), { input: { waitSeconds: Number(seconds) } }),
  ),
  test_timestamp_greater_than_path: comparison('TimestampGreaterThanPath', [['2012-10-09T19:00:55Z', '2012-10-09T19:00:56Z']]),
  test_uuid: uuid,
  test_global_timeout: globalTimeout,
  test_event_bridge_events_base: eventBridgeEvents,
  test_parallel_state_lambda: parallelStateLambda,
  test_heartbeat_timeout: heartbeat(() => undefined),
  test_heartbeat_no_timeout: heartbeat((definition) => {
    delete stateOf(definition, 'SendMessageWithWait').TimeoutSeconds;
  }),
  test_heartbeat_path_timeout: sqsCase({
    machine: () => template('timeouts/statemachines/service_sqs_send_and_wait_for_task_token_with_heartbeat_path.json'),
    token: 'task_token',
    input: (url) => ({ QueueUrl: url, Message: 'test_message_txt', HeartbeatSecondsPath: 5 }),
  }),
  'test_sfn_start_execution_sync[SFN_SYNC]': startExecutionSyncCase('sfn_start_execution_sync'),
  'test_sfn_start_execution_sync[SFN_SYNC2]': startExecutionSyncCase('sfn_start_execution_sync2'),
  test_sqs_wait_for_task_token_task_failure: sqsCase({
    machine: () => callbacks('sqs_wait_for_task_token_catch'),
    worker: 'sqs_failure_on_task_token',
    queue: BARE,
    token: 'task_token',
    input: (url) => ({ QueueUrl: url, Message: 'string-literal' }),
    describe: true,
  }),
};

/** The base state tests that wait out a timeout in real time. */
export const BASE_STATE_REAL_TIME = [
  'test_global_timeout',
  'test_heartbeat_timeout',
  'test_heartbeat_no_timeout',
  'test_heartbeat_path_timeout',
];

/**
 * The tests recorded before 2024-08, when AWS's history had a distributed Map's MapStateExited
 * follow its MapRunSucceeded; since 2024-11 it follows its MapRunStarted, as the engine's does.
 */
export const BASE_STATE_KNOWN_DIFFERENCES = [
  'test_map_item_reader_base_list_objects_v2',
  'test_map_item_reader_base_csv_headers_first_line',
  'test_map_item_reader_base_csv_headers_decl',
  'test_map_item_reader_csv_headers_decl_extra_fields',
  'test_map_item_reader_csv_headers_first_row_typed_headers',
  'test_map_item_reader_csv_first_row_extra_fields',
  'test_map_item_reader_base_json',
  'test_map_item_reader_base_json_max_items',
  ...[0, 2, 100_000_000].map((n) => `test_map_item_reader_csv_max_items[${n}]`),
  ...[0, 2, 100_000_000, 100_000_001].map((n) => `test_map_item_reader_csv_max_items_paths[${n}]`),
  'test_map_state_tolerated_failure_percentage_path[1.1]',
].map((test) => ({
  test,
  path: /^get_execution_history\.events\[\d+\]\.previousEventId$/,
  reason:
    "recorded before 2024-08, when AWS's history had a distributed Map's MapStateExited follow its MapRunSucceeded; its " +
    'recordings since 2024-11 (test_map_item_reader_base_json_with_items_path, 2025-01) follow its MapRunStarted, as the engine does',
}));
