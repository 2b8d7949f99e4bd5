import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requireEnum, requireEnv, simulatedFailuresAllowed, tracer } from 'switchyard-cdk/kit';
import { ENV, JOB_STAGES } from '../../domain/index.js';
import { createStageConsumer } from './stage-consumer.js';

/** One stage of the content pipeline; StagedPipeline says which in ENV.pipelineStage. */
export const handler = createStageConsumer({
  stage: requireEnum(ENV.pipelineStage, JOB_STAGES),
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  ledgerTable: requireEnv(ENV.pipelineLedgerTable),
  allowSimulatedFailures: simulatedFailuresAllowed(),
});
