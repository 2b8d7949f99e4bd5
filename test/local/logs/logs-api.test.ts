import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../../local/endpoint/server.js';
import { validateLogsInput } from '../../../local/logs/input-validation.js';
import { LogsService } from '../../../local/logs/logs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';
import { credentials, region } from '../helpers.js';

const DAY = 86_400_000;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let endpoint: Endpoint;
let url: string;
let logs: LogsService;
let client: CloudWatchLogsClient;

beforeAll(async () => {
  endpoint = new Endpoint({ port: 0 });
  url = await endpoint.start();
  logs = new LogsService({ db: openDatabase(':memory:'), clock, accountId: '000000000000', region });
  endpoint.mount({
    jsonServices: [{ targetPrefix: 'Logs_20140328', jsonVersion: '1.1', operations: logs.operations, validate: validateLogsInput }],
  });
  client = new CloudWatchLogsClient({ endpoint: url, region, credentials });
});
afterAll(async () => {
  client.destroy();
  logs.stop();
  await endpoint.stop();
});

async function groupWithStream(group: string, stream = 's1') {
  await client.send(new CreateLogGroupCommand({ logGroupName: group }));
  await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

async function put(group: string, stream: string, messages: readonly string[], at = clock.now()) {
  return client.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: messages.map((message, i) => ({ timestamp: at + i, message })),
    }),
  );
}

