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

  it('fails if the context is not a Context object AWS takes for the state, in AWS s words (recorded)', async () => {
    const start = {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { 'StateMachineArn.$': '$.arn' },
      End: true,
    };
    const mock = { result: '{"ExecutionArn":"a","StartDate":"2025-01-01T00:00:00Z"}' };
    const refused = (context: object, definition: object = start) => refusal({ definition, mock, context: JSON.stringify(context) });
    expect(await refused({ Execution: { Id: 1 } })).toBe('Invalid Context object provided: Execution.Id must be a string');
    expect(await refused({ Map: {} })).toBe("Invalid Context object provided: 'Map' field is not supported when mocking a Context object");
    expect(await refused({ Execution: { pokemon: 'squirtle' } })).toBe("Invalid Context object provided: Field 'pokemon' is not allowed");
    expect(await refused({ Pokedex: {} })).toBe("Invalid Context object provided: Field 'Pokedex' is not allowed");
    expect(await refused({ Task: { Token: 't' } })).toBe(
      "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
    );
    const callback = { ...start, Resource: 'arn:aws:states:::states:startExecution.sync:2' };
    await expect(
      env.sfn.send(
        new TestStateCommand({ definition: JSON.stringify(callback), input: '{"arn":"a"}', mock, context: '{"Task":{"Token":"t"}}' }),
      ),
    ).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
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

describe('TestState context', () => {
  it('is the whole Context object the state sees: $$ is what was given, nothing more', async () => {
    const pass = {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f' },
      ResultSelector: { 'c.$': '$$' },
      End: true,
    };
    const send = (context: object) =>
      env.sfn.send(new TestStateCommand({ definition: JSON.stringify(pass), mock: { result: '{}' }, context: JSON.stringify(context) }));
    expect(JSON.parse(String((await send({})).output))).toEqual({ c: {} });
    const given = { Execution: { Name: 'e' }, State: {}, StateMachine: {} };
    expect(JSON.parse(String((await send(given)).output))).toEqual({ c: given });
  });
});

describe('TestState of a mocked Map state', () => {
  const map = (itemsPath: string) => ({ ...MAP, ItemsPath: itemsPath, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }] });
  const send = (itemsPath: string, context?: object) =>
    env.sfn.send(
      new TestStateCommand({
        definition: JSON.stringify(map(itemsPath)),
        input: '{"Values":[1,2]}',
        mock: { result: '[3,4]' },
        inspectionLevel: 'DEBUG',
        ...(context ? { context: JSON.stringify(context) } : {}),
      }),
    );

  it('selects its items with its ItemsPath, from the context too, and shows them as afterItemsPath', async () => {
    expect((await send('$.Values')).inspectionData?.afterItemsPath).toBe('[1,2]');
    expect((await send('$$.Execution.Input.v', { Execution: { Input: { v: [5] } } })).inspectionData?.afterItemsPath).toBe('[5]');
  });

  it('fails with States.Runtime, which its Catch does not take, if its ItemsPath selects no array', async () => {
    const { $metadata: _, ...answer } = await send('$$.Execution.Input', { Execution: { Input: { v: [5] } } });
    expect(answer).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'Reference path "$.Execution.Input" must point to array.',
      inspectionData: { input: '{"Values":[1,2]}', afterInputPath: '{"Values":[1,2]}' },
    });
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
