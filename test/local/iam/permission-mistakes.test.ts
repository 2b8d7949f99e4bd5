import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';
import { queueSendPolicy } from '../template-resources.js';
import { permissionMistakesApp, SCHEDULE_DELAY_MS } from './permission-mistakes-app.js';

/** What a caller function answered: `{ ok }`, or the SDK error its call threw. */
async function invoke(app: TestApp, name: string, id = randomUUID()): Promise<{ ok: boolean; name?: string; message?: string }> {
  const answer = await app.clients.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ id }) }));
  return JSON.parse(new TextDecoder().decode(answer.Payload));
}

/** `look` again until it finds something, or `ms` passed. */
async function eventually<T>(look: () => Promise<T[]>, ms = 10_000): Promise<T[]> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await look();
    if (found.length > 0 || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What each app's queues gave so far, by endpoint and queue: a receive hides a message for a minute, so a later look still sees it. */
const received = new Map<string, Map<string, Message>>();

/** Whether a queue's messages are what a look waits for. */
type Enough = (messages: readonly Message[]) => boolean;
const atLeast =
  (count: number): Enough =>
  (messages) =>
    messages.length >= count;
/**
 * A queue's messages as they are now: for a delivery that must not happen, looked at once
 * what proves it was tried (its dead letter, the other target's message) has arrived.
 */
const asTheyAre: Enough = () => true;

/**
 * Every message a queue holds (received with their attributes, not deleted), with those an
 * earlier look took, once they are `enough` (one, unless told): deliveries take their time,
 * so it looks again until then, for 10 s at most.
 */
async function messagesOf(app: TestApp, queueName: string, enough: Enough = atLeast(1)): Promise<Message[]> {
  const { QueueUrl } = await app.clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const key = `${app.endpoint} ${queueName}`;
  const seen = received.get(key) ?? new Map<string, Message>();
  received.set(key, seen);
  const until = Date.now() + 10_000;
  for (;;) {
    const { Messages = [] } = await app.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const message of Messages) seen.set(message.MessageId ?? '', message);
    const messages = [...seen.values()];
    if (enough(messages) || Date.now() > until) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The dead letters in `dlq` of the target whose ARN ends with `:target`, once one has arrived. */
async function deadLettersFor(app: TestApp, dlq: string, target: string): Promise<Message[]> {
  const forTarget = (messages: readonly Message[]) =>
    messages.filter((m) => m.MessageAttributes?.TARGET_ARN?.StringValue?.endsWith(`:${target}`));
  return forTarget(await messagesOf(app, dlq, (messages) => forTarget(messages).length > 0));
}

/** One object into each bucket of mistake 9. */
async function uploadToBoth(app: TestApp): Promise<void> {
  for (const Bucket of ['iam-uploads', 'iam-raw-uploads'])
    await app.clients.s3.send(new PutObjectCommand({ Bucket, Key: 'probe.txt', Body: 'probe' }));
}

/** One change to the table the pipes of mistake 10 read. */
async function changeTheTable(app: TestApp): Promise<void> {
  await app.clients.dynamodb.send(new PutItemCommand({ TableName: 'iam-changes', Item: { pk: { S: 'changed' } } }));
}

/** One message into each consumer's queue of mistake 11; resolves with their URLs. */
async function feedTheConsumers(app: TestApp): Promise<string[]> {
  const urls: string[] = [];
  for (const QueueName of ['iam-consumer-granted-queue', 'iam-consumer-ungranted-queue']) {
    const { QueueUrl = '' } = await app.clients.sqs.send(new GetQueueUrlCommand({ QueueName }));
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'work' }));
    urls.push(QueueUrl);
  }
  return urls;
}

