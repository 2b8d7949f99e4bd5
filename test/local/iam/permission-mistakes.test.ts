import { randomUUID } from 'node:crypto';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';
import { permissionMistakesApp } from './permission-mistakes-app.js';

/** What a caller function answered: `{ ok }`, or the SDK error its call threw. */
async function invoke(app: TestApp, name: string, id = randomUUID()): Promise<{ ok: boolean; name?: string; message?: string }> {
  const answer = await app.clients.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ id }) }));
  return JSON.parse(new TextDecoder().decode(answer.Payload));
}

/** What each app's queues gave so far, by endpoint and queue: a receive hides a message for a minute, so a later look still sees it. */
const received = new Map<string, Map<string, Message>>();

/** Every message a queue holds after `ms` (received with their attributes, not deleted), with those an earlier look took. */
async function messagesOf(app: TestApp, queueName: string, ms = 1500): Promise<Message[]> {
  const { QueueUrl } = await app.clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const key = `${app.endpoint} ${queueName}`;
  const seen = received.get(key) ?? new Map<string, Message>();
  received.set(key, seen);
  const until = Date.now() + ms;
  while (Date.now() < until) {
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [...seen.values()];
}

async function execute(app: TestApp, machine: string) {
  const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`;
  const { executionArn = '' } = await app.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  return app.waitForExecution(executionArn.split(':').at(-1) ?? '');
}

describe('IAM under enforce, on an app with seven permission mistakes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ app: permissionMistakesApp() }, { iam: 'enforce' });
    // Everything the tests cause, at once: deliveries take their time.
    await app.clients.eventbridge.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'iam-bus', Source: 'iam.test', DetailType: 'Probe', Detail: '{}' }] }),
    );
    await app.clients.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:iam-alerts', Message: 'probe' }));
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
    expect(refused.name).toMatch(/AccessDenied/);
  });

  it('runs a granted Publish and fails one without the grant with SNS AuthorizationError', async () => {
    expect(await invoke(app, 'iam-publish-granted')).toEqual({ ok: true });
    const refused = await invoke(app, 'iam-publish-missing');
    expect(refused.name).toBe('AuthorizationErrorException');
    expect(refused.message).toContain('sns:Publish');
  });

  it("delivers a rule's event to a queue whose policy lets EventBridge in, and dead-letters it as NO_PERMISSIONS where none does", async () => {
    expect(await messagesOf(app, 'iam-ruled')).toHaveLength(1);
    expect(await messagesOf(app, 'iam-unruled', 200)).toHaveLength(0);
    const dead = await messagesOf(app, 'iam-rule-dlq');
    const unruled = dead.find((m) => m.MessageAttributes?.TARGET_ARN?.StringValue?.endsWith(':iam-unruled'));
    expect(unruled?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('NO_PERMISSIONS');
    expect(unruled?.MessageAttributes?.RULE_ARN?.StringValue).toBe('arn:aws:events:us-east-1:000000000000:rule/iam-bus/iam-to-unruled');
  });

  it('delivers to an encrypted queue whose key lets EventBridge use it, and dead-letters where the key policy forgets events.amazonaws.com', async () => {
    expect(await messagesOf(app, 'iam-sealed')).toHaveLength(1);
    expect(await messagesOf(app, 'iam-locked', 200)).toHaveLength(0);
    const dead = await messagesOf(app, 'iam-rule-dlq', 200);
    const locked = dead.find((m) => m.MessageAttributes?.TARGET_ARN?.StringValue?.endsWith(':iam-locked'));
    expect(locked?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('NO_PERMISSIONS');
    expect(locked?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toContain('kms:GenerateDataKey');
  });

  it("delivers a topic's message to a queue whose policy lets SNS in, and dead-letters it where none does", async () => {
    // The probe published at the start (the granted caller's publishes go the same ways).
    const probes = (messages: Message[]) => messages.filter((m) => JSON.parse(m.Body ?? '{}').Message === 'probe');
    expect(probes(await messagesOf(app, 'iam-subscribed'))).toHaveLength(1);
    expect(await messagesOf(app, 'iam-unsubscribed', 200)).toHaveLength(0);
    expect(probes(await messagesOf(app, 'iam-topic-dlq'))).toHaveLength(1);
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
});

describe('IAM under warn, on the same app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ app: permissionMistakesApp() }, { iam: 'warn' });
  }, 120_000);
  afterAll(() => app?.stop());

  it('runs every mistake as if granted and names each with its principal, action and resource', async () => {
    for (const name of ['iam-put-missing', 'iam-send-missing', 'iam-publish-missing'])
      expect(await invoke(app, name)).toEqual({ ok: true });
    await app.clients.eventbridge.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'iam-bus', Source: 'iam.test', DetailType: 'Probe', Detail: '{}' }] }),
    );
    await app.clients.sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:iam-alerts', Message: 'probe' }));
    expect((await execute(app, 'iam-ungranted')).status).toBe('SUCCEEDED');
    for (const queue of ['iam-unruled', 'iam-locked']) expect(await messagesOf(app, queue)).toHaveLength(1);
    // The probe, and the publish of the function that may not publish (it ran: warn only says so).
    expect(await messagesOf(app, 'iam-unsubscribed')).toHaveLength(2);

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
      ]),
    );
    // Only the mistakes (the key's counts twice: EventBridge needs both kms:GenerateDataKey and kms:Decrypt); the granted wirings make no finding.
    expect(found).toHaveLength(8);
    expect(app.logs().filter((line) => line.startsWith('[iam] AWS would refuse:'))).toHaveLength(8);
  });
});
