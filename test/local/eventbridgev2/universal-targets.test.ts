import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { BusSubscriber } from '../../../lib/constructs/bus-subscriber.js';
import { CustomEventBus } from '../../../lib/constructs/custom-event-bus.js';
import { SubscriberTarget } from '../../../lib/constructs/subscriber-target.js';
import { assemblyOf } from '../assembly.js';
import { synthStack } from '../cdk-stack.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, idTable, sqsQueue, stateMachine } from '../template-resources.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const universal = (service: string, action: string) => `arn:aws:events:::aws-sdk:${service}:${action}`;

/** A subscriber of the bus selecting the PutEvents events whose source is its name, calling `target` with `input`. */
const subscriber = (name: string, target: string, input: unknown, settings: { retry?: object; failures?: object } = {}) => ({
  Type: 'AWS::EventsV2::Subscriber',
  Properties: {
    Name: name,
    EventBusArn: { Ref: 'Bus' },
    InvokeConfiguration: { RoleArn: ROLE, TargetArn: target, UniversalTargetParameters: { Input: input } },
    FilterConfiguration: { Filters: [{ Pattern: `{"source": ["${name}"]}`, Scope: 'DATA' }] },
    BatchConfiguration: { MaxBatchSize: 1, MaxBatchWindowInSeconds: 0 },
    ...(settings.retry ? { RetryPolicy: settings.retry } : {}),
    ...(settings.failures ? { OnFailureConfiguration: settings.failures } : {}),
  },
});

function assembly(): string {
  return assemblyOf({
    Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'universal-bus' } },
    Items: idTable({ TableName: 'universal-items' }),
    Out: sqsQueue('universal-out'),
    Failed: sqsQueue('universal-failed'),
    // The item built from the event's data (a PutEvents event's Data is its envelope: source, detail-type, detail).
    Put: subscriber(
      'put',
      universal('dynamodb', 'putItem'),
      '{% {"TableName": "universal-items", "Item": {"id": {"S": $events.Data.detail.id}, "note": {"S": $events.Data.detail.note}}} %}',
    ),
    Send: subscriber('send', universal('sqs', 'sendMessage'), {
      'Fn::Join': ['', ['{% {"QueueUrl": "', { Ref: 'Out' }, '", "MessageBody": $string($events.Data.detail)} %}']],
    }),
    Machine: stateMachine({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, { StateMachineName: 'universal-machine' }),
    // Step Functions is `sfn` to the SDK (not `states`), and its members PascalCase here though its JSON is camelCase.
    Start: subscriber('start', universal('sfn', 'startExecution'), {
      'Fn::Join': [
        '',
        ['{% {"StateMachineArn": "', { Ref: 'Machine' }, '", "Name": $events.Data.detail.name, "Input": $string($events.Data.detail)} %}'],
      ],
    }),
    Missing: subscriber('missing', universal('dynamodb', 'putItem'), '{"TableName": "no-such-table", "Item": {"id": {"S": "x"}}}', {
      retry: { MaxRetryAttempts: 1 },
      failures: { Arn: arnOf('Failed') },
    }),
    Elsewhere: subscriber('elsewhere', universal('mediaconvert', 'createJob'), '{"Role": "r"}', {
      retry: { MaxRetryAttempts: 0 },
      failures: { Arn: arnOf('Failed') },
    }),
  });
}

/**
 * A Custom Event Bus subscriber's universal target (eb-custom-bus-universal-targets): the API
 * action called through the AWS SDK integrations Step Functions runs against the hosted services.
 */
