import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { toHub } from '../helpers/hub.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { consumerFixture } from '../local/consumer-fixture.js';
import { credentials, eventually, region, ticketEntry } from '../local/helpers.js';

const TICKETS = Array.from({ length: 60 }, (_, i) => `CRASH-${i}`);
const crashable = useCrashableApps();

/** Whether the data folder holds a callback task whose request was sent (read-only, beside the running runtime). */
function tokenSendingRecorded(dataDir: string): true | undefined {
  const db = new DatabaseSync(path.join(dataDir, 'states.sqlite'), { readOnly: true });
  try {
    return db.prepare('SELECT 1 FROM sfn_tasks WHERE submitted = 1').get() ? true : undefined;
  } finally {
    db.close();
  }
}

async function runs(dynamodb: DynamoDBClient): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < TICKETS.length; i += 100) {
    const keys = TICKETS.slice(i, i + 100).map((ticketId) => ({ ticketId: { S: ticketId } }));
    const { Responses } = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { 'fixture-effects': { Keys: keys } } }));
    for (const item of Responses?.['fixture-effects'] ?? []) counts.set(item.ticketId?.S ?? '', Number(item.runs?.N ?? 0));
  }
  return counts;
}

async function recorderQueueDrained(sqs: SQSClient): Promise<true | undefined> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  for (const url of QueueUrls.filter((u) => u.includes('RecorderQueue'))) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    if (Object.values(Attributes).some((n) => n !== '0')) return undefined;
  }
  return true;
}

describe('LocalRuntime durability', () => {
  it('loses no accepted event and runs no side effect twice beyond the records in flight, across a SIGKILL', async () => {
    // At most BATCH x CONCURRENCY records are inside a handler when the process dies; only
    // those can have run their side effect without their idempotency record completing.
    const BATCH = 5;
    const CONCURRENCY = 2;
    const cdkOut = await consumerFixture({ batchSize: BATCH, maxConcurrency: CONCURRENCY });
    const app = await crashable(cdkOut);
    const config = { endpoint: app.endpoint, region, credentials, maxAttempts: 1 };
    const events = new EventBridgeClient(config);
    const dynamodb = new DynamoDBClient(config);

    // Every ticket twice, as a helpdesk retrying its webhook would send it (two event ids,
    // one ticket): without idempotency every side effect would run twice.
    const copies = [...TICKETS, ...TICKETS];
    for (let i = 0; i < copies.length; i += 10) {
      const result = await events.send(new PutEventsCommand({ Entries: copies.slice(i, i + 10).map((t) => ticketEntry(t)) }));
      expect(result.FailedEntryCount).toBe(0);
    }
    // Kill while the pipeline is busy: some tickets done, others queued or in a handler.
    await eventually(async () => ((await runs(dynamodb)).size >= 5 ? true : undefined), 20_000, 'the first tickets');
    await app.crash();
    const counts = await eventually(
      async () => {
        const current = await runs(dynamodb);
        return current.size === TICKETS.length ? current : undefined;
      },
      60_000,
      'every ticket to be processed after the restart',
    );
    expect([...counts.keys()].sort()).toEqual([...TICKETS].sort());
    // Count once every copy (and every redelivery) has been consumed.
    await eventually(() => recorderQueueDrained(new SQSClient(config)), 60_000, 'the queue to drain');
    const settled = await runs(dynamodb);
    const duplicates = [...settled.values()].filter((n) => n > 1).length;
    expect(duplicates).toBeLessThanOrEqual(BATCH * CONCURRENCY);
  }, 120_000);

  it('finishes an escalation that waited on its task token across a SIGKILL, without sending it again', async () => {
    const cdkOut = await switchyardAppFolder();
    const app = await crashable(cdkOut);
    const config = { endpoint: app.endpoint, region, credentials, maxAttempts: 1 };
    /** The TicketEscalated lines of the life of the runtime under way. */
    let fromLine = 0;
    const escalatedLine = () =>
      app
        .logs()
        .slice(fromLine)
        .find((l) => l.includes(' TicketEscalated ') && l.includes('"ticketId":"KILL-1"'));

    await new EventBridgeClient(config).send(
      toHub(TicketCreated, { ticketId: 'KILL-1', customerId: 'C', subject: 'hello', body: 'asdf qwerty' }),
    );
    const line = await eventually(async () => escalatedLine(), 30_000, 'TicketEscalated');
    const { taskToken } = JSON.parse(line.slice(line.indexOf('{'))) as { taskToken: string };
    // The runtime records that the token was sent just after PutEvents returns; a kill inside
    // that gap sends it again after the restart (at least once, by design). This test is about
    // the wait that follows, so it kills only once the sending is on disk.
    await eventually(async () => tokenSendingRecorded(app.dataDir), 30_000, 'the token sending to be recorded');
    fromLine = app.logs().length;
    await app.crash();
    await new SFNClient(config).send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'reject', queue: 'security' }) }),
    );
    const routed = await eventually(
      async () =>
        app
          .logs()
          .slice(fromLine)
          .find((l) => l.includes(' TicketRouted ') && l.includes('"ticketId":"KILL-1"')),
      30_000,
      'TicketRouted after the restart',
    );
    expect(routed).toContain('"queue":"security"');
    expect(routed).toContain('"decidedBy":"human"');
    // The resumed execution waited on the token it had; it did not publish TicketEscalated again.
    expect(escalatedLine()).toBeUndefined();
  }, 120_000);
});
