import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ENV, WORKFLOW_TYPES } from '../../contracts/wiring.js';
import { requireEnum, requireEnv } from '../kit/config.js';
import { createSqsConsumer } from '../kit/consumer.js';
import { instrumentClient } from '../kit/tracing/aws-calls.js';
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
const sfn = instrumentClient(new SFNClient({ disableHostPrefix: customEndpoint !== undefined }));

/**
 * What an invocation keeps of its time after the last execution it waits for: completing
 * or releasing each record's idempotency claim and setting a failed record's retry
 * (ChangeMessageVisibility). The rest is each record's deadline for its execution.
 *
 * Why a deadline per record rather than a batch size of 1 or a timeout sized for a batch:
 * the batch's records run side by side, so an invocation lasts as long as its slowest
 * execution, which its own timeout bounds, and the starter's timeout (the execution's plus
 * EXPRESS_STARTER_OVERHEAD, see Workflow) is already sized for that. What overran it under
 * load was the overhead around the executions, and an invocation that times out settles
 * nothing: all ten records come back after the visibility timeout and run again. With a
 * deadline the invocation always answers: the executions that ended are settled, the one
 * still running is retried (its run goes on; the flow's claim makes the retry safe). The
 * starter's timeout is unchanged, so its queue's visibility timeout stays 6x it; a batch
 * size of 1 would have cost ten invocations and receives per batch of work.
 */
const SETTLE_MS = 2_000;

/** Starts one execution per business fact that the trigger rule lets through. */
export const handler = createSqsConsumer({
  // The trigger rule decides which detail-types arrive; its Workflow named their contracts.
  contracts,
  idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName }) },
  // A replay under the skip or dry-run policy never reaches `handle`: no execution is started.
  describeDryRun: (_detail, event) => ({ startExecution: { stateMachineArn, workflowType, name: executionNameFor(event) } }),
  handle: async (_detail, { event, logger, lambdaContext }) => {
    const deadline = AbortSignal.timeout(Math.max(0, lambdaContext.getRemainingTimeInMillis() - SETTLE_MS));
    const result = await startWorkflow(sfn, stateMachineArn, workflowType, event, deadline);
    logger.info('workflow started', { ...result });
    return result;
  },
});
