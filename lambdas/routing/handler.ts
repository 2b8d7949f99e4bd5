import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requireEnv, tracer } from 'switchyard-cdk/kit';
import { APP_ENV } from '../../domain/wiring.js';
import { createRoutingConsumer } from './routing-consumer.js';

/** Applies each TicketRouted: the ticket's assignment, replaced only by a newer decision (lambdas/kit/versioned-state.ts). */
export const handler = createRoutingConsumer({
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  tableName: requireEnv(APP_ENV.assignmentsTable),
});
