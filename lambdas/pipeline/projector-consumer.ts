import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FailureQueues } from 'switchyard-cdk/kit';
import { createSqsConsumer } from 'switchyard-cdk/kit';
import { JOB_EVENTS } from '../../domain/index.js';
import type { JobEvent } from './fold.js';
import { projectJobEvent } from './projection.js';

export interface ProjectorConsumerOptions {
  readonly dynamodb: DynamoDBClient;
  /** The read-model table (key `jobId`). */
  readonly readModelTable: string;
  /** @default - the queues QueueConsumer names in the environment */
  readonly failureQueues?: FailureQueues;
}

/**
 * Folds every job event into the read model. It reprocesses replayed events (its policy is
 * `reprocess` whatever the replay is named otherwise): folding is free of side effects and
 * duplicates fold to nothing, which is what lets a replay of the archive rebuild the table.
 */
export function createProjectorConsumer(options: ProjectorConsumerOptions) {
  return createSqsConsumer({
    contracts: JOB_EVENTS,
    // The fold itself ignores a fact the job already has; a claim would add nothing.
    idempotency: false,
    failureQueues: options.failureQueues,
    replayPolicy: 'reprocess',
    describeDryRun: (detail, event) => ({ fold: { jobId: detail.jobId, event: event.contract.detailType, table: options.readModelTable } }),
    handle: async (detail, { event, logger }) => {
      const jobEvent = { detailType: event.contract.detailType, detail } as JobEvent;
      const outcome = await projectJobEvent(options.dynamodb, options.readModelTable, jobEvent, event.envelope.id, logger);
      logger.info(`job event ${outcome.outcome}`, { jobId: detail.jobId, detailType: jobEvent.detailType, ...outcome });
      return outcome;
    },
  });
}
