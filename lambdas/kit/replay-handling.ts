import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import {
  REPLAY_LOG_FIELDS,
  REPLAY_LOG_MESSAGES,
  type ReplayClaimState,
  type ReplayPolicy,
  type ReprocessOutcome,
  replayPolicyOf,
} from '../../contracts/replay-policy.js';
import type { ContractRegistry, ValidatedEvent } from './envelope.js';
import { InvalidEventError, toError } from './errors.js';
import type { RecordLoggers } from './record-loggers.js';

/** What deciding a replayed record takes: the consumer's contracts, the invocation's record loggers and the replay policy. */
export interface ReplayHandling<C extends readonly AnyEventContract[]> {
  readonly registry: ContractRegistry;
  readonly loggers: RecordLoggers;
  /** The consumer's policy for a replay whose name carries none. */
  readonly policy?: ReplayPolicy;
  readonly describeDryRun?: (detail: Detail<C[number]>, event: ValidatedEvent) => unknown;
  /**
   * Reads (never writes) the idempotency claim of a key, for a dry run to say whether the
   * handler would run or skip the event as already applied; absent for a consumer that claims
   * nothing (its own conditional write decides).
   */
  readonly claimOf?: (idempotencyKey: string) => Promise<ReplayClaimState>;
}

/** A replayed record's replay: its name and the policy it is handled under. */
export interface Replay {
  readonly name: string;
  readonly policy: ReplayPolicy;
}

/** The replay a record's event comes from, under the consumer's policy for a name without one; undefined for a live event. */
export function replayOf(record: SQSRecord, policy: ReplayPolicy | undefined): Replay | undefined {
  const name = replayNameOf(record.body);
  return name === undefined ? undefined : { name, policy: replayPolicyOf(name, policy) };
}

/**
 * Logs what became of a replayed event the consumer reprocessed, for `switchyard replay` to
 * count; `logger` carries the record's event id and detail-type once it was parsed.
 */
export function logReprocessed(logger: Logger, replay: Replay, outcome: ReprocessOutcome, idempotencyKey: string | undefined): void {
  logger.info(REPLAY_LOG_MESSAGES.reprocessed, {
    idempotencyKey,
    [REPLAY_LOG_FIELDS.replayName]: replay.name,
    [REPLAY_LOG_FIELDS.replayPolicy]: replay.policy,
    [REPLAY_LOG_FIELDS.outcome]: outcome,
  });
}

/**
 * A replayed event under the `skip` or `dry-run` policy is acknowledged without running
 * the handler, claiming its key or dead-lettering it: a replay that must not act leaves
 * nothing behind but one log line. A dry run reads the event's idempotency claim, so its line
 * says whether the handler would run or skip the event as already applied. The caller
 * processes a record of any other policy (`reprocess`) as a live one.
 */
export async function handleNotRunReplay<C extends readonly AnyEventContract[]>(
  record: SQSRecord,
  replay: Replay,
  handling: ReplayHandling<C>,
): Promise<void> {
  const { policy } = replay;
  const replayKeys = { [REPLAY_LOG_FIELDS.replayName]: replay.name, [REPLAY_LOG_FIELDS.replayPolicy]: policy };
  const replayLogger = handling.loggers({ messageId: record.messageId, ...replayKeys });
  if (policy === 'skip') {
    replayLogger.info(REPLAY_LOG_MESSAGES.skipped, envelopeKeys(record.body));
    return;
  }
  let event: ValidatedEvent;
  try {
    event = handling.registry.parseRecord(record);
  } catch (thrown) {
    const error = toError(thrown);
    replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
      ...envelopeKeys(record.body),
      [REPLAY_LOG_FIELDS.valid]: false,
      [REPLAY_LOG_FIELDS.problems]: error instanceof InvalidEventError && error.problems.length > 0 ? error.problems : [error.message],
      [REPLAY_LOG_FIELDS.wouldRun]: { deadLetter: error.name },
    });
    return;
  }
  const detail = event.envelope.detail as Detail<C[number]>;
  replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
    eventId: event.envelope.id,
    detailType: event.envelope['detail-type'],
    idempotencyKey: event.idempotencyKey,
    [REPLAY_LOG_FIELDS.valid]: true,
    ...(handling.claimOf ? { [REPLAY_LOG_FIELDS.claim]: await claimOrUnknown(handling.claimOf, event.idempotencyKey, replayLogger) } : {}),
    [REPLAY_LOG_FIELDS.wouldRun]: handling.describeDryRun?.(detail, event) ?? { handle: event.contract.detailType },
  });
}

/** The claim's state; a claim that cannot be read leaves the dry run's answer open (logged), never fails the record. */
async function claimOrUnknown(claimOf: (key: string) => Promise<ReplayClaimState>, key: string, logger: Logger): Promise<ReplayClaimState> {
  try {
    return await claimOf(key);
  } catch (thrown) {
    logger.warn('replay dry run: the idempotency claim could not be read', { idempotencyKey: key, error: toError(thrown) });
    return 'unknown';
  }
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
