import { type InspectionLevel, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from './helpers.js';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * TestState's stateConfiguration with Map states (errorCausedByState with mapIterationFailureCount),
 * as answered in the two tests of localstack's recording
 * (tests/aws/services/stepfunctions/v2/test_state/test_state_configuration.py and its .snapshot.json:
 * test_state_configuration_map_iteration_failure_count_with_state_error, test_state_machine_with_state_error,
 * with their templates base_map_state and base_map_state_machine) that its .validation.json does
 * not list as validated on AWS, so the recorded replay (recorded-answers.test.ts) does not hold them; it replays the
 * file's others. A mock stands for the whole Map state's result or error, so these settings change
 * nothing in these answers.
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const BASE_MAP_STATE = {
  Comment: 'BASE_MAP_STATE',
  Type: 'Map',
  QueryLanguage: 'JSONata',
  Items: '{% $states.input.Values %}',
  ItemProcessor: {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: 'TestState',
    States: {
      TestState: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'foo', Payload: 'bar' },
        End: true,
      },
    },
  },
  Output: '{% $states %}',
  End: true,
};

const BASE_MAP_STATE_MACHINE = {
  Comment: 'BASE_MAP_STATE_MACHINE',
  StartAt: 'State0',
  States: {
    State0: {
      Type: 'Map',
      ItemsPath: '$.Values',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'HandleItem',
        States: { HandleItem: { Type: 'Pass', End: true } },
      },
      ToleratedFailureCount: 2,
      End: true,
    },
  },
};

const MOCK_ERROR = { errorOutput: { error: 'MockException', cause: 'Mock the error cause.' } };
const VALUES = { Values: ['first', 'second', 'third'] };
const FAILED = { status: 'FAILED', error: 'MockException', cause: 'Mock the error cause.' };

/**
 * The answer, its inspection data's JSON text read as JSON: the recording shows it so (its
 * snapshot parses them), and AWS's spacing of that text is not what is compared.
 */
async function answer(input: Omit<TestStateCommandInput, 'definition' | 'input'> & { definition: object; input: object }) {
  const {
    $metadata: _,
    inspectionData,
    ...rest
  } = await env.sfn.send(
    new TestStateCommand({ ...input, roleArn: ROLE, definition: JSON.stringify(input.definition), input: JSON.stringify(input.input) }),
  );
  if (inspectionData === undefined) return rest;
  const parsed = Object.fromEntries(
    Object.entries(inspectionData).map(([key, value]) => [key, typeof value === 'string' ? (JSON.parse(value) as unknown) : value]),
  );
  return { ...rest, inspectionData: parsed };
}

const LEVELS: InspectionLevel[] = ['INFO', 'DEBUG', 'TRACE'];
const inspected = (level: InspectionLevel, data: object) => (level === 'INFO' ? {} : { inspectionData: data });

describe('TestState stateConfiguration with Map states, as recorded against AWS', () => {
  it.each(LEVELS.flatMap((level) => [0, 2].map((count) => [level, count] as const)))(
    'fails a Map state with its mocked error, %s, with %i failed iterations',
    async (level, count) => {
      const got = await answer({
        definition: BASE_MAP_STATE,
        input: VALUES,
        stateConfiguration: { mapIterationFailureCount: count, errorCausedByState: 'TestState' },
        inspectionLevel: level,
        mock: MOCK_ERROR,
      });
      expect(got).toEqual({ ...FAILED, ...inspected(level, { input: VALUES, maxConcurrency: 0 }) });
    },
  );

  it.each(LEVELS.flatMap((level) => [0, 2].map((count) => [level, count] as const)))(
    'fails a Map state named in a whole state machine with its mocked error, %s, with %i failed iterations',
    async (level, count) => {
      const got = await answer({
        stateName: 'State0',
        definition: BASE_MAP_STATE_MACHINE,
        input: VALUES,
        stateConfiguration: { mapIterationFailureCount: count, errorCausedByState: 'HandleItem' },
        inspectionLevel: level,
        mock: MOCK_ERROR,
      });
      const data = {
        afterInputPath: VALUES,
        afterItemsPath: ['first', 'second', 'third'],
        input: VALUES,
        maxConcurrency: 0,
        toleratedFailureCount: 2,
      };
      expect(got).toEqual({ ...FAILED, ...inspected(level, data) });
    },
  );
});
