import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LineageNode } from '../../../clients/read-api-contract.js';
import { ruleMatchSegment } from '../../../local/endpoint/trace-header.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { eventRule, eventSourceMapping, inlineFunction, queueSubscription } from '../template-resources.js';

/** Sends on what it was given and the trace it ran in, through the AWS SDK (which adds X-Amzn-Trace-Id). */
const relaySource = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const client = new SQSClient({});
exports.handler = async (event) => {
  const record = event.Records[0];
  await client.send(new SendMessageCommand({
    QueueUrl: process.env.OUT_URL,
    MessageBody: JSON.stringify({ body: record.body, received: record.attributes.AWSTraceHeader, ran: process.env._X_AMZN_TRACE_ID }),
  }));
};`;

const ROOT = '1-6740a1b2-0123456789abcdef01234567';
const SENT = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;

const local = restartableRuntime({
  assembly: () => {
    const cdkOut = assemblyOf({
      In: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'in' } },
      Out: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'out' } },
      Plain: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'plain' } },
      Fanout: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'fanout' } },
      FailerDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'failer-dlq' } },
      Failer: inlineFunction("exports.handler = async () => { throw new Error('cannot take it'); };", {
        FunctionName: 'failer',
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['FailerDlq', 'Arn'] } },
      }),
      FailerConfig: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: { FunctionName: { Ref: 'Failer' }, Qualifier: '$LATEST', MaximumRetryAttempts: 0 },
      },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'news' } },
      FanoutSubscription: queueSubscription('Topic', 'Fanout', { RawMessageDelivery: true }),
      Relay: inlineFunction(relaySource, { FunctionName: 'relay', Environment: { Variables: { OUT_URL: { Ref: 'Out' } } } }),
      Mapping: eventSourceMapping('In', 'Relay', { BatchSize: 1 }),
      ToPlain: eventRule({ pattern: { source: ['probe'] }, target: 'Plain', id: 'plain', name: 'to-plain' }),
    });
    return cdkOut;
  },
});
let sqs: SQSClient;
let events: EventBridgeClient;
beforeAll(async () => {
  sqs = new SQSClient({ endpoint: local.runtime.url, region, credentials });
  events = new EventBridgeClient({ endpoint: local.runtime.url, region, credentials });
});

async function url(name: string): Promise<string> {
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
}

async function receiveOne(name: string) {
  const QueueUrl = await url(name);
  return eventually(async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['AWSTraceHeader'], VisibilityTimeout: 0 }),
    );
    return Messages[0];
  });
}

type Next = (args: { request: unknown }) => Promise<unknown>;

/** The client, sending `header` as X-Amzn-Trace-Id on every call, as the SDK does inside Lambda. */
function withHeader<C extends SQSClient | SNSClient>(client: C, header: string): C {
  (client.middlewareStack as unknown as { add(middleware: (next: Next) => Next, options: { step: 'build' }): void }).add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = header;
      return next(args);
    },
    { step: 'build' },
  );
  return client;
}

function clientWithHeader(header: string): SQSClient {
  return withHeader(new SQSClient({ endpoint: local.runtime.url, region, credentials }), header);
}

describe('trace headers through the local services', () => {
  it("sends an asynchronous invocation that failed to the function's dead-letter queue in the caller's trace, with the reason", async () => {
    const lambda = new LambdaClient({ endpoint: local.runtime.url, region, credentials });
    lambda.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = SENT;
        return next(args);
      },
      { step: 'build' },
    );
    await lambda.send(new InvokeCommand({ FunctionName: 'failer', InvocationType: 'Event', Payload: '{"n":1}' }));
    const dead = await eventually(() => receiveOne('failer-dlq'), 30_000, 'the dead-letter');
    expect(dead.Attributes?.AWSTraceHeader).toBe(SENT);
    const [node] = (await local.runtime.readApi.lineage(dead.MessageId ?? '')).roots;
    expect(node).toMatchObject({ kind: 'dead-letter', status: 'dead-lettered', reason: expect.stringContaining('cannot take it') });
  }, 40_000);

  it("passes a publisher's trace header on from SNS to its SQS subscription, and none when it had none", async () => {
    const topic = `arn:aws:sns:${region}:000000000000:news`;
    const traced = withHeader(new SNSClient({ endpoint: local.runtime.url, region, credentials }), SENT);
    const plain = new SNSClient({ endpoint: local.runtime.url, region, credentials });
    // Back to back: the second must not inherit the first one's trace on its way through SNS's outbox.
    await Promise.all([
      traced.send(new PublishCommand({ TopicArn: topic, Message: 'traced' })),
      plain.send(new PublishCommand({ TopicArn: topic, Message: 'untraced' })),
    ]);
    const QueueUrl = await url('fanout');
    const got = new Map<string, string | undefined>();
    await eventually(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['AWSTraceHeader'],
        }),
      );
      for (const m of Messages) got.set(m.Body ?? '', m.Attributes?.AWSTraceHeader);
      return got.size === 2 ? true : undefined;
    });
    expect(got.get('traced')).toBe(SENT);
    expect(got.get('untraced')).toBeUndefined();
  });

  it('keeps the X-Amzn-Trace-Id header of SendMessage as AWSTraceHeader, unless the system attribute gives one', async () => {
    const QueueUrl = await url('plain');
    await clientWithHeader(SENT).send(new SendMessageCommand({ QueueUrl, MessageBody: 'from header' }));
    expect((await receiveOne('plain')).Attributes?.AWSTraceHeader).toBe(SENT);

    const other = `Root=1-6740a1b2-fedcba9876543210fedcba98;Parent=0123456789abcdef;Sampled=0`;
    await clientWithHeader(SENT).send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'from attribute',
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: other } },
      }),
    );
    const both = await eventually(async () => {
      const m = await receiveOne('plain');
      return m.Body === 'from attribute' ? m : undefined;
    });
    expect(both.Attributes?.AWSTraceHeader).toBe(other);
  });

  it('drops a trace header that is not valid, and takes the message', async () => {
    const QueueUrl = await url('plain');
    await clientWithHeader('not a trace header').send(new SendMessageCommand({ QueueUrl, MessageBody: 'invalid header' }));
    const message = await eventually(async () => {
      const m = await receiveOne('plain');
      return m.Body === 'invalid header' ? m : undefined;
    });
    expect(message.Attributes?.AWSTraceHeader).toBeUndefined();
  });

  it("runs a queue's function in the message's trace, and the AWS SDK passes it on from the function", async () => {
    const QueueUrl = await url('in');
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'hello',
        MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: SENT } },
      }),
    );
    const out = await receiveOne('out');
    const body = JSON.parse(out.Body ?? '{}') as { received: string; ran: string };
    // The event source gives the function the message's header ...
    expect(body.received).toBe(SENT);
    // ... Lambda runs it in the same trace, with a segment of its own as parent ...
    expect(body.ran).toMatch(new RegExp(`^Root=${ROOT};Parent=[0-9a-f]{16};Sampled=1$`));
    expect(body.ran).not.toContain('Parent=53995c3f42cd8ad8');
    // ... and the SDK sends that on as X-Amzn-Trace-Id, which SQS keeps.
    expect(out.Attributes?.AWSTraceHeader).toBe(body.ran);

    // The lineage of the first message: message -> invocation -> the message the function sent.
    const lineage = await local.runtime.readApi.lineage(MessageId ?? '');
    const root = lineage.roots[0] as LineageNode;
    expect(root).toMatchObject({ kind: 'message', id: MessageId, attributes: { queue: 'in' } });
    const invocation = root.children.find((n) => n.kind === 'invocation');
    expect(invocation).toMatchObject({ attributes: { function: 'relay' } });
    expect(invocation?.children).toEqual([
      expect.objectContaining({ kind: 'message', id: out.MessageId, attributes: expect.objectContaining({ queue: 'out' }) }),
    ]);
  });

  it("passes a PutEvents entry's TraceHeader on to the rule's targets, with the rule match as parent", async () => {
    const { Entries = [] } = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'probe', DetailType: 'Probe', Detail: '{"n":1}', TraceHeader: SENT }] }),
    );
    const eventId = Entries[0]?.EventId ?? '';
    const message = await eventually(async () => {
      const m = await receiveOne('plain');
      return m.Body?.includes(eventId) ? m : undefined;
    });
    const ruleArn = local.runtime.definitions.rules.find((rule) => rule.name === 'to-plain')?.arn ?? '';
    expect(message.Attributes?.AWSTraceHeader).toBe(`Root=${ROOT};Parent=${ruleMatchSegment(eventId, undefined, ruleArn)};Sampled=1`);
    const [record] = (await local.runtime.readApi.lineage(eventId)).roots;
    expect(record).toMatchObject({ kind: 'event', attributes: { traceHeader: SENT } });
    expect(record?.children[0]).toMatchObject({ kind: 'rule', id: 'to-plain', status: 'delivered' });
    expect(record?.children[0]?.children[0]).toMatchObject({ kind: 'message', id: message.MessageId });
  });
});
