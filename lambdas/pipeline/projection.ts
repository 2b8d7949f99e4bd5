import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ignoredRecordKey } from 'switchyard-cdk/kit';
import { type FoldResult, foldJob, type JobEvent, type JobView } from './fold.js';

/** How often a write that lost a race with another event of the same job is folded again at once. */
const MAX_ATTEMPTS = 8;

/** A job's read-model write kept losing to concurrent writes; the record is retried later. */
export class ReadModelContendedError extends Error {
  override readonly name = 'ReadModelContended';
}

export interface ProjectionOutcome {
  readonly outcome: FoldResult['outcome'];
  readonly reason?: string;
  readonly revision?: number;
  readonly status?: string;
}

/**
 * Folds one event into its job's item in the read-model table: read the item, fold, and
 * write it back only if nobody wrote in between (a conditional put on the item's
 * `revision`). Two events of one job folded at once cannot both win: the loser reads the
 * winner's item and folds again. A duplicate changes nothing and is recorded as ignored
 * (`<jobId>#ignored#<eventId>`), so the table's job items stay the pure fold of the events.
 *
 * lambdas/kit/versioned-state.ts does not fit here: it keeps the newest version and
 * ignores older ones, which for a fold would drop a late earlier event's facts.
 */
export async function projectJobEvent(
  dynamodb: DynamoDBClient,
  tableName: string,
  event: JobEvent,
  eventId: string,
  logger?: Logger,
): Promise<ProjectionOutcome> {
  const jobId = event.detail.jobId;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: marshall({ jobId }), ConsistentRead: true }));
    const current = Item === undefined ? undefined : (unmarshall(Item) as JobView);
    const folded = foldJob(current, event);
    if (folded.outcome === 'ignored') {
      await recordIgnored(dynamodb, tableName, {
        jobId,
        eventId,
        detailType: event.detailType,
        reason: folded.reason,
        revision: current?.revision,
      });
      logger?.info(`job event ignored: ${folded.reason}`, { jobId, eventId, detailType: event.detailType, revision: current?.revision });
      return { outcome: 'ignored', reason: folded.reason, revision: current?.revision, status: current?.status };
    }
    try {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(folded.view, { removeUndefinedValues: true }),
          ConditionExpression: current === undefined ? 'attribute_not_exists(jobId)' : 'revision = :revision',
          ExpressionAttributeValues: current === undefined ? undefined : { ':revision': { N: String(current.revision) } },
        }),
      );
      return { outcome: 'applied', revision: folded.view.revision, status: folded.view.status };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      logger?.debug('read model write lost a race; folding again', { jobId, attempt });
      // Jittered, so two writers that collided do not collide again in step.
      await sleep(Math.random() * 20 * attempt);
    }
  }
  throw new ReadModelContendedError(`job ${jobId}: the read model changed under ${MAX_ATTEMPTS} writes in a row`);
}

interface IgnoredJobEvent {
  readonly jobId: string;
  readonly eventId: string;
  readonly detailType: string;
  readonly reason: string;
  readonly revision: number | undefined;
}

/** One record per ignored event (its first sighting kept): the job items stay the fold alone. */
async function recordIgnored(dynamodb: DynamoDBClient, tableName: string, ignored: IgnoredJobEvent): Promise<void> {
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall(
          { ...ignored, kind: 'ignored', jobId: ignoredRecordKey(ignored.jobId, ignored.eventId) },
          { removeUndefinedValues: true },
        ),
        ConditionExpression: 'attribute_not_exists(jobId)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
