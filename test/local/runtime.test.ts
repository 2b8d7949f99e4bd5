import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { awsCli, awsCliMissing } from './aws-cli.js';
import { consumerFixture } from './consumer-fixture.js';
import { credentials, eventually, region, ticketEntry } from './helpers.js';
import { restartableRuntime } from './restartable-runtime.js';

const local = restartableRuntime({ assembly: consumerFixture, options: { log: (line) => logs.push(line), logEvents: true } });
let events: EventBridgeClient;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
let lambda: LambdaClient;
const logs: string[] = [];
beforeAll(async () => {
  const config = { endpoint: local.runtime.url, region, credentials };
  events = new EventBridgeClient(config);
  dynamodb = new DynamoDBClient(config);
  sqs = new SQSClient(config);
  lambda = new LambdaClient(config);
});

async function runsOf(ticketId: string): Promise<number | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: 'fixture-effects', Key: { ticketId: { S: ticketId } } }));
  return Item?.runs?.N === undefined ? undefined : Number(Item.runs.N);
}

async function queueDrained(): Promise<true | undefined> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  for (const url of QueueUrls.filter((u) => u.includes('RecorderQueue'))) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (Attributes.ApproximateNumberOfMessages !== '0' || Attributes.ApproximateNumberOfMessagesNotVisible !== '0') return undefined;
  }
  return true;
}

describe('LocalRuntime', () => {
  it('runs PutEvents -> rule -> queue -> the bundled handler, which claims the ticket in DynamoDB', async () => {
    const result = await events.send(new PutEventsCommand({ Entries: [ticketEntry('E2E-1')] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(await eventually(() => runsOf('E2E-1'), 15_000, 'the side effect')).toBe(1);
    const table = local.runtime.definitions.tables.find((t) => t.name.includes('Idempotency'));
    // The claim completes after the side effect, so it may trail the side effect's write by a moment.
    const completed = async () => {
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table?.name }));
      return Items.some((item) => item.status?.S === 'COMPLETED') || undefined;
    };
    expect(await eventually(completed, 15_000, 'the idempotency claim to complete')).toBe(true);
    expect(logs.some((line) => line.startsWith('[Fixture-RecorderHandler') && line.includes('START RequestId'))).toBe(true);
  });

  it('runs the side effect once for a duplicate PutEvents of the same ticket', async () => {
    await events.send(new PutEventsCommand({ Entries: [ticketEntry('E2E-2')] }));
    await eventually(() => runsOf('E2E-2'));
    await events.send(new PutEventsCommand({ Entries: [ticketEntry('E2E-2'), ticketEntry('E2E-2')] }));
    await local.runtime.events.idle();
    await eventually(queueDrained, 15_000, 'the queue to drain');
    expect(await runsOf('E2E-2')).toBe(1);
  });

  it('answers PutEvents entry errors per entry, as AWS does', async () => {
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          ticketEntry('E2E-3'),
          { Source: 'x', DetailType: 'y', Detail: 'not json' },
          { Source: 'aws.s3', DetailType: 'y', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.map((e) => e.ErrorCode)).toEqual([undefined, 'MalformedDetail', 'NotAuthorizedForSourceException']);
  });

  it('fails PutEvents with more than 10 entries', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ticketEntry(`many-${i}`));
    await expect(events.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('serves TestEventPattern and ListRules from the template', async () => {
    const { Result } = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify({ source: ['a'] }),
        Event: JSON.stringify({
          id: '1',
          account: '1',
          source: 'a',
          time: '2026-01-01T00:00:00Z',
          region: 'us-east-1',
          'detail-type': 'x',
          detail: {},
        }),
      }),
    );
    expect(Result).toBe(true);
    const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: 'fixture-bus' }));
    expect(Rules.map((r) => JSON.parse(r.EventPattern ?? '{}'))).toContainEqual({
      source: ['switchyard.helpdesk'],
      'detail-type': ['TicketCreated'],
    });
  });

  it('lists and invokes functions through the Lambda API', async () => {
    const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
    const recorder = Functions.find((f) => f.FunctionName?.includes('RecorderHandler'));
    expect(recorder).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: recorder?.FunctionName,
        Payload: JSON.stringify({ Records: [{ messageId: 'm1', body: 'not json', attributes: {} }] }),
      }),
    );
    expect(response.FunctionError).toBeUndefined();
    // A body that is not JSON is a permanent failure: the kit sends it to the DLQ itself and reports it processed.
    expect(JSON.parse(Buffer.from(response.Payload ?? []).toString())).toEqual({ batchItemFailures: [] });
  });

  it('archives events and replays them with replay-name, without running side effects twice', async () => {
    const { Archives = [] } = await events.send(new ListArchivesCommand({}));
    const archive = Archives.find((a) => a.ArchiveName === 'fixture-archive');
    expect(archive?.EventCount).toBeGreaterThanOrEqual(1);
    const before = await runsOf('E2E-1');
    // A second rule, added before the replay, sees what the replay routes (AWS replays to the bus's current rules).
    const { QueueUrl: observer } = await sqs.send(new CreateQueueCommand({ QueueName: 'replay-observer' }));
    await events.send(
      new PutRuleCommand({
        Name: 'observe-replays',
        EventBusName: 'fixture-bus',
        EventPattern: JSON.stringify({ source: [TicketCreated.source] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'observe-replays',
        EventBusName: 'fixture-bus',
        Targets: [{ Id: 'observer', Arn: 'arn:aws:sqs:us-east-1:000000000000:replay-observer' }],
      }),
    );
    await events.send(
      new StartReplayCommand({
        ReplayName: 'again',
        EventSourceArn: `arn:aws:events:us-east-1:000000000000:archive/fixture-archive`,
        Destination: { Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/fixture-bus' },
        EventStartTime: new Date(Date.now() - 3_600_000),
        EventEndTime: new Date(Date.now() + 60_000),
      }),
    );
    const replay = await eventually(async () => {
      const r = await events.send(new DescribeReplayCommand({ ReplayName: 'again' }));
      return r.State === 'COMPLETED' ? r : undefined;
    });
    expect(replay.State).toBe('COMPLETED');
    await local.runtime.events.idle();
    const replayed = await eventually(async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: observer, MaxNumberOfMessages: 10 }));
      return Messages.map((m) => JSON.parse(m.Body ?? '{}')).find((e) => e.detail?.ticketId === 'E2E-1');
    });
    expect(replayed).toMatchObject({ 'replay-name': 'again', 'detail-type': 'TicketCreated' });
    await eventually(queueDrained, 15_000, 'the queue to drain');
    expect(await runsOf('E2E-1')).toBe(before);
  });

  it('answers an operation it does not support with the AWS error shape', async () => {
    const { ListConnectionsCommand } = await import('@aws-sdk/client-eventbridge');
    await expect(events.send(new ListConnectionsCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it.skipIf(awsCliMissing)('works with the AWS CLI unchanged: put-events, then list-functions', async () => {
    const entries = JSON.stringify([ticketEntry('CLI-1')]);
    const put = (await awsCli(local.runtime.url, ['events', 'put-events', '--entries', entries])) as { FailedEntryCount: number };
    expect(put.FailedEntryCount).toBe(0);
    expect(await eventually(() => runsOf('CLI-1'))).toBe(1);
    const list = (await awsCli(local.runtime.url, ['lambda', 'list-functions'])) as { Functions: { Runtime: string }[] };
    expect(list.Functions.map((f) => f.Runtime)).toContain('nodejs24.x');
  });
});
