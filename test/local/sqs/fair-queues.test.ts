import { afterEach, describe, expect, it } from 'vitest';
import type { SqsService } from '../../../local/sqs/sqs-service.js';
import type { Message } from '../../../local/sqs/sqs-types.js';
import { ManualClock } from '../../../local/time/clock.js';
import { ACCOUNT, arnOf, BASE_URL, createSqs, printedBeforeSigkill, useSqsFiles } from './helpers.js';

const QUIET_TENANTS = ['B', 'C', 'D', 'E', 'F'];
/** Long enough that nothing received comes back while a test runs, however far its clock moves. */
const HOLD = 43_200;

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

function service(options: { clock?: ManualClock; file?: string } = {}) {
  const created = createSqs(options);
  cleanup.push(() => created.close());
  return created;
}

/** Sends `count` messages `<tenant>-<n>`, grouped by tenant unless `grouped` is false (the tenant is then only in the body). */
async function sendAs(sqs: SqsService, QueueUrl: string, tenant: string, count: number, grouped = true): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => ({
      Id: String(i),
      MessageBody: `${tenant}-${start + i}`,
      ...(grouped ? { MessageGroupId: tenant } : {}),
    }));
    const { Failed } = await sqs.SendMessageBatch({ QueueUrl, Entries: entries });
    expect(Failed).toEqual([]);
  }
}

const tenantOf = (message: Message) => message.Body.split('-')[0];

/** One noisy tenant's backlog of 300 sent first, then a few messages from each of five quiet tenants. */
async function noisyNeighbour(sqs: SqsService, grouped: boolean): Promise<string> {
  const { QueueUrl } = await sqs.CreateQueue({ QueueName: grouped ? 'tenants' : 'plain' });
  await sendAs(sqs, QueueUrl, 'A', 300, grouped);
  for (const tenant of QUIET_TENANTS) await sendAs(sqs, QueueUrl, tenant, 3, grouped);
  return QueueUrl;
}

/** Receives `batches` batches of 10 and keeps them in flight (a consumer still working on them). */
async function receiveBatches(sqs: SqsService, QueueUrl: string, batches: number): Promise<Message[]> {
  const received: Message[] = [];
  for (let i = 0; i < batches; i++) {
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD });
    received.push(...Messages);
  }
  return received;
}