describe('CloudWatch Logs groups and streams', () => {
  it('creates, describes by prefix and pattern, pages and deletes groups', async () => {
    for (const name of ['/app/b', '/app/a', '/other/x', '/app/c']) await client.send(new CreateLogGroupCommand({ logGroupName: name }));
    const byPrefix = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/', limit: 2 }));
    expect(byPrefix.logGroups?.map((g) => g.logGroupName)).toEqual(['/app/a', '/app/b']);
    expect(byPrefix.logGroups?.[0]).toMatchObject({
      arn: `arn:aws:logs:${region}:000000000000:log-group:/app/a:*`,
      logGroupArn: `arn:aws:logs:${region}:000000000000:log-group:/app/a`,
      creationTime: clock.now(),
      storedBytes: 0,
      logGroupClass: 'STANDARD',
    });
    const next = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/app/', limit: 2, nextToken: byPrefix.nextToken }));
    expect(next.logGroups?.map((g) => g.logGroupName)).toEqual(['/app/c']);
    expect(next.nextToken).toBeUndefined();
    const byIdentifier = await client.send(
      new DescribeLogGroupsCommand({ logGroupIdentifiers: [`arn:aws:logs:${region}:000000000000:log-group:/app/c`, '/other/x'], limit: 1 }),
    );
    expect(byIdentifier.logGroups?.map((g) => g.logGroupName)).toEqual(['/app/c']);
    expect(byIdentifier.nextToken).toBeDefined();
    const byPattern = await client.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'ther' }));
    expect(byPattern.logGroups?.map((g) => g.logGroupName)).toEqual(['/other/x']);

    await client.send(new DeleteLogGroupCommand({ logGroupName: '/other/x' }));
    const after = await client.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'ther' }));
    expect(after.logGroups).toEqual([]);
  });

  it("keeps a group's tags by its ARN, listed by key, and forgets them with the group", async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { team: 'a', env: 'dev' } }));
    expect((await client.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({ env: 'dev', team: 'a' });
    const resourceArn = `arn:aws:logs:${region}:000000000000:log-group:tagged`;
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual({ env: 'dev', team: 'a' });
    await client.send(new DeleteLogGroupCommand({ logGroupName: 'tagged' }));
    await client.send(new CreateLogGroupCommand({ logGroupName: 'tagged' }));
    expect((await client.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({});
    await client.send(new DeleteLogGroupCommand({ logGroupName: 'tagged' }));
  });

  it('fails if a group exists already, does not exist, or is named badly', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    await expect(client.send(new CreateLogGroupCommand({ logGroupName: 'dup' }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    const missing = client.send(new DeleteLogGroupCommand({ logGroupName: 'never' }));
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toThrow('The specified log group does not exist.');
    await expect(client.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' }))).rejects.toThrow(
      /at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    await expect(client.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('orders streams by name or last event time, descending, with paging', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: 'streams' }));
    for (const name of ['c', 'a', 'b']) await client.send(new CreateLogStreamCommand({ logGroupName: 'streams', logStreamName: name }));
    await put('streams', 'a', ['late'], clock.now() + 3000);
    await put('streams', 'c', ['early'], clock.now() + 1000);
    await put('streams', 'b', ['middle'], clock.now() + 2000);
    const byName = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', limit: 2 }));
    expect(byName.logStreams?.map((s) => s.logStreamName)).toEqual(['a', 'b']);
    const rest = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', limit: 2, nextToken: byName.nextToken }));
    expect(rest.logStreams?.map((s) => s.logStreamName)).toEqual(['c']);
    const byTime = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', descending: true }),
    );
    expect(byTime.logStreams?.map((s) => s.logStreamName)).toEqual(['a', 'b', 'c']);
    expect(byTime.logStreams?.[0]).toMatchObject({
      firstEventTimestamp: clock.now() + 3000,
      lastEventTimestamp: clock.now() + 3000,
      arn: `arn:aws:logs:${region}:000000000000:log-group:streams:log-stream:a`,
    });
    await expect(
      client.send(new DescribeLogStreamsCommand({ logGroupName: 'streams', orderBy: 'LastEventTime', logStreamNamePrefix: 'a' })),
    ).rejects.toThrow('Cannot order by LastEventTime with a logStreamNamePrefix.');
    await client.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' }));
    await expect(client.send(new DeleteLogStreamCommand({ logGroupName: 'streams', logStreamName: 'a' }))).rejects.toThrow(
      'The specified log stream does not exist.',
    );
  });
});

describe('PutLogEvents', () => {
  it('rejects events more than 14 days old and 2 hours ahead, keeping the rest', async () => {
    await groupWithStream('put');
    const now = clock.now();
    const result = await client.send(
      new PutLogEventsCommand({
        logGroupName: 'put',
        logStreamName: 's1',
        logEvents: [
          { timestamp: now - 15 * DAY, message: 'too old 1' },
          { timestamp: now - 14 * DAY - 1, message: 'too old 2' },
          { timestamp: now, message: 'kept' },
          { timestamp: now + 2 * 3_600_000 + 1, message: 'too new 1' },
          { timestamp: now + 3 * 3_600_000, message: 'too new 2' },
        ],
      }),
    );
    expect(result.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
    const read = await client.send(new GetLogEventsCommand({ logGroupName: 'put', logStreamName: 's1', startFromHead: true }));
    expect(read.events?.map((e) => e.message)).toEqual(['kept']);
    expect(read.events?.[0]?.ingestionTime).toBe(now);
  });

  it('fails if the events are out of order, too many, too large, or span more than a day', async () => {
    await groupWithStream('put-rules');
    const now = clock.now();
    const send = (logEvents: { timestamp: number; message: string }[]) =>
      client.send(new PutLogEventsCommand({ logGroupName: 'put-rules', logStreamName: 's1', logEvents }));
    await expect(
      send([
        { timestamp: now, message: 'b' },
        { timestamp: now - 1, message: 'a' },
      ]),
    ).rejects.toThrow('Log events in a single PutLogEvents request must be in chronological order.');
    await expect(send(Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'x' })))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    // 1,048,576 bytes in all, counting 26 per event: one byte over.
    await expect(send([{ timestamp: now, message: 'x'.repeat(1_048_576 - 26 + 1) }])).rejects.toThrow(/Upload too large/);
    await expect(send([{ timestamp: now, message: 'x'.repeat(1_048_576 - 26) }])).resolves.toBeDefined();
    await expect(
      send([
        { timestamp: now - DAY - 1, message: 'a' },
        { timestamp: now, message: 'b' },
      ]),
    ).rejects.toThrow('cannot span more than 24 hours');
    await expect(
      client.send(
        new PutLogEventsCommand({ logGroupName: 'put-rules', logStreamName: 'nope', logEvents: [{ timestamp: now, message: 'a' }] }),
      ),
    ).rejects.toThrow('The specified log stream does not exist.');
  });
});

