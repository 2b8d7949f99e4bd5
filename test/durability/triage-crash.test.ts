import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { toHub } from '../helpers/hub.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { credentials, eventually, region } from '../local/helpers.js';

/**
 * The app's own timeouts, not a test fixture's: a SIGKILL while tickets flow through the
 * triage flow, then every ticket assigned within two minutes (the starter queue's visibility
 * timeout, after which a delivery lost in the crash is retried, is 108 s).
 */
const TICKETS = Array.from({ length: 100 }, (_, i) => `CRASH-FLOW-${i}`);
const RECOVERY_BUDGET_MS = 120_000;
const crashable = useCrashableApps();

async function assignments(dynamodb: DynamoDBClient): Promise<Map<string, Record<string, unknown>>> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  const table = TableNames.find((name) => name.includes('Assignments'));
  if (!table) throw new Error(`no assignments table among ${TableNames.join(', ')}`);
  const out = new Map<string, Record<string, unknown>>();
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
    // Ignored-event records (lambdas/kit/versioned-state.ts) share the table; only assignments count here.
    for (const item of page.Items ?? [])
      if (item.kind?.S !== 'ignored') out.set(item.ticketId?.S ?? '', { queue: item.queue?.S, decidedBy: item.decidedBy?.S });
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  return out;
}

/** Messages the triage flow's workflow starter has received and not yet deleted. */
async function starterInFlight(sqs: SQSClient): Promise<number> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const starter = QueueUrls.find((url) => /Triage.*Starter/.test(url) && !/Dead|Dlq|DLQ/.test(url));
  if (!starter) throw new Error(`no triage starter queue among ${QueueUrls.join(', ')}`);
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: starter, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('The triage flow across a crash', () => {
  it('assigns every accepted ticket once, within two minutes of a SIGKILL', async () => {
    const running = await crashable(await switchyardAppFolder());
    const config = { endpoint: running.endpoint, region, credentials, maxAttempts: 1 };
    const events = new EventBridgeClient(config);
    const dynamodb = new DynamoDBClient(config);

    for (let i = 0; i < TICKETS.length; i += 10) {
      const details = TICKETS.slice(i, i + 10).map((ticketId) => ({
        ticketId,
        customerId: 'C-42',
        subject: 'Charged twice',
        body: 'My card was charged twice for the May invoice. Please refund one of the charges.',
      }));
      expect((await events.send(toHub(TicketCreated, ...details))).FailedEntryCount).toBe(0);
    }
    // Kill while the workflow starter holds deliveries: those are what its visibility timeout brings back.
    await eventually(
      async () => ((await starterInFlight(new SQSClient(config))) > 0 ? true : undefined),
      30_000,
      'starter deliveries in flight',
    );
    // The recovery is timed from the kill, restart included.
    const killedAt = Date.now();
    await running.crash();
    const done = await eventually(
      async () => {
        const now = await assignments(dynamodb);
        return now.size === TICKETS.length ? now : undefined;
      },
      RECOVERY_BUDGET_MS + 60_000,
      `every ticket to be assigned after the restart:\n${running.logs().slice(-30).join('\n')}`,
    );
    const recoveredMs = Date.now() - killedAt;
    console.info(`triage flow recovered from a SIGKILL in ${(recoveredMs / 1000).toFixed(1)} s`);
    expect([...done.keys()].sort()).toEqual([...TICKETS].sort());
    for (const assignment of done.values()) expect(assignment).toEqual({ queue: 'billing', decidedBy: 'model' });
    expect(recoveredMs).toBeLessThan(RECOVERY_BUDGET_MS);
  }, 300_000);
});
