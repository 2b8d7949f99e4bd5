import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ENV, JOB_STAGES } from '../../contracts/index.js';
import { requireEnum, requireEnv, simulatedFailuresAllowed } from '../kit/config.js';
import { EventPublisher } from '../kit/emit.js';
import { tracer } from '../kit/observability.js';
import { createStageConsumer } from './stage-consumer.js';

/** One stage of the content pipeline; StagedPipeline says which in ENV.pipelineStage. */
export const handler = createStageConsumer({
  stage: requireEnum(ENV.pipelineStage, JOB_STAGES),
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  ledgerTable: requireEnv(ENV.pipelineLedgerTable),
  allowSimulatedFailures: simulatedFailuresAllowed(),
  publisher: new EventPublisher({
    client: tracer.captureAWSv3Client(new EventBridgeClient({})),
    eventBusName: requireEnv(ENV.eventBusName),
  }),
});
