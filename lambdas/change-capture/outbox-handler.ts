import type { OutboxEvent } from '../../contracts/index.js';
import { logger } from '../kit/observability.js';
import type { StreamRecord } from './change-events.js';
import { outboxEvent } from './outbox-events.js';

/**
 * A table outbox pipe's enrichment: EventBridge Pipes invokes it synchronously with a batch
 * of the stream records that carry an announcement, and sends each element of the array it
 * returns to the bus, in order. It only translates (no I/O), one event per record.
 */
export async function handler(records: readonly StreamRecord[]): Promise<OutboxEvent[]> {
  const announced = records.map(outboxEvent);
  logger.info('announcements read', { count: announced.length, detailTypes: announced.map((a) => a.detailType) });
  return announced;
}
