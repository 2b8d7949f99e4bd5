import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { EXPIRES_AT_ATTRIBUTE } from '../../contracts/wiring.js';
import { logger as defaultLogger, metrics } from './observability.js';

/**
 * Entity state that late, repeated and out-of-order events cannot roll back. Each item
 * carries the `version` of the event that wrote it, and a write is ONE conditional
 * PutItem: it lands only if the entity has no item yet or holds an older version. The
 * condition is evaluated by DynamoDB inside the write, so two writers racing cannot both
 * pass a check and then overwrite each other (a read-then-write would let them).
 *
 * Equal versions are a duplicate, not an update: the same event delivered twice (or two
 * copies of one decision) carries the same version, and the second must have no effect.
 * A strictly lower version is stale: a late event superseded by a newer one.
 *
 * An event that is not applied is never dropped silently: it is logged, counted in the
 * `IgnoredEvents` metric, and recorded as an item `<key>#ignored#<eventId>` in the same
 * table (or `ledgerTable`), with the version it carried, the version that stood and why.
 * Those records explain the past, they are not state: each carries `expiresAt`
 * (EXPIRES_AT_ATTRIBUTE) so a table with TTL on that attribute forgets them after
 * `ignoredRecordRetentionDays`, while entity items (no `expiresAt`) stay.
 */

/** How long an ignored-event record is kept by default (a quarter: long enough to investigate, short enough not to grow forever). */
export const DEFAULT_IGNORED_RECORD_RETENTION_DAYS = 90;

export const VERSION_ATTRIBUTE = 'version';

export type IgnoredReason = 'stale' | 'duplicate';

export type VersionedOutcome<T> =
  | { readonly outcome: 'applied'; readonly item: T }
  /** `current` is the item that stands (undefined only if it vanished before it could be read). */
  | { readonly outcome: 'ignored-stale' | 'ignored-duplicate'; readonly current: T | undefined; readonly ignored: IgnoredEvent };

/** What is recorded for an event that was not applied. */
export interface IgnoredEvent {
  readonly kind: 'ignored';
  /** The entity's key value, as written in the key attribute of the entity item. */
  readonly entityKey: string;
  readonly eventId: string;
  /** The version the ignored event carried. */
  readonly eventVersion: number;
  /** The version that stood when it arrived. */
  readonly currentVersion: number | undefined;
  readonly reason: IgnoredReason;
  readonly recordedAt: string;
  /** Epoch seconds after which DynamoDB TTL may delete the record. */
  readonly [EXPIRES_AT_ATTRIBUTE]: number;
}

export interface VersionedWrite<T extends Record<string, unknown>> {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The table's partition key attribute and this entity's value of it (a table keyed by one string attribute). */
  readonly key: { readonly name: string; readonly value: string };
  /** The version the event carries: a positive integer, higher is newer (see contracts/tickets.ts for where it comes from). */
  readonly version: number;
  /** The entity's new state, without key or version. */
  readonly update: T;
  /** The event making the update: its id names the ignored-event record. */
  readonly eventId: string;
  /** Where ignored events are recorded. @default - `tableName` */
  readonly ledgerTable?: string;
  /** Days an ignored-event record is kept (its `expiresAt`). @default - DEFAULT_IGNORED_RECORD_RETENTION_DAYS (90) */
  readonly ignoredRecordRetentionDays?: number;
  /** @default - the kit's shared logger */
  readonly logger?: Logger;
  readonly now?: Date;
}

/** Writes `update` as the entity's state if `version` is newer than the one it holds; otherwise records why not. */
export async function applyVersioned<T extends Record<string, unknown>>(
  write: VersionedWrite<T>,
): Promise<VersionedOutcome<T & Record<string, unknown>>> {
  const { client, tableName, key, version, eventId } = write;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`version must be a positive integer (got ${version})`);
  const retention = write.ignoredRecordRetentionDays;
  if (retention !== undefined && !(retention > 0 && retention <= 365 * 5))
    throw new Error(`ignoredRecordRetentionDays must be more than 0 and at most ${365 * 5} (got ${retention})`);
  const item = { ...write.update, [key.name]: key.value, [VERSION_ATTRIBUTE]: version };
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall(item, { removeUndefinedValues: true }),
        // An item written before versioning (no version attribute) counts as version 0.
        ConditionExpression: 'attribute_not_exists(#pk) OR attribute_not_exists(#version) OR #version < :version',
        ExpressionAttributeNames: { '#pk': key.name, '#version': VERSION_ATTRIBUTE },
        ExpressionAttributeValues: { ':version': { N: String(version) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { outcome: 'applied', item };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // DynamoDB returns the standing item with the failed condition; a store that does not
    // is asked once. This read only explains the refusal; the decision was the write's.
    const standing =
      error.Item ??
      (await client.send(new GetItemCommand({ TableName: tableName, Key: marshall({ [key.name]: key.value }), ConsistentRead: true })))
        .Item;
    const current = standing ? (unmarshall(standing) as T & Record<string, unknown>) : undefined;
    const currentVersion = typeof current?.[VERSION_ATTRIBUTE] === 'number' ? (current[VERSION_ATTRIBUTE] as number) : undefined;
    const reason: IgnoredReason = currentVersion === version ? 'duplicate' : 'stale';
    const now = write.now ?? new Date();
    const retentionDays = write.ignoredRecordRetentionDays ?? DEFAULT_IGNORED_RECORD_RETENTION_DAYS;
    const ignored: IgnoredEvent = {
      kind: 'ignored',
      entityKey: key.value,
      eventId,
      eventVersion: version,
      currentVersion,
      reason,
      recordedAt: now.toISOString(),
      [EXPIRES_AT_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + Math.round(retentionDays * 86_400),
    };
    await recordIgnored(write, ignored);
    (write.logger ?? defaultLogger).info(`event ignored: ${reason}`, { ...ignored, table: tableName });
    metrics.addMetric('IgnoredEvents', MetricUnit.Count, 1);
    return { outcome: reason === 'duplicate' ? 'ignored-duplicate' : 'ignored-stale', current, ignored };
  }
}

/** The key of the ignored-event record of `eventId` for the entity `entityKey`. */
export function ignoredRecordKey(entityKey: string, eventId: string): string {
  return `${entityKey}#ignored#${eventId}`;
}

/**
 * One record per (entity, event): a redelivered ignored event finds its record and keeps
 * the first one, so the ledger counts each ignored event once.
 */
async function recordIgnored(write: VersionedWrite<Record<string, unknown>>, ignored: IgnoredEvent): Promise<void> {
  try {
    await write.client.send(
      new PutItemCommand({
        TableName: write.ledgerTable ?? write.tableName,
        Item: marshall(
          { ...ignored, [write.key.name]: ignoredRecordKey(ignored.entityKey, ignored.eventId) },
          { removeUndefinedValues: true },
        ),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': write.key.name },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
