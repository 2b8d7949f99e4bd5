import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { logger, requireEnv, simulatedFailuresAllowed, tracer } from 'switchyard-cdk/kit';
import { APP_ENV } from '../../domain/wiring.js';
import { type OrderStepRequest, type OrderTables, runOrderStep } from './order-steps.js';

const tables: OrderTables = { ledger: requireEnv(APP_ENV.ordersLedgerTable), inventory: requireEnv(APP_ENV.ordersInventoryTable) };
const allowSimulatedFailures = simulatedFailuresAllowed();
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

/** One step or compensation of the order saga (the state machine says which). */
export async function handler(request: OrderStepRequest): Promise<Record<string, unknown>> {
  const result = await runOrderStep(dynamodb, tables, request, allowSimulatedFailures);
  logger.info('order step', { ...result, step: request.step, phase: request.phase });
  return result;
}
