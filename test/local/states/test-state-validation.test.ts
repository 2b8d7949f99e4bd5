import { InvalidDefinition, TestStateCommand, type TestStateCommandInput, ValidationException } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE } from './helpers.js';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * What TestState refuses. The rules are the API reference's (https://docs.aws.amazon.com/
 * step-functions/latest/apireference/API_TestState.html and the SDK's model: "A mock can only
 * be specified for Task, Map, or Parallel states", `context` "may only be specified if a mock
 * is specified") and the News Blog's ("The mock result must be an array with one element per
 * branch"). AWS documents no message texts: those asserted here are AWS's answers as
 * localstack recorded them against AWS (tests/aws/services/stepfunctions/v2/test_state/
 * test_state_mock_validation.snapshot.json and test_test_state_mock_scenarios.snapshot.json).
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const LAMBDA = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true };
const MAP = {
  Type: 'Map',
  ItemsPath: '$.Values',
  ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
  ToleratedFailureCount: 1,
  Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], Next: 'HandleThreshold' }],
  End: true,
};
const PARALLEL = {
  Type: 'Parallel',
  Branches: [
    { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
    { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
  ],
  End: true,
};

async function refusal(
  input: Omit<TestStateCommandInput, 'definition'> & { definition: object },
  kind: typeof ValidationException | typeof InvalidDefinition = ValidationException,
): Promise<string> {
  const error = await env.sfn.send(new TestStateCommand({ ...input, definition: JSON.stringify(input.definition) })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  return (error as Error).message;
}

describe('TestState validation', () => {
  it.each(['Pass', 'Succeed', 'Fail'])('fails if a %s state is given a mock', async (type) => {
    const definition = type === 'Pass' ? { Type: 'Pass', End: true } : { Type: type };
    expect(await refusal({ definition, mock: { result: '{"mock":"the unmockable"}' } })).toBe(
      `State type '${type}' is not supported when a mock is specified`,
    );
    expect(await refusal({ definition, mock: { errorOutput: { error: 'Error', cause: 'Cause' } } })).toBe(
      `State type '${type}' is not supported when a mock is specified`,
    );
  });

  it('fails if a mock has both a result and an errorOutput', async () => {
    expect(await refusal({ definition: LAMBDA, mock: { result: '{}', errorOutput: { error: 'E', cause: 'C' } } })).toBe(
      'A test mock should have only one of the following fields: [result, errorOutput].',
    );
  });

  it('fails if revealSecrets is asked for with a mock', async () => {
    expect(await refusal({ definition: LAMBDA, mock: { result: '{}' }, revealSecrets: true })).toBe(
      'TestState does not support RevealSecrets when a mock is specified.',
    );
  });

  it('fails if a mocked result is not JSON', async () => {
    expect(await refusal({ definition: LAMBDA, mock: { result: 'not json' } })).toBe('Mocked result must be valid JSON');
  });

  it('fails if a Map or Parallel state is tested without a mock', async () => {
    const message =
      'TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]';
    expect(await refusal({ definition: MAP, roleArn: ROLE }, InvalidDefinition)).toBe(message);
    expect(await refusal({ definition: PARALLEL, roleArn: ROLE }, InvalidDefinition)).toBe(message);
  });

  it('fails if a Parallel state has no branches, with the definition error located at the state AWS names StateName', async () => {
    expect(await refusal({ definition: { Type: 'Parallel', Branches: [], End: true }, mock: { result: '[]' } }, InvalidDefinition)).toBe(
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'",
    );
  });

  it('fails if stateName names no state of the machine', async () => {
    const machine = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
    expect(await refusal({ definition: machine, stateName: 'B' })).toBe('State not found in definition');
  });

  it('fails if a Map state s mocked result is not an array, or not an object when it has a ResultWriter', async () => {
    expect(await refusal({ definition: MAP, mock: { result: '{"mock":"object"}' } })).toBe('Mocked result must be an array.');
    const writer = { ...MAP, ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', Prefix: 'p' } } };
    expect(await refusal({ definition: writer, mock: { result: '["array"]' } })).toBe('Mocked result must be a JSON object.');
  });

  it('fails if a Parallel state s mocked result is not an array with one element per branch', async () => {
    expect(await refusal({ definition: PARALLEL, mock: { result: '{"mock":"object"}' } })).toBe('Mocked result must be an array.');
    expect(await refusal({ definition: PARALLEL, mock: { result: '[{"branch1":"result"}]' } })).toBe(
      'Mocked result must contain the same number of items as number of Parallel branches.',
    );
  });

  it('fails if a Task state is tested without a mock and without a role', async () => {
    expect(await refusal({ definition: LAMBDA })).toBe('RoleArn must be specified when testing a Task state');
  });

  it('fails if a context is given without a mock', async () => {
    // The rule is the API reference's; AWS's message for it is not documented, nor recorded.
    expect(await refusal({ definition: { Type: 'Pass', End: true }, context: '{}' })).toMatch(/context/);
  });

  it('fails if mapIterationFailureCount is given without a mock, or exceeds the mocked iterations', async () => {
    const input = '{"Values":[1,1,1]}';
    expect(await refusal({ definition: MAP, roleArn: ROLE, input, stateConfiguration: { mapIterationFailureCount: 0 } })).toBe(
      'TestState does not support MapIterationFailureCount when a mock is not specified.',
    );
    expect(
      await refusal({ definition: MAP, input, mock: { result: '[1,1,1]' }, stateConfiguration: { mapIterationFailureCount: 4 } }),
    ).toBe('Map iteration failure count must be less than or equal to the number of Map iterations');
  });
});

describe('TestState stateConfiguration.mapIterationFailureCount', () => {
  it('fails the Map state with States.ExceedToleratedFailureThreshold past its ToleratedFailureCount, which its Catch takes', async () => {
    const send = (failures: number) =>
      env.sfn.send(
        new TestStateCommand({
          definition: JSON.stringify(MAP),
          input: '{"Values":["first","second","third"]}',
          mock: { result: '[1,1,1]' },
          stateConfiguration: { mapIterationFailureCount: failures },
          inspectionLevel: 'DEBUG',
        }),
      );
    const below = await send(1);
    expect(below).toMatchObject({
      status: 'SUCCEEDED',
      output: '[1,1,1]',
      inspectionData: { maxConcurrency: 0, toleratedFailureCount: 1 },
    });
    const exceeds = await send(2);
    expect(exceeds).toMatchObject({
      status: 'CAUGHT_ERROR',
      nextState: 'HandleThreshold',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
      inspectionData: { errorDetails: { catchIndex: 0 }, maxConcurrency: 0, toleratedFailureCount: 1 },
    });
  });
});