describe('GetLogEvents', () => {
  it('pages forward and backward, and returns the same token at either end', async () => {
    await groupWithStream('paging');
    const messages = Array.from({ length: 7 }, (_, i) => `event ${i}`);
    await put('paging', 's1', messages);

    const latest = await client.send(new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', limit: 3 }));
    expect(latest.events?.map((e) => e.message)).toEqual(['event 4', 'event 5', 'event 6']);
    const earlier = await client.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', limit: 3, nextToken: latest.nextBackwardToken }),
    );
    expect(earlier.events?.map((e) => e.message)).toEqual(['event 1', 'event 2', 'event 3']);

    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await client.send(
        new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', limit: 3, startFromHead: true, nextToken: token }),
      );
      seen.push(...(result.events ?? []).map((e) => e.message as string));
      if (token !== undefined && result.nextForwardToken === token) break;
      token = result.nextForwardToken;
    }
    expect(seen).toEqual(messages);

    // At the end, the forward token comes back unchanged, and new events show from there.
    await put('paging', 's1', ['event 7'], clock.now() + 100);
    const more = await client.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', startFromHead: true, nextToken: token }),
    );
    expect(more.events?.map((e) => e.message)).toEqual(['event 7']);

    const start = await client.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', startFromHead: true, limit: 2 }),
    );
    const before = await client.send(
      new GetLogEventsCommand({ logGroupName: 'paging', logStreamName: 's1', nextToken: start.nextBackwardToken }),
    );
    expect(before.events).toEqual([]);
    expect(before.nextBackwardToken).toBe(start.nextBackwardToken);
  });

  it('reads a time range: startTime inclusive, endTime exclusive', async () => {
    await groupWithStream('range');
    const t = clock.now();
    await put('range', 's1', ['a', 'b', 'c', 'd'], t);
    const result = await client.send(
      new GetLogEventsCommand({ logGroupName: 'range', logStreamName: 's1', startTime: t + 1, endTime: t + 3, startFromHead: true }),
    );
    expect(result.events?.map((e) => e.message)).toEqual(['b', 'c']);
  });

  it('fails if the token is not one it gave', async () => {
    await expect(
      client.send(new GetLogEventsCommand({ logGroupName: 'range', logStreamName: 's1', nextToken: 'f/nonsense' })),
    ).rejects.toThrow('The specified nextToken is invalid.');
    // Digits past what a position holds, and list tokens of the right kind carrying values of the wrong shape.
    const tooBig = `f/${'9'.repeat(56)}`;
    await expect(client.send(new GetLogEventsCommand({ logGroupName: 'range', logStreamName: 's1', nextToken: tooBig }))).rejects.toThrow(
      'The specified nextToken is invalid.',
    );
    const forged = (kind: string, value: unknown) => Buffer.from(JSON.stringify({ k: kind, v: value })).toString('base64url');
    for (const nextToken of [forged('groups', {}), forged('groups', [1])]) {
      await expect(client.send(new DescribeLogGroupsCommand({ nextToken }))).rejects.toThrow('The specified nextToken is invalid.');
    }
    for (const nextToken of [forged('streams', -5), forged('streams', 'abc')]) {
      await expect(client.send(new DescribeLogStreamsCommand({ logGroupName: 'range', nextToken }))).rejects.toThrow(
        'The specified nextToken is invalid.',
      );
    }
    for (const nextToken of [forged('filter', 'x'), forged('filter', { t: 'a', i: {} })]) {
      await expect(client.send(new FilterLogEventsCommand({ logGroupName: 'range', nextToken }))).rejects.toThrow(
        'The specified nextToken is invalid.',
      );
    }
  });
});

