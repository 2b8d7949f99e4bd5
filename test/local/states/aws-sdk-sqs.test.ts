import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import {
  ACCOUNT,
  catchInto,
  caught,
  createMachine,
  createStates,
  finished,
  REGION,
  runCaughtTask,
  runTaskState,
  type TestStates,
} from './helpers.js';

let t: TestStates;
let sqs: SqsService;
let sqsDb: DatabaseSync;
let queueUrl: string;

beforeEach(async () => {
  const clock = new ManualClock();
  sqsDb = openDatabase(':memory:');
  sqs = new SqsService({ db: sqsDb, clock, baseUrl: 'http://127.0.0.1:4566', accountId: ACCOUNT, region: REGION });
  queueUrl = String((await sqs.CreateQueue({ QueueName: 'work' })).QueueUrl);
  t = await createStates({ clock, neighbours: { sqs } });
});

afterEach(async () => {
  await t.close();
  sqs.close();
  sqsDb.close();
});

describe('aws-sdk:sqs integrations', () => {
  it('sends and receives a message through the SQS API, answering its results without SDK metadata', async () => {
    const machine = await createMachine(t.states, 'send-receive', {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage',
          Parameters: {
            QueueUrl: queueUrl,
            'MessageBody.$': '$.body',
            MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
          },
          ResultPath: '$.sent',
          Next: 'Receive',
        },
        Receive: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sqs:receiveMessage',
          Parameters: { QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] },
          ResultPath: '$.received',
          End: true,
        },
      },
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn: machine, input: '{"body":"hello"}' });
    const described = await finished(t.states, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(String(described.output)) as {
      sent: Record<string, unknown>;
      received: { Messages: { Body: string; MessageId: string; MessageAttributes: unknown }[] };
    };
    expect(Object.keys(output.sent).sort()).toEqual(['MD5OfMessageAttributes', 'MD5OfMessageBody', 'MessageId']);
    expect(output.received.Messages).toHaveLength(1);
    expect(output.received.Messages[0]).toMatchObject({
      Body: 'hello',
      MessageId: output.sent.MessageId,
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } },
    });
  });

  it('waits for the task token it sent with sendMessage.waitForTaskToken', async () => {
    const machine = await createMachine(t.states, 'callback', {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: queueUrl, 'MessageBody.$': '$$.Task.Token' },
          End: true,
        },
      },
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn: machine });
    const token = await vi.waitFor(async () => {
      const { Messages } = await sqs.ReceiveMessage({ QueueUrl: queueUrl });
      if (!Messages?.[0]) throw new Error('no message yet');
      return String(Messages[0].Body);
    });
    expect((await t.states.DescribeExecution({ executionArn })).status).toBe('RUNNING');
    await t.states.SendTaskSuccess({ taskToken: token, output: '{"answer":42}' });
    const described = await finished(t.states, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(described.output))).toEqual({ answer: 42 });
  });

  it('ends a long poll when the task times out, so no message is taken by a task that is gone', async () => {
    const { status, error } = await runTaskState(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sqs:receiveMessage',
      Parameters: { QueueUrl: queueUrl, WaitTimeSeconds: 20 },
      TimeoutSeconds: 1,
    });
    expect(status).toBe('FAILED');
    expect(error).toBe('States.Timeout');
    await sqs.SendMessage({ QueueUrl: queueUrl, MessageBody: 'after' });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: queueUrl });
    expect(Messages?.map((m) => m.Body)).toEqual(['after']);
  });

  it('fails with Sqs.QueueDoesNotExistException, the service message as the cause, for a queue that does not exist', async () => {
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sqs:getQueueUrl',
      Parameters: { QueueName: 'missing' },
      ...catchInto('Sqs.QueueDoesNotExistException'),
    });
    const error = caught(result);
    expect(error.Error).toBe('Sqs.QueueDoesNotExistException');
    expect(error.Cause).toMatch(
      /^The specified queue does not exist\.? \(Service: Sqs, Status Code: 400, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$/,
    );
  });

  it('names an error the SQS API model does not declare Sqs.SqsException', async () => {
    const { result } = await runCaughtTask(t.states, {
      Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage',
      Parameters: { QueueUrl: queueUrl, MessageBody: 'x', DelaySeconds: 1000 },
      ...catchInto('States.TaskFailed'),
    });
    expect(caught(result).Error).toBe('Sqs.SqsException');
  });
});
