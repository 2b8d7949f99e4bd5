import { afterEach, describe, expect, it } from 'vitest';
import {
  catchInto,
  caught,
  createMachine,
  createStates,
  errorCode,
  executionArn,
  finished,
  runCaughtTask,
  runTaskState,
  type TestStates,
} from './helpers.js';

let t: TestStates;
afterEach(async () => t?.close());

const CAUSE = /^(.+) \(Service: Sfn, Status Code: 400, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/;

/** A token as this runtime issues them, for a task that was never scheduled. */
const unknownToken = () => Buffer.from(JSON.stringify({ e: executionArn('nobody', 'none'), s: 3, a: 0 })).toString('base64url');

/** Machine `parent`: starts `child` with its task token (and `input`) and waits for the child to answer it. */
const askingParent = (child: string, input: Record<string, string> = {}) =>
  createMachine(t.states, 'parent', {
    StartAt: 'AskChild',
    States: {
      AskChild: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
        Parameters: { StateMachineArn: child, Input: { 'token.$': '$$.Task.Token', ...input } },
        End: true,
      },
    },
  });

describe('aws-sdk:sfn integrations', () => {
  it('lets a child answer its parent with sendTaskSuccess: the parent waiting on .waitForTaskToken succeeds with the output', async () => {
    t = await createStates();
    const child = await createMachine(t.states, 'child', {
      StartAt: 'Decide',
      States: {
        Decide: { Type: 'Pass', Parameters: { decision: 'approved', 'ticket.$': '$.ticket' }, ResultPath: '$.result', Next: 'Answer' },
        Answer: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
          Parameters: { 'TaskToken.$': '$.token', 'Output.$': 'States.JsonToString($.result)' },
          End: true,
        },
      },
    });
    const parent = await askingParent(child, { 'ticket.$': '$.ticket' });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn: parent, input: '{"ticket":"T-1"}' });
    const described = await finished(t.states, arn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output))).toEqual({ decision: 'approved', ticket: 'T-1' });

    const { executions } = await t.states.ListExecutions({ stateMachineArn: child });
    const childRun = await t.states.DescribeExecution({ executionArn: String(executions[0]?.executionArn) });
    expect(childRun.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(childRun.output))).toEqual({});
  });

  it('lets a child fail its parent with sendTaskFailure, naming the error and cause', async () => {
    t = await createStates();
    const child = await createMachine(t.states, 'child', {
      StartAt: 'Refuse',
      States: {
        Refuse: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskFailure',
          Parameters: { 'TaskToken.$': '$.token', Error: 'Rejected', Cause: 'not a refund case' },
          End: true,
        },
      },
    });
    const parent = await askingParent(child);
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn: parent });
    const described = await finished(t.states, arn);
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('Rejected');
    expect(described.cause).toBe('not a refund case');
  });

  it('fails with Sfn.TaskDoesNotExistException, and the service message as the cause, for a token of no task', async () => {
    t = await createStates();
    const { status, result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
      Parameters: { TaskToken: unknownToken(), Output: '{}' },
      ...catchInto('Sfn.TaskDoesNotExistException'),
    });
    expect(status).toBe('SUCCEEDED');
    const error = caught(result);
    expect(error.Error).toBe('Sfn.TaskDoesNotExistException');
    expect(CAUSE.exec(String(error.Cause))?.[1]).toBe("Task Does Not Exist: 'Provided task does not exist'");
  });

  it('fails with Sfn.InvalidTokenException for a token that is not one', async () => {
    t = await createStates();
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat',
      Parameters: { TaskToken: 'not-a-token' },
      ...catchInto('States.TaskFailed'),
    });
    expect(caught(result).Error).toBe('Sfn.InvalidTokenException');
  });

  it('fails with Sfn.InvalidTokenException for a made-up token whatever the output, which AWS reads after the token', async () => {
    t = await createStates();
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
      Parameters: { TaskToken: 'NoSuchTaskToken', Output: 'not json' },
      ...catchInto('States.TaskFailed'),
    });
    expect(caught(result).Error).toBe('Sfn.InvalidTokenException');
    expect(CAUSE.exec(String(caught(result).Cause))?.[1]).toBe("Invalid Token: 'Invalid token'");
  });

  it("sends a JSON object given for a string member (startExecution's Input) as its JSON text", async () => {
    t = await createStates();
    const target = await createMachine(t.states, 'target', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const machine = await createMachine(t.states, 'start-with-object', {
      StartAt: 'Start',
      States: {
        Start: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:startExecution',
          Parameters: { StateMachineArn: target, Name: 'object-input', Input: { key: 'value', list: [1] } },
          End: true,
        },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn: machine });
    expect((await finished(t.states, arn)).status).toBe('SUCCEEDED');
    const child = await t.states.DescribeExecution({ executionArn: executionArn('target', 'object-input') });
    expect(child.input).toBe('{"key":"value","list":[1]}');
  });

  it("adds the Java SDK's Exception suffix to the errors the API model declares", async () => {
    t = await createStates();
    const missing = await runCaughtTask(
      t.states,
      { Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution', ...catchInto('States.ALL') },
      {},
      'a',
    );
    expect(caught(missing.result).Error).toBe('Sfn.ValidationException');
    const output = await runCaughtTask(
      t.states,
      {
        Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
        Parameters: { TaskToken: unknownToken(), Output: 'not json' },
        ...catchInto('States.ALL'),
      },
      {},
      'b',
    );
    expect(caught(output.result).Error).toBe('Sfn.InvalidOutputException');
  });

  it('takes PascalCase parameters and answers PascalCase results with ISO-8601 timestamps', async () => {
    t = await createStates();
    const target = await createMachine(t.states, 'target', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const machine = await createMachine(t.states, 'start-and-describe', {
      StartAt: 'Start',
      States: {
        Start: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:startExecution',
          Parameters: { StateMachineArn: target, Name: 'second', Input: '{"n":2}' },
          ResultPath: '$.started',
          Next: 'Describe',
        },
        Describe: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
          Parameters: { 'ExecutionArn.$': '$.started.ExecutionArn' },
          ResultPath: '$.described',
          End: true,
        },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn: machine });
    const described = await finished(t.states, arn);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(String(described.output)) as { started: Record<string, unknown>; described: Record<string, unknown> };
    const iso = new Date(t.clock.now()).toISOString();
    expect(output.started).toEqual({ ExecutionArn: executionArn('target', 'second'), StartDate: iso });
    expect(output.described).toMatchObject({
      ExecutionArn: executionArn('target', 'second'),
      StateMachineArn: target,
      Name: 'second',
      Input: '{"n":2}',
      InputDetails: { Included: true },
      StartDate: iso,
      RedriveCount: 0,
    });
    expect(Object.keys(output.described).every((key) => /^[A-Z]/.test(key))).toBe(true);
  });

  it('rejects .sync on an aws-sdk resource as a definition error, as AWS does', async () => {
    t = await createStates();
    const definition = {
      StartAt: 'Run',
      States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:sfn:startExecution.sync', End: true } },
    };
    expect(await errorCode(createMachine(t.states, 'sync', definition))).toBe('InvalidDefinition');
    const validated = await t.states.ValidateStateMachineDefinition({ definition: JSON.stringify(definition) });
    expect(validated.result).toBe('FAIL');
    expect(validated.diagnostics[0]).toMatchObject({ code: 'SCHEMA_VALIDATION_FAILED', location: '/States/Run/Resource' });
    expect(validated.diagnostics[0]?.message).toContain('arn:aws:states:::aws-sdk:sfn:startExecution.sync is not recognized');
  });

  it('rejects an action the API does not have, or not in camelCase, and accepts real ones the runtime cannot run', async () => {
    t = await createStates();
    const machine = (resource: string) => ({ StartAt: 'Run', States: { Run: { Type: 'Task', Resource: resource, End: true } } });
    for (const resource of ['arn:aws:states:::aws-sdk:sfn:sendTaskSucess', 'arn:aws:states:::aws-sdk:sfn:SendTaskSuccess']) {
      const validated = await t.states.ValidateStateMachineDefinition({ definition: JSON.stringify(machine(resource)) });
      expect(validated.diagnostics[0]?.message).toBe(
        `The resource provided ${resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.`,
      );
    }
    for (const resource of [
      'arn:aws:states:::aws-sdk:sfn:createActivity',
      'arn:aws:states:::aws-sdk:sqs:addPermission.waitForTaskToken',
      'arn:aws:states:::aws-sdk:s3:getObject',
    ]) {
      const validated = await t.states.ValidateStateMachineDefinition({ definition: JSON.stringify(machine(resource)) });
      expect(validated, resource).toMatchObject({ result: 'OK' });
    }
  });

  it('fails with States.Runtime naming the resource for an operation the local Step Functions does not implement', async () => {
    t = await createStates();
    const { status, error, cause } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sfn:updateMapRun',
      Parameters: { MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:m/map:1', MaxConcurrency: 1 },
    });
    expect(status).toBe('FAILED');
    expect(error).toBe('States.Runtime');
    expect(cause).toContain("'arn:aws:states:::aws-sdk:sfn:updateMapRun' of the state 'Task'");
    expect(cause).toContain('does not implement UpdateMapRun');
  });
});
