import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import { REPLAY_LOG_FIELDS, REPLAY_LOG_MESSAGES, type ReplayPolicy, replayPolicyOf } from '../../contracts/replay-policy.js';
import type { ContractRegistry, ValidatedEvent } from './envelope.js';
import { InvalidEventError, toError } from './errors.js';

/** What deciding a replayed record takes: the consumer's contracts, logger and replay policy. */
export interface ReplayHandling<C extends readonly AnyEventContract[]> {
  readonly registry: ContractRegistry;
  readonly logger: Logger;
  /** The consumer's policy for a replay whose name carries none. */
  readonly policy?: ReplayPolicy;
  readonly describeDryRun?: (detail: Detail<C[number]>, event: ValidatedEvent) => unknown;
}

/**
 * A replayed event under the `skip` or `dry-run` policy is acknowledged without running
 * the handler, claiming its key or dead-lettering it: a replay that must not act leaves
 * nothing behind but one log line. Returns false for any other record (a live event, or a
 * replay to reprocess), which the consumer then processes.
 */
export function handledAsReplay<C extends readonly AnyEventContract[]>(record: SQSRecord, handling: ReplayHandling<C>): boolean {
  const replayName = replayNameOf(record.body);
  const policy = replayPolicyOf(replayName, handling.policy);
  if (replayName === undefined || policy === 'reprocess') return false;
  const replayKeys = { [REPLAY_LOG_FIELDS.replayName]: replayName, [REPLAY_LOG_FIELDS.replayPolicy]: policy };
  const replayLogger = handling.logger.createChild({ persistentKeys: { messageId: record.messageId, ...replayKeys } });
  if (policy === 'skip') {
    replayLogger.info(REPLAY_LOG_MESSAGES.skipped, envelopeKeys(record.body));
    return true;
  }
  try {
    const event = handling.registry.parseRecord(record);
    const detail = event.envelope.detail as Detail<C[number]>;
    replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
      eventId: event.envelope.id,
      detailType: event.envelope['detail-type'],
      idempotencyKey: event.idempotencyKey,
      [REPLAY_LOG_FIELDS.valid]: true,
      [REPLAY_LOG_FIELDS.wouldRun]: handling.describeDryRun?.(detail, event) ?? { handle: event.contract.detailType },
    });
  } catch (thrown) {
    const error = toError(thrown);
    replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
      ...envelopeKeys(record.body),
      [REPLAY_LOG_FIELDS.valid]: false,
      [REPLAY_LOG_FIELDS.problems]: error instanceof InvalidEventError && error.problems.length > 0 ? error.problems : [error.message],
      [REPLAY_LOG_FIELDS.wouldRun]: { deadLetter: error.name },
    });
  }
  return true;
}

/** The `replay-name` of a record's event, without validating anything else; undefined for a live event. */
function replayNameOf(body: string): string | undefined {
  // Most records are live events: only a body that mentions the field is parsed here.
  if (!body.includes('"replay-name"')) return undefined;
  try {
    const name = (JSON.parse(body) as { 'replay-name'?: unknown })['replay-name'];
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The event id and detail-type of a body, when it has them, for log lines about records not validated. */
function envelopeKeys(body: string): { eventId?: unknown; detailType?: unknown } {
  try {
    const event = JSON.parse(body) as Record<string, unknown>;
    return { eventId: event.id, detailType: event['detail-type'] };
  } catch {
    return {};
  }
}
