import {
  GetEventSourceMappingCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListTagsCommand,
  TagResourceCommand,
  UpdateEventSourceMappingCommand,
  type UpdateEventSourceMappingCommandInput,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { eventually, region } from '../helpers.js';
import { restartableRuntime, roleConfig, sdkConfig } from '../restartable-runtime.js';
import { eventSourceMapping, inlinePolicy, serviceRole } from '../template-resources.js';

const ACCOUNT = '000000000000';

/** Logs each record it handles with its receive count: what the tests count. */
const HANDLER = `exports.handler = async (event) => {
  for (const r of event.Records) console.log('handled ' + r.body + ' after ' + r.attributes.ApproximateReceiveCount + ' receives, batch of ' + event.Records.length);
};`;

function role(name: string, actions: readonly string[]) {
  const mappings = `arn:aws:lambda:${region}:${ACCOUNT}:event-source-mapping:*`;
  return serviceRole('lambda.amazonaws.com', { RoleName: name, Policies: [inlinePolicy('p', { Action: actions, Resource: mappings })] });
}

/**
 * A queue (whose messages go to a dead-letter queue after one receive: any receive but the
 * one that handles a message would dead-letter it) consumed by a function, a FIFO queue
 * consumed by it too, and two roles: one that may update mappings, one that may only read them.
 */
function writeApp(dir: string, mapping: Record<string, unknown> = {}): string {
  return writeAssembly(dir, {
    Stack: {
      template: {
        Resources: {
          Inbox: {
            Type: 'AWS::SQS::Queue',
            Properties: {
              QueueName: 'pause-inbox',
              VisibilityTimeout: 30,
              RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['InboxDlq', 'Arn'] }, maxReceiveCount: 1 },
            },
          },
          InboxDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'pause-inbox-dlq' } },
          Orders: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'pause-orders.fifo', FifoQueue: true } },
          Consumer: {
            Type: 'AWS::Lambda::Function',
            Properties: { FunctionName: 'pause-consumer', Handler: 'index.handler', Runtime: 'nodejs24.x', Code: { ZipFile: HANDLER } },
          },
          InboxMapping: eventSourceMapping('Inbox', 'Consumer', { BatchSize: 10, Tags: [{ Key: 'team', Value: 'inbox' }], ...mapping }),
          OrdersMapping: eventSourceMapping('Orders', 'Consumer'),
          Operator: role('pause-operator', ['lambda:UpdateEventSourceMapping', 'lambda:GetEventSourceMapping']),
          Reader: role('pause-reader', ['lambda:GetEventSourceMapping']),
        },
      },
    },
  });
}

const logs: string[] = [];
const app = restartableRuntime({
  assembly: () => writeApp(tempAssemblyDir()),
  ownsAssembly: true,
  options: { logEvents: true, log: (line) => logs.push(line), iam: 'enforce' },
  clients: ({ url }) => ({
    lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }),
    sqs: new SQSClient({ ...sdkConfig(url), maxAttempts: 1 }),
  }),
});
let inboxMapping: string;
let ordersMapping: string;

beforeAll(async () => {
  const mappingOf = async (queue: string) => {
    const arn = `arn:aws:sqs:${region}:${ACCOUNT}:${queue}`;
    const { EventSourceMappings = [] } = await app.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arn }));
    return EventSourceMappings[0]?.UUID ?? '';
  };
  inboxMapping = await mappingOf('pause-inbox');
  ordersMapping = await mappingOf('pause-orders.fifo');
});

const update = (input: Omit<UpdateEventSourceMappingCommandInput, 'UUID'>, uuid = inboxMapping) =>
  app.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, ...input }));
const mapping = (uuid = inboxMapping) => app.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));

async function send(prefix: string, count: number): Promise<void> {
  const QueueUrl = `${app.runtime.url}/${ACCOUNT}/pause-inbox`;
  for (let at = 0; at < count; at += 10) {
    const Entries = Array.from({ length: Math.min(10, count - at) }, (_, i) => ({ Id: String(i), MessageBody: `${prefix}-${at + i}` }));
    await app.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries }));
  }
}

