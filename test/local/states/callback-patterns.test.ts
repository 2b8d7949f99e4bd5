import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import {
  ACCOUNT,
  callbackState,
  createMachine,
  createStates,
  executionArn,
  finished,
  REGION,
  type TestStates,
  tokenSentTo,
} from './helpers.js';

/**
 * Callback and `.sync` tasks as AWS's recorded answers show them (LocalStack's
 * callback/test_callback.py, test/conformance/aws-recorded/stepfunctions/test_callback.snapshot.json).
 */
let t: TestStates;
afterEach(async () => t?.close());

async function events(arn: string) {
  return (await t.states.GetExecutionHistory({ executionArn: arn, maxResults: 1000 })).events as Record<string, unknown>[];
}

const caughtAll = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }] };

describe('StatesService callback tasks', () => {
  it('records a SendTaskFailure without an error as a TaskFailed without one, and a Catch gets Error and Cause as null', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Ask',
      States: { Ask: { ...callbackState('Caught'), ...caughtAll }, Caught: { Type: 'Pass', End: true } },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb', input: '{"q":1}' });
    await t.states.SendTaskFailure({ taskToken: await tokenSentTo(t.sqs) });
    const described = await finished(t.states, arn);
    expect(JSON.parse(described.output ?? 'null')).toEqual({ q: 1, error: { Error: null, Cause: null } });
    const failed = (await events(arn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toEqual({ resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' });
  });

  it('fails the execution with no error when nothing catches a SendTaskFailure without one', async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    await t.states.SendTaskFailure({ taskToken: await tokenSentTo(t.sqs) });
    const described = await finished(t.states, arn);
    expect(described.status).toBe('FAILED');
    expect(described.error).toBeUndefined();
    expect((await events(arn)).at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: {} });
  });

  it("records a Task failing in a Parallel branch as aborted, off the thread the Parallel's failure follows", async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', {
      StartAt: 'Both',
      States: {
        Both: { Type: 'Parallel', Branches: [{ StartAt: 'Ask', States: { Ask: callbackState() } }], ...caughtAll, End: true },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 'cb' });
    await t.states.SendTaskFailure({ taskToken: await tokenSentTo(t.sqs), error: 'Rejected' });
    await finished(t.states, arn);
    const history = await events(arn);
    const failed = history.find((e) => e.type === 'TaskFailed');
    expect(history.slice(history.indexOf(failed as Record<string, unknown>)).map((e) => [e.type, e.previousEventId])).toEqual([
      ['TaskFailed', 7],
      ['TaskStateAborted', 8],
      ['ParallelStateFailed', 8],
      ['ParallelStateExited', 10],
      ['PassStateEntered', 11],
      ['PassStateExited', 12],
      ['ExecutionSucceeded', 13],
    ]);
  });
});

describe('StatesService .sync tasks', () => {
  it('ends a .sync task with SendTaskSuccess on its $$.Task.Token while the child runs on', async () => {
    t = await createStates();
    const childArn = await createMachine(t.states, 'child', { StartAt: 'Ask', States: { Ask: callbackState() } });
    const stateMachineArn = await createMachine(t.states, 'parent', {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync',
          Parameters: { StateMachineArn: childArn, Name: 'kid', Input: { 'parentToken.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    const { executionArn: parent } = await t.states.StartExecution({ stateMachineArn, name: 'p' });
    await tokenSentTo(t.sqs);
    const { parentToken } = (t.sqs.lastBody().input ?? {}) as { parentToken?: string };
    await t.states.SendTaskSuccess({ taskToken: String(parentToken), output: '"early"' });
    expect(await finished(t.states, parent)).toMatchObject({ status: 'SUCCEEDED', output: '"early"' });
    expect((await t.states.DescribeExecution({ executionArn: executionArn('child', 'kid') })).status).toBe('RUNNING');
  });
});

describe('StatesService integration metadata', () => {
  it("answers sqs:sendMessage's metadata as SQS's JSON 1.0 over a kept-alive connection", async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'send', {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/tickets`, MessageBody: 'hi' },
          End: true,
        },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, name: 's' });
    const { output } = await finished(t.states, arn);
    expect(JSON.parse(output ?? 'null').SdkHttpMetadata.HttpHeaders).toMatchObject({
      'Content-Type': 'application/x-amz-json-1.0',
      connection: 'keep-alive',
    });
  });

  it("answers startExecution's metadata with the length of Step Functions' answer, its date as Java writes a double", async () => {
    t = await createStates({ clock: new ManualClock(1_688_136_138_819) });
    const childArn = await createMachine(t.states, 'child', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    const stateMachineArn = await createMachine(t.states, 'parent', {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: { StateMachineArn: childArn, Name: 'kid' },
          End: true,
        },
      },
    });
    const { executionArn: parent } = await t.states.StartExecution({ stateMachineArn, name: 'p' });
    const { output } = await finished(t.states, parent);
    const body = `{"executionArn":"${executionArn('child', 'kid')}","startDate":1.688136138819E9}`;
    expect(JSON.parse(output ?? 'null').SdkHttpMetadata.HttpHeaders).toMatchObject({
      'Content-Length': String(body.length),
      connection: 'keep-alive',
    });
  });
});
