import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventPublisher, FailureQueues } from 'switchyard/kit';
import { createSqsConsumer } from 'switchyard/kit';
import { JOB_STAGE_EFFECTS, JOB_STAGE_EVENTS, type JobStage } from '../../domain/index.js';
import { Ledger } from './ledger.js';
import { runStage } from './stages.js';

export interface StageConsumerOptions {
  readonly stage: JobStage;
  readonly dynamodb: DynamoDBClient;
  /** The side-effect ledger (key `jobId`, `effect`). */
  readonly ledgerTable: string;
  readonly publisher: EventPublisher;
  /** Whether jobs may ask for simulated failures. @default false */
  readonly allowSimulatedFailures?: boolean;
  /** @default - the queues QueueConsumer names in the environment */
  readonly failureQueues?: FailureQueues;
}

/**
 * One pipeline stage as a queue consumer: its trigger event in, its effect once in the
 * ledger, its completion event out. Replayed events never run a stage (the rule excludes
 * them; `skip` here is the second line should a replay reach the queue anyway).
 */
export function createStageConsumer(options: StageConsumerOptions) {
  const { stage } = options;
  const ledger = new Ledger(options.dynamodb, options.ledgerTable);
  return createSqsConsumer({
    contracts: [JOB_STAGE_EVENTS[stage].trigger],
    // The effect is itself one conditional write keyed on the job and effect, and the
    // ledger remembers that the completion event went out.
    idempotency: false,
    publisher: options.publisher,
    failureQueues: options.failureQueues,
    replayPolicy: 'skip',
    describeDryRun: (detail) => ({ stage, effect: JOB_STAGE_EFFECTS[stage], jobId: detail.jobId, table: options.ledgerTable }),
    handle: async (detail, { emit, logger, lambdaContext }) => {
      const outcome = await runStage(stage, detail as Parameters<typeof runStage>[1], {
        ledger,
        emit,
        allowSimulatedFailures: options.allowSimulatedFailures,
        // The claim lasts as long as this invocation may: after its deadline Lambda has
        // stopped it, so a twin that takes over can never announce beside a live holder.
        claimForMs: lambdaContext.getRemainingTimeInMillis(),
        onReleaseFailed: (error) =>
          logger.warn("could not hand back the claim on the effect; it lapses at this invocation's deadline", { error }),
      });
      logger.info(outcome.applied ? 'stage effect applied' : 'stage effect already applied: nothing done again', { ...outcome });
      return outcome;
    },
  });
}
