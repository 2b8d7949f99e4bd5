import type { InspectionLevel } from '@aws-sdk/client-sfn';
import { region } from '../helpers.js';
import { pythonJson } from './recorded-cases-parallel-map.js';
import {
  ACCOUNT,
  byLevel,
  type Case,
  LEVELS,
  pythonNow,
  type Request,
  testState,
  testStateRaises,
  testStateTemplate,
} from './recorded-cases-test-state-mocks.js';
import { template } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded TestState tests of `context` (test_state_context_object.py) and
 * `stateConfiguration` (test_state_configuration.py), replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_state/ makes them (see recorded-cases-test-state-mocks.ts).
 */

// test_state_context_object.py

const CONTEXT_OBJECT_FULL = {
  Execution: {
    Id: 'arn:aws:states:::execution:MyStateMachine:execution-name-12345',
    Input: { 'input-value': 0, message: 'test data', values: ['charizard', 'pikachu', 'bulbasaur'] },
    Name: 'execution-name-12345',
    RoleArn: 'arn:aws:iam:::role/StepFunctionsRole',
    StartTime: '2025-01-15T10:30:00.000Z',
  },
  State: { EnteredTime: '2025-01-15T10:30:01.500Z', Name: 'MyTaskState', RetryCount: 0 },
  StateMachine: { Id: 'arn:aws:states:::stateMachine:MyStateMachine', Name: 'MyStateMachine' },
};
const TASK_CONTEXT_OBJECT_FULL = { ...CONTEXT_OBJECT_FULL, Task: { Token: 'abcd123' } };

const CONTEXT_OBJECT_BINDINGS: Record<string, string> = {
  ALL: '$$',
  EXECUTION_INPUT: '$$.Execution.Input',
  EXECUTION_INPUT_VALUES: '$$.Execution.Input.values',
};

/** The `TestState` state of a context object template, its placeholder replaced in its JSON text as the tests do. */
const contextObjectState = (machine: string, literal: string): string =>
  pythonJson(template(`context_object/statemachines/${machine}.json`).States.TestState).replace(
    '%CONTEXT_OBJECT_LITERAL_PLACEHOLDER%',
    // A function, as a replacement string would read `$$` as one `$`.
    () => literal,
  );

const LAMBDA_INPUT = { FunctionName: 'lambda_function_name', Payload: { 'input-value': 0 } };
const POKEMON = ['charizard', 'pikachu', 'bulbasaur'];

const contextCase =
  (machine: string, literal: string, input: unknown, result: unknown, contextObject: unknown): Replay =>
  async (context) => ({
    test_case_response: await testState(context, {
      definition: contextObjectState(machine, literal),
      input,
      inspectionLevel: 'TRACE',
      context: contextObject,
      mock: { result },
    }),
  });

const contextFailure =
  (definition: unknown, input: unknown, result: unknown, contextObject: unknown): Replay =>
  async (context) => ({
    exception: await testStateRaises(context, { definition, input, inspectionLevel: 'TRACE', context: contextObject, mock: { result } }),
  });

