import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { SNS_DIFFERENCES } from '../../../local/sns/definitions.js';
import { writeAssembly } from '../assembly.js';
import { eventually, executionEnded } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { assetFunction, queueSubscription, stateMachine } from '../template-resources.js';
import { ROLE } from './helpers.js';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:notify';

/**
 * A cloud assembly with a topic fanned out to a queue, a function whose asynchronous
 * failures go to another queue, and state machines that publish and invoke with Event.
 */
function assembly(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sns-tasks-'));
  mkdirSync(path.join(dir, 'asset.notify'));
  writeFileSync(
    path.join(dir, 'asset.notify', 'index.mjs'),
    `export const handler = async (event) => { const e = new Error('cannot notify ' + event.order); e.name = 'NotifyError'; throw e; };\n`,
  );
  const machine = (name: string, definition: object) => stateMachine(definition, { StateMachineName: name, RoleArn: ROLE });
  const task = (Resource: string, Parameters: object, extra: object = {}) => ({ Type: 'Task', Resource, Parameters, End: true, ...extra });
  writeAssembly(dir, {
    Flow: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
          Failures: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'failures' } },
          Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
          InboxSubscription: queueSubscription('Alerts', 'Inbox'),
          Notify: assetFunction('notify', 'asset.notify'),
          NotifyAsync: {
            Type: 'AWS::Lambda::EventInvokeConfig',
            Properties: {
              FunctionName: { Ref: 'Notify' },
              Qualifier: '$LATEST',
              MaximumRetryAttempts: 0,
              DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
            },
          },
          Publish: machine('publish', {
            StartAt: 'P',
            States: { P: task('arn:aws:states:::sns:publish', { TopicArn: TOPIC, 'Message.$': '$' }) },
          }),
          Approve: machine('approve', {
            StartAt: 'Ask',
            States: {
              Ask: task('arn:aws:states:::sns:publish.waitForTaskToken', { TopicArn: TOPIC, Message: { 'token.$': '$$.Task.Token' } }),
            },
          }),
          Missing: machine('missing', {
            StartAt: 'P',
            States: {
              P: task(
                'arn:aws:states:::sns:publish',
                { TopicArn: 'arn:aws:sns:us-east-1:000000000000:gone', Message: 'hello' },
                { End: undefined, Next: 'Done', Catch: [{ ErrorEquals: ['SNS.NotFoundException'], Next: 'Done' }] },
              ),
              Done: { Type: 'Succeed' },
            },
          }),
          Fire: machine('fire', {
            StartAt: 'F',
            States: { F: task('arn:aws:states:::lambda:invoke', { FunctionName: FUNCTION, InvocationType: 'Event', 'Payload.$': '$' }) },
          }),
        },
      },
    },
  });
  return dir;
}

const local = restartableRuntime({ assembly, ownsAssembly: true, clients: ({ url }) => ({ sfn: new SFNClient(sdkConfig(url)) }) });

const machineArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

async function run(machine: string, input: unknown) {
  const { executionArn } = await local.sfn.send(
    new StartExecutionCommand({ stateMachineArn: machineArn(machine), input: JSON.stringify(input) }),
  );
  return ended(String(executionArn));
}

const ended = (executionArn: string) => executionEnded(local.sfn, executionArn);

/** The SNS notifications the inbox queue receives next, until there are `count`. */
async function notifications(count: number): Promise<{ Message: string; TopicArn: string }[]> {
  const received: { Message: string; TopicArn: string }[] = [];
  await eventually(async () => {
    const { Messages } = await local.runtime.sqs.ReceiveMessage({ QueueUrl: local.runtime.sqs.queueUrl('inbox'), MaxNumberOfMessages: 10 });
    for (const m of Messages ?? []) received.push(JSON.parse(String(m.Body)) as { Message: string; TopicArn: string });
    return received.length >= count ? true : undefined;
  });
  return received;
}

describe('sns:publish and Event invocations in the local runtime', () => {
  it('run with SNS hosted: nothing reported unsupported at start-up, only what every topic does otherwise', () => {
    expect(local.runtime.warnings).toEqual([SNS_DIFFERENCES]);
  });

  it('publishes to the template topic; its queue subscription gets the message, a JSON Message as its text', async () => {
    const described = await run('publish', { order: 'o-1' });
    expect(described.status, described.cause).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output))).toMatchObject({ MessageId: expect.any(String), SdkHttpMetadata: { HttpStatusCode: 200 } });
    const [notification] = await notifications(1);
    expect(notification).toMatchObject({ TopicArn: TOPIC, Message: '{"order":"o-1"}' });
  });

  it('waits for the token published with .waitForTaskToken until SendTaskSuccess', async () => {
    const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn('approve'), input: '{}' }));
    const [notification] = await notifications(1);
    const { token } = JSON.parse(String(notification?.Message)) as { token: string };
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await local.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const described = await ended(String(executionArn));
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
  });

  it('catches SNS.NotFoundException for a topic that does not exist', async () => {
    const described = await run('missing', {});
    expect(described.status).toBe('SUCCEEDED');
    const { events } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn: described.executionArn }));
    const failed = events?.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails;
    expect(failed?.error).toBe('SNS.NotFoundException');
    expect(failed?.cause).toMatch(/^Topic does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: /);
  });

  it('hands lambda:invoke Event to Lambda’s asynchronous queue, whose OnFailure destination gets the failed event', async () => {
    const described = await run('fire', { order: 'o-9' });
    expect(described.status, described.cause).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output))).toMatchObject({ StatusCode: 202 });
    const record = await eventually(async () => {
      const { Messages } = await local.runtime.sqs.ReceiveMessage({ QueueUrl: local.runtime.sqs.queueUrl('failures') });
      return Messages?.[0] ? (JSON.parse(String(Messages[0].Body)) as Record<string, unknown>) : undefined;
    }, 30_000);
    expect(record).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', functionArn: `${FUNCTION}:$LATEST` },
      requestPayload: { order: 'o-9' },
      responsePayload: { errorType: 'NotifyError' },
    });
  });
});
