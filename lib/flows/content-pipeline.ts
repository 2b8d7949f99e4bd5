import * as path from 'node:path';
import type * as events from 'aws-cdk-lib/aws-events';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { type PipelineStage, StagedPipeline } from 'switchyard-cdk/constructs';
import { ENV, JOB_STAGE_EVENTS, JOB_STAGES, JobApproved, JobRejected, JobRequested, type JobStage } from '../../domain/index.js';

const STAGE_ENTRY = path.join(import.meta.dirname, '../../lambdas/pipeline/stage-handler.ts');
const PROJECTOR_ENTRY = path.join(import.meta.dirname, '../../lambdas/pipeline/projector-handler.ts');

/**
 * What sets the stages apart. Script, storyboard, approval and publish are quick calls;
 * inference and render are slow (a model, a renderer: up to tens of seconds), fail now and
 * then, and are bound by a quota: they take one record per invocation and at most 2 at a
 * time, with longer timeouts, while the quick stages keep moving on their own queues.
 * A quick stage's work takes milliseconds, yet its timeout is 20 s: a batch of 10 makes a
 * few dozen DynamoDB calls, and under a burst right after a cold start those took over
 * 10 s (a chaos run timed two out at 10 s).
 */
const STAGE_SETTINGS: Record<
  JobStage,
  Pick<PipelineStage, 'maxConcurrency' | 'batchSize' | 'maxReceiveCount'> & { timeout: Duration; what: string }
> = {
  script: { timeout: Duration.seconds(20), maxConcurrency: 10, what: 'Writes the job’s script' },
  storyboard: { timeout: Duration.seconds(20), maxConcurrency: 10, what: 'Draws the job’s storyboard' },
  inference: { timeout: Duration.seconds(30), maxConcurrency: 2, batchSize: 1, maxReceiveCount: 6, what: 'Infers the job’s frames (slow)' },
  render: { timeout: Duration.seconds(30), maxConcurrency: 2, batchSize: 1, maxReceiveCount: 6, what: 'Renders the job’s video (slow)' },
  approval: { timeout: Duration.seconds(20), maxConcurrency: 5, what: 'Asks a person to approve the rendered job' },
  publish: { timeout: Duration.seconds(20), maxConcurrency: 5, what: 'Publishes an approved job' },
};

export interface ContentPipelineProps {
  /** The hub: JobRequested and the decisions arrive on it, every stage's event crosses it. */
  readonly eventBus: events.IEventBus;
  /**
   * Whether a job may carry `simulate` (slow or failing stages, for demos and tests).
   * @default false - such a job is refused by its first stage (SimulationRefused, to the DLQ) before any effect
   */
  readonly allowSimulatedFailures?: boolean;
  /**
   * What happens to the ledger and the read model when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The content pipeline: JobRequested -> script -> storyboard -> inference -> render ->
 * approval (a person sends JobApproved or JobRejected) -> publish. Each stage's effect is
 * written to the ledger once per job, with its completion event in the same write; the
 * ledger's outbox (its stream -> a pipe -> the hub) publishes the event, so no crash can
 * send it twice. Every event folds into the read model.
 */
export class ContentPipeline extends Construct {
  public readonly pipeline: StagedPipeline;

  constructor(scope: Construct, id: string, props: ContentPipelineProps) {
    super(scope, id);
    this.pipeline = new StagedPipeline(this, 'Pipeline', {
      eventBus: props.eventBus,
      entryEvents: [JobRequested, JobApproved],
      stages: JOB_STAGES.map((stage) => {
        const { timeout, what, ...settings } = STAGE_SETTINGS[stage];
        return {
          name: stage,
          ...JOB_STAGE_EVENTS[stage],
          ...settings,
          handler: {
            entry: STAGE_ENTRY,
            description: `${what}, once per job, with its ${JOB_STAGE_EVENTS[stage].emits.detailType} for the ledger's outbox`,
            serviceName: 'content-pipeline',
            timeout,
            environment: { [ENV.allowSimulatedFailures]: String(props.allowSimulatedFailures ?? false) },
          },
        };
      }),
      projector: {
        handler: {
          entry: PROJECTOR_ENTRY,
          description: 'Folds every job event into the content pipeline’s read model',
          serviceName: 'content-pipeline',
          timeout: Duration.seconds(10),
        },
        maxConcurrency: 5,
        alsoFolds: [JobRejected],
      },
      removalPolicy: props.removalPolicy,
      outbox: true,
    });
  }
}
