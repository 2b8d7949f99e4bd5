import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REPLAY_LOG_MESSAGES } from '../../../contracts/replay-policy.js';
import { TicketCreated } from '../../../domain/index.js';
import { createSqsConsumer } from '../../../lambdas/kit/consumer.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { FakeSqs } from '../../helpers/fake-sqs.js';

/** What a Logger prints, as the JSON objects of its lines. */
type Printed = Record<string, unknown>;

let printed: Printed[];

beforeEach(() => {
  // Powertools counts a cold start only in an on-demand environment, read when a Logger is made.
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  printed = [];
  const printLog = vi.spyOn(Logger.prototype as unknown as { printLog: (level: number, log: unknown) => void }, 'printLog');
  printLog.mockImplementation((_level, log) => {
    const item = log as { prepareForPrint(): void; getAttributes(): Printed };
    item.prepareForPrint();
    printed.push(item.getAttributes());
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function consumer(logger: Logger) {
  return createSqsConsumer({
    contracts: [TicketCreated] as const,
    idempotency: false,
    logger,
    replayPolicy: 'skip',
    handle: async (detail, { logger: recordLogger }) => {
      recordLogger.info('handled', { ticketId: detail.ticketId });
    },
    failureQueues: new FakeSqs().queues(5),
  });
}

/** The cold_start of each line the records' handlers and replays printed. */
function coldStartsOf(message: string): unknown[] {
  return printed.filter((line) => line.message === message).map((line) => line.cold_start);
}

describe('createSqsConsumer logging', () => {
  it("says cold_start true on the first invocation's records only", async () => {
    const handler = consumer(new Logger({ serviceName: 'cold-start', logLevel: 'INFO' }));
    await handler(sqsEvent(sqsRecord(ticketCreated('T-1')), sqsRecord(ticketCreated('T-2'))), lambdaContext());
    await handler(sqsEvent(sqsRecord(ticketCreated('T-3'))), lambdaContext());
    await handler(sqsEvent(sqsRecord(ticketCreated('T-4'))), lambdaContext());
    expect(coldStartsOf('handled')).toEqual([true, true, false, false]);
  });

  it("says cold_start false on a warm invocation's replayed records", async () => {
    const handler = consumer(new Logger({ serviceName: 'cold-start-replay', logLevel: 'INFO' }));
    await handler(sqsEvent(sqsRecord(ticketCreated('T-5'))), lambdaContext());
    const replayed = { ...ticketCreated('T-6'), 'replay-name': 'fix-1' };
    await handler(sqsEvent(sqsRecord(replayed)), lambdaContext());
    expect(coldStartsOf(REPLAY_LOG_MESSAGES.skipped)).toEqual([false]);
  });
});
