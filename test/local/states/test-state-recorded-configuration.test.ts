import { type InspectionLevel, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from './helpers.js';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * TestState's stateConfiguration with Map states (errorCausedByState, mapIterationFailureCount,
 * mapItemReaderData), as AWS answered it: each case and answer is one localstack recorded
 * against AWS (tests/aws/services/stepfunctions/v2/test_state/test_state_configuration.py and
 * its .snapshot.json, with their templates base_map_state, base_map_state_machine and
 * map_item_reader_state_machine). A mock stands for the whole Map state's result or error, so
 * these settings change nothing in these answers.
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

const MAP_ITEM_READER_STATE_MACHINE = {
  Comment: 'MAP_ITEM_READER_STATE_MACHINE',
  QueryLanguage: 'JSONata',
  StartAt: 'State0',
  States: {
    State0: {
      Type: 'Map',
      MaxConcurrency: 1,
      ItemReader: {
        ReaderConfig: { InputType: 'JSON' },
        Resource: 'arn:aws:states:::s3:getObject',
        Arguments: { Bucket: '{% $states.input.Bucket %}', Key: '{% $states.input.Key %}' },
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'HandleItem',
        States: { HandleItem: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  },
};

const MOCK_ERROR = { errorOutput: { error: 'MockException', cause: 'Mock the error cause.' } };
const VALUES = { Values: ['first', 'second', 'third'] };
const BUCKET = { Bucket: 'test-bucket', Key: 'test-key' };
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
  it.each(LEVELS)('fails a Map state with its mocked error whatever state caused it (%s)', async (level) => {
    const got = await answer({
      definition: BASE_MAP_STATE,
      input: { Values: [1, 1, 1] },
      stateConfiguration: { errorCausedByState: 'TestState' },
      inspectionLevel: level,
      mock: { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } },
    });
    expect(got).toEqual({
      status: 'FAILED',
      error: 'MockException',
      cause: 'Mock the cause of the error.',
      ...inspected(level, { input: { Values: [1, 1, 1] }, maxConcurrency: 0 }),
    });
  });

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

  it.each(LEVELS)('answers a Map state with an ItemReader its mocked result, the reader data given (%s)', async (level) => {
    const got = await answer({
      stateName: 'State0',
      definition: MAP_ITEM_READER_STATE_MACHINE,
      input: BUCKET,
      stateConfiguration: { mapItemReaderData: JSON.stringify([1, 2, 3]) },
      inspectionLevel: level,
      mock: { result: JSON.stringify([1, 4, 9]) },
    });
    expect({ ...got, output: JSON.parse(got.output ?? 'null') }).toEqual({
      status: 'SUCCEEDED',
      output: [1, 4, 9],
      ...inspected(level, { input: BUCKET, maxConcurrency: 1 }),
    });
  });

  it.each(LEVELS.flatMap((level) => [0, 2].map((count) => [level, count] as const)))(
    'fails a Map state with an ItemReader with its mocked error, %s, with %i failed iterations',
    async (level, count) => {
      const got = await answer({
        stateName: 'State0',
        definition: MAP_ITEM_READER_STATE_MACHINE,
        input: BUCKET,
        stateConfiguration: {
          mapIterationFailureCount: count,
          errorCausedByState: 'HandleItem',
          mapItemReaderData: JSON.stringify([1, 2, 3]),
        },
        inspectionLevel: level,
        mock: MOCK_ERROR,
      });
      expect(got).toEqual({ ...FAILED, ...inspected(level, { input: BUCKET, maxConcurrency: 1 }) });
    },
  );
});
