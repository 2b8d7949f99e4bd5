import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  DeleteSubscriptionFilterCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  LimitExceededException,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { LogsService } from '../../../local/logs/logs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import type { TargetMessage } from '../../../local/targets/dispatcher.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { eventually, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlineFunction } from '../template-resources.js';

const RECEIVER = "exports.handler = async (event) => { console.log('GOT ' + JSON.stringify(event)); };";

const filter = (group: string, destination: unknown, properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Logs::SubscriptionFilter',
  Properties: { LogGroupName: group, DestinationArn: destination, FilterPattern: '', ...properties },
});

const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Source: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/app/source' } },
      Receiver: inlineFunction(RECEIVER, { FunctionName: 'receiver' }),
      Errors: filter('/app/source', arnOf('Receiver'), { FilterName: 'errors', FilterPattern: '?ERROR ?WARNING' }),
      ToStream: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/app/to-stream' } },
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'log-records', ShardCount: 1 } },
      Everything: filter('/app/to-stream', arnOf('Stream'), {
        FilterName: 'everything',
        Distribution: 'ByLogStream',
        RoleArn: 'arn:aws:iam::000000000000:role/cwl-to-kinesis',
      }),
      SelfLogger: inlineFunction(RECEIVER, { FunctionName: 'self-logger' }),
      Loop: filter('/aws/lambda/self-logger', arnOf('SelfLogger'), { FilterName: 'loop', FilterPattern: 'NEVER_LOGGED' }),
      ToDestination: filter('/app/source', 'arn:aws:logs:us-east-1:111122223333:destination:archive', { FilterName: 'archive' }),
    }),
  ownsAssembly: true,
  clients: (runtime) => ({ logs: new CloudWatchLogsClient(sdkConfig(runtime.url)), kinesis: new KinesisClient(sdkConfig(runtime.url)) }),
});

async function put(group: string, stream: string, messages: readonly string[]) {
  await app.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  const now = Date.now();
  await app.logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: messages.map((message) => ({ timestamp: now, message })),
    }),
  );
  return now;
}

/** What a destination got, as its consumer reads it: the gzipped JSON CloudWatch Logs sends. */
const gunzipped = (bytes: Uint8Array) => JSON.parse(gunzipSync(bytes).toString('utf8')) as Record<string, unknown>;

describe('CloudWatch Logs subscription filters', () => {
  it('delivers only the matching events of a PutLogEvents call to a function, in one awslogs payload', async () => {
    const timestamp = await put('/app/source', 'api', ['ERROR one', 'all is fine', 'WARNING two']);
    const got = await eventually(async () => {
      // The function's group is there once it has logged.
      const read = await app.logs
        .send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/receiver', filterPattern: 'GOT' }))
        .catch(() => undefined);
      return read?.events?.length ? read.events : undefined;
    });
    expect(got).toHaveLength(1);
    const event = JSON.parse((got[0]?.message ?? '').split('GOT ')[1] ?? '') as { awslogs: { data: string } };
    expect(Object.keys(event)).toEqual(['awslogs']);
    expect(gunzipped(Buffer.from(event.awslogs.data, 'base64'))).toEqual({
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: '/app/source',
      logStream: 'api',
      subscriptionFilters: ['errors'],
      logEvents: [
        { id: expect.stringMatching(/^\d{56}$/), timestamp, message: 'ERROR one' },
        { id: expect.stringMatching(/^\d{56}$/), timestamp, message: 'WARNING two' },
      ],
    });
  });

  it('puts the gzipped payload itself (not Base64 of it) as a record of a Kinesis stream', async () => {
    const timestamp = await put('/app/to-stream', 'web-1', ['GET /']);
    const { ShardIterator } = await app.kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'log-records', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const records = await eventually(async () => {
      const read = await app.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      return read.Records?.length ? read.Records : undefined;
    });
    expect(records.map((r) => r.PartitionKey)).toEqual(['web-1']);
    expect(gunzipped(records[0]?.Data as Uint8Array)).toMatchObject({
      messageType: 'DATA_MESSAGE',
      logGroup: '/app/to-stream',
      logStream: 'web-1',
      subscriptionFilters: ['everything'],
      logEvents: [{ timestamp, message: 'GET /' }],
    });
  });

  it('names at start-up a destination it does not deliver to, and a function subscribed to its own log group', () => {
    const warnings = app.runtime.warnings.join('\n');
    expect(warnings).toContain(
      'Stack/ToDestination (AWS::Logs::SubscriptionFilter): its destination arn:aws:logs:us-east-1:111122223333:destination:archive is not run locally',
    );
    expect(warnings).toContain('Stack/Loop (AWS::Logs::SubscriptionFilter): function self-logger is subscribed to its own log group');
    expect(warnings).not.toContain('subscription filters are not run locally');
  });

  it('answers DescribeSubscriptionFilters, refuses a third filter of a group, and deletes one', async () => {
    const described = await app.logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/app/source' }));
    expect(described.subscriptionFilters?.map((f) => [f.filterName, f.filterPattern, f.distribution])).toEqual([
      ['archive', '', 'Random'],
      ['errors', '?ERROR ?WARNING', 'Random'],
    ]);
    const third = {
      logGroupName: '/app/source',
      filterName: 'third',
      filterPattern: '',
      destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:receiver',
    };
    await expect(app.logs.send(new PutSubscriptionFilterCommand(third))).rejects.toBeInstanceOf(LimitExceededException);
    await app.logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/app/source', filterName: 'archive' }));
    await app.logs.send(new PutSubscriptionFilterCommand(third));
    const after = await app.logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/app/source', filterNamePrefix: 't' }));
    expect(after.subscriptionFilters?.map((f) => f.filterName)).toEqual(['third']);
  });
});

