import * as path from 'node:path';
import { ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CfnEventBus, CfnSubscriber } from 'aws-cdk-lib/aws-eventsv2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBridgeV2Client } from '../../contracts/eventbridgev2-client.js';
import { defineContract, Type } from '../../contracts/index.js';
import { EventHub } from '../../lib/constructs/index.js';
import { eventually } from '../local/helpers.js';
import { startCdkApp, useApp } from './app-fixture.js';
import { childEnv, runCli } from './run-cli.js';

const OrderPlaced = defineContract({
  detailType: 'OrderPlaced',
  source: 'shop.orders',
  description: 'An order was placed.',
  properties: { orderId: Type.String({ minLength: 1 }), total: Type.Number({ minimum: 0 }) },
  idempotencyFields: ['orderId'],
});

let busArn = '';
const app = useApp(
  async ({ config }) => {
    const client = new EventBridgeV2Client({
      endpoint: config.endpoint,
      region: config.region,
      credentials: async () => config.credentials,
      env: {},
    });
    const { EventBuses = [] } = (await client.call('ListEventBuses', {})) as { EventBuses?: { Name: string; EventBusArn: string }[] };
    busArn = String(EventBuses.find((b) => b.Name === 'orders-v2')?.EventBusArn);
  },
  () =>
    startCdkApp('Shop', (stack) => {
      // A classic hub publishes the contracts (its schema registry); the Custom Event Bus beside it.
      new EventHub(stack, 'Hub', { eventBusName: 'shop-hub', contracts: [OrderPlaced] });
      const bus = new CfnEventBus(stack, 'Orders', { name: 'orders-v2' });
      const queue = new Queue(stack, 'Fulfilment', { fifo: true });
      const dlq = new Queue(stack, 'FulfilmentFailed');
      const role = new Role(stack, 'DeliveryRole', { assumedBy: new ServicePrincipal('events.amazonaws.com') });
      queue.grantSendMessages(role);
      new CfnSubscriber(stack, 'FulfilmentSubscriber', {
        name: 'fulfilment',
        eventBusArn: bus.attrEventBusArn,
        type: 'FIFO',
        invokeConfiguration: { roleArn: role.roleArn, targetArn: queue.queueArn },
        onFailureConfiguration: { arn: dlq.queueArn },
      });
    }),
);

const detail = (orderId: string) => JSON.stringify({ orderId, total: 3 });