const CONTEXT_OBJECT_CASES: Case[] = [
  ...Object.entries(CONTEXT_OBJECT_BINDINGS).flatMap(([id, literal]) => [
    [
      `test_state_task_context_object[${id}]`,
      contextCase('context_object_result_selector', literal, LAMBDA_INPUT, { pokemon: POKEMON }, CONTEXT_OBJECT_FULL),
    ] as Case,
    [
      `test_state_map_context_object[${id}]`,
      contextCase(
        'context_object_items_path',
        literal,
        ['fire', 'electricity', 'grass'],
        POKEMON.map((name) => name.toUpperCase()),
        CONTEXT_OBJECT_FULL,
      ),
    ] as Case,
  ]),
  [
    'test_state_wait_task_context_object',
    async (context) => {
      const definition = testStateTemplate('IO_SQS_SERVICE_TASK_WAIT');
      (definition.Parameters as Record<string, unknown>).QueueUrl = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/test-queue`;
      return {
        test_case_response: await testState(context, {
          definition,
          inspectionLevel: 'TRACE',
          context: TASK_CONTEXT_OBJECT_FULL,
          mock: { result: { pokemon: POKEMON } },
        }),
      };
    },
  ],
  [
    'test_state_context_object_invalid_states[TOKEN_TASK_NOT_SYNC]',
    contextFailure(
      contextObjectState('context_object_result_selector', '$$'),
      ['fire', 'electricity', 'grass'],
      { pokemon: ['CHARIZARD', 'PIKACHU', 'BULBASAUR'] },
      TASK_CONTEXT_OBJECT_FULL,
    ),
  ],
  [
    'test_state_context_object_invalid_states[INVALID_STATE_PASS]',
    contextFailure(
      contextObjectState('context_object_input_path', '$$'),
      ['fire', 'electricity', 'grass'],
      { pokemon: ['CHARIZARD', 'PIKACHU', 'BULBASAUR'] },
      CONTEXT_OBJECT_FULL,
    ),
  ],
  ...Object.entries({
    INVALID_EXECUTION_ID_TYPE: { Execution: { Id: 1 } },
    INVALID_MAP: { Map: {} },
    INVALID_EXECUTION_FIELD: { Execution: { pokemon: 'squirtle' } },
    INVALID_FIELD: { Pokedex: {} },
  }).map(
    ([id, contextObject]) =>
      [
        `test_state_context_object_validation_failures[${id}]`,
        contextFailure(
          testStateTemplate('BASE_SFN_START_EXECUTION'),
          { stateMachineArn: 'arn', targetInput: null, name: 'exec_name' },
          { ExecutionArn: 'exec_arn', StartDate: pythonNow() },
          contextObject,
        ),
      ] as Case,
  ),
  ...Object.entries({ EMPTY_OBJECTS: { Execution: {}, State: {}, StateMachine: {} }, EMPTY: {} }).map(
    ([id, contextObject]) =>
      [
        `test_state_context_object_edge_cases[${id}]`,
        contextCase('context_object_result_selector', '$$', LAMBDA_INPUT, { pokemon: 'pikachu' }, contextObject),
      ] as Case,
  ),
];

// test_state_configuration.py

const DEFAULT_INPUT = { Values: ['first', 'second', 'third'] };
const MOCK_ERROR = { error: 'MockException', cause: 'Mock the error cause.' };

/** A request the test makes with its IAM role (create_state_machine_iam_role). */
const withRole = (context: ReplayContext, request: Request) => testState(context, { roleArn: context.roleArn, ...request });

const failureCountCase =
  (machine: string, inspectionLevel: InspectionLevel): Replay =>
  async (context) => {
    const request = { definition: testStateTemplate(machine), input: DEFAULT_INPUT, inspectionLevel };
    return {
      below_tolerated_failure: await withRole(context, {
        ...request,
        stateConfiguration: { mapIterationFailureCount: 0 },
        mock: { result: [1, 1, 1] },
      }),
      exceeds_tolerated_failure: await withRole(context, {
        ...request,
        stateConfiguration: { mapIterationFailureCount: 2 },
        mock: { result: [0, 0, 1] },
      }),
    };
  };

const ITEM_READER_MACHINE = 'MAP_ITEM_READER_STATE_MACHINE';
const BUCKET_INPUT = { Bucket: 'test-bucket', Key: 'test-key' };

const itemReaderErrorCase =
  (inspectionLevel: InspectionLevel): Replay =>
  async (context) => {
    const request = (mapIterationFailureCount: number): Request => ({
      definition: testStateTemplate(ITEM_READER_MACHINE),
      stateName: 'State0',
      input: BUCKET_INPUT,
      stateConfiguration: { mapIterationFailureCount, errorCausedByState: 'HandleItem', mapItemReaderData: pythonJson([1, 2, 3]) },
      inspectionLevel,
      mock: { errorOutput: MOCK_ERROR },
    });
    return {
      below_tolerated_failure: await withRole(context, request(0)),
      exceeds_tolerated_failure: await withRole(context, request(2)),
    };
  };

const CONFIGURATION_CASES: Case[] = [
  ...LEVELS.flatMap((level) =>
    ['BASE_MAP_STATE', 'BASE_MAP_STATE_CATCH', 'BASE_MAP_STATE_RETRY', 'MAP_TASK_STATE'].map(
      (machine) => [`test_map_state_failure_count[${level}-${machine}]`, failureCountCase(machine, level)] as Case,
    ),
  ),
  ...byLevel('test_map_state_error_caused_by_state', (inspectionLevel) => async (context) => ({
    test_case_response: await withRole(context, {
      definition: testStateTemplate('BASE_MAP_STATE'),
      input: { Values: [1, 1, 1] },
      stateConfiguration: { errorCausedByState: 'TestState' },
      inspectionLevel,
      mock: { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } },
    }),
  })),
  ...(['DEBUG', 'TRACE'] as const).map(
    (inspectionLevel) =>
      [
        `test_state_configuration_retrier_retry_count[${inspectionLevel}]`,
        async (context: ReplayContext) => {
          const request = (retrierRetryCount: number): Request => ({
            definition: testStateTemplate('BASE_TASK_STATE_RETRY'),
            input: DEFAULT_INPUT,
            stateConfiguration: { retrierRetryCount },
            inspectionLevel,
            mock: { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } },
          });
          return {
            below_tolerated_retry_count_with_backoff: await withRole(context, request(4)),
            exceeds_tolerated_retry_count: await withRole(context, request(5)),
          };
        },
      ] as Case,
  ),
  ...byLevel('test_state_machine_configuration_map_iteration_item_reader', (inspectionLevel) => async (context) => ({
    test_case_response: await withRole(context, {
      definition: testStateTemplate(ITEM_READER_MACHINE),
      stateName: 'State0',
      input: BUCKET_INPUT,
      stateConfiguration: { mapItemReaderData: pythonJson([1, 2, 3]) },
      inspectionLevel,
      mock: { result: [1, 4, 9] },
    }),
  })),
  ...byLevel('test_state_machine_configuration_item_reader_with_error', itemReaderErrorCase),
];

export const TEST_STATE_CONTEXT_CASES: Record<string, Replay> = Object.fromEntries([...CONTEXT_OBJECT_CASES, ...CONFIGURATION_CASES]);
