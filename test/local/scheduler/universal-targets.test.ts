import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Duration } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { synthStack } from '../cdk-stack.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlinePolicy, serviceRole } from '../template-resources.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';
const QUEUE_URL = 'http://127.0.0.1/000000000000/';

/** An hourly schedule of a universal target: Input is the action's request. */
const universal = (name: string, action: string, input: unknown, more: Record<string, unknown> = {}) => ({
  Type: 'AWS::Scheduler::Schedule',
  Properties: {
    Name: name,
    ScheduleExpression: 'rate(1 hour)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: `arn:aws:scheduler:::aws-sdk:${action}`, RoleArn: ROLE, Input: JSON.stringify(input), ...more },
  },
});

/**
 * Universal targets: SQS SendMessage to a queue (runs), to a queue that does not exist (SQS's
 * error, dead-lettered), SSM StartAssociationsOnce (not hosted here) and SQS ReceiveMessage (a
 * read-only action Scheduler refuses).
 */
function assembly(): string {
  return assemblyOf(
    {
      Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
      Send: universal('send', 'sqs:sendMessage', { QueueUrl: `${QUEUE_URL}inbox`, MessageBody: 'tick' }),
      SendNowhere: universal(
        'send-nowhere',
        'sqs:sendMessage',
        { QueueUrl: `${QUEUE_URL}nowhere`, MessageBody: 'lost' },
        {
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ),
      Associate: universal('associate', 'ssm:startAssociationsOnce', { AssociationIds: ['a-1'] }),
      Receive: universal('receive', 'sqs:receiveMessage', { QueueUrl: `${QUEUE_URL}inbox` }),
    },
    'UniversalSchedules',
  );
}

describe('Scheduler universal targets (local runtime)', () => {
  const clock = new ManualClock(T0);
  const app = restartableRuntime({
    assembly,
    ownsAssembly: true,
    options: { clock },
    clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
  });
  const receive = async (queue: string) => {
    const out = await app.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: `${app.runtime.url}/000000000000/${queue}`,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  it('names at start-up the universal targets it cannot call: a service or action not hosted, a read-only action', () => {
    const lines = app.runtime.warnings.filter((w) => w.includes('aws-sdk:'));
    expect(lines).toEqual([
      'UniversalSchedules/Receive (AWS::Scheduler::Schedule): its universal target arn:aws:scheduler:::aws-sdk:sqs:receiveMessage: Scheduler does not support read-only actions (receiveMessage begins with receive); AWS refuses the schedule',
      'schedule default/associate: its universal target arn:aws:scheduler:::aws-sdk:ssm:startAssociationsOnce cannot run locally: the local ssm does not implement StartAssociationsOnce; each firing fails',
    ]);
  });

  it("calls the action with the Input as its request at each firing, and dead-letters the service's refusal", async () => {
    // A rate schedule without a start date fires when it is created (T0).
    await app.runtime.scheduler.runDue();
    expect((await receive('inbox')).map((m) => m.Body)).toEqual(['tick']);
    const [dead] = await receive('dlq');
    expect(dead?.Body).toBe(JSON.stringify({ QueueUrl: `${QUEUE_URL}nowhere`, MessageBody: 'lost' }));
    expect(dead?.MessageAttributes?.ERROR_CODE?.StringValue).toMatch(/NonExistentQueue|QueueDoesNotExist/);
  });
});

describe('Scheduler universal targets under IAM enforce', () => {
  const clock = new ManualClock(T0);
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf(
        {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
          Other: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'other' } },
          Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
          // The role may send to the inbox only: the action itself, on the queue the request names.
          Role: serviceRole('scheduler.amazonaws.com', {
            RoleName: 'scheduler',
            Policies: [inlinePolicy('send', { Action: 'sqs:SendMessage', Resource: arnOf('Inbox') })],
          }),
          Allowed: universal('allowed', 'sqs:sendMessage', { QueueUrl: `${QUEUE_URL}inbox`, MessageBody: 'in' }),
          Denied: universal(
            'denied',
            'sqs:sendMessage',
            { QueueUrl: `${QUEUE_URL}other`, MessageBody: 'out' },
            { DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
          ),
        },
        'UniversalIam',
      ),
    ownsAssembly: true,
    options: { clock, iam: 'enforce' },
    clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
  });

  it('calls the action the role allows, and dead-letters at once the one it does not (AccessDeniedException)', async () => {
    await app.runtime.scheduler.runDue();
    const receive = async (queue: string) =>
      (
        await app.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: `${app.runtime.url}/000000000000/${queue}`, MessageAttributeNames: ['All'] }),
        )
      ).Messages ?? [];
    expect((await receive('inbox')).map((m) => m.Body)).toEqual(['in']);
    expect(await receive('other')).toEqual([]);
    const [dead] = await receive('dlq');
    expect([dead?.MessageAttributes?.ERROR_CODE?.StringValue, dead?.MessageAttributes?.RETRY_ATTEMPTS?.StringValue]).toEqual([
      'AccessDeniedException',
      '0',
    ]);
    expect(dead?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain(
      'sqs:sendmessage on resource: arn:aws:sqs:us-east-1:000000000000:other',
    );
  });
});

describe("Scheduler universal targets of CDK's Universal construct (local runtime, IAM enforce)", () => {
  const clock = new ManualClock(T0);
  const app = restartableRuntime({
    // Its ARN joins AWS::Partition; its role gets the action CDK writes (`sqs:sendMessage`) on every resource.
    assembly: () =>
      synthStack('CdkUniversal', (stack) => {
        const queue = new sqs.Queue(stack, 'Ticks', { queueName: 'ticks' });
        new scheduler.Schedule(stack, 'Hourly', {
          schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
          target: new schedulerTargets.Universal({
            service: 'sqs',
            action: 'sendMessage',
            input: scheduler.ScheduleTargetInput.fromObject({ QueueUrl: queue.queueUrl, MessageBody: 'tick' }),
          }),
        });
      }),
    ownsAssembly: true,
    options: { clock, iam: 'enforce' },
    clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
  });

  it('sends the message the Input asks for at each firing, as the role CDK made', async () => {
    expect(app.runtime.warnings.filter((w) => w.includes('aws-sdk:'))).toEqual([]);
    await app.runtime.scheduler.runDue();
    const out = await app.sqs.send(new ReceiveMessageCommand({ QueueUrl: `${app.runtime.url}/000000000000/ticks` }));
    expect(out.Messages?.map((m) => m.Body)).toEqual(['tick']);
  });
});