describe('switchyard send to a Custom Event Bus', () => {
  it('publishes with the eventbridgev2 API to the bus --bus names by name, logical id, construct path or ARN, printing each id PUBLISHED', async () => {
    expect(busArn).toMatch(/:event-busv2\/orders-v2\/[a-z0-9]{25}$/);
    for (const [i, bus] of ['orders-v2', 'Orders', 'Shop/Orders', busArn].entries()) {
      const sent = await runCli(['send', 'OrderPlaced', '--detail', detail(`O-${i}`), '--bus', bus, ...app.target]);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout.trim()).toMatch(/^\S+ PUBLISHED$/);
    }
  });

  it('sends --group and --dedup as the entry system metadata: a repeat of a dedup id is DEDUPLICATED with the first id', async () => {
    const args = ['send', 'OrderPlaced', '--detail', detail('O-dedup'), '--bus', 'orders-v2', '--group', 'g-1', '--dedup', 'd-1'];
    const first = await runCli([...args, '--json', ...app.target]);
    expect(first.stderr).toBe('');
    const answer = JSON.parse(first.stdout) as { busArn: string; outcomes: { eventId: string; status: string }[]; eventIds: string[] };
    expect(answer.busArn).toBe(busArn);
    expect(answer.outcomes).toEqual([{ eventId: answer.eventIds[0], status: 'PUBLISHED' }]);
    const again = await runCli([...args, ...app.target]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`${answer.eventIds[0]} DEDUPLICATED`);
    // {n} numbers the dedup ids of --count events, so each is its own event.
    const numbered = await runCli([...args.slice(0, -1), 'd-n-{n}', '--count', '3', ...app.target]);
    expect(
      numbered.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[1]),
    ).toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED']);
  });

  it('fails if the detail breaks the contract, exactly as for the classic bus, sending nothing', async () => {
    const invalid = await runCli(['send', 'OrderPlaced', '--detail', '{"orderId":""}', '--bus', 'orders-v2', ...app.target]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('detail.orderId: must NOT have fewer than 1 characters');
    expect(invalid.stdout).toBe('');
  });

  it('fails if the bus refuses an entry, naming the event and its error', async () => {
    // The aws. prefix is the services' own: the bus refuses the entry alone.
    const refused = await runCli([
      'send',
      'OrderPlaced',
      '--detail',
      detail('O-aws'),
      '--source',
      'aws.shop',
      '--bus',
      'orders-v2',
      ...app.target,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('event 1 was refused by the Custom Event Bus orders-v2 (event 1: InvalidInputException:');
  });

  it('fails if --group or --dedup is given for a classic bus, or is longer than the bus takes', async () => {
    const classic = await runCli(['send', 'OrderPlaced', '--detail', detail('O-c'), '--bus', 'shop-hub', '--group', 'g', ...app.target]);
    expect(classic.code).toBe(2);
    expect(classic.stderr).toContain("--group is a Custom Event Bus's (AWS::EventsV2::EventBus); shop-hub is a classic event bus");
    const long = await runCli([
      'send',
      'OrderPlaced',
      '--detail',
      detail('O-l'),
      '--bus',
      'orders-v2',
      '--dedup',
      'x'.repeat(129),
      ...app.target,
    ]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain("--dedup must be 1 to 128 characters (the Custom Event Bus's limit); got 129");
  });

  it('fails if the ARN names a Custom Event Bus the target does not have, saying so', async () => {
    const missing = busArn.replace('orders-v2', 'gone');
    const sent = await runCli(['send', 'OrderPlaced', '--detail', detail('O-m'), '--bus', missing, ...app.target]);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain('ResourceNotFoundException');
  });
});

describe('switchyard trace on a Custom Event Bus', () => {
  it('shows an event published to it and its delivery to each subscriber that selects it', async () => {
    const sent = await runCli([
      'send',
      'OrderPlaced',
      '--detail',
      detail('O-trace'),
      '--bus',
      'orders-v2',
      '--group',
      'g-t',
      ...app.target,
    ]);
    const eventId = sent.stdout.trim().split(' ')[0] as string;
    const traced = await eventually(
      async () => {
        const t = await runCli(['trace', eventId, ...app.target]);
        return /\(delivered\)/.test(t.stdout) ? t : undefined;
      },
      30_000,
      `the delivery of ${eventId} in its trace`,
    );
    const [event, subscriber] = traced.stdout.trim().split('\n');
    expect(event).toMatch(new RegExp(`event: OrderPlaced from shop\\.orders on orders-v2  \\[accepted\\]  ${eventId}$`));
    expect(subscriber).toMatch(/└─ \S+ {2}subscriber: fulfilment -> Shop-Fulfilment\w+\.fifo \(delivered\) {2}\[delivered\]$/);
  });
});

describe('switchyard failures on a Custom Event Bus', () => {
  it("lists a subscriber's dead-letter records with the subscriber and the reason", async () => {
    const sqs = new SQSClient(app.config);
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'Shop-FulfilmentFailed' }));
    const QueueUrl = QueueUrls[0];
    // The record a subscriber writes when its retries are spent (eb-custom-bus-retry's "The dead-letter record").
    const record = {
      version: '1.0',
      busArn,
      subscriberArn: 'arn:aws:events:us-east-1:000000000000:subscriber/fulfilment/abcdefghijklmnopqrstuvwxy',
      targetArn: 'arn:aws:sqs:us-east-1:000000000000:Shop-Fulfilment.fifo',
      errorCode: 'ACCESS_DENIED',
      errorMessage: 'The delivery role is not authorized to perform sqs:SendMessage on the target.',
      exhaustedRetryCondition: 'MaximumRetryAttempts',
      retryAttempts: 5,
      failedMessages: [
        { eventId: 'e-1', eventGroupId: 'g', deduplicationId: null, timestamp: '2026-11-27T10:00:00Z', targetRequestId: null },
      ],
    };
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(record) }));
    const failures = await runCli(['failures', '--json', ...app.target]);
    expect(failures.stderr).toBe('');
    const answer = JSON.parse(failures.stdout) as {
      queues: { source: string; fedBy: string[] }[];
      failures: { source: string; error: string; reason: string; what?: string }[];
    };
    expect(answer.queues.find((q) => q.source === 'FulfilmentFailed')?.fedBy).toEqual([
      'Custom Event Bus subscriber fulfilment -> Fulfilment',
    ]);
    expect(answer.failures.filter((f) => f.source === 'FulfilmentFailed')).toMatchObject([
      {
        error: 'ACCESS_DENIED',
        what: 'event e-1',
        reason:
          'subscriber fulfilment could not deliver the event to sqs Shop-Fulfilment.fifo: ACCESS_DENIED The delivery role is not authorized to perform sqs:SendMessage on the target. (5 retries, MaximumRetryAttempts exhausted)',
      },
    ]);
  });
});

describe('the MCP tools on a Custom Event Bus', () => {
  let mcp: Client | undefined;
  afterAll(() => mcp?.close());

  it('describe_app lists it with its subscribers, and send_event publishes to it with a group and dedup id', async () => {
    mcp = new Client({ name: 'switchyard-test', version: '1.0.0' });
    const env = Object.fromEntries(Object.entries(childEnv({})).filter((e): e is [string, string] => e[1] !== undefined));
    const main = path.resolve(import.meta.dirname, '../../cli/main.ts');
    await mcp.connect(
      new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', main, 'mcp', ...app.target], env, stderr: 'pipe' }),
    );
    const described = (await mcp.callTool({ name: 'describe_app', arguments: {} })).structuredContent as {
      buses: string[];
      customBuses: unknown[];
    };
    expect(described.buses).toEqual(['default', 'shop-hub']);
    expect(described.customBuses).toEqual([
      {
        name: 'orders-v2',
        stack: 'Shop',
        subscribers: [
          {
            name: 'fulfilment',
            target: 'Fulfilment',
            targetType: 'AWS::SQS::Queue',
            ordering: 'FIFO',
            deadLetterQueue: 'FulfilmentFailed',
          },
        ],
      },
    ]);
    const send = { detailType: 'OrderPlaced', detail: { orderId: 'O-mcp', total: 1 }, bus: 'orders-v2', group: 'g', dedup: 'mcp-1' };
    type Answer = { outcomes: { eventId: string; status: string }[]; changed: string };
    const first = (await mcp.callTool({ name: 'send_event', arguments: send })).structuredContent as Answer;
    expect(first.outcomes).toEqual([{ eventId: expect.any(String), status: 'PUBLISHED' }]);
    const again = (await mcp.callTool({ name: 'send_event', arguments: send })).structuredContent as Answer;
    expect(again.outcomes).toEqual([{ eventId: first.outcomes[0]?.eventId, status: 'DEDUPLICATED' }]);
    expect(again.changed).toContain('was deduplicated');
  });
});
