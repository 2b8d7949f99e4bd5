import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { SnsService } from '../../../local/sns/sns-service.js';
import { createSns, type TestSns } from '../sns/helpers.js';
import {
  ACCOUNT,
  catchInto,
  caught,
  createStates,
  machineArn,
  REGION,
  ROLE,
  runCaughtTask,
  runTaskState,
  type TestStates,
} from './helpers.js';

let t: TestStates;
let sns: TestSns | undefined;
afterEach(async () => {
  await t?.close();
  sns?.close();
  sns = undefined;
});

const PUBLISH = 'arn:aws:states:::sns:publish';
const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;

/** SNS with a topic `alerts` subscribed by the (fake) queue `inbox`, and Step Functions reaching it. */
async function withTopic(attributes: Record<string, string> = {}, name = 'alerts'): Promise<string> {
  const s = createSns();
  sns = s;
  const { TopicArn } = await s.sns.CreateTopic({ Name: name, Attributes: attributes });
  const queue = name.endsWith('.fifo') ? 'inbox.fifo' : 'inbox';
  s.sqs.queues.add(queue);
  await s.sns.Subscribe({
    TopicArn,
    Protocol: 'sqs',
    Endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`,
    Attributes: { RawMessageDelivery: 'true' },
  });
  t = await createStates({ neighbours: { sns: s.sns } });
  return TopicArn;
}

/** What the subscribed queue has received so far, once it has `count` messages. */
async function delivered(count = 1) {
  const sent = (sns as TestSns).sqs.sent;
  await vi.waitFor(() => {
    if (sent.length < count) throw new Error(`${sent.length} of ${count} delivered`);
  });
  return sent;
}

const bodies = async (count = 1) => (await delivered(count)).map((m) => m.MessageBody);

describe('LocalTaskRunner sns:publish', () => {
  it('publishes to the topic, whose queue subscription gets the message, and answers MessageId with the SDK metadata', async () => {
    const TopicArn = await withTopic();
    const { status, result } = await runTaskState(
      t.states,
      {
        Resource: PUBLISH,
        Parameters: {
          TopicArn,
          'Message.$': '$.text',
          Subject: 'Heads up',
          MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
        },
      },
      { text: 'disk full' },
    );
    expect(status).toBe('SUCCEEDED');
    expect(await bodies()).toEqual(['disk full']);
    expect((await delivered())[0]?.MessageAttributes).toEqual({ severity: { DataType: 'String', StringValue: 'high' } });
    expect(Object.keys(result ?? {})).toEqual(['MessageId', 'SdkHttpMetadata', 'SdkResponseMetadata']);
    const { SdkHttpMetadata: metadata, SdkResponseMetadata: response } = result as {
      SdkHttpMetadata: { HttpHeaders: Record<string, string>; HttpStatusCode: number };
      SdkResponseMetadata: { RequestId: string };
    };
    const requestId = response.RequestId;
    expect(result?.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(metadata.HttpStatusCode).toBe(200);
    // AWS's XML answer to Publish is 294 bytes long with its UUID message and request ids.
    expect(metadata.HttpHeaders).toMatchObject({ 'Content-Type': 'text/xml', 'Content-Length': '294', 'x-amzn-RequestId': requestId });
  });

  it('publishes a Message that is a JSON value as its JSON text', async () => {
    const TopicArn = await withTopic();
    const { status } = await runTaskState(
      t.states,
      { Resource: PUBLISH, Parameters: { TopicArn, Message: { 'order.$': '$.order', kind: 'paid' } } },
      { order: { id: 7, lines: [1, 2] } },
    );
    expect(status).toBe('SUCCEEDED');
    expect(await bodies()).toEqual(['{"order":{"id":7,"lines":[1,2]},"kind":"paid"}']);
  });

  it('publishes a JSON Message with MessageStructure json as one text per protocol', async () => {
    const TopicArn = await withTopic();
    const { status } = await runTaskState(t.states, {
      Resource: PUBLISH,
      Parameters: { TopicArn, MessageStructure: 'json', Message: { default: 'for everyone', sqs: 'for queues' } },
    });
    expect(status).toBe('SUCCEEDED');
    expect(await bodies()).toEqual(['for queues']);
  });

  it('answers the SequenceNumber of a FIFO topic after the metadata', async () => {
    const TopicArn = await withTopic({ FifoTopic: 'true' }, 'alerts.fifo');
    const { status, result } = await runTaskState(t.states, {
      Resource: PUBLISH,
      Parameters: { TopicArn, Message: 'one', MessageGroupId: 'g', MessageDeduplicationId: 'd-1' },
    });
    expect(status).toBe('SUCCEEDED');
    expect(Object.keys(result ?? {})).toEqual(['MessageId', 'SdkHttpMetadata', 'SdkResponseMetadata', 'SequenceNumber']);
    expect(result?.SequenceNumber).toMatch(/^\d+$/);
    expect((await delivered())[0]).toMatchObject({ MessageBody: 'one', MessageGroupId: 'g' });
  });

  it('sends the task token in the message with .waitForTaskToken; SendTaskSuccess completes the task', async () => {
    const TopicArn = await withTopic();
    const stateMachineArn = machineArn('approve');
    await t.states.CreateStateMachine({
      name: 'approve',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Ask',
        States: {
          Ask: {
            Type: 'Task',
            Resource: `${PUBLISH}.waitForTaskToken`,
            Parameters: { TopicArn, Message: { 'token.$': '$$.Task.Token', 'order.$': '$.order' } },
            End: true,
          },
        },
      }),
    });
    const { executionArn } = await t.states.StartExecution({ stateMachineArn, input: '{"order":"o-1"}' });
    const [body] = await bodies();
    const message = JSON.parse(String(body)) as { token: string; order: string };
    expect(message.order).toBe('o-1');
    expect((await t.states.DescribeExecution({ executionArn })).status).toBe('RUNNING');
    await t.states.SendTaskSuccess({ taskToken: message.token, output: '{"approved":true}' });
    await vi.waitFor(async () => {
      const described = await t.states.DescribeExecution({ executionArn });
      expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    });
  });

  it('fails with SNS.NotFoundException and the Java SDK cause for a topic that does not exist, which a Catch catches', async () => {
    await withTopic();
    const { status, result } = await runCaughtTask(t.states, {
      Resource: PUBLISH,
      Parameters: { TopicArn: topicArn('gone'), Message: 'hello' },
      ...catchInto('SNS.NotFoundException'),
    });
    expect(status).toBe('SUCCEEDED');
    const error = caught(result);
    expect(error.Error).toBe('SNS.NotFoundException');
    expect(error.Cause).toMatch(
      /^Topic does not exist \(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
    );
    expect(sns?.sqs.sent).toEqual([]);
  });

  it('names errors by the Java SDK exception of their query code, else AmazonSNSException', async () => {
    const failing = {
      async Publish(input: { Message?: string }): Promise<{ MessageId: string }> {
        if (input.Message === 'invalid-value') throw new AwsError('ParameterValueInvalid', 'bad value', 400);
        if (input.Message === 'invalid') throw new AwsError('InvalidParameter', 'Invalid parameter: Message', 400);
        throw new AwsError('SomethingNew', 'new failure', 400);
      },
    };
    t = await createStates({ neighbours: { sns: failing as unknown as SnsService } });
    const errors: string[] = [];
    for (const Message of ['invalid-value', 'invalid', 'other']) {
      const { error } = await runTaskState(t.states, { Resource: PUBLISH, Parameters: { TopicArn: topicArn('t'), Message } }, {}, Message);
      errors.push(String(error));
    }
    expect(errors).toEqual(['SNS.InvalidParameterValueException', 'SNS.InvalidParameterException', 'SNS.AmazonSNSException']);
  });

  it('is reported at start-up only when the runtime has no SNS', async () => {
    const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Task', Resource: PUBLISH, End: true } } });
    const declared = [{ name: 'notify', arn: machineArn('notify'), type: 'STANDARD', definition, roleArn: ROLE }];
    t = await createStates({ stateMachines: declared });
    expect(t.states.warnings).toEqual([
      `state machine notify, state "P": ${PUBLISH} cannot run locally (the local runtime was started without SNS); the task fails with States.Runtime when it runs`,
    ]);
    await t.close();
    const s = createSns();
    sns = s;
    t = await createStates({ stateMachines: declared, neighbours: { sns: s.sns } });
    expect(t.states.warnings).toEqual([]);
  });
});