describe('EventBridgeV2 universal targets', () => {
  const local = restartableRuntime({
    assembly,
    ownsAssembly: true,
    clients: (runtime) => ({ dynamodb: new DynamoDBClient(sdkConfig(runtime.url)) }),
  });
  const busArn = () => String(local.runtime.eventbridgev2.store.buses.all().find((bus) => bus.Name === 'universal-bus')?.EventBusArn);
  const put = (source: string, details: readonly Record<string, unknown>[]) =>
    local.runtime.eventbridgev2.PutEvents({
      EventBusArn: busArn(),
      Entries: details.map((detail) => ({ Source: source, DetailType: 'test', Detail: JSON.stringify(detail) })),
    });
  const received = (queue: string, count: number) => {
    const taken: string[] = [];
    return eventually(async () => {
      const { Messages = [] } = (await local.runtime.sqs.ReceiveMessage({
        QueueUrl: `${local.runtime.url}/${ACCOUNT}/${queue}`,
        MaxNumberOfMessages: 10,
      })) as { Messages?: { Body: string }[] };
      taken.push(...Messages.map((message) => message.Body));
      return taken.length >= count ? taken : undefined;
    });
  };
  const createSubscriber = (
    name: string,
    target: string,
    invoke: object = {},
    batch: object | undefined = { MaxBatchSize: 1, MaxBatchWindowInSeconds: 0 },
  ) =>
    local.runtime.eventbridgev2.CreateSubscriber({
      EventBusArn: busArn(),
      Name: name,
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: target, UniversalTargetParameters: { Input: '{"TableName": "t"}' }, ...invoke },
      FilterConfiguration: { Filters: [{ Pattern: '{"source": ["never"]}', Scope: 'DATA' }] },
      ...(batch ? { BatchConfiguration: batch } : {}),
    });

  it('calls dynamodb:putItem with the request its Input builds from the event: the item is in the table', async () => {
    await put('put', [{ id: 'order-1', note: 'from the bus' }]);
    const item = await eventually(
      async () => (await local.dynamodb.send(new GetItemCommand({ TableName: 'universal-items', Key: { id: { S: 'order-1' } } }))).Item,
    );
    expect(item).toEqual({ id: { S: 'order-1' }, note: { S: 'from the bus' } });
  });

  it('calls sqs:sendMessage: the message its Input builds arrives in the queue', async () => {
    await put('send', [{ n: 7 }]);
    const [body] = await received('universal-out', 1);
    expect(JSON.parse(String(body))).toEqual({ n: 7 });
  });

  it('calls sfn:startExecution: the execution its Input names runs with its input', async () => {
    await put('start', [{ name: 'from-the-bus', n: 3 }]);
    const machine = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:universal-machine`;
    const execution = await eventually(async () => {
      const { executions } = (await local.runtime.states.ListExecutions({ stateMachineArn: machine })) as {
        executions: { name: string; executionArn: string }[];
      };
      return executions.find((e) => e.name === 'from-the-bus');
    });
    const described = (await local.runtime.states.DescribeExecution({ executionArn: execution.executionArn })) as { input: string };
    expect(JSON.parse(described.input)).toEqual({ name: 'from-the-bus', n: 3 });
  });

  it("retries a call the service refuses, then dead-letters the event with the service's error", async () => {
    await put('missing', [{ n: 1 }]);
    const [body] = await received('universal-failed', 1);
    const record = JSON.parse(String(body)) as Record<string, unknown>;
    expect(record).toMatchObject({
      targetArn: universal('dynamodb', 'putItem'),
      errorCode: 'ResourceNotFoundException',
      exhaustedRetryCondition: 'MaximumRetryAttempts',
      retryAttempts: 1,
    });
  });

  it('fails each event of a service the runtime does not host, naming it, and names the subscriber at start-up', async () => {
    expect(local.runtime.warnings.filter((line) => line.includes('subscriber elsewhere'))).toEqual([
      expect.stringContaining('the local runtime does not host mediaconvert'),
    ]);
    await put('elsewhere', [{ n: 1 }]);
    const records = (await received('universal-failed', 1)).map((body) => JSON.parse(body) as Record<string, unknown>);
    expect(records.find((record) => String(record.subscriberArn).includes('/elsewhere/'))).toMatchObject({
      errorCode: 'TargetNotRunLocally',
      errorMessage: expect.stringContaining('does not host mediaconvert'),
    });
  });

  it.each([
    ['an action not in camelCase', universal('dynamodb', 'PutItem'), 'The api PutItem is not valid for the service dynamodb'],
    ['a read', universal('dynamodb', 'getItem'), 'The api getItem is not supported for the service dynamodb'],
    [
      "EventBridge's publish action",
      universal('eventbridge', 'putEvents'),
      'The api putEvents is not supported for the service eventbridge',
    ],
  ])('refuses %s at CreateSubscriber', async (_, target, message) => {
    await expect(createSubscriber('refused', target)).rejects.toMatchObject({
      code: 'InvalidInputException',
      message: expect.stringContaining(message),
    });
  });

  it('refuses a universal target without both batch settings, an Input that is not a request, or a timeout outside 1-30', async () => {
    const target = universal('dynamodb', 'putItem');
    await expect(createSubscriber('no-window', target, {}, { MaxBatchSize: 1 })).rejects.toThrow(/BatchConfiguration with both/);
    await expect(createSubscriber('not-json', target, { UniversalTargetParameters: { Input: 'TableName=t' } })).rejects.toThrow(
      /neither JSON nor/,
    );
    await expect(
      createSubscriber('slow', target, { UniversalTargetParameters: { Input: '{}', InvocationTimeoutSeconds: '31' } }),
    ).rejects.toThrow(/from 1 to 30/);
    await expect(createSubscriber('accepted', target)).resolves.toMatchObject({ Name: 'accepted' });
  });
});

/** What switchyard-cdk's `SubscriberTarget.awsApi` synthesizes (an `arn:${AWS::Partition}:...` target, its role's statement) runs here too. */
describe('EventBridgeV2 universal targets of SubscriberTarget.awsApi', () => {
  const local = restartableRuntime({
    assembly: () =>
      synthStack('UniversalApp', (stack) => {
        const table = new dynamodb.Table(stack, 'Audit', {
          tableName: 'universal-audit',
          partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        });
        new BusSubscriber(stack, 'Auditor', {
          eventBus: new CustomEventBus(stack, 'Bus', { eventBusName: 'universal-app-bus' }),
          filters: [{ scope: 'DATA', pattern: { source: ['audit'] } }],
          target: SubscriberTarget.awsApi({
            service: 'dynamodb',
            action: 'putItem',
            input: '{% {"TableName": "universal-audit", "Item": {"id": {"S": $events.Data.detail.id}}} %}',
            policyStatement: new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
          }),
          maxBatchSize: 1,
          maxBatchWindow: Duration.seconds(0),
        });
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ dynamodb: new DynamoDBClient(sdkConfig(runtime.url)) }),
  });

  it('writes the item the synthesized subscriber builds from the event', async () => {
    const bus = local.runtime.eventbridgev2.store.buses.all().find((b) => b.Name === 'universal-app-bus');
    await local.runtime.eventbridgev2.PutEvents({
      EventBusArn: String(bus?.EventBusArn),
      Entries: [{ Source: 'audit', DetailType: 'test', Detail: JSON.stringify({ id: 'audit-1' }) }],
    });
    const item = await eventually(
      async () => (await local.dynamodb.send(new GetItemCommand({ TableName: 'universal-audit', Key: { id: { S: 'audit-1' } } }))).Item,
    );
    expect(item).toEqual({ id: { S: 'audit-1' } });
  });
});
