import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FailureQueues } from 'switchyard-cdk/kit';
import { createSqsConsumer } from 'switchyard-cdk/kit';
import { JOB_STAGE_EFFECTS, JOB_STAGE_EVENTS, type JobStage } from '../../domain/index.js';
import { Ledger } from './ledger.js';
import { runStage } from './stages.js';

export interface StageConsumerOptions {
  readonly stage: JobStage;
  readonly dynamodb: DynamoDBClient;
  /** The side-effect ledger (key `jobId`, `effect`); its outbox publishes what the stages store in it. */
  readonly ledgerTable: string;
  /** Whether jobs may ask for simulated failures. @default false */
  readonly allowSimulatedFailures?: boolean;
  /** @default - the queues QueueConsumer names in the environment */
  readonly failureQueues?: FailureQueues;
}

/**
 * One pipeline stage as a queue consumer: its trigger event in, its effect and its
 * completion event once in the ledger (whose outbox sends the event). Replayed events never
 * run a stage (the rule excludes them; `skip` here is the second line should a replay reach
 * the queue anyway).
 */
export function createStageConsumer(options: StageConsumerOptions) {
  const { stage } = options;
  const ledger = new Ledger(options.dynamodb, options.ledgerTable);
  return createSqsConsumer({
    contracts: [JOB_STAGE_EVENTS[stage].trigger],
    // The effect and its event are one conditional write keyed on the job and effect.
    idempotency: false,
    failureQueues: options.failureQueues,
    replayPolicy: 'skip',
    describeDryRun: (detail) => ({ stage, effect: JOB_STAGE_EFFECTS[stage], jobId: detail.jobId, table: options.ledgerTable }),
    handle: async (detail, { event, logger }) => {
      const outcome = await runStage(stage, detail as Parameters<typeof runStage>[1], {
        ledger,
        cause: event,
        allowSimulatedFailures: options.allowSimulatedFailures,
      });
      logger.info(outcome.applied ? 'stage effect applied; the outbox announces it' : 'stage effect already applied: nothing done again', {
        ...outcome,
      });
      return outcome;
    },
  });
}