describe('SQS fair queues', () => {
  it("returns the quiet tenants' messages while the noisy tenant's backlog is still waiting", async () => {
    const { sqs } = service();
    const QueueUrl = await noisyNeighbour(sqs, true);
    // Three batches put 30 of A's messages in flight: all of the queue's in-flight messages, at least 30.
    const first = await receiveBatches(sqs, QueueUrl, 3);
    expect(new Set(first.map(tenantOf))).toEqual(new Set(['A']));
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    expect(sqs.fairQueueMetrics(QueueUrl)).toEqual({
      ApproximateNumberOfNoisyGroups: 1,
      ApproximateNumberOfMessagesVisibleInQuietGroups: 15,
      ApproximateNumberOfMessagesNotVisibleInQuietGroups: 0,
      ApproximateNumberOfMessagesDelayedInQuietGroups: 0,
      ApproximateAgeOfOldestMessageInQuietGroups: 0,
    });

    const next = await receiveBatches(sqs, QueueUrl, 2);
    // All 15 quiet messages come first, then A's backlog fills the rest of the second batch.
    expect(next.slice(0, 15).map(tenantOf).sort()).toEqual(QUIET_TENANTS.flatMap((t) => [t, t, t]));
    expect(next.slice(15).map(tenantOf)).toEqual(['A', 'A', 'A', 'A', 'A']);
    const metrics = sqs.fairQueueMetrics(QueueUrl);
    expect(metrics.ApproximateNumberOfNoisyGroups).toBe(1);
    expect(metrics.ApproximateNumberOfMessagesNotVisibleInQuietGroups).toBe(15);
  });

  it('returns the messages oldest first when they carry no MessageGroupId, so the quiet ones wait behind the backlog', async () => {
    const { sqs } = service();
    const QueueUrl = await noisyNeighbour(sqs, false);
    const received = await receiveBatches(sqs, QueueUrl, 5);
    expect(new Set(received.map(tenantOf))).toEqual(new Set(['A']));
    expect(sqs.noisyGroups(QueueUrl)).toEqual([]);
    expect(sqs.fairQueueMetrics(QueueUrl).ApproximateNumberOfNoisyGroups).toBe(0);
  });

  it('turns a noisy tenant quiet again once its backlog has drained', async () => {
    const { sqs } = service();
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'drain' });
    await sendAs(sqs, QueueUrl, 'A', 40);
    await sendAs(sqs, QueueUrl, 'B', 2);
    await receiveBatches(sqs, QueueUrl, 3);
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    // The rest of A's backlog goes out (B's first); A still has 38 in flight but nothing waiting.
    const rest = await receiveBatches(sqs, QueueUrl, 2);
    expect(rest.map(tenantOf)).toEqual(['B', 'B', ...Array(10).fill('A')]);
    expect(sqs.noisyGroups(QueueUrl)).toEqual([]);
    expect(sqs.fairQueueMetrics(QueueUrl).ApproximateNumberOfMessagesNotVisibleInQuietGroups).toBe(42);
  });

  it('turns a noisy tenant quiet after 5 minutes without a send, even with a backlog', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'silent' });
    await sendAs(sqs, QueueUrl, 'A', 50);
    await receiveBatches(sqs, QueueUrl, 3);
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    clock.advance(5 * 60_000 - 1);
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    clock.advance(1);
    expect(sqs.noisyGroups(QueueUrl)).toEqual([]);
    // A send makes it a tenant with 30 in flight again: noisy at once.
    await sendAs(sqs, QueueUrl, 'A', 1);
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
  });

  it('marks a tenant noisy by its share of processing time, with few messages in flight', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'slow' });
    await sendAs(sqs, QueueUrl, 'A', 20);
    await sendAs(sqs, QueueUrl, 'B', 3);
    const [slow] = (await sqs.ReceiveMessage({ QueueUrl, VisibilityTimeout: HOLD })).Messages;
    expect(slow?.Body).toBe('A-0');
    expect(sqs.noisyGroups(QueueUrl)).toEqual([]);
    // Ten seconds between receive and delete: all of the queue's recent processing time.
    clock.advance(10_000);
    await sqs.DeleteMessage({ QueueUrl, ReceiptHandle: slow?.ReceiptHandle ?? '' });
    expect(sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 5, VisibilityTimeout: HOLD });
    expect(Messages.map((m) => m.Body)).toEqual(['B-0', 'B-1', 'B-2', 'A-1', 'A-2']);
  });

  it('counts processing time once when a visibility change is followed by a delete', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'extend' });
    // Eleven tenants with two messages each, so each keeps a backlog while its first is processed.
    const tenants = 'ABCDEFGHIJK'.split('');
    for (let round = 0; round < 2; round++) for (const tenant of tenants) await sendAs(sqs, QueueUrl, tenant, 1);
    const first = (await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD })).Messages;
    first.push(...(await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: HOLD })).Messages);
    expect(first.map(tenantOf)).toEqual(tenants);
    clock.advance(1_000);
    await sqs.ChangeMessageVisibility({ QueueUrl, ReceiptHandle: first[0]?.ReceiptHandle ?? '', VisibilityTimeout: 60 });
    clock.advance(1_000);
    for (const m of first) await sqs.DeleteMessage({ QueueUrl, ReceiptHandle: m.ReceiptHandle });
    // Every tenant processed for 2 s: 1/11 of the time each, under 10%. Counting A's first second twice would make it 3/23.
    expect(sqs.noisyGroups(QueueUrl)).toEqual([]);
  });

  it('becomes fair when grouped messages arrive by dead-letter redrive rather than by a send', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const { QueueUrl: dlq } = await sqs.CreateQueue({ QueueName: 'dlq' });
    const policy = JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: 1 });
    const { QueueUrl: source } = await sqs.CreateQueue({ QueueName: 'source', Attributes: { RedrivePolicy: policy } });
    // A receive on the dead-letter queue while it holds nothing grouped yet.
    expect((await sqs.ReceiveMessage({ QueueUrl: dlq })).Messages).toEqual([]);
    await sendAs(sqs, source, 'A', 40);
    await sendAs(sqs, source, 'B', 2);
    await receiveBatches(sqs, source, 5);
    clock.advance(HOLD * 1000);
    // The second receive of each message moves it to the dead-letter queue, group id and all.
    await receiveBatches(sqs, source, 5);
    await receiveBatches(sqs, dlq, 3);
    expect(sqs.noisyGroups(dlq)).toEqual(['A']);
    expect((await sqs.ReceiveMessage({ QueueUrl: dlq, MaxNumberOfMessages: 2 })).Messages.map(tenantOf)).toEqual(['B', 'B']);
  });

  it('keeps MessageGroupId on a standard queue and answers it as an attribute; per-message delays stay allowed', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'standard' });
    await sqs.SendMessage({ QueueUrl, MessageBody: 'now', MessageGroupId: 'tenant-1' });
    await sqs.SendMessage({ QueueUrl, MessageBody: 'later', MessageGroupId: 'tenant-1', DelaySeconds: 5 });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] });
    expect(Messages.map((m) => [m.Body, m.Attributes?.MessageGroupId])).toEqual([['now', 'tenant-1']]);
    expect(Messages[0]?.Attributes).not.toHaveProperty('SequenceNumber');
    expect(Messages[0]?.Attributes).not.toHaveProperty('MessageDeduplicationId');
    expect(sqs.fairQueueMetrics(QueueUrl).ApproximateNumberOfMessagesDelayedInQuietGroups).toBe(1);
    clock.advance(5_000);
    expect((await sqs.ReceiveMessage({ QueueUrl })).Messages.map((m) => m.Body)).toEqual(['later']);
  });

  it('fails if a standard queue message carries a MessageDeduplicationId, group id or not', async () => {
    const { sqs } = service();
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'standard' });
    await expect(
      sqs.SendMessage({ QueueUrl, MessageBody: 'x', MessageGroupId: 'tenant-1', MessageDeduplicationId: 'd' }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValueException' });
  });

  it('reports the age of the oldest waiting message of the quiet tenants', async () => {
    const clock = new ManualClock();
    const { sqs } = service({ clock });
    const QueueUrl = await noisyNeighbour(sqs, true);
    clock.advance(42_000);
    await receiveBatches(sqs, QueueUrl, 3);
    expect(sqs.fairQueueMetrics(QueueUrl).ApproximateAgeOfOldestMessageInQuietGroups).toBe(42);
  });
});

