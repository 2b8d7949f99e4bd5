import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Endpoint } from '../../../local/endpoint/server.js';
import { EventBridgeV2Service } from '../../../local/eventbridgev2/eventbridgev2-service.js';
import { eventBridgeV2Protocol } from '../../../local/eventbridgev2/protocol.js';
import { ManualClock } from '../../../local/time/clock.js';
import { tempDataDir } from '../helpers.js';
import { BOTOCORE_SKIP_REASON, type BotocoreCall, botocore, botocoreMissing, ok } from './botocore.js';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deliver`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`;
const BUS_ARN = /^arn:aws:events:us-east-1:000000000000:event-busv2\/[A-Za-z0-9][.\-_A-Za-z0-9]*\/[a-z0-9]{25}$/;

/** A subscriber's required members on `bus`, with the rest given. */
function subscriber(bus: string, name: string, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    EventBusArn: bus,
    InvokeConfiguration: { RoleArn: ROLE, TargetArn: QUEUE },
    FilterConfiguration: { Filters: [{ Pattern: '{"source": ["shop"]}', Scope: 'DATA' }] },
    ...rest,
  };
}

/**
 * EventBridge's custom event bus API (eventbridgev2) through botocore, AWS's own client, with
 * the model it ships: Smithy RPC v2 CBOR requests, answers and errors as AWS's SDKs read them.
 */