/** How many messages a queue holds, visible or in flight. */
async function held(app: TestApp, QueueUrl: string): Promise<number> {
  const { Attributes = {} } = await app.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

/** The S3 event records among a queue's messages (S3's test events left out). */
const recordsOf = (messages: readonly Message[]) =>
  messages.map((m) => JSON.parse(m.Body ?? '{}')).filter((body: { Records?: unknown }) => body.Records !== undefined);

async function execute(app: TestApp, machine: string) {
  const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`;
  const { executionArn = '' } = await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  return app.waitForExecution(executionArn.split(':').at(-1) ?? '');
}

describe('IAM under enforce, on an app with thirteen permission mistakes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ app: permissionMistakesApp() }, { iam: 'enforce', virtualTime: true });
    // Everything the tests cause, at once: deliveries take their time.
    await app.clients.eventbridge.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'iam-bus', Source: 'iam.test', DetailType: 'Probe', Detail: '{}' }] }),
    );
    await app.clients.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:iam-alerts', Message: 'probe' }));
    await uploadToBoth(app);
    await changeTheTable(app);
  }, 120_000);
  afterAll(() => app?.stop());

  it('runs a granted PutItem and fails one without the table grant with DynamoDB AccessDeniedException', async () => {
    expect(await invoke(app, 'iam-put-granted')).toEqual({ ok: true });
    const refused = await invoke(app, 'iam-put-missing');
    expect(refused.name).toBe('AccessDeniedException');
    expect(refused.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/[^/]+\/iam-put-missing is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/iam-items because no identity-based policy allows the dynamodb:PutItem action/,
    );
  });

  it('runs a granted SendMessage and fails one without the grant with SQS AccessDenied', async () => {
    expect(await invoke(app, 'iam-send-granted')).toEqual({ ok: true });
    const refused = await invoke(app, 'iam-send-missing');
    expect(refused.ok).toBe(false);
    expect(refused.name).toBe('AccessDenied');
    // SQS writes the action in lower case.
    expect(refused.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/[^/]+\/iam-send-missing is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:000000000000:iam-work because no identity-based policy allows the sqs:sendmessage action$/,
    );
  });

  it('runs a granted Publish and fails one without the grant with SNS AuthorizationError', async () => {
    expect(await invoke(app, 'iam-publish-granted')).toEqual({ ok: true });
    const refused = await invoke(app, 'iam-publish-missing');
    expect(refused.name).toBe('AuthorizationErrorException');
    // SNS writes the action's prefix in capitals.
    expect(refused.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/[^/]+\/iam-publish-missing is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:000000000000:iam-alerts because no identity-based policy allows the SNS:Publish action$/,
    );
  });

  it("delivers a rule's event to a queue whose policy lets EventBridge in, and dead-letters it as NO_PERMISSIONS where none does", async () => {
    expect(await messagesOf(app, 'iam-ruled')).toHaveLength(1);
    const [unruled] = await deadLettersFor(app, 'iam-rule-dlq', 'iam-unruled');
    expect(await messagesOf(app, 'iam-unruled', asTheyAre)).toHaveLength(0);
    expect(unruled?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('NO_PERMISSIONS');
    expect(unruled?.MessageAttributes?.RULE_ARN?.StringValue).toBe('arn:aws:events:us-east-1:000000000000:rule/iam-bus/iam-to-unruled');
  });

  it('lets EventBridge into a queue once a policy set through SetQueueAttributes allows it, and not before', async () => {
    const { eventbridge, sqs } = app.clients;
    const { RuleArn } = await eventbridge.send(
      new PutRuleCommand({ Name: 'iam-to-later', EventBusName: 'iam-bus', EventPattern: JSON.stringify({ source: ['iam.later'] }) }),
    );
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'iam-later' }));
    const queueArn = 'arn:aws:sqs:us-east-1:000000000000:iam-later';
    await eventbridge.send(new PutTargetsCommand({ Rule: 'iam-to-later', EventBusName: 'iam-bus', Targets: [{ Id: 'q', Arn: queueArn }] }));
    const send = (n: number) =>
      eventbridge.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: 'iam-bus', Source: 'iam.later', DetailType: 'Probe', Detail: JSON.stringify({ n }) }],
        }),
      );
    // Refused (the queue has no policy yet): had it gone through, the look after the second would see it too.
    await send(1);
    const Policy = queueSendPolicy('events.amazonaws.com', queueArn, RuleArn);
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy } }));
    await send(2);
    const arrived = await messagesOf(app, 'iam-later');
    expect(arrived.map((m) => JSON.parse(m.Body ?? '{}').detail)).toEqual([{ n: 2 }]);
  });

  it('delivers to an encrypted queue whose key lets EventBridge use it, and dead-letters where the key policy forgets events.amazonaws.com', async () => {
    expect(await messagesOf(app, 'iam-sealed')).toHaveLength(1);
    const [locked] = await deadLettersFor(app, 'iam-rule-dlq', 'iam-locked');
    expect(await messagesOf(app, 'iam-locked', asTheyAre)).toHaveLength(0);
    expect(locked?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('NO_PERMISSIONS');
    expect(locked?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain('kms:GenerateDataKey');
  });

  it("delivers a topic's message to a queue whose policy lets SNS in, and dead-letters it where none does", async () => {
    // The probe published at the start (the granted caller's publishes go the same ways).
    const probes = (messages: readonly Message[]) => messages.filter((m) => JSON.parse(m.Body ?? '{}').Message === 'probe');
    const aProbe = (messages: readonly Message[]) => probes(messages).length > 0;
    expect(probes(await messagesOf(app, 'iam-subscribed', aProbe))).toHaveLength(1);
    expect(probes(await messagesOf(app, 'iam-topic-dlq', aProbe))).toHaveLength(1);
    expect(await messagesOf(app, 'iam-unsubscribed', asTheyAre)).toHaveLength(0);
  });

  it('fires a schedule whose role may send to the queue, and dead-letters one whose role may not, at once, with AccessDeniedException', async () => {
    await app.advance(SCHEDULE_DELAY_MS);
    const dead = await messagesOf(app, 'iam-schedule-dlq');
    expect(dead).toHaveLength(1);
    expect(dead[0]?.MessageAttributes?.SCHEDULE_ARN?.StringValue).toMatch(/:schedule\/default\/iam-schedule-ungranted$/);
    expect(dead[0]?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('AccessDeniedException');
    expect(dead[0]?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain('is not authorized to perform: sqs:sendmessage');
    const fired = await messagesOf(app, 'iam-scheduled');
    expect(fired.map((m) => JSON.parse(m.Body ?? '{}').schedule)).toEqual(['iam-schedule-granted']);
  }, 45_000);

  it("delivers a bucket's notification to a queue whose policy lets S3 in, and drops it where none does (S3 has no dead-letter queue)", async () => {
    const withRecords = (messages: readonly Message[]) => recordsOf(messages).length > 0;
    const notified = recordsOf(await messagesOf(app, 'iam-notified', withRecords));
    expect(notified.map((body) => body.Records[0].s3.bucket.name)).toEqual(['iam-uploads']);
    const dropped = (line: string) =>
      /notification \d+ to arn:aws:sqs:us-east-1:000000000000:iam-unnotified dropped: User: s3\.amazonaws\.com is not authorized to perform: sqs:sendmessage/.test(
        line,
      );
    // S3's test event is dropped too: a line for it and one for the upload.
    expect(await eventually(async () => app.logs().filter(dropped))).not.toHaveLength(0);
    expect(recordsOf(await messagesOf(app, 'iam-unnotified', asTheyAre))).toHaveLength(0);
  });

  it('runs a pipe whose role may read the stream and send to the target, dead-letters the batch of one whose role may not send, and does not run one whose role may not read', async () => {
    const piped = (await messagesOf(app, 'iam-piped')).map((m) => JSON.parse(m.Body ?? '{}'));
    expect(piped).toEqual([{ pipe: 'iam-pipe-granted', pk: 'changed' }]);
    const dead = (await messagesOf(app, 'iam-pipe-dlq')).map((m) => JSON.parse(m.Body ?? '{}'));
    expect(dead).toHaveLength(1);
    expect(dead[0].requestContext).toMatchObject({
      pipeArn: expect.stringContaining('iam-pipe-unsendable'),
      condition: 'RetryAttemptsExhausted',
    });
    expect(dead[0].responseContext.errorMessage).toContain('is not authorized to perform: sqs:sendmessage');
    expect(app.logs().some((line) => line.includes('iam-pipe-blind: does not run: its role may not read'))).toBe(true);
  });

  it("runs a queue's event source mapping whose function's role may consume it, and not one whose role may not, keeping its messages", async () => {
    const [granted = '', ungranted = ''] = await feedTheConsumers(app);
    expect(await eventually(async () => ((await held(app, granted)) === 0 ? [true] : []))).toEqual([true]);
    expect(await held(app, ungranted)).toBe(1);
    const refused = app.logs().find((line) => line.includes('[iam-consumer-ungranted] event source mapping'));
    expect(refused).toContain(
      'is not run (AWS refuses to create it): InvalidParameterValueException: The provided execution role does not have permissions to call ReceiveMessage on SQS',
    );
  });

  it('runs a task its role may invoke and fails one whose role may not with Lambda.AWSLambdaException', async () => {
    expect((await execute(app, 'iam-granted')).status).toBe('SUCCEEDED');
    const failed = await execute(app, 'iam-ungranted');
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Lambda.AWSLambdaException');
    expect(failed.cause).toContain(
      'is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:iam-worker',
    );
  });

  it("sends through a REST API's AWS integration whose role may send, and answers SQS's AccessDenied where its role may not", async () => {
    const post = (route: string) =>
      fetch(`${app.apiUrl('iam-doors')}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `"${route}"` });
    const granted = await post('granted');
    expect(granted.status).toBe(200);
    const refused = await post('ungranted');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/AccessDenied[\s\S]*is not authorized to perform: sqs:sendmessage/);
    expect((await messagesOf(app, 'iam-front-door')).map((m) => m.Body)).toEqual(['"granted"']);
  });

  it("runs a REST API's Lambda integration whose function lets API Gateway invoke it, and answers 500 where no permission does", async () => {
    const granted = await fetch(`${app.apiUrl('iam-doors')}/lambda-granted`);
    expect([granted.status, await granted.text()]).toEqual([200, 'ok']);
    const refused = await fetch(`${app.apiUrl('iam-doors')}/lambda-ungranted`);
    expect([refused.status, await refused.json()]).toEqual([500, { message: 'Internal server error' }]);
  });
});