describe('FilterLogEvents', () => {
  beforeAll(async () => {
    await groupWithStream('filter', 'web-1');
    await client.send(new CreateLogStreamCommand({ logGroupName: 'filter', logStreamName: 'worker-1' }));
    const t = clock.now();
    await put('filter', 'web-1', ['ERROR disk full', 'INFO started', 'WARN slow request "GET /a"'], t);
    await put(
      'filter',
      'worker-1',
      [
        JSON.stringify({ level: 'ERROR', latency: 12, user: { id: 'u-1' } }),
        JSON.stringify({ level: 'INFO', latency: 3, user: { id: 'u-2' } }),
        'ERROR Exiting',
      ],
      t + 10,
    );
  });

  const filter = async (pattern: string, extra: Record<string, unknown> = {}) => {
    const result = await client.send(new FilterLogEventsCommand({ logGroupName: 'filter', filterPattern: pattern, ...extra }));
    return result.events?.map((e) => e.message);
  };

  it('matches terms, quoted phrases, excluded and optional terms', async () => {
    expect(await filter('ERROR')).toEqual(['ERROR disk full', expect.stringContaining('"ERROR"'), 'ERROR Exiting']);
    expect(await filter('ERROR -Exiting -level')).toEqual(['ERROR disk full']);
    expect(await filter('"slow request"')).toEqual(['WARN slow request "GET /a"']);
    expect(await filter('?WARN ?Exiting')).toEqual(['WARN slow request "GET /a"', 'ERROR Exiting']);
    expect(await filter('error')).toEqual([]);
  });

  it('matches JSON patterns with comparisons, && and ||', async () => {
    expect(await filter('{ $.level = "ERROR" }')).toEqual([JSON.stringify({ level: 'ERROR', latency: 12, user: { id: 'u-1' } })]);
    expect(await filter('{ $.latency > 5 }')).toHaveLength(1);
    expect(await filter('{ $.latency < 5 && $.user.id = "u-2" }')).toHaveLength(1);
    expect(await filter('{ $.latency > 100 || $.user.id = u-* }')).toHaveLength(2);
    expect(await filter('{ $.missing NOT EXISTS && ($.level != "ERROR") }')).toHaveLength(1);
  });

  it('filters by stream names, prefix and time, and pages with nextToken', async () => {
    expect(await filter('ERROR', { logStreamNames: ['web-1'] })).toEqual(['ERROR disk full']);
    expect(await filter('', { logStreamNamePrefix: 'work' })).toHaveLength(3);
    expect(await filter('', { startTime: clock.now() + 10, endTime: clock.now() + 11 })).toHaveLength(2);

    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new FilterLogEventsCommand({ logGroupName: 'filter', limit: 2, nextToken }));
      expect(page.events?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.events ?? []).map((e) => `${e.logStreamName}:${e.message}`));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toHaveLength(6);
    expect(seen[0]).toBe('web-1:ERROR disk full');
  });

  it('fails if the pattern is malformed or both stream filters are given', async () => {
    await expect(filter('{ $.level = }')).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(filter('', { logStreamNames: ['web-1'], logStreamNamePrefix: 'w' })).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('retention', () => {
  it('purges events older than the retention period and rejects them on put', async () => {
    await groupWithStream('retained');
    const start = clock.now();
    await put('retained', 's1', ['old'], start);
    await client.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 1 }));
    clock.advance(DAY / 2);
    await put('retained', 's1', ['new']);
    const [before] = (await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }))).logGroups ?? [];
    expect(before).toMatchObject({ retentionInDays: 1, storedBytes: 6 });

    clock.advance(DAY / 2 + 1);
    const read = await client.send(new GetLogEventsCommand({ logGroupName: 'retained', logStreamName: 's1', startFromHead: true }));
    expect(read.events?.map((e) => e.message)).toEqual(['new']);
    const [after] = (await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }))).logGroups ?? [];
    expect(after?.storedBytes).toBe(3);

    const rejected = await put('retained', 's1', ['expired'], clock.now() - DAY - 1);
    expect(rejected.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });

    await client.send(new DeleteRetentionPolicyCommand({ logGroupName: 'retained' }));
    const [kept] = (await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'retained' }))).logGroups ?? [];
    expect(kept?.retentionInDays).toBeUndefined();
  });

  it('fails if the retention is not one CloudWatch Logs offers', async () => {
    await expect(client.send(new PutRetentionPolicyCommand({ logGroupName: 'retained', retentionInDays: 2 }))).rejects.toThrow(
      /Member must satisfy enum value set/,
    );
  });
});

