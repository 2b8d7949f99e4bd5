import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ENV, WORKFLOW_TYPES } from '../../contracts/wiring.js';
import { requireEnum, requireEnv } from '../kit/config.js';
import { createSqsConsumer } from '../kit/consumer.js';
import { tracer } from '../kit/observability.js';
import { starterContracts } from './contracts.js';
import { executionNameFor, startWorkflow } from './start-workflow.js';

// Replaced at bundle time by the Workflow construct (esbuild define); see STARTER_CONTRACTS_DEFINE.
declare const SWITCHYARD_STARTER_CONTRACTS: string | undefined;

const stateMachineArn = requireEnv(ENV.stateMachineArn);
const workflowType = requireEnum(ENV.workflowType, WORKFLOW_TYPES);
const tableName = requireEnv(ENV.idempotencyTable);
const contracts = starterContracts(typeof SWITCHYARD_STARTER_CONTRACTS === 'string' ? SWITCHYARD_STARTER_CONTRACTS : undefined);

// StartSyncExecution goes to the `sync-states` host; a custom endpoint (the local runtime,
// a VPC endpoint) has no `sync-` host to prefix, so the prefix is dropped there.
const customEndpoint = process.env.AWS_ENDPOINT_URL_SFN ?? process.env.AWS_ENDPOINT_URL;
const sfn = tracer.captureAWSv3Client(new SFNClient({ disableHostPrefix: customEndpoint !== undefined }));

/** Starts one execution per business fact that the trigger rule lets through. */
export const handler = createSqsConsumer({
  // The trigger rule decides which detail-types arrive; its Workflow named their contracts.
  contracts,
  idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName }) },
  // A replay under the skip or dry-run policy never reaches `handle`: no execution is started.
  describeDryRun: (_detail, event) => ({ startExecution: { stateMachineArn, workflowType, name: executionNameFor(event) } }),
  handle: async (_detail, { event, logger }) => {
    const result = await startWorkflow(sfn, stateMachineArn, workflowType, event);
    logger.info('workflow started', { ...result });
    return result;
  },
});
