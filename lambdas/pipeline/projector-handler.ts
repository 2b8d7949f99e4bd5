import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requireEnv, tracer } from 'switchyard-cdk/kit';
import { ENV } from '../../domain/index.js';
import { createProjectorConsumer } from './projector-consumer.js';

/** Folds every job event into the pipeline's read model (lambdas/pipeline/fold.ts). */
export const handler = createProjectorConsumer({
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  readModelTable: requireEnv(ENV.pipelineReadModelTable),
});