describe('SubscriptionFilters', () => {
  it('delivers after a restart what was matched before it, and a function log line as well as PutLogEvents', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'logsubs-'));
    const file = path.join(dir, 'logs.db');
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const sent: { arn: string; message: TargetMessage }[] = [];
    const dispatcher = () => ({
      send: async (arn: string, message: TargetMessage) => {
        sent.push({ arn, message });
        return { service: 'lambda' as const };
      },
    });
    const arn = `arn:aws:lambda:${region}:000000000000:function:fn`;
    const first = new LogsService({ db: openDatabase(file), clock, accountId: '000000000000', region, dispatcher });
    first.declareSubscriptionFilters([{ group: '/aws/lambda/app', name: 'f', pattern: 'ERROR', destinationArn: arn }]);
    // Never started: what it matched is only in its database when it stops.
    first.write('/aws/lambda/app', 'env-1', [
      { timestamp: clock.now(), message: 'ERROR boom' },
      { timestamp: clock.now(), message: 'fine' },
    ]);
    await first.stop();
    expect(sent).toEqual([]);

    const second = new LogsService({ db: openDatabase(file), clock, accountId: '000000000000', region, dispatcher });
    second.start();
    await eventually(async () => (sent.length > 0 ? true : undefined));
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
    const event = sent[0]?.message.lambda?.event as { awslogs: { data: string } };
    expect(sent.map((s) => [s.arn, s.message.lambda?.invocationType])).toEqual([[arn, 'Event']]);
    expect(gunzipped(Buffer.from(event.awslogs.data, 'base64'))).toMatchObject({
      logGroup: '/aws/lambda/app',
      logStream: 'env-1',
      logEvents: [{ message: 'ERROR boom' }],
    });
  });

  it("applies the template's filters as a stack update would: a removed one deleted, an API one kept, a bad one printed and not run", async () => {
    const lines: string[] = [];
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const logs = new LogsService({ db: openDatabase(':memory:'), clock, accountId: '000000000000', region, log: (l) => lines.push(l) });
    const destinationArn = `arn:aws:lambda:${region}:000000000000:function:fn`;
    const group = '/aws/lambda/app';
    logs.declareSubscriptionFilters([
      { group, name: 'a', pattern: 'ERROR', destinationArn },
      { group, name: 'b', pattern: 'WARN', destinationArn },
    ]);
    logs.declareSubscriptionFilters([{ group, name: 'a', pattern: 'ERROR', destinationArn }]);
    await logs.subscriptions.PutSubscriptionFilter({ logGroupName: group, filterName: 'api', filterPattern: '', destinationArn });
    logs.declareSubscriptionFilters([
      { group, name: 'a', pattern: 'ERROR', destinationArn },
      { group: '/other', name: 'bad', pattern: '%(x)%', destinationArn },
    ]);
    expect(logs.subscriptions.list(group).map((f) => f.name)).toEqual(['a', 'api']);
    expect(logs.subscriptions.list('/other')).toEqual([]);
    expect(lines).toEqual([
      'subscription filter bad of /other is not run: InvalidParameterException: Invalid regex in filter pattern: %(x)%',
    ]);
    await logs.stop();
  });
});
