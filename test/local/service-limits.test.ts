import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, GetTopicAttributesCommand, PublishCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { consumerFixture } from './consumer-fixture.js';
import { credentials, eventually, executionEnded, region } from './helpers.js';
import { restartableRuntime, sdkConfig } from './restartable-runtime.js';

const KiB = 1024;
const role = 'arn:aws:iam::000000000000:role/local';
/** A JSON string of exactly `bytes` UTF-8 bytes, mostly two-byte characters, so that a limit counted in characters would let it through. */
const jsonOfBytes = (bytes: number) => `"${'é'.repeat(Math.floor((bytes - 2) / 2))}${(bytes - 2) % 2 ? 'a' : ''}"`;
const tooLong = (member: string, max: number) => ({
  name: 'ValidationException',
  message: `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
});

const local = restartableRuntime({
  assembly: () => consumerFixture(),
  clients: ({ url }) => {
    const config = { ...sdkConfig(url), maxAttempts: 1 };
    return {
      sfn: new SFNClient({ ...config, disableHostPrefix: true }),
      sqs: new SQSClient(config),
      events: new EventBridgeClient(config),
    };
  },
});
let tokenQueue: string;
let waiting: string;
let express: string;

beforeAll(async () => {
  tokenQueue = (await local.sqs.send(new CreateQueueCommand({ QueueName: 'limits-tokens' }))).QueueUrl ?? '';
  const definition = JSON.stringify({
    StartAt: 'Wait',
    States: {
      Wait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: tokenQueue, MessageBody: { 'token.$': '$$.Task.Token' } },
        End: true,
      },
    },
  });
  waiting =
    (await local.sfn.send(new CreateStateMachineCommand({ name: 'limits-waiting', roleArn: role, definition }))).stateMachineArn ?? '';
  const pass = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  express =
    (await local.sfn.send(new CreateStateMachineCommand({ name: 'limits-express', roleArn: role, definition: pass, type: 'EXPRESS' })))
      .stateMachineArn ?? '';
});

/** Starts an execution that waits for its task token, and the token. */
async function waitingExecution(): Promise<{ executionArn: string; taskToken: string }> {
  const { executionArn = '' } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn: waiting }));
  const taskToken = await eventually(async () => {
    const { Messages = [] } = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: tokenQueue, WaitTimeSeconds: 1 }));
    const message = Messages[0];
    if (!message) return undefined;
    await local.sqs.send(new DeleteMessageCommand({ QueueUrl: tokenQueue, ReceiptHandle: message.ReceiptHandle }));
    return JSON.parse(message.Body ?? '{}').token as string;
  });
  return { executionArn, taskToken };
}

describe('Step Functions limits', () => {
  it('fails SendTaskSuccess if the output is over 256 KiB of UTF-8, and the execution keeps waiting for a valid answer', async () => {
    const { executionArn, taskToken } = await waitingExecution();
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken, output: jsonOfBytes(300 * KiB) }))).rejects.toMatchObject(
      tooLong('output', 262_144),
    );
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken, output: jsonOfBytes(256 * KiB + 1) }))).rejects.toMatchObject(
      tooLong('output', 262_144),
    );
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    const output = jsonOfBytes(256 * KiB);
    await local.sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
    const ended = await executionEnded(local.sfn, executionArn);
    expect(ended.status).toBe('SUCCEEDED');
    expect(ended.output).toBe(output);
  });

  it('fails SendTaskFailure if error is over 256 characters or cause over 32,768, and takes them at the limit', async () => {
    const { executionArn, taskToken } = await waitingExecution();
    await expect(local.sfn.send(new SendTaskFailureCommand({ taskToken, error: 'e'.repeat(257) }))).rejects.toMatchObject(
      tooLong('error', 256),
    );
    await expect(local.sfn.send(new SendTaskFailureCommand({ taskToken, cause: 'c'.repeat(32_769) }))).rejects.toMatchObject(
      tooLong('cause', 32_768),
    );
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await local.sfn.send(new SendTaskFailureCommand({ taskToken, error: 'e'.repeat(256), cause: 'c'.repeat(32_768) }));
    const ended = await executionEnded(local.sfn, executionArn);
    expect(ended).toMatchObject({ status: 'FAILED', error: 'e'.repeat(256), cause: 'c'.repeat(32_768) });
  });

  it('fails SendTaskHeartbeat if the token is over 2,048 characters', async () => {
    // The API model's message names the value, as AWS's request validation does for members that are not sensitive.
    await expect(local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 't'.repeat(2049) }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `1 validation error detected: Value '${'t'.repeat(2049)}' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    });
  });

  it('fails StartExecution and StartSyncExecution if the input is over 256 KiB of UTF-8, and takes it at the limit', async () => {
    for (const send of [
      (input: string) => local.sfn.send(new StartExecutionCommand({ stateMachineArn: waiting, input })),
      (input: string) => local.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, input })),
    ]) {
      await expect(send(jsonOfBytes(256 * KiB + 1))).rejects.toMatchObject(tooLong('input', 262_144));
    }
    const synced = await local.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, input: jsonOfBytes(256 * KiB) }));
    expect(synced.status).toBe('SUCCEEDED');
  });
});

