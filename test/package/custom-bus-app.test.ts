import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { botocore, botocoreMissing, ok as succeeded } from '../local/eventbridgev2/botocore.js';
import { FIFO } from './fixtures/custom-bus-app/lib/custom-bus-stack.js';
import { appEnv, fixtureManifest, installFixtureApp, ok, start, timed, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'custom-bus-app');
/** test/package's ports are 4740-4759; this suite's runtime takes 4757 (each start of it). */
const PORT = 4757;
const endpoint = `http://127.0.0.1:${PORT}`;
const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const dynamodb = new DynamoDBClient(aws);
const sqs = new SQSClient(aws);

/** The stack's outputs, by key, as CloudFormation answers DescribeStacks. */
async function outputs(stackName: string): Promise<Record<string, string>> {
  const { Stacks = [] } = await new CloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** What the stacks output (both variants): their bus and subscribers' ARNs, the recorder's table and queues. */
const OUTPUTS = ['BusArn', 'FifoSubscriberArn', 'SqsSubscriberArn', 'BatchesTable', 'SeenQueue', 'DeadLetterQueue'] as const;
type Outputs = Record<(typeof OUTPUTS)[number], string>;

/**
 * `switchyard dev` on the app's data folder, resolved once its stack's outputs answer. `l2`: the
 * app as cdk.json's context `variant` chooses it (the test writes it), on a data folder of its own.
 */
async function dev(variant: 'l1' | 'l2' = 'l1') {
  const stackName = variant === 'l1' ? 'CustomBus' : 'CustomBusL2';
  const data = path.join(app, variant === 'l1' ? '.data' : '.data-l2');
  const running = start('npx', ['switchyard', 'dev', '--port', String(PORT), '--no-watch', '--data', data], app, appEnv());
  const out = await waitFor(
    `switchyard dev to run the custom bus app on ${endpoint}`,
    async () => {
      if (running.exited()) throw new Error(`switchyard dev exited:\n${running.output()}`);
      const found = await outputs(stackName).catch(() => ({}) as Record<string, string>);
      return OUTPUTS.every((key) => found[key]) ? (found as Outputs) : undefined;
    },
    180_000,
  ).catch(async (error: Error) => {
    await running.stop();
    throw new Error(`${error.message}\n--- switchyard dev output\n${running.output()}`);
  });
  return { running, out };
}

/** One eventbridgev2 call through botocore, AWS's own client with AWS's model; its result, failing on an error. */
async function call(operation: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const [outcome] = await botocore(endpoint, [{ operation, params }], { accessKeyId: 'test', secretAccessKey: 'test' });
  return succeeded(outcome);
}

interface Order {
  readonly key: string;
  readonly group?: string;
  readonly source?: string;
  readonly dedup?: string;
  readonly poison?: boolean;
  readonly hold?: boolean;
}

interface Published {
  readonly EventId?: string;
  readonly SequenceNumber?: string;
  readonly SuccessCode?: string;
  readonly ErrorCode?: string;
}

/** PutEvents through botocore: each order an OrderPlaced (its key, group and flags in the detail), grouped and deduplicated as asked. */
async function publish(busArn: string, orders: readonly Order[]): Promise<Published[]> {
  const Entries = orders.map(({ key, group, source, dedup, poison, hold }) => ({
    Source: source ?? 'shop.orders',
    DetailType: 'OrderPlaced',
    Detail: JSON.stringify({ key, group, ...(poison ? { poison } : {}), ...(hold ? { hold } : {}) }),
    ...(group || dedup
      ? { SystemMetadata: { ...(group ? { EventGroupId: group } : {}), ...(dedup ? { DeduplicationId: dedup } : {}) } }
      : {}),
  }));
  const result = await call('put_events', { EventBusArn: busArn, Entries });
  expect(result.FailedEntryCount, JSON.stringify(result)).toBe(0);
  return result.Entries as Published[];
}

/** `count` orders of `group`, keyed `<prefix>-<i>`, in publish order. */
function orders(prefix: string, count: number, group?: string): Order[] {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i + 1}`, group }));
}

interface Batch {
  readonly batchNo: number;
  readonly isArray: boolean;
  readonly keys: string[];
  readonly eventIds: string[];
  readonly groups: string[];
}

/** Every item of the recorder's table. */
async function items(table: string): Promise<Record<string, AttributeValue>[]> {
  const all: Record<string, AttributeValue>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
    all.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  return all;
}

/** The batches the FIFO subscriber delivered to the function, in the order the function got them. */
async function batches(table: string): Promise<Batch[]> {
  const strings = (value: AttributeValue | undefined) => (value?.L ?? []).map((v) => v.S ?? '');
  return (await items(table))
    .filter((item) => item.pk?.S?.startsWith('batch#'))
    .map((item) => ({
      batchNo: Number(item.batchNo?.N),
      isArray: item.isArray?.BOOL === true,
      keys: strings(item.keys),
      eventIds: strings(item.eventIds),
      groups: strings(item.groups),
    }))
    .sort((a, b) => a.batchNo - b.batchNo);
}

/** How many times the function was handed each key. */
function deliveries(all: readonly Batch[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of all.flatMap((b) => b.keys)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** The keys the function got, by group, in the order it got them. */
function byGroup(all: readonly Batch[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const batch of all) {
    batch.keys.forEach((key, i) => {
      const group = batch.groups[i] ?? '';
      groups.set(group, [...(groups.get(group) ?? []), key]);
    });
  }
  return groups;
}

/** Waits until the function has been handed every one of `keys`; the batches then. */
async function recorded(table: string, keys: readonly string[], what: string, timeoutMs = 120_000): Promise<Batch[]> {
  return waitFor(
    `the FIFO subscriber to deliver ${what}`,
    async () => {
      const all = await batches(table);
      const got = deliveries(all);
      return keys.every((key) => got.has(key)) ? all : undefined;
    },
    timeoutMs,
  );
}

/** The SQS subscriber's messages, each read once, deleted, and counted by its order's key (and kept whole). */
const seen = new Map<string, number>();
/** The last message body of each key: what the RAW transformer delivered. */
const seenBodies = new Map<string, Record<string, unknown>>();
async function drain(queueUrl: string): Promise<Map<string, number>> {
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (Messages.length === 0) return seen;
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as { detail?: { key?: string } };
      const key = body.detail?.key ?? `unreadable: ${message.Body}`;
      seenBodies.set(key, body);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}

/** Waits until the SQS subscriber has put each of `keys` on its queue. */
async function queued(queueUrl: string, keys: readonly string[], what: string): Promise<Map<string, number>> {
  return waitFor(`the SQS subscriber to deliver ${what}`, async () => {
    const got = await drain(queueUrl);
    return keys.every((key) => got.has(key)) ? got : undefined;
  });
}

describe.skipIf(botocoreMissing)(
  "EventBridge's Custom Event Bus on the installed packages, driven by botocore (fixtures/custom-bus-app: aws-cdk-lib's eventsv2 L1s)",
  () => {
    let running: ReturnType<typeof start> | undefined;
    let out = {} as Outputs;

    afterAll(async () => {
      await running?.stop();
    });

    it('installs, synthesizes and runs under switchyard dev, the bus and its subscribers described as the template declares them', async () => {
      const manifest = fixtureManifest('custom-bus-app', tarballs, {
        dependencies: ['aws-cdk-lib', 'constructs', '@aws-sdk/client-dynamodb'],
        devDependencies: ['aws-cdk', 'esbuild', 'tsx'],
        cli: true,
      });
      installFixtureApp('custom-bus-app', app, manifest);
      timed('cdk synth of the custom bus app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
      ({ running, out } = await dev());

      const bus = await call('describe_event_bus', { EventBusArn: out.BusArn });
      expect(bus).toMatchObject({ Name: 'orders-v2', State: 'ACTIVE', StorageConfiguration: { RetentionPeriodInDays: 7 } });
      const { Subscribers = [] } = (await call('list_subscribers', { EventBusArn: out.BusArn })) as { Subscribers?: unknown[] };
      expect(Subscribers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Name: 'order-recorder', Type: 'FIFO', State: 'RUNNING' }),
          expect.objectContaining({ Name: 'order-seen', Type: 'UNORDERED', State: 'RUNNING' }),
        ]),
      );
      expect(await call('describe_subscriber', { SubscriberArn: out.FifoSubscriberArn })).toMatchObject({
        BatchConfiguration: { MaxBatchSize: FIFO.maxBatchSize, MaxBatchWindowInSeconds: FIFO.maxBatchWindowInSeconds },
        RetryPolicy: { MaxRetryAttempts: FIFO.maxRetryAttempts, MaxEventAgeInSeconds: FIFO.maxEventAgeInSeconds },
        InvokeConfiguration: { LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' } },
      });
    });

    it("delivers to the FIFO function arrays of at most MaxBatchSize events in publish order within each group, only what its filter matches, and each event to the SQS subscriber's queue as one message", async () => {
      // Three groups interleaved in one request, and an event of another source in the middle of one.
      const groups = new Map(['g-a', 'g-b', 'g-c'].map((group) => [group, orders(`order-${group}`, 8, group)]));
      const interleaved = Array.from({ length: 8 }, (_, i) => [...groups.values()].map((g) => g[i] as Order)).flat();
      interleaved.splice(7, 0, { key: 'audit-1', group: 'g-a', source: 'shop.audit' });
      const answered = await publish(out.BusArn, interleaved);
      expect(answered.every((entry) => entry.SuccessCode === 'PUBLISHED' && entry.EventId)).toBe(true);
      const eventIds = new Map(interleaved.map((order, i) => [order.key, answered[i]?.EventId]));

      const all = await recorded(
        out.BatchesTable,
        [...groups.values()].flat().map((o) => o.key),
        'the 24 orders',
      );
      // Soft: each documented behaviour is reported, one failing does not hide the others.
      expect.soft(all.filter((batch) => !batch.isArray || batch.keys.length < 1 || batch.keys.length > FIFO.maxBatchSize)).toEqual([]);
      const got = byGroup(all);
      for (const [group, sent] of groups) expect.soft(got.get(group)).toEqual(sent.map((o) => o.key));
      // The group's later events came, so the filtered one was passed over, not waiting.
      expect.soft(deliveries(all).has('audit-1')).toBe(false);
      // Each event under the id PutEvents answered (SystemMetadata's aws:EventId).
      const delivered = all.flatMap((batch) => batch.keys.map((key, i) => ({ key, eventId: batch.eventIds[i] })));
      expect.soft(delivered.filter(({ key, eventId }) => eventId !== eventIds.get(key))).toEqual([]);
      expect.soft([...deliveries(all)].filter(([, n]) => n !== 1)).toEqual([]);

      const onQueue = await queued(
        out.SeenQueue,
        interleaved.map((o) => o.key),
        'the 25 events',
      );
      expect.soft(interleaved.map((o) => onQueue.get(o.key))).toEqual(interleaved.map(() => 1));
      // RAW, the default: a PutEvents event's data, the envelope with the detail inside
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-addressing.html).
      expect(seenBodies.get('audit-1')).toMatchObject({ source: 'shop.audit', 'detail-type': 'OrderPlaced', detail: { key: 'audit-1' } });
    });

    it('answers a DeduplicationId repeated within 300 s DEDUPLICATED with the first event id, and delivers that event once to each subscriber', async () => {
      const [first] = await publish(out.BusArn, [{ key: 'dup-1', group: 'g-dup', dedup: 'order-dup-1' }]);
      const [again] = await publish(out.BusArn, [{ key: 'dup-1', group: 'g-dup', dedup: 'order-dup-1' }]);
      expect(first).toMatchObject({ SuccessCode: 'PUBLISHED' });
      expect(again).toMatchObject({ SuccessCode: 'DEDUPLICATED', EventId: first?.EventId });
      // The next event of the group: once it is delivered, anything of dup-1 would have been too.
      await publish(out.BusArn, [{ key: 'dup-2', group: 'g-dup', dedup: 'order-dup-2' }]);
      const all = await recorded(out.BatchesTable, ['dup-2'], 'the event after the duplicate');
      expect(deliveries(all).get('dup-1')).toBe(1);
      const onQueue = await queued(out.SeenQueue, ['dup-1', 'dup-2'], 'dup-1 and dup-2');
      expect(onQueue.get('dup-1')).toBe(1);
    });

    it('delivers nothing to a STOPPED subscriber, then, RUNNING again, everything published meanwhile, once', async () => {
      await call('update_subscriber', { SubscriberArn: out.SqsSubscriberArn, State: 'STOPPED' });
      expect(await call('describe_subscriber', { SubscriberArn: out.SqsSubscriberArn })).toMatchObject({ State: 'STOPPED' });
      const paused = orders('paused', 5, 'g-paused');
      await publish(out.BusArn, paused);
      // The running FIFO subscriber got them: the stopped one had the same chance.
      await recorded(
        out.BatchesTable,
        paused.map((o) => o.key),
        'the events published while the SQS subscriber is stopped',
      );
      await drain(out.SeenQueue);
      expect(paused.filter((o) => seen.has(o.key))).toEqual([]);

      await call('update_subscriber', { SubscriberArn: out.SqsSubscriberArn, State: 'RUNNING' });
      const onQueue = await queued(
        out.SeenQueue,
        paused.map((o) => o.key),
        'the events published while it was stopped',
      );
      expect(paused.map((o) => onQueue.get(o.key))).toEqual(paused.map(() => 1));
    });

    it('retries a batch the function fails, then writes its dead-letter record to the OnFailureConfiguration queue, and goes on with the group', async () => {
      const [poison] = await publish(out.BusArn, [{ key: 'poison-1', group: 'g-poison', poison: true }]);
      const record = await waitFor(
        'the dead-letter record of poison-1',
        async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: out.DeadLetterQueue, MaxNumberOfMessages: 10 }));
          return Messages.map((m) => JSON.parse(m.Body ?? '{}') as DeadLetterRecord).find((r) =>
            r.failedMessages?.some((f) => f.eventId === poison?.EventId),
          );
        },
        300_000,
      );
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html: "The record is a JSON document, not the event."
      expect(record).toMatchObject({ busArn: out.BusArn, subscriberArn: out.FifoSubscriberArn });
      expect(record.failedMessages).toEqual([expect.objectContaining({ eventId: poison?.EventId, eventGroupId: 'g-poison' })]);
      expect(record.retryAttempts).toBeLessThanOrEqual(FIFO.maxRetryAttempts);
      const attempts = (await items(out.BatchesTable)).filter((item) => item.pk?.S?.startsWith('attempt#') && item.key?.S === 'poison-1');
      expect(attempts.length).toBeGreaterThan(1);
      expect(attempts.length).toBeLessThanOrEqual(1 + FIFO.maxRetryAttempts);
      expect(deliveries(await batches(out.BatchesTable)).has('poison-1')).toBe(false);

      await publish(out.BusArn, [{ key: 'after-poison', group: 'g-poison' }]);
      await recorded(out.BatchesTable, ['after-poison'], 'the event after the dead-lettered one');
    });

    it('loses nothing accepted and delivers nothing twice to the FIFO subscriber across a SIGKILL of switchyard dev mid-stream', async () => {
      const before = orders('kill', 4, 'g-kill');
      const held = { key: 'kill-held', group: 'g-kill', hold: true };
      await publish(out.BusArn, [...before, held]);
      // The function holds the batch with kill-held: the runtime is killed while delivering it.
      await waitFor('the held batch in the function', async () =>
        (await items(out.BatchesTable)).some((item) => item.pk?.S === 'hold#kill-held') ? true : undefined,
      );
      const behind = orders('kill-behind', 6, 'g-kill');
      await publish(out.BusArn, behind);
      running?.kill();
      await waitFor('switchyard dev to die', () => (running?.exited() ? true : undefined));

      ({ running, out } = await dev());
      const after = orders('kill-after', 3, 'g-kill');
      await publish(out.BusArn, after);
      const keys = [...before, held, ...behind, ...after].map((o) => o.key);
      const all = await recorded(out.BatchesTable, keys, 'every event of g-kill after the restart');
      const counts = deliveries(all);
      expect(keys.filter((key) => counts.get(key) !== 1)).toEqual([]);
      expect(byGroup(all).get('g-kill')).toEqual(keys);
      // Every event delivered before, too, still once.
      expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      const onQueue = await queued(out.SeenQueue, keys, 'every event of g-kill after the restart');
      expect(keys.filter((key) => !onQueue.has(key))).toEqual([]);
    });

    it('synthesizes and runs the same app written with switchyard-cdk’s CustomEventBus L2', async () => {
      await running?.stop();
      writeFileSync(path.join(app, 'cdk.json'), `${JSON.stringify({ app: 'npx tsx bin/app.ts', context: { variant: 'l2' } }, null, 2)}\n`);
      timed('cdk synth of the custom bus app with the L2', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
      ({ running, out } = await dev('l2'));
      expect(await call('describe_event_bus', { EventBusArn: out.BusArn })).toMatchObject({
        Name: 'orders-v2-l2',
        State: 'ACTIVE',
        StorageConfiguration: { RetentionPeriodInDays: 7 },
      });
      const group = orders('l2', 7, 'g-l2');
      await publish(out.BusArn, group);
      const all = await recorded(
        out.BatchesTable,
        group.map((o) => o.key),
        'the L2 app’s orders',
      );
      expect(all.every((batch) => batch.isArray && batch.keys.length <= FIFO.maxBatchSize)).toBe(true);
      expect(byGroup(all).get('g-l2')).toEqual(group.map((o) => o.key));
      seen.clear();
      const onQueue = await queued(
        out.SeenQueue,
        group.map((o) => o.key),
        'the L2 app’s orders',
      );
      expect(group.map((o) => onQueue.get(o.key))).toEqual(group.map(() => 1));
    });
  },
);

/** The dead-letter record as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html shows it. */
interface DeadLetterRecord {
  readonly busArn?: string;
  readonly subscriberArn?: string;
  readonly retryAttempts?: number;
  readonly failedMessages?: { readonly eventId?: string; readonly eventGroupId?: string }[];
}