describe('IAM under warn, on the same app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ app: permissionMistakesApp() }, { iam: 'warn', virtualTime: true });
  }, 120_000);
  afterAll(() => app?.stop());

  it('runs every mistake as if granted and names each with its principal, action and resource', { timeout: 45_000 }, async () => {
    for (const name of ['iam-put-missing', 'iam-send-missing', 'iam-publish-missing'])
      expect(await invoke(app, name)).toEqual({ ok: true });
    await app.clients.eventbridge.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'iam-bus', Source: 'iam.test', DetailType: 'Probe', Detail: '{}' }] }),
    );
    await app.clients.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:iam-alerts', Message: 'probe' }));
    await uploadToBoth(app);
    await changeTheTable(app);
    const [, ungranted = ''] = await feedTheConsumers(app);
    expect((await execute(app, 'iam-ungranted')).status).toBe('SUCCEEDED');
    for (const queue of ['iam-unruled', 'iam-locked']) expect(await messagesOf(app, queue)).toHaveLength(1);
    // Both schedules fire into the queue: the role without a grant too.
    await app.advance(SCHEDULE_DELAY_MS);
    expect(await messagesOf(app, 'iam-scheduled', atLeast(2))).toHaveLength(2);
    // The probe, and the publish of the function that may not publish (it ran: warn only says so).
    expect(await messagesOf(app, 'iam-unsubscribed', atLeast(2))).toHaveLength(2);
    expect(recordsOf(await messagesOf(app, 'iam-unnotified', (messages) => recordsOf(messages).length > 0))).toHaveLength(1);
    expect(await eventually(async () => ((await held(app, ungranted)) === 0 ? [true] : []))).toEqual([true]);
    expect(await messagesOf(app, 'iam-piped', atLeast(3))).toHaveLength(3);
    for (const route of ['lambda-granted', 'lambda-ungranted'])
      expect((await fetch(`${app.apiUrl('iam-doors')}/${route}`)).status).toBe(200);
    for (const route of ['granted', 'ungranted']) {
      const answer = await fetch(`${app.apiUrl('iam-doors')}/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(200);
    }

    const found = app
      .iamReport()
      .findings.map((f) => `${f.principal.replace(/^arn:aws:iam::000000000000:role\//, 'role/')} ${f.action} ${f.resource}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^role\/\S+ dynamodb:PutItem arn:aws:dynamodb:us-east-1:000000000000:table\/iam-items$/),
        expect.stringMatching(/^role\/\S+ sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-work$/),
        expect.stringMatching(/^role\/\S+ sns:Publish arn:aws:sns:us-east-1:000000000000:iam-alerts$/),
        'events.amazonaws.com sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-unruled',
        expect.stringMatching(/^events\.amazonaws\.com kms:GenerateDataKey arn:aws:kms:us-east-1:000000000000:key\/\S+$/),
        expect.stringMatching(/^events\.amazonaws\.com kms:Decrypt arn:aws:kms:us-east-1:000000000000:key\/\S+$/),
        'sns.amazonaws.com sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-unsubscribed',
        expect.stringMatching(/^role\/\S+ lambda:InvokeFunction arn:aws:lambda:us-east-1:000000000000:function:iam-worker$/),
        expect.stringMatching(/^role\/IamMistakes-ScheduleMute\S* sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-scheduled$/),
        's3.amazonaws.com sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-unnotified',
        expect.stringMatching(/^role\/IamMistakes-iampipeunsendable\S* sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-piped$/),
        expect.stringMatching(
          /^role\/IamMistakes-iampipeblind\S* dynamodb:GetRecords arn:aws:dynamodb:us-east-1:000000000000:table\/iam-changes\/stream\/\S+$/,
        ),
        // ListStreams is checked on the stream, as AWS's example policies grant it for a stream consumer.
        expect.stringMatching(
          /^role\/IamMistakes-iampipeblind\S* dynamodb:ListStreams arn:aws:dynamodb:us-east-1:000000000000:table\/iam-changes\/stream\/\S+$/,
        ),
        expect.stringMatching(
          /^role\/IamMistakes-iamconsumerungranted\S* sqs:ReceiveMessage arn:aws:sqs:us-east-1:000000000000:iam-consumer-ungranted-queue$/,
        ),
        expect.stringMatching(/^role\/IamMistakes-doorungranted\S* sqs:SendMessage arn:aws:sqs:us-east-1:000000000000:iam-front-door$/),
        'apigateway.amazonaws.com lambda:InvokeFunction arn:aws:lambda:us-east-1:000000000000:function:iam-door-lambda-ungranted',
      ]),
    );
    // Only the mistakes (the key's counts twice: EventBridge needs both kms:GenerateDataKey and kms:Decrypt); the granted wirings make no finding.
    // The pipe that may not read the stream counts four times (DescribeStream, GetShardIterator, GetRecords, ListStreams).
    // The mapping whose role may not consume its queue, three (ReceiveMessage, DeleteMessage, GetQueueAttributes).
    expect(found).toHaveLength(20);
    expect(app.logs().filter((line) => line.startsWith('[iam] AWS would refuse:'))).toHaveLength(20);
  });
});
