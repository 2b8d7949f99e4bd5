import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ENV } from '../../contracts/wiring.js';
import { requireEnv } from '../kit/config.js';
import { createSqsConsumer } from '../kit/consumer.js';
import { instrumentClient } from '../kit/tracing/aws-calls.js';
import { starterContracts } from './contracts.js';
import { durableExecutionNameFor, startDurableExecution } from './start-durable.js';

// Replaced at bundle time by the DurableFlow construct (esbuild define); see STARTER_CONTRACTS_DEFINE.
declare const SWITCHYARD_STARTER_CONTRACTS: string | undefined;

const functionArn = requireEnv(ENV.durableFunctionArn);
const tableName = requireEnv(ENV.idempotencyTable);
const contracts = starterContracts(typeof SWITCHYARD_STARTER_CONTRACTS === 'string' ? SWITCHYARD_STARTER_CONTRACTS : undefined);
const lambda = instrumentClient(new LambdaClient({}));

/**
 * Starts one durable execution per business fact that the trigger rule lets through: the
 * workflow starter's contracts, claims and names, with Lambda's Invoke in place of
 * StartExecution (the execution name travels as DurableExecutionName).
 */
export const handler = createSqsConsumer({
  contracts,
  idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName }) },
  // A replay under the skip or dry-run policy never reaches `handle`: no execution is started.
  describeDryRun: (_detail, event) => ({ invokeDurable: { functionArn, name: durableExecutionNameFor(event) } }),
  handle: async (_detail, { event, logger }) => {
    const result = await startDurableExecution(lambda, functionArn, event);
    logger.info('durable execution started', { ...result });
    return result;
  },
});