describe.skipIf(botocoreMissing)('EventBridgeV2Service', () => {
  const clock = new ManualClock(Date.UTC(2026, 9, 1));
  const file = join(tempDataDir(), 'eventbridgev2.sqlite');
  let db: DatabaseSync;
  let service: EventBridgeV2Service;
  let endpoint: Endpoint;
  let url: string;

  beforeAll(async () => {
    db = new DatabaseSync(file);
    service = new EventBridgeV2Service(db, { region: 'us-east-1', accountId: ACCOUNT, clock });
    service.declare({ stacks: [], warnings: [] });
    endpoint = new Endpoint({ port: 0 });
    url = await endpoint.start();
    endpoint.mount({ jsonServices: [], restServices: [eventBridgeV2Protocol(service)] });
  });

  afterAll(async () => {
    await endpoint?.stop();
    db?.close();
  });

  const calls = (...list: BotocoreCall[]) => botocore(url, list);
  const newBus = async (name: string) =>
    ok((await calls({ operation: 'create_event_bus', params: { Name: name } }))[0]).EventBusArn as string;

  it('creates an event bus ACTIVE at once, then describes, lists, updates and deletes it', async () => {
    const [created, described, listed, updated] = await calls(
      { operation: 'create_event_bus', params: { Name: 'orders', Description: 'Orders', Tags: { team: 'a' } } },
      { operation: 'list_event_buses', params: { NamePrefix: 'ord' } },
      { operation: 'list_event_buses', params: { NamePrefix: 'ord' } },
      { operation: 'list_event_buses', params: { NamePrefix: 'zzz' } },
    );
    const bus = ok(created);
    expect(bus).toMatchObject({ Name: 'orders', Description: 'Orders', State: 'ACTIVE', CreationTime: clock.now() / 1000 });
    expect(bus.EventBusArn).toMatch(BUS_ARN);
    expect(ok(described).EventBuses).toEqual([
      expect.objectContaining({ Name: 'orders', EventBusArn: bus.EventBusArn, State: 'ACTIVE', EventBusAccountId: ACCOUNT }),
    ]);
    expect(ok(listed).EventBuses).toHaveLength(1);
    expect(ok(updated).EventBuses).toEqual([]);
    const arn = bus.EventBusArn as string;
    const [changed, read, tags, deleted, gone] = await calls(
      {
        operation: 'update_event_bus',
        params: { EventBusArn: arn, Description: 'All orders', StorageConfiguration: { RetentionPeriodInDays: 7 } },
      },
      { operation: 'describe_event_bus', params: { EventBusArn: arn } },
      { operation: 'list_tags_for_resource', params: { ResourceArn: arn } },
      { operation: 'delete_event_bus', params: { EventBusArn: arn } },
      { operation: 'describe_event_bus', params: { EventBusArn: arn } },
    );
    expect(ok(changed)).toMatchObject({ Description: 'All orders', State: 'ACTIVE', StorageConfiguration: { RetentionPeriodInDays: 7 } });
    expect(ok(read)).toMatchObject({ Name: 'orders', Description: 'All orders', LastModifiedTime: clock.now() / 1000 });
    expect(ok(tags).Tags).toEqual({ team: 'a' });
    expect(ok(deleted)).toEqual({});
    expect(gone?.error).toMatchObject({ code: 'ResourceNotFoundException', status: 404, message: `Event bus ${arn} does not exist.` });
  });

  it('answers a retried Create with the same client token with the same bus, and a changed one with IdempotentParameterMismatchException', async () => {
    const [first, retry, changed, again] = await calls(
      { operation: 'create_event_bus', params: { Name: 'retried', ClientToken: 'token-1' } },
      { operation: 'create_event_bus', params: { Name: 'retried', ClientToken: 'token-1' } },
      { operation: 'create_event_bus', params: { Name: 'retried', Description: 'other', ClientToken: 'token-1' } },
      { operation: 'create_event_bus', params: { Name: 'retried' } },
    );
    expect(ok(retry).EventBusArn).toBe(ok(first).EventBusArn);
    expect(changed?.error).toMatchObject({ code: 'IdempotentParameterMismatchException', status: 409 });
    expect(again?.error).toMatchObject({ code: 'ResourceAlreadyExistsException', message: 'Event bus retried already exists.' });
  });

  it('creates a subscriber with its filter and transform, answering the defaults AWS resolves, and updates and clears its filter', async () => {
    const bus = await newBus('subscribed');
    const transformer = { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data.orderId %}' } };
    const [created, described] = await calls(
      { operation: 'create_subscriber', params: subscriber(bus, 'to-queue', { Transformer: transformer }) },
      { operation: 'list_subscribers', params: { EventBusArn: bus } },
    );
    const arn = ok(created).SubscriberArn as string;
    expect(ok(created)).toMatchObject({
      Name: 'to-queue',
      EventBusArn: bus,
      Type: 'UNORDERED',
      StartingPosition: 'LATEST',
      State: 'RUNNING',
    });
    expect(arn).toMatch(/^arn:aws:events:us-east-1:000000000000:subscriber\/to-queue\/[a-z0-9]{25}$/);
    expect(ok(described).Subscribers).toEqual([expect.objectContaining({ SubscriberArn: arn, TargetArn: QUEUE, State: 'RUNNING' })]);
    const [read, updated, cleared, afterClear] = await calls(
      { operation: 'describe_subscriber', params: { SubscriberArn: arn } },
      {
        operation: 'update_subscriber',
        params: {
          SubscriberArn: arn,
          State: 'STOPPED',
          FilterConfiguration: { Filters: [{ Pattern: '{"aws:DetailType": [{"prefix": "Order"}]}', Scope: 'SYSTEM_METADATA' }] },
        },
      },
      { operation: 'update_subscriber', params: { SubscriberArn: arn, FilterConfiguration: {} } },
      { operation: 'describe_subscriber', params: { SubscriberArn: arn } },
    );
    expect(ok(read)).toMatchObject({
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: QUEUE },
      FilterConfiguration: { Language: 'EVENT_BRIDGE_PATTERN', Filters: [{ Pattern: '{"source": ["shop"]}', Scope: 'DATA' }] },
      Transformer: transformer,
      BatchConfiguration: { MaxBatchSize: 10, MaxBatchWindowInSeconds: 0 },
      RetryPolicy: { MaxRetryAttempts: 5, MaxEventAgeInSeconds: 300, RetryStrategy: 'ALL' },
      LogConfiguration: { Level: 'OFF', IncludePayload: 'ON_ERROR_ONLY' },
    });
    expect(ok(updated)).toMatchObject({ State: 'STOPPED' });
    expect(ok(cleared)).toMatchObject({ State: 'STOPPED' });
    expect(ok(afterClear).FilterConfiguration).toBeUndefined();
    expect(ok(afterClear).InvokeConfiguration).toEqual({ RoleArn: ROLE, TargetArn: QUEUE });
  });

  it('fails if the bus is unknown, a pattern or a transform is malformed, or a batch setting is out of range', async () => {
    const bus = await newBus('checked');
    const missing = bus.replace(/[a-z0-9]{25}$/, 'a'.repeat(25));
    const outcomes = await calls(
      { operation: 'create_subscriber', params: subscriber(missing, 'nowhere') },
      {
        operation: 'create_subscriber',
        params: subscriber(bus, 'bad-pattern', { FilterConfiguration: { Filters: [{ Pattern: '{"source": "shop"}', Scope: 'DATA' }] } }),
      },
      {
        operation: 'create_subscriber',
        params: subscriber(bus, 'bad-transform', {
          Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.( %}' } },
        }),
      },
      { operation: 'create_subscriber', params: subscriber(bus, 'big-batch', { BatchConfiguration: { MaxBatchSize: 501 } }) },
      { operation: 'create_subscriber', params: subscriber(bus, '-bad-name') },
      { operation: 'create_subscriber', params: subscriber(bus, 'no-filter', { FilterConfiguration: { Filters: [] } }) },
      {
        operation: 'create_subscriber',
        params: subscriber(bus, 'bad-parameter', {
          InvokeConfiguration: { RoleArn: ROLE, TargetArn: QUEUE, SqsParameters: { MessageGroupId: '{% $events.( %}' } },
        }),
      },
      {
        operation: 'create_subscriber',
        params: subscriber(bus, 'two-data-filters', {
          FilterConfiguration: {
            Filters: [
              { Pattern: '{"source": ["shop"]}', Scope: 'DATA' },
              { Pattern: '{"source": ["mall"]}', Scope: 'DATA' },
            ],
          },
        }),
      },
    );
    const errors = outcomes.map((outcome) => outcome.error);
    expect(errors[0]).toMatchObject({ code: 'ResourceNotFoundException', status: 404, message: `Event bus ${missing} does not exist.` });
    expect(errors[1]).toMatchObject({ code: 'InvalidInputException', status: 400 });
    expect(errors[1]?.message).toMatch(/^FilterConfiguration\.Filters\[0\]\.Pattern: Event pattern is not valid\. Reason: /);
    expect(errors[2]).toMatchObject({ code: 'InvalidInputException' });
    expect(errors[2]?.message).toMatch(/^Transformer\.JsonataConfiguration\.Expression is not a valid JSONata expression: /);
    expect(errors[3]).toEqual({
      code: 'InvalidInputException',
      status: 400,
      message:
        "1 validation error detected: Value '501' at 'batchConfiguration.maxBatchSize' failed to satisfy constraint: Member must have value less than or equal to 500",
    });
    expect(errors[4]?.code).toBe('InvalidInputException');
    expect(errors[4]?.message).toContain(
      "Value '-bad-name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    expect(errors[5]).toMatchObject({ code: 'InvalidInputException' });
    expect(errors[5]?.message).toContain('Member must have length greater than or equal to 1');
    expect(errors[6]).toMatchObject({ code: 'InvalidInputException', status: 400 });
    expect(errors[6]?.message).toMatch(/^InvokeConfiguration\.SqsParameters\.MessageGroupId is not a valid JSONata expression: /);
    expect(errors[7]?.message).toContain('FilterConfiguration.Filters[1].Scope: Duplicate filter scope: DATA');
  });

  it('fails if a bus still has subscribers when it is deleted (ResourceInUseException)', async () => {
    const bus = await newBus('busy');
    const [created, refused] = await calls(
      { operation: 'create_subscriber', params: subscriber(bus, 'keeps-it') },
      { operation: 'delete_event_bus', params: { EventBusArn: bus } },
    );
    ok(created);
    expect(refused?.error).toMatchObject({ code: 'ResourceInUseException', status: 409 });
    expect(refused?.error?.message).toContain('has 1 subscriber(s) and 0 event source(s)');
  });

  it('keeps resource policies by name with revisions, and refuses public, oversized and AWS_RAM writes', async () => {
    const bus = await newBus('shared');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: bus }],
    });
    const [put, read, listed] = await calls(
      { operation: 'put_resource_policy', params: { ResourceArn: bus, PolicyDocument: policy, ExpectedRevisionId: 'NO_POLICY' } },
      { operation: 'get_resource_policy', params: { ResourceArn: bus } },
      { operation: 'list_resource_policies', params: { ResourceArn: bus } },
    );
    const revision = ok(put).RevisionId as string;
    expect(ok(put)).toMatchObject({ ResourceArn: bus, PolicyName: 'default' });
    expect(ok(read)).toEqual({ ResourceArn: bus, PolicyName: 'default', PolicyDocument: policy, RevisionId: revision });
    expect(ok(listed).PolicySummaries).toEqual([{ PolicyName: 'default', RevisionId: revision }]);
    const open = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: bus }] });
    const oversized = JSON.stringify({
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'events:PutEvents', Sid: 'x'.repeat(21_000) }],
    });
    const [stale, publicPolicy, ram, badName, tooLong, deleted, missing] = await calls(
      { operation: 'put_resource_policy', params: { ResourceArn: bus, PolicyDocument: policy, ExpectedRevisionId: 'old' } },
      { operation: 'put_resource_policy', params: { ResourceArn: bus, PolicyDocument: open } },
      { operation: 'put_resource_policy', params: { ResourceArn: bus, PolicyDocument: policy, PolicyName: 'AWS_RAM' } },
      { operation: 'get_resource_policy', params: { ResourceArn: bus, PolicyName: 'other' } },
      { operation: 'put_resource_policy', params: { ResourceArn: bus, PolicyDocument: oversized } },
      { operation: 'delete_resource_policy', params: { ResourceArn: bus, ExpectedRevisionId: revision } },
      { operation: 'get_resource_policy', params: { ResourceArn: bus } },
    );
    expect(stale?.error).toMatchObject({ code: 'ConflictException', status: 409 });
    expect(publicPolicy?.error).toMatchObject({ code: 'PublicPolicyException', status: 400 });
    expect(ram?.error).toMatchObject({ code: 'AccessDeniedException', status: 403 });
    expect(badName?.error).toMatchObject({ code: 'InvalidInputException' });
    expect(tooLong?.error).toMatchObject({ code: 'PolicyLengthExceededException', status: 400 });
    expect(ok(deleted)).toEqual({ RevisionId: revision });
    expect(missing?.error).toMatchObject({ code: 'ResourceNotFoundException' });
  });

  it('creates event sources of one configuration variant, and fails if a request sets both', async () => {
    const bus = await newBus('sourced');
    const [created, both, listed] = await calls(
      {
        operation: 'create_event_source',
        params: { Name: 's3-events', EventBusArn: bus, Configuration: { AwsServiceEventsConfiguration: { AwsService: 'aws.s3' } } },
      },
      {
        operation: 'create_event_source',
        params: {
          Name: 'both',
          EventBusArn: bus,
          Configuration: {
            AwsServiceEventsConfiguration: { AwsService: 'aws.s3' },
            PartnerEventsConfiguration: { PartnerEventSourceArn: 'arn:aws:events:us-east-1::event-source/aws.partner/saas/acme' },
          },
        },
      },
      { operation: 'list_event_sources', params: { EventBusArn: bus } },
    );
    expect(ok(created)).toMatchObject({ Name: 's3-events', EventBusArn: bus, State: 'ACTIVE' });
    expect(ok(created).EventSourceArn).toMatch(/:event-sourcev2\/aws\.service\/s3-events\/[a-z0-9]{25}$/);
    expect(both?.error?.code).toBe('InvalidInputException');
    expect(ok(listed).EventSources).toEqual([expect.objectContaining({ Name: 's3-events', Type: 'AWS_SERVICE_EVENTS', State: 'ACTIVE' })]);
  });

  it('revokes a subscriber for good: it refuses updates with InvalidStateException and can still be deleted', async () => {
    const bus = await newBus('revoking');
    const arn = ok((await calls({ operation: 'create_subscriber', params: subscriber(bus, 'misbehaving') }))[0]).SubscriberArn as string;
    const [revoked, described, update, tag, deleted] = await calls(
      { operation: 'revoke_resource', params: { Arn: arn } },
      { operation: 'describe_subscriber', params: { SubscriberArn: arn } },
      { operation: 'update_subscriber', params: { SubscriberArn: arn, State: 'STOPPED' } },
      { operation: 'tag_resource', params: { ResourceArn: arn, Tags: { a: 'b' } } },
      { operation: 'delete_subscriber', params: { SubscriberArn: arn } },
    );
    expect(ok(revoked)).toEqual({ Arn: arn });
    expect(ok(described).Revoked).toBe(true);
    expect(update?.error).toMatchObject({ code: 'InvalidStateException', status: 409 });
    expect(tag?.error).toMatchObject({ code: 'InvalidStateException' });
    expect(ok(deleted)).toEqual({});
  });

  it('pages lists with MaxResults and NextToken, and fails if a token is not one it handed out', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await newBus(name);
    const [first] = await calls({ operation: 'list_event_buses', params: { NamePrefix: 'page-', MaxResults: 2 } });
    const token = ok(first).NextToken as string;
    const [second, bad] = await calls(
      { operation: 'list_event_buses', params: { NamePrefix: 'page-', MaxResults: 2, NextToken: token } },
      { operation: 'list_event_buses', params: { NextToken: 'not-a-token' } },
    );
    expect((ok(first).EventBuses as { Name: string }[]).map((b) => b.Name)).toEqual(['page-a', 'page-b']);
    expect((ok(second).EventBuses as { Name: string }[]).map((b) => b.Name)).toEqual(['page-c']);
    expect(ok(second).NextToken).toBeUndefined();
    expect(bad?.error).toMatchObject({ code: 'InvalidInputException' });
  });

  it('accepts PutEvents into the outbox, answering a repeat of a deduplication id or content within 300 s DEDUPLICATED', async () => {
    const bus = await newBus('published');
    const entry = (id: string) => ({
      Source: 'shop',
      DetailType: 'OrderPlaced',
      Detail: '{"orderId": "o-1"}',
      SystemMetadata: { DeduplicationId: id },
    });
    const [first, repeat] = await calls(
      { operation: 'put_events', params: { EventBusArn: bus, Entries: [entry('d-1'), entry('d-2')] } },
      { operation: 'put_events', params: { EventBusArn: bus, Entries: [entry('d-1')] } },
    );
    const [one, two] = ok(first).Entries as { EventId: string; SuccessCode: string }[];
    expect(ok(first).FailedEntryCount).toBe(0);
    expect([one?.SuccessCode, two?.SuccessCode]).toEqual(['PUBLISHED', 'PUBLISHED']);
    expect(ok(repeat).Entries).toEqual([{ EventId: one?.EventId, SuccessCode: 'DEDUPLICATED' }]);
    clock.advance(300_001);
    const content = { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"orderId": "o-2"}' };
    const [later, contentBased, again] = await calls(
      { operation: 'put_events', params: { EventBusArn: bus, Entries: [entry('d-1')] } },
      {
        operation: 'put_events',
        params: { EventBusArn: bus, Entries: [content], DeduplicationConfiguration: { DeduplicationType: 'CONTENT_BASED' } },
      },
      {
        operation: 'put_events',
        params: { EventBusArn: bus, Entries: [content], DeduplicationConfiguration: { DeduplicationType: 'CONTENT_BASED' } },
      },
    );
    expect(ok(later).Entries).toEqual([{ EventId: expect.not.stringMatching(one?.EventId ?? ''), SuccessCode: 'PUBLISHED' }]);
    expect((ok(again).Entries as { SuccessCode: string }[])[0]?.SuccessCode).toBe('DEDUPLICATED');
    expect((ok(again).Entries as { EventId: string }[])[0]?.EventId).toBe((ok(contentBased).Entries as { EventId: string }[])[0]?.EventId);
    // Accepted: the four published events are retained on the bus, in publish order.
    const waiting = service.events.retainedEvents(bus);
    expect(waiting.map((event) => (event.detail as { orderId: string }).orderId)).toEqual(['o-1', 'o-1', 'o-1', 'o-2']);
    expect(waiting[0]).toMatchObject({
      source: 'shop',
      'detail-type': 'OrderPlaced',
      account: ACCOUNT,
      region: 'us-east-1',
      'event-bus-arn': bus,
    });
  });

  it('fails if PutEvents names an unknown bus or sends more than 100 entries, and refuses an aws. source, a malformed detail or an oversized event by entry', async () => {
    const bus = await newBus('refusing');
    const missing = bus.replace(/[a-z0-9]{25}$/, 'b'.repeat(25));
    const good = { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' };
    const [unknown, tooMany, mixed] = await calls(
      { operation: 'put_events', params: { EventBusArn: missing, Entries: [good] } },
      { operation: 'put_events', params: { EventBusArn: bus, Entries: Array.from({ length: 101 }, () => good) } },
      {
        operation: 'put_events',
        params: {
          EventBusArn: bus,
          Entries: [
            { ...good, Source: 'aws.s3' },
            { ...good, Detail: '{"broken"' },
            good,
            { ...good, Detail: JSON.stringify({ blob: 'x'.repeat(1_048_576) }) },
          ],
        },
      },
    );
    expect(unknown?.error).toMatchObject({ code: 'ResourceNotFoundException', status: 404 });
    expect(tooMany?.error).toMatchObject({ code: 'InvalidInputException', status: 400 });
    expect(tooMany?.error?.message).toContain(
      "at 'entries' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
    const entries = ok(mixed).Entries as Record<string, string>[];
    expect(ok(mixed).FailedEntryCount).toBe(3);
    expect(entries.map((entry) => entry.ErrorCode ?? entry.SuccessCode)).toEqual([
      'InvalidInputException',
      'InvalidInputException',
      'PUBLISHED',
      'InvalidInputException',
    ]);
    expect(entries[0]?.ErrorMessage).toContain('the aws. prefix is reserved for AWS services');
    expect(entries[1]?.ErrorMessage).toContain('Detail is malformed');
    expect(entries[3]?.ErrorMessage).toContain('over the 1048576-byte (1 MB) event size limit');
  });

  it('accepts PutRawEvents of JSON data, and fails if open-format data comes without a schema registry', async () => {
    const bus = await newBus('raw');
    const data = { $bytes: Buffer.from('{"orderId": "r-1"}').toString('base64') };
    const [json, avro] = await calls(
      {
        operation: 'put_raw_events',
        params: {
          EventBusArn: bus,
          Entries: [
            { Data: data, Metadata: { tenant: 't-1' }, SystemMetadata: { ContentType: 'application/cloudevents+json', EventGroupId: 'g' } },
          ],
        },
      },
      {
        operation: 'put_raw_events',
        params: { EventBusArn: bus, Entries: [{ Data: data, SystemMetadata: { ContentType: 'application/avro' } }] },
      },
    );
    expect(ok(json).Entries).toEqual([
      { EventId: expect.any(String), SequenceNumber: expect.stringMatching(/^\d{20}$/), SuccessCode: 'PUBLISHED' },
    ]);
    expect(avro?.error).toMatchObject({ code: 'InvalidInputException' });
    expect(avro?.error?.message).toContain('SchemaRegistryConfiguration is required');
    expect(service.events.retainedEvents(bus)).toEqual([
      expect.objectContaining({ data: { orderId: 'r-1' }, metadata: { tenant: 't-1' } }),
    ]);
  });

  it('keeps what the API made in its database: a service over the same file after a restart describes it', async () => {
    const bus = await newBus('durable');
    const again = new EventBridgeV2Service(new DatabaseSync(file), { region: 'us-east-1', accountId: ACCOUNT, clock });
    expect(await again.DescribeEventBus({ EventBusArn: bus })).toMatchObject({ Name: 'durable', State: 'ACTIVE' });
  });
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