describe('EventBridge limits', () => {
  /** One entry whose size, as EventBridge counts it, is `bytes` (Source 1 + DetailType 1 + Detail + a resource of 10). */
  const entryOf = (bytes: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => {
    const detail = `{"a":${jsonOfBytes(bytes - 12 - 6)}}`;
    return { Source: 's', DetailType: 'd', Detail: detail, Resources: ['0123456789'], EventBusName: 'fixture-bus', ...extra };
  };

  it('takes entries of 1 MiB in total, counting Time only when it is set', async () => {
    const put = await local.events.send(new PutEventsCommand({ Entries: [entryOf(512 * KiB), entryOf(512 * KiB)] }));
    expect(put.FailedEntryCount).toBe(0);
    await expect(
      local.events.send(new PutEventsCommand({ Entries: [entryOf(512 * KiB), entryOf(512 * KiB - 13, { Time: new Date() })] })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
    const withTime = await local.events.send(
      new PutEventsCommand({ Entries: [entryOf(512 * KiB), entryOf(512 * KiB - 14, { Time: new Date() })] }),
    );
    expect(withTime.FailedEntryCount).toBe(0);
  });

  it('fails if the entries are over 1 MiB in total, or one entry is', async () => {
    for (const Entries of [[entryOf(512 * KiB), entryOf(512 * KiB + 1)], [entryOf(1024 * KiB + 1)]]) {
      await expect(local.events.send(new PutEventsCommand({ Entries }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
    }
  });

  it('fails if a request has more than 10 entries', async () => {
    await expect(
      local.events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entryOf(100)) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
    });
  });
});

describe('SQS, SNS and Lambda limits', () => {
  it('takes an SQS message of 1 MiB and fails if it is longer, with InvalidParameterValue', async () => {
    const { QueueUrl } = await local.sqs.send(new CreateQueueCommand({ QueueName: 'limits-large' }));
    await local.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'm'.repeat(1024 * KiB) }));
    await expect(local.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'm'.repeat(1024 * KiB + 1) }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
    });
  });

  it('fails SendMessageBatch over 1 MiB in total with BatchRequestTooLong, and over 10 entries with TooManyEntriesInBatchRequest', async () => {
    const { QueueUrl } = await local.sqs.send(new CreateQueueCommand({ QueueName: 'limits-batch' }));
    const entries = (count: number, bytes: number) =>
      Array.from({ length: count }, (_, i) => ({ Id: `e${i}`, MessageBody: 'm'.repeat(bytes) }));
    const sent = await local.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(4, 256 * KiB) }));
    expect(sent.Successful).toHaveLength(4);
    await expect(
      local.sqs.send(
        new SendMessageBatchCommand({ QueueUrl, Entries: [...entries(3, 256 * KiB), { Id: 'x', MessageBody: 'm'.repeat(256 * KiB + 1) }] }),
      ),
    ).rejects.toMatchObject({
      name: 'BatchRequestTooLong',
    });
    await expect(local.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11, 1) }))).rejects.toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
    });
  });

  it('takes an SNS message of 256 KiB and fails if it is longer, with InvalidParameter', async () => {
    const sns = new SNSClient({ endpoint: local.runtime.url, region, credentials, maxAttempts: 1 });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'limits' }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'm'.repeat(256 * KiB) }));
    await expect(sns.send(new PublishCommand({ TopicArn, Message: 'm'.repeat(256 * KiB + 1) }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Message too long',
    });
  });

  it("takes up to a topic's MaximumMessageSize (1 KiB to 1 MiB) and fails beyond it", async () => {
    const sns = new SNSClient({ endpoint: local.runtime.url, region, credentials, maxAttempts: 1 });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'limits-large', Attributes: { MaximumMessageSize: '1048576' } }));
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes?.MaximumMessageSize).toBe('1048576');
    await sns.send(new PublishCommand({ TopicArn, Message: 'm'.repeat(1024 * KiB) }));
    await expect(sns.send(new PublishCommand({ TopicArn, Message: 'm'.repeat(1024 * KiB + 1) }))).rejects.toMatchObject({
      message: 'Invalid parameter: Message too long',
    });
    await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'MaximumMessageSize', AttributeValue: '1024' }));
    await expect(sns.send(new PublishCommand({ TopicArn, Message: 'm'.repeat(1025) }))).rejects.toMatchObject({
      message: 'Invalid parameter: Message too long',
    });
    for (const value of ['1023', '1048577', 'big']) {
      await expect(
        sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'MaximumMessageSize', AttributeValue: value })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('MaximumMessageSize') });
    }
  });

  it('fails an asynchronous Lambda Invoke over 1 MiB with RequestTooLargeException and 413', async () => {
    const lambda = new LambdaClient({ endpoint: local.runtime.url, region, credentials, maxAttempts: 1 });
    const FunctionName = local.runtime.definitions.functions[0]?.name;
    await expect(
      lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: Buffer.from(jsonOfBytes(1024 * KiB + 1)) })),
    ).rejects.toMatchObject({ name: 'RequestTooLargeException', $metadata: { httpStatusCode: 413 } });
  });
});
