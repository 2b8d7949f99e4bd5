import { createHash, randomUUID } from 'node:crypto';
import { type InspectionLevel, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { region } from '../helpers.js';
import { pythonJson } from './recorded-cases-parallel-map.js';
import { template } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded TestState tests of TestState's newer members, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_state/ makes them: `stateName` on a whole machine
 * (test_test_state_machine_scenarios.py), `mock` results of integrations and Parallel states
 * (test_test_state_mock_scenarios.py) and what TestState refuses of them
 * (test_state_mock_validation.py), `context` (test_state_context_object.py),
 * `stateConfiguration` (test_state_configuration.py) and `mock.fieldValidationMode`
 * (test_field_validation_mode*.py). The tests send their JSON as Python's json.dumps writes it,
 * and AWS answers a mocked result it passes on untouched in that text.
 */

export const LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const satisfies readonly InspectionLevel[];

const HELLO_WORLD_INPUT = { Value: 'HelloWorld' };

/** A template of `templates/test_state/statemachines/` by its LocalStack name (`BASE_PASS_STATE_MACHINE`). */
export const testStateTemplate = (name: string) => template(`test_state/statemachines/${name.toLowerCase()}.json`);

type Mock = NonNullable<TestStateCommandInput['mock']>;

/** A recorded test's name and its replay. */
export type Case = readonly [string, Replay];

export interface Request extends Omit<TestStateCommandInput, 'definition' | 'input' | 'mock' | 'context'> {
  definition: unknown;
  input?: unknown;
  /** The mock, its `result` a value the test wrote with json.dumps. */
  mock?: Omit<Mock, 'result'> & { result?: unknown };
  context?: unknown;
}

/** The test's `test_state` request, its JSON members written as json.dumps writes them. */
function command({ definition, input, mock, context, ...rest }: Request): TestStateCommand {
  const json = (value: unknown) => (typeof value === 'string' ? value : pythonJson(value));
  let sent: Mock | undefined;
  if (mock !== undefined) {
    const { result, ...others } = mock;
    sent = { ...others, ...('result' in mock ? { result: json(result) } : {}) };
  }
  return new TestStateCommand({
    ...rest,
    definition: json(definition),
    ...(input === undefined ? {} : { input: pythonJson(input) }),
    ...(context === undefined ? {} : { context: pythonJson(context) }),
    ...(sent === undefined ? {} : { mock: sent }),
  });
}

/** Its answer as botocore reported it (an error as `{ Error, ResponseMetadata }`). */
export const testState = (context: ReplayContext, request: Request) => context.call(command(request));
/** Its error as the tests' `{ exception_typename, exception_value }`. */
export const testStateRaises = (context: ReplayContext, request: Request) => context.raise(command(request));

export const byLevel = (test: string, replay: (level: InspectionLevel) => Replay) =>
  LEVELS.map((level) => [`${test}[${level}]`, replay(level)] as const);

// test_test_state_machine_scenarios.py

const STATE_NAME_BINDINGS: Record<string, string> = {
  BASE_PASS_STATE_MACHINE: 'State0',
  BASE_FAIL_STATE_MACHINE: 'State0',
  BASE_MAP_STATE_MACHINE: 'HandleItem',
};

const stateNameCase =
  (machine: string, stateName: string, inspectionLevel: InspectionLevel): Replay =>
  async (context) => ({
    test_case_response: await testState(context, {
      definition: testStateTemplate(machine),
      stateName,
      input: HELLO_WORLD_INPUT,
      inspectionLevel,
    }),
  });

const stateNameFailure =
  (stateName: string): Replay =>
  async (context) => ({
    exception: await testStateRaises(context, {
      definition: testStateTemplate('BASE_PASS_STATE_MACHINE'),
      stateName,
      input: HELLO_WORLD_INPUT,
      inspectionLevel: 'INFO',
    }),
  });

const MACHINE_SCENARIO_CASES: Case[] = [
  ...LEVELS.flatMap((level) =>
    Object.entries(STATE_NAME_BINDINGS).map(
      ([machine, stateName]) => [`test_base_state_name[${level}-${machine}]`, stateNameCase(machine, stateName, level)] as Case,
    ),
  ),
  ...LEVELS.flatMap((level) =>
    ['State0', 'State1'].map(
      (stateName) =>
        [`test_base_state_name_multi_state[${level}-${stateName}]`, stateNameCase('BASE_MULTI_STATE_MACHINE', stateName, level)] as [
          string,
          Replay,
        ],
    ),
  ),
  ['test_base_state_name_validation_failures[dne]', stateNameFailure('dne')],
  ['test_base_state_name_validation_failures[invalid]', stateNameFailure('"invalid"')],
  ['test_base_state_name_validation_failures[empty]', stateNameFailure('')],
  [
    'test_state_name_invalid_state_definition',
    async (context) => ({
      validation_exception: await testState(context, {
        definition: testStateTemplate('BASE_INVALID_STATE_DEFINITION'),
        stateName: 'ExistingButInvalidState',
        input: HELLO_WORLD_INPUT,
        inspectionLevel: 'INFO',
      }),
    }),
  ],
];

// test_test_state_mock_scenarios.py

/** A fresh function name shown as `<lambda_function_name>`: the tests name one the mock stands for. */
function functionName(context: ReplayContext): string {
  const name = context.name('lambda_func_');
  context.replace(name, '<lambda_function_name>');
  return name;
}

/** A mocked task's answer at INFO, on the input the test gives. */
const mocked = (context: ReplayContext, machine: string, input: unknown, mock: Request['mock']) =>
  testState(context, { definition: testStateTemplate(machine), input, inspectionLevel: 'INFO', mock });

const dynamodbCase =
  (machine: string): Replay =>
  async (context) => {
    const table = context.name('sfn_test_table_');
    context.replace(table, '<table_name>');
    const item = { data: { S: 'HelloWorld' }, id: { S: 'id1' } };
    return {
      test_case_response: await mocked(
        context,
        machine,
        { TableName: table, Item: item },
        { result: { SdkHttpMetadata: { HttpStatusCode: 200 } } },
      ),
    };
  };

const PARALLEL_RESULT = [{ branch1: 'result' }, { branch2: 'result' }];

const parallelCase =
  (machine: string, input: unknown) =>
  (inspectionLevel: InspectionLevel): Replay =>
  async (context) => ({
    test_case_response: await testState(context, {
      definition: testStateTemplate(machine),
      input,
      inspectionLevel,
      mock: { result: PARALLEL_RESULT },
    }),
  });

/** Python's `datetime.now().isoformat()`: microseconds, no zone. */
export const pythonNow = () => new Date().toISOString().replace('Z', '000');

export const ACCOUNT = '000000000000';
const TARGET_MACHINE = `arn:aws:states:${region}:${ACCOUNT}:stateMachine:TargetStateMachine`;
const START_INPUT = { stateMachineArn: TARGET_MACHINE, targetInput: null, name: 'TestStartTarget' };

const MOCK_SCENARIO_CASES: Case[] = [
  [
    'test_base_lambda_service_task_mock_is_not_json_string',
    async (context) => ({
      'validation-exception': await mocked(
        context,
        'BASE_LAMBDA_SERVICE_TASK_STATE',
        { FunctionName: functionName(context), Payload: null },
        { result: 'not JSON string', fieldValidationMode: 'NONE' },
      ),
    }),
  ],
  [
    'test_base_lambda_service_task_mock_success',
    async (context) => ({
      test_case_response: await mocked(
        context,
        'BASE_LAMBDA_SERVICE_TASK_STATE',
        { FunctionName: functionName(context), Payload: null },
        { result: { Payload: 'function output', SdkHttpMetadata: { HttpStatusCode: 200 } } },
      ),
    }),
  ],
  ['test_io_dynamodb_service_task_mock_success[base]', dynamodbCase('BASE_DYNAMODB_SERVICE_TASK_STATE')],
  ['test_io_dynamodb_service_task_mock_success[io]', dynamodbCase('IO_DYNAMODB_SERVICE_TASK_STATE')],
  ['test_io_dynamodb_service_task_mock_success[io_output_path]', dynamodbCase('IO_OUTPUT_PATH_DYNAMODB_SERVICE_TASK_STATE')],
  [
    'test_put_events_mock_success',
    async (context) => ({
      test_case_response: await mocked(
        context,
        'BASE_EVENTS_PUT_EVENTS',
        { Entries: [{ Detail: 'detail', DetailType: 'detail_type', Source: 'source' }] },
        { result: { Entries: [{ EventId: randomUUID() }] } },
      ),
    }),
  ],
  [
    'test_send_sqs_message_success',
    async (context) => {
      const md5 = createHash('md5').update('message_body').digest('hex');
      context.replace(md5, '<md5_of_message_body>');
      return {
        test_case_response: await mocked(
          context,
          'BASE_SQS_SEND_MESSAGE',
          { QueueUrl: 'queue_url', MessageBody: 'message_body' },
          { result: { MD5OfMessageBody: md5, MessageId: randomUUID() } },
        ),
      };
    },
  ],
  ...byLevel('test_base_parallel_state_mock_success', parallelCase('BASE_PARALLEL_STATE', { key: 'value' })),
  ...byLevel('test_io_parallel_state_mock_success', parallelCase('IO_PARALLEL_STATE', { parallelInput: { data: 'input_value' } })),
  ...byLevel(
    'test_io_jsonata_parallel_state_mock_success',
    parallelCase('IO_JSONATA_PARALLEL_STATE', { parallelInput: { data: 'input_value' } }),
  ),
  [
    'test_sfn_start_execution_success',
    async (context) => {
      const startDate = pythonNow();
      context.replace(startDate, 'start-date');
      return {
        test_case_response: await mocked(context, 'BASE_SFN_START_EXECUTION', START_INPUT, {
          result: {
            ExecutionArn: `arn:aws:states:${region}:${ACCOUNT}:execution:TargetStateMachine:TestStartTarget`,
            StartDate: startDate,
          },
        }),
      };
    },
  ],
];

// test_state_mock_validation.py

/** The answer of a request AWS refuses, at TRACE with no input. */
const refused =
  (definition: unknown, request: Omit<Request, 'definition'> = {}): Replay =>
  async (context) => ({
    validation_exception: await testState(context, { definition, inspectionLevel: 'TRACE', ...request }),
  });

const MOCK_VARIANTS: Record<string, Request['mock']> = {
  mock_result: { result: { mock: 'the unmockable' } },
  mock_error_output: { errorOutput: { error: 'Error', cause: 'Cause' } },
};

const MOCK_VALIDATION_CASES: Case[] = [
  ...Object.entries(MOCK_VARIANTS).flatMap(([variant, mock]) =>
    Object.entries({ PassState: 'BASE_PASS_STATE', FailState: 'BASE_FAIL_STATE', SucceedState: 'BASE_SUCCEED_STATE' }).map(
      ([id, state]) => [`test_state_type_does_not_accept_mock[${variant}-${id}]`, refused(testStateTemplate(state), { mock })] as Case,
    ),
  ),
  ...Object.entries({ MapState: 'BASE_MAP_STATE', MapTaskState: 'MAP_TASK_STATE', ParallelState: 'BASE_PARALLEL_STATE' }).map(
    ([id, state]) => [`test_state_type_requires_mock[${id}]`, refused(testStateTemplate(state))] as Case,
  ),
  [
    'test_both_mock_result_and_mock_error_output_are_set',
    refused(testStateTemplate('BASE_LAMBDA_SERVICE_TASK_STATE'), {
      mock: { result: { mock: 'response' }, errorOutput: { error: 'Error', cause: 'Cause' } },
    }),
  ],
  [
    'test_reveal_secrets_is_true_and_mock_result_is_set',
    refused(testStateTemplate('BASE_LAMBDA_SERVICE_TASK_STATE'), { mock: { result: { mock: 'response' } }, revealSecrets: true }),
  ],
  [
    'test_mock_result_is_not_array_on_map_state_without_result_writer',
    refused(testStateTemplate('BASE_MAP_STATE'), { mock: { result: { mock: 'array is expected but object is provided instead' } } }),
  ],
  [
    'test_mock_result_is_not_object_on_map_state_with_result_writer',
    refused(testStateTemplate('BASE_MAP_STATE_RESULT_WRITER'), { mock: { result: ['object is expected but array is provided instead'] } }),
  ],
  [
    'test_mock_result_is_not_array_on_parallel_state',
    refused(testStateTemplate('BASE_PARALLEL_STATE'), { mock: { result: { mock: 'array is expected but object is provided instead' } } }),
  ],
  [
    'test_mock_result_array_size_mismatch_on_parallel_state',
    refused(testStateTemplate('BASE_PARALLEL_STATE'), { mock: { result: [{ branch1: 'result' }] } }),
  ],
  ['test_parallel_state_empty_branches', refused({ Type: 'Parallel', Branches: [], End: true }, { mock: { result: [] } })],
  [
    'test_map_iteration_failure_count_without_mock',
    async (context) => ({
      validation_exception: await testState(context, {
        definition: testStateTemplate('BASE_MAP_STATE'),
        roleArn: context.roleArn,
        stateConfiguration: { mapIterationFailureCount: 0 },
      }),
    }),
  ],
  [
    'test_map_iteration_failure_count_exceeds_mock_result_items',
    async (context) => ({
      validation_exception: await testState(context, {
        definition: testStateTemplate('BASE_MAP_STATE'),
        roleArn: context.roleArn,
        input: { Values: [1, 1, 1] },
        stateConfiguration: { mapIterationFailureCount: 4 },
        mock: { result: [1, 1, 1] },
      }),
    }),
  ],
];

// test_field_validation_mode.py, test_field_validation_mode_present.py, test_field_validation_mode_none.py

type Mode = 'STRICT' | 'PRESENT' | 'NONE';

/** A mocked task's answer (at INFO) in a validation mode, the mode sent only where the test sends one (STRICT is the default). */
const validated =
  (key: string, machine: string, input: unknown, result: unknown, mode: Mode): Replay =>
  async (context) => ({
    [key]: await mocked(context, machine, input, { result, ...(mode === 'STRICT' ? {} : { fieldValidationMode: mode }) }),
  });

const PUT_EVENTS_INPUT = { Entries: [{ Detail: 'detail', DetailType: 'detail_type', Source: 'source' }] };

/** Each validation test of a mode: the template, its input, and each case's mocked result. */
const VALIDATION_TESTS: Record<string, { machine: string; input: unknown; results: Record<string, unknown> }> = {
  eventbridge_task: {
    machine: 'BASE_EVENTS_PUT_EVENTS',
    input: PUT_EVENTS_INPUT,
    results: {
      wrong_type_top_level_field: { Entries: 'Entries value should have been a list of entry objects' },
      wrong_type_nested_field: { Entries: [{ EventId: ['EventId value should have been a string not a list of strings'] }] },
      wrong_type_2nd_array_element: {
        Entries: [{ EventId: 'First eventId has correct type: string' }, { EventId: ['Second eventId has incorrect type: array'] }],
      },
    },
  },
  lambda_task: {
    machine: 'BASE_LAMBDA_SERVICE_TASK_STATE',
    input: { FunctionName: 'function_name', Payload: null },
    results: { wrong_integer_type_string: { StatusCode: '200' } },
  },
  dynamodb_task: {
    machine: 'BASE_DYNAMODB_SERVICE_TASK_STATE',
    input: { TableName: 'table_name', Item: { data: { S: 'HelloWorld' }, id: { S: 'id1' } } },
    results: { wrong_float_type_string: { ConsumedCapacity: { CapacityUnits: '123.45' } } },
  },
  aws_sdk_s3_task: {
    machine: 'BASE_AWS_API_S3_GET_OBJECT',
    input: { Bucket: 'bucket_name', Key: 'file_key' },
    results: { wrong_long_type_string: { ContentLength: '9000' }, non_existent_enum_value: { StorageClass: 'Papyrus' } },
  },
  aws_sdk_kms_task: {
    machine: 'BASE_AWS_API_KMS_ENCRYPT',
    input: { KeyId: 'key_id', Plaintext: 'plain_text' },
    results: { wrong_blob_type_number: { CiphertextBlob: 123 }, wrong_blob_length_less_than_minimum: { CiphertextBlob: '' } },
  },
  aws_sdk_lambda_get_function_task: {
    machine: 'BASE_AWS_API_LAMBDA_GET_FUNCTION',
    input: { FunctionName: 'function_name' },
    results: {
      integer_less_than_minimum_allowed: { Configuration: { MemorySize: 127 } },
      integer_more_than_maximum_allowed: { Configuration: { MemorySize: 10241 } },
    },
  },
};

const SFN_RESULTS: Record<string, unknown> = {
  missing_required_fields: {},
  field_name_not_in_sfn_case: { executionArn: 'stringValueExecutionArn', startDate: 'stringValueStartDate' },
  wrong_timestamp_type_bool: { ExecutionArn: 'stringValueExecutionArn', StartDate: true },
  wrong_timestamp_type_number: { ExecutionArn: 'stringValueExecutionArn', StartDate: 1764103483 },
};

/** The cases of `test_<mode>_mode_<test>[<id>]`, each answered under `key`. */
const modeCases = (mode: Mode, test: string, key: string, machine: string, input: unknown, results: Record<string, unknown>) =>
  Object.entries(results).map(
    ([id, result]) => [`test_${mode.toLowerCase()}_mode_${test}[${id}]`, validated(key, machine, input, result, mode)] as Case,
  );

const NOT_IN_API_SPEC = { field_not_part_of_api_spec: { random: 'json' }, empty_json: {} };
const pick = (from: Record<string, unknown>, ...ids: string[]) => Object.fromEntries(ids.map((id) => [id, from[id]]));

const FIELD_VALIDATION_CASES: Case[] = [
  ...(['STRICT', 'PRESENT'] as const).flatMap((mode) => [
    ...modeCases(
      mode,
      'mock_result_field_not_in_api_spec',
      'test_case_response',
      'BASE_EVENTS_PUT_EVENTS',
      PUT_EVENTS_INPUT,
      NOT_IN_API_SPEC,
    ),
    ...Object.entries(VALIDATION_TESTS).flatMap(([test, { machine, input, results }]) =>
      modeCases(mode, test, 'validation-exception', machine, input, results),
    ),
  ]),
  ...modeCases('STRICT', 'sfn_task', 'validation-exception', 'BASE_SFN_START_EXECUTION', START_INPUT, SFN_RESULTS),
  ...modeCases(
    'PRESENT',
    'sfn_task_validation_pass',
    'test_state_response',
    'BASE_SFN_START_EXECUTION',
    START_INPUT,
    pick(SFN_RESULTS, 'missing_required_fields', 'field_name_not_in_sfn_case'),
  ),
  ...modeCases('PRESENT', 'sfn_task_validation_fail', 'validation-exception', 'BASE_SFN_START_EXECUTION', START_INPUT, {
    wrong_timestamp_type_bool: { StartDate: true },
    wrong_string_type_number: { ExecutionArn: 1764103483 },
  }),
  ...modeCases(
    'NONE',
    'sfn_task',
    'test_state_response',
    'BASE_SFN_START_EXECUTION',
    START_INPUT,
    pick(SFN_RESULTS, 'missing_required_fields', 'wrong_timestamp_type_bool'),
  ),
];

export const TEST_STATE_MOCK_CASES: Record<string, Replay> = Object.fromEntries([
  ...MACHINE_SCENARIO_CASES,
  ...MOCK_SCENARIO_CASES,
  ...MOCK_VALIDATION_CASES,
  ...FIELD_VALIDATION_CASES,
]);
