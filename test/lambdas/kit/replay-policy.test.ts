import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPLAY_LOG_MESSAGES, type ReplayPolicy, replayNameFor, TicketCreated } from '../../../domain/index.js';
import { createSqsConsumer } from '../../../lambdas/kit/consumer.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { useConsumerBench } from '../../helpers/sqs-consumer.js';

const { dynamo, table, sqs, persistenceStore } = useConsumerBench('replay');
afterEach(() => {
  vi.restoreAllMocks();
});

/** A consumer counting its side effects per ticket, with a dry-run description. */
function countingConsumer(replayPolicy?: ReplayPolicy) {
  const effects = new Map<string, number>();
  const handler = createSqsConsumer({
    contracts: [TicketCreated] as const,
    ...(replayPolicy ? { replayPolicy } : {}),
    idempotency: { persistenceStore: persistenceStore() },
    failureQueues: sqs.queues(5),
    describeDryRun: (detail) => ({ countTicket: detail.ticketId }),
    handle: async (detail) => {
      effects.set(detail.ticketId, (effects.get(detail.ticketId) ?? 0) + 1);
    },
  });
  return { handler, effects };
}

const replayed = (ticketId: string, replayName: string, extra: Record<string, unknown> = {}) =>
  ({ ...ticketCreated(ticketId, extra), 'replay-name': replayName }) as Record<string, unknown>;

async function claims(): Promise<number> {
  return (await dynamo.items(table.name)).length;
}

describe('createSqsConsumer under a replay policy', () => {
  it('reprocess: runs the handler as for a live event, idempotency keeps an effect already done from repeating, and each event says which', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const { handler, effects } = countingConsumer();
    await handler(sqsEvent(sqsRecord(ticketCreated('R-1'))), lambdaContext());
    const name = replayNameFor('reprocess', 'x');
    const response = await handler(sqsEvent(sqsRecord(replayed('R-1', name)), sqsRecord(replayed('R-2', name))), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(effects)).toEqual({ 'R-1': 1, 'R-2': 1 });
    const lines = info.mock.calls.filter(([message]) => message === REPLAY_LOG_MESSAGES.reprocessed).map(([, fields]) => fields);
    // Records of a batch run side by side: their lines come in any order.
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ replayName: name, outcome: 'duplicate', idempotencyKey: 'TicketCreated#ticketId="R-1"' }),
        expect.objectContaining({ replayName: name, outcome: 'ran', idempotencyKey: 'TicketCreated#ticketId="R-2"' }),
      ]),
    );
  });

  it('reprocess is the policy of a replay whose name carries none (started from the console)', async () => {
    const { handler, effects } = countingConsumer();
    await handler(sqsEvent(sqsRecord(replayed('R-3', 'console-replay-1'))), lambdaContext());
    expect(effects.get('R-3')).toBe(1);
  });

  it("uses the consumer's own policy for a replay whose name carries none, and the name's policy over it", async () => {
    const { handler, effects } = countingConsumer('skip');
    await handler(sqsEvent(sqsRecord(replayed('R-10', 'console-replay-2'))), lambdaContext());
    expect(effects.get('R-10')).toBeUndefined();
    expect(await claims()).toBe(0);
    await handler(sqsEvent(sqsRecord(replayed('R-11', replayNameFor('reprocess', 'y')))), lambdaContext());
    expect(effects.get('R-11')).toBe(1);
    // A live event is never a replay, whatever the consumer's replay policy.
    await handler(sqsEvent(sqsRecord(ticketCreated('R-12'))), lambdaContext());
    expect(effects.get('R-12')).toBe(1);
  });

  it('skip: acknowledges without running, claiming or dead-lettering, and logs that it skipped and why', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const { handler, effects } = countingConsumer();
    const name = replayNameFor('skip', 'x');
    const response = await handler(
      sqsEvent(sqsRecord(replayed('S-1', name)), sqsRecord(replayed('S-2', name, { customerId: 42 }))),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(effects.size).toBe(0);
    expect(sqs.sent).toEqual([]);
    expect(await claims()).toBe(0);
    const lines = info.mock.calls.filter(([message]) => message === REPLAY_LOG_MESSAGES.skipped);
    expect(lines).toHaveLength(2);
  });

  it('dry-run: validates the event, reads its claim and logs whether it would run, without running the handler or leaving anything behind', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const { handler, effects } = countingConsumer();
    // D-0 was handled live: a reprocess would skip it as already applied.
    await handler(sqsEvent(sqsRecord(ticketCreated('D-0'))), lambdaContext());
    const before = await claims();
    const name = replayNameFor('dry-run', 'x');
    const response = await handler(
      sqsEvent(sqsRecord(replayed('D-0', name)), sqsRecord(replayed('D-1', name)), sqsRecord(replayed('D-2', name, { customerId: 42 }))),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(effects)).toEqual({ 'D-0': 1 });
    // An invalid replayed event is reported, not dead-lettered: a dry run has no side effects.
    expect(sqs.sent).toEqual([]);
    expect(await claims()).toBe(before);
    const lines = info.mock.calls.filter(([message]) => message === REPLAY_LOG_MESSAGES.dryRun).map(([, fields]) => fields);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ valid: true, claim: 'applied', wouldRun: { countTicket: 'D-0' } }),
        expect.objectContaining({
          valid: true,
          claim: 'none',
          wouldRun: { countTicket: 'D-1' },
          idempotencyKey: 'TicketCreated#ticketId="D-1"',
        }),
        expect.objectContaining({ valid: false, problems: ['/customerId: must be string'], wouldRun: { deadLetter: 'InvalidEvent' } }),
      ]),
    );
    // The same event replayed with reprocess afterwards still runs: the dry run claimed nothing.
    await handler(sqsEvent(sqsRecord(replayed('D-1', replayNameFor('reprocess', 'y')))), lambdaContext());
    expect(effects.get('D-1')).toBe(1);
  });
});
