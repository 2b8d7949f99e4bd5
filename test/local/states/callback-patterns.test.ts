import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/clock.js';
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