describe('the Logs_20140328 endpoint', () => {
  async function call(operation: string, body: unknown) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${operation}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, ...((await response.json()) as { __type?: string; message?: string }) };
  }

  // The first three are answers AWS recorded (in public bug reports); the rest follow the model in the same words.
  it.each([
    [
      'PutLogEvents',
      { logGroupName: 'g', logStreamName: 's', logEvents: [] },
      "Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    [
      'PutLogEvents',
      { logGroupName: 'g', logStreamName: 's', logEvents: [{ message: 'x' }] },
      "Value null at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must not be null",
    ],
    [
      'CreateLogStream',
      { logGroupName: 'g', logStreamName: 'a:b' },
      "Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*",
    ],
    [
      'GetLogEvents',
      { logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:g:*', logStreamName: 's' },
      "at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [
      'DescribeLogStreams',
      { logGroupName: 'g', orderBy: 'Name' },
      "Value 'Name' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]",
    ],
    [
      'FilterLogEvents',
      { logGroupName: 'g', limit: 0 },
      "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
  ])('fails if a %s request breaks the API model, with InvalidParameterException in AWS words', async (operation, body, message) => {
    const answer = await call(operation, body);
    expect(answer.status).toBe(400);
    expect(answer.__type).toBe('InvalidParameterException');
    expect(answer.message).toMatch(/^1 validation error detected: /);
    expect(answer.message).toContain(message);
  });

  it('fails if a name is empty, naming both its pattern and its length as AWS does', async () => {
    const answer = await call('DescribeLogGroups', { logGroupNamePrefix: '' });
    expect(answer.__type).toBe('InvalidParameterException');
    expect(answer.message).toMatch(/^2 validation errors detected: /);
    expect(answer.message).toContain(
      "Value '' at 'logGroupNamePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
    expect(answer.message).toContain(
      "Value '' at 'logGroupNamePrefix' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('fails if a member has the wrong JSON type, with SerializationException', async () => {
    const answer = await call('DescribeLogGroups', { limit: '5' });
    expect(answer.status).toBe(400);
    expect(answer.__type).toBe('SerializationException');
    expect(answer.message).toBe('STRING_VALUE can not be converted to an Integer');
  });

  it('answers an operation it does not serve with UnknownOperationException naming it', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.StartQuery' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('StartQuery');
  });

  it.skipIf(awsCliMissing)(`works with the AWS CLI (${AWS_CLI_SKIP_REASON})`, async () => {
    await awsCli(url, ['logs', 'create-log-group', '--log-group-name', 'cli-group']);
    await awsCli(url, ['logs', 'create-log-stream', '--log-group-name', 'cli-group', '--log-stream-name', 'cli-stream']);
    await awsCli(url, [
      'logs',
      'put-log-events',
      '--log-group-name',
      'cli-group',
      '--log-stream-name',
      'cli-stream',
      '--log-events',
      `timestamp=${clock.now()},message=hello-from-cli`,
    ]);
    const filtered = (await awsCli(url, ['logs', 'filter-log-events', '--log-group-name', 'cli-group', '--filter-pattern', 'hello'])) as {
      events: { message: string; logStreamName: string }[];
    };
    expect(filtered.events).toEqual([expect.objectContaining({ message: 'hello-from-cli', logStreamName: 'cli-stream' })]);
    const got = (await awsCli(url, ['logs', 'get-log-events', '--log-group-name', 'cli-group', '--log-stream-name', 'cli-stream'])) as {
      events: { message: string }[];
    };
    expect(got.events.map((e) => e.message)).toEqual(['hello-from-cli']);
  });
});

describe('LogsService durability', () => {
  it('keeps groups, streams and events, written through the API or by a service, across a restart', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-logs-')), 'logs.sqlite');
    const first = new LogsService({ db: openDatabase(file), clock, accountId: '000000000000', region });
    await first.CreateLogGroup({ logGroupName: 'durable' });
    await first.CreateLogStream({ logGroupName: 'durable', logStreamName: 'api' });
    await first.PutLogEvents({ logGroupName: 'durable', logStreamName: 'api', logEvents: [{ timestamp: clock.now(), message: 'put' }] });
    // A service's own write is committed by the next turn of the event loop at the latest, or when the service stops.
    first.write('/aws/lambda/fn', '2026/06/01/[$LATEST]0123', [{ timestamp: clock.now(), message: 'START RequestId: x Version: $LATEST' }]);
    first.stop();

    const second = new LogsService({ db: openDatabase(file), clock, accountId: '000000000000', region });
    const api = (await second.GetLogEvents({ logGroupName: 'durable', logStreamName: 'api', startFromHead: true })) as {
      events: { message: string }[];
    };
    expect(api.events.map((e) => e.message)).toEqual(['put']);
    const written = (await second.FilterLogEvents({ logGroupName: '/aws/lambda/fn' })) as {
      events: { message: string; logStreamName: string }[];
    };
    expect(written.events).toEqual([
      expect.objectContaining({ logStreamName: '2026/06/01/[$LATEST]0123', message: 'START RequestId: x Version: $LATEST' }),
    ]);
    second.stop();
  });

  it('takes no write after it stopped, so a line printed during shutdown never reaches the closed database', async () => {
    const db = openDatabase(':memory:');
    const service = new LogsService({ db, clock, accountId: '000000000000', region });
    service.stop();
    db.close();
    service.write('/aws/lambda/late', 'stream', [{ timestamp: clock.now(), message: 'printed while the runtime stopped' }]);
    // The batched flush would run on the next turn and throw "database is not open" there.
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('LogsService.declare', () => {
  it("creates the template's groups and streams, and changes a group's retention only when the template's does", async () => {
    const service = new LogsService({ db: openDatabase(':memory:'), clock, accountId: '000000000000', region });
    const describe = async () =>
      ((await service.DescribeLogGroups({ logGroupNamePrefix: '/declared' })) as { logGroups: { retentionInDays?: number }[] })
        .logGroups[0];
    service.declare([{ name: '/declared', retentionInDays: 7, streams: ['fixed'] }]);
    expect(await describe()).toMatchObject({ retentionInDays: 7 });
    const streams = (await service.DescribeLogStreams({ logGroupName: '/declared' })) as { logStreams: { logStreamName: string }[] };
    expect(streams.logStreams.map((s) => s.logStreamName)).toEqual(['fixed']);

    await service.PutRetentionPolicy({ logGroupName: '/declared', retentionInDays: 30 });
    service.declare([{ name: '/declared', retentionInDays: 7, streams: ['fixed'] }]);
    expect(await describe()).toMatchObject({ retentionInDays: 30 });
    service.declare([{ name: '/declared', retentionInDays: 14, streams: ['fixed'] }]);
    expect(await describe()).toMatchObject({ retentionInDays: 14 });
    service.stop();
  });
});