async function depth(queue: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await app.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: `${app.runtime.url}/${ACCOUNT}/${queue}`,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

/** The handled lines of the messages whose body starts with `prefix`. */
const handled = (prefix: string) => logs.filter((line) => line.includes(`handled ${prefix}-`));

async function settled(uuid: string, state: string) {
  return eventually(
    async () => {
      const now = await mapping(uuid);
      return now.State === state ? now : undefined;
    },
    15_000,
    `mapping ${uuid} ${state}`,
  );
}

describe('UpdateEventSourceMapping (local Lambda)', () => {
  it('pauses a mapping: Disabling at once, then Disabled with the time it stopped; messages sent meanwhile wait, never received', async () => {
    const before = Date.now();
    const answer = await update({ Enabled: false });
    expect(answer).toMatchObject({ UUID: inboxMapping, State: 'Disabling', StateTransitionReason: 'USER_INITIATED' });
    expect(answer.$metadata.httpStatusCode).toBe(202);
    const paused = await settled(inboxMapping, 'Disabled');
    expect(paused.LastModified?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    await send('paused', 100);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Not one was received: none is in flight, and none went to the dead-letter queue (one receive would send it there).
    expect(await depth('pause-inbox')).toEqual({ visible: 100, inFlight: 0 });
    expect(handled('paused')).toEqual([]);
  });

  it('keeps a pause across a restart of the runtime', async () => {
    await app.restart();
    expect(await mapping()).toMatchObject({ State: 'Disabled' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await depth('pause-inbox')).toEqual({ visible: 100, inFlight: 0 });
  });

  it('pauses twice as it pauses once', async () => {
    const again = await update({ Enabled: false });
    expect(again.State).toBe('Disabled');
    expect(await depth('pause-inbox')).toEqual({ visible: 100, inFlight: 0 });
  });

  it('resumes it: Enabling, then Enabled, and each waiting message is handled once, on its first receive, none dead-lettered', async () => {
    expect((await update({ Enabled: true })).State).toBe('Enabling');
    await settled(inboxMapping, 'Enabled');
    await eventually(async () => (handled('paused').length >= 100 ? true : undefined), 20_000, '100 messages handled');
    await eventually(async () => ((await depth('pause-inbox')).inFlight === 0 ? true : undefined));
    const bodies = handled('paused').map((line) => /handled (\S+) after (\d+) receives/.exec(line)?.slice(1));
    expect(new Set(bodies.map((b) => b?.[0])).size).toBe(100);
    expect(bodies.every((b) => b?.[1] === '1')).toBe(true);
    expect(await depth('pause-inbox')).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth('pause-inbox-dlq')).toEqual({ visible: 0, inFlight: 0 });
  });

  it('applies a new BatchSize from the next batch, and answers it', async () => {
    const answer = await update({ BatchSize: 2 });
    expect(answer).toMatchObject({ BatchSize: 2, State: 'Updating' });
    await settled(inboxMapping, 'Enabled');
    await send('small', 10);
    await eventually(async () => (handled('small').length >= 10 ? true : undefined));
    expect(handled('small').every((line) => /batch of [12]$/.test(line))).toBe(true);
  });

  it('takes MaximumBatchingWindowInSeconds, ScalingConfig and FunctionResponseTypes, and clears ScalingConfig with an empty one', async () => {
    const answer = await update({
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(answer).toMatchObject({
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const cleared = await update({ ScalingConfig: {}, FunctionResponseTypes: [] });
    expect(cleared.ScalingConfig).toBeUndefined();
    expect(cleared.FunctionResponseTypes).toEqual([]);
  });

  it('applies FilterCriteria from the next batch: a message no filter matches is deleted unread; the filters are answered until cleared', async () => {
    const Filters = [{ Pattern: JSON.stringify({ body: [{ prefix: 'kept-' }] }) }];
    expect((await update({ FilterCriteria: { Filters } })).FilterCriteria).toEqual({ Filters });
    await settled(inboxMapping, 'Enabled');
    await send('dropped', 3);
    await send('kept', 3);
    await eventually(async () => (handled('kept').length >= 3 ? true : undefined));
    await eventually(async () => ((await depth('pause-inbox')).inFlight === 0 ? true : undefined));
    // Deleted, not left to come back and be dead-lettered after the queue's one receive.
    expect(await depth('pause-inbox')).toEqual({ visible: 0, inFlight: 0 });
    expect(await depth('pause-inbox-dlq')).toEqual({ visible: 0, inFlight: 0 });
    expect(handled('dropped')).toEqual([]);
    expect((await mapping()).FilterCriteria).toEqual({ Filters });
    expect((await update({ FilterCriteria: { Filters: [] } })).FilterCriteria).toBeUndefined();
    await settled(inboxMapping, 'Enabled');
  });

  it('fails if a setting is one Lambda refuses for an SQS mapping, naming it, and changes nothing', async () => {
    const refused = (input: Omit<UpdateEventSourceMappingCommandInput, 'UUID'>, uuid = inboxMapping) =>
      update(input, uuid).then(
        () => ({ name: 'no error', message: '' }),
        (error: Error) => ({ name: error.name, message: error.message }),
      );
    expect(await refused({ BatchSize: 20, MaximumBatchingWindowInSeconds: 0 })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    });
    expect(await refused({ BatchSize: 0 })).toEqual({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(await refused({ BatchSize: 11 }, ordersMapping)).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused({ MaximumBatchingWindowInSeconds: 5 }, ordersMapping)).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(await refused({ MaximumRetryAttempts: 3 })).toEqual({
      name: 'InvalidParameterValueException',
      message: `MaximumRetryAttempts does not apply to an Amazon SQS event source mapping (arn:aws:sqs:${region}:${ACCOUNT}:pause-inbox).`,
    });
    expect(await refused({ FilterCriteria: { Filters: [{ Pattern: '{"body":"x"}' }] } })).toEqual({
      name: 'InvalidParameterValueException',
      message: 'Invalid filter pattern definition.',
    });
    expect(await refused({ ScalingConfig: { MaximumConcurrency: 2 }, ProvisionedPollerConfig: { MinimumPollers: 2 } })).toMatchObject({
      name: 'InvalidParameterValueException',
    });
    expect(await refused({ FunctionName: 'no-such-function' })).toEqual({
      name: 'ResourceNotFoundException',
      message: `Function not found: arn:aws:lambda:${region}:${ACCOUNT}:function:no-such-function`,
    });
    expect(await refused({ Enabled: false }, '00000000-0000-0000-0000-000000000000')).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The resource you requested does not exist.',
    });
    const raw = await fetch(`${app.runtime.url}/2015-03-31/event-source-mappings/${inboxMapping}`, { method: 'PUT', body: 'null' });
    expect({ status: raw.status, type: raw.headers.get('x-amzn-errortype') }).toEqual({
      status: 400,
      type: 'InvalidRequestContentException',
    });
    expect(await mapping()).toMatchObject({ BatchSize: 50, State: 'Enabled' });
  });

  it('answers ListTags of a template mapping with its template Tags, and fails if TagResource would change them, naming why', async () => {
    const { EventSourceMappingArn: Resource } = await mapping();
    expect((await app.lambda.send(new ListTagsCommand({ Resource }))).Tags).toEqual({ team: 'inbox' });
    await expect(app.lambda.send(new TagResourceCommand({ Resource, Tags: { team: 'other' } }))).rejects.toThrow(
      "comes from the app's cloud assembly: its tags change with the next synthesis",
    );
    expect((await app.lambda.send(new ListTagsCommand({ Resource }))).Tags).toEqual({ team: 'inbox' });
  });

  it('fails if the caller may not lambda:UpdateEventSourceMapping the mapping, and lets one that may', async () => {
    const as = (roleName: string) =>
      new LambdaClient({
        ...roleConfig(app.runtime, `arn:aws:iam::${ACCOUNT}:role/${roleName}`, 'operator'),
        maxAttempts: 1,
      });
    const reader = as('pause-reader');
    await expect(reader.send(new UpdateEventSourceMappingCommand({ UUID: inboxMapping, Enabled: false }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `lambda:UpdateEventSourceMapping on resource: arn:aws:lambda:${region}:${ACCOUNT}:event-source-mapping:${inboxMapping}`,
      ),
    });
    const operator = as('pause-operator');
    expect((await operator.send(new UpdateEventSourceMappingCommand({ UUID: inboxMapping, Enabled: false }))).State).toBe('Disabling');
    reader.destroy();
    operator.destroy();
    await settled(inboxMapping, 'Disabled');
  });

  it('keeps a pause through a reload that changes other settings, and gives way to a template that changes Enabled', async () => {
    const reloadWith = (settings: Record<string, unknown>) => app.runtime.reload(writeApp(tempAssemblyDir(), settings));
    await reloadWith({ BatchSize: 5 });
    expect(await mapping()).toMatchObject({ State: 'Disabled', BatchSize: 5 });
    await reloadWith({ BatchSize: 5, Enabled: false });
    expect(await mapping()).toMatchObject({ State: 'Disabled' });
    await reloadWith({ BatchSize: 5, Enabled: true });
    expect(await mapping()).toMatchObject({ State: 'Enabled' });
  });
});
