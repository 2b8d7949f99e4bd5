import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CONTRACTS, ENV, WORKFLOW_TYPES } from '../../contracts/index.js';
import { requireEnum, requireEnv } from '../kit/config.js';
import { createSqsConsumer } from '../kit/consumer.js';
import { tracer } from '../kit/observability.js';
import { executionNameFor, startWorkflow } from './start-workflow.js';

const stateMachineArn = requireEnv(ENV.stateMachineArn);
const workflowType = requireEnum(ENV.workflowType, WORKFLOW_TYPES);
const tableName = requireEnv(ENV.idempotencyTable);

// StartSyncExecution goes to the `sync-states` host; a custom endpoint (the local runtime,
// a VPC endpoint) has no `sync-` host to prefix, so the prefix is dropped there.
const customEndpoint = process.env.AWS_ENDPOINT_URL_SFN ?? process.env.AWS_ENDPOINT_URL;
const sfn = tracer.captureAWSv3Client(new SFNClient({ disableHostPrefix: customEndpoint !== undefined }));

/** Starts one execution per business fact that the trigger rule lets through. */
export const handler = createSqsConsumer({
  // The trigger rule decides which detail-types arrive; any known contract is accepted.
  contracts: CONTRACTS,
  idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName }) },
  // A replay under the skip or dry-run policy never reaches `handle`: no execution is started.
  describeDryRun: (_detail, event) => ({ startExecution: { stateMachineArn, workflowType, name: executionNameFor(event) } }),
  handle: async (_detail, { event, logger }) => {
    const result = await startWorkflow(sfn, stateMachineArn, workflowType, event);
    logger.info('workflow started', { ...result });
    return result;
  },
});