describe('SQS fair queues durability', () => {
  const sqsFile = useSqsFiles('sqs-fair-');

  it('loses no message across a SIGKILL while a tenant is noisy, and finds the noisy tenant again from the store', async () => {
    const file = sqsFile();
    // The child acknowledges each send and receive by printing it, then is killed while still sending.
    const output = await printedBeforeSigkill(
      file,
      `
      const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '600' } });
      const send = async (tenant, n) => {
        const { MessageId } = await sqs.SendMessage({ QueueUrl, MessageBody: tenant + '-' + n, MessageGroupId: tenant });
        process.stdout.write('sent ' + MessageId + '\\n');
      };
      for (let i = 0; i < 100; i++) await send('A', i);
      for (const t of ['B', 'C']) for (let i = 0; i < 3; i++) await send(t, i);
      for (let i = 0; i < 4; i++) {
        const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10 });
        for (const m of Messages) process.stdout.write('received ' + m.MessageId + ' ' + m.Body + '\\n');
      }
      process.stdout.write('noisy ' + sqs.noisyGroups(QueueUrl).join(',') + '\\n');
      process.stdout.write('ready\\n');
      let n = 0;
      setInterval(() => sqs.SendMessage({ QueueUrl, MessageBody: 'late-' + n++, MessageGroupId: 'A' }), 1);
    `,
    );

    const sent = [...output.matchAll(/^sent (\S+)$/gm)].map((m) => m[1] ?? '');
    const received = [...output.matchAll(/^received (\S+) (\S+)$/gm)].map((m) => ({ id: m[1] ?? '', body: m[2] ?? '' }));
    expect(sent).toHaveLength(106);
    expect(output).toContain('noisy A\n');
    // The fourth batch went to the quiet tenants first.
    expect(received.slice(30, 36).map((m) => m.body.split('-')[0])).toEqual(['B', 'B', 'B', 'C', 'C', 'C']);

    const clock = new ManualClock(Date.now());
    const reopened = service({ clock, file });
    const QueueUrl = `${BASE_URL}/${ACCOUNT}/q`;
    // Ordering state starts empty, but A's 34 messages in flight are in the store: A is noisy again.
    expect(reopened.sqs.noisyGroups(QueueUrl)).toEqual(['A']);
    const found = new Set<string>();
    const drain = async () => {
      for (;;) {
        const { Messages } = await reopened.sqs.ReceiveMessage({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD });
        if (Messages.length === 0) return;
        for (const m of Messages) found.add(m.MessageId);
      }
    };
    await drain();
    for (const id of sent) if (!received.some((m) => m.id === id)) expect(found.has(id)).toBe(true);
    clock.advance(600_000);
    await drain();
    for (const id of sent) expect(found.has(id)).toBe(true);
  });
});
