import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../../contracts/index.js';
import { requireEnv } from '../kit/config.js';
import { tracer } from '../kit/observability.js';
import { createRoutingConsumer } from './routing-consumer.js';

/** Applies each TicketRouted: the ticket's assignment, replaced only by a newer decision (lambdas/kit/versioned-state.ts). */
export const handler = createRoutingConsumer({
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  tableName: requireEnv(ENV.assignmentsTable),
});
