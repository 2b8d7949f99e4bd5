import { ENV } from '../../contracts/index.js';
import { requireEnv } from '../kit/config.js';
import { logger } from '../kit/observability.js';
import { changeDetail, type StreamRecord, tableOf } from './change-events.js';

const entity = requireEnv(ENV.changeEntity);

/**
 * A change-capture pipe's enrichment: EventBridge Pipes invokes it synchronously with a
 * batch of DynamoDB stream records and sends each element of the array it returns to the
 * target, in order. It only translates (no I/O); a record it cannot read fails the
 * batch, which the pipe bisects down to that record, retries and finally describes in its
 * dead-letter queue.
 */
export async function handler(records: readonly StreamRecord[]): Promise<unknown[]> {
  const details = records.map((record) => changeDetail(entity, record, tableOf(record.eventSourceARN)));
  logger.info('changes translated', { count: details.length, changeIds: details.map((d) => d.changeId) });
  return details;
}
