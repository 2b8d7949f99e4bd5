import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventPublisher, logger, requireEnv, simulatedFailuresAllowed, tracer } from 'switchyard-cdk/kit';
import { ENV } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';
import { durableOrderSaga } from './durable-saga.js';
import { type OrderTables, runOrderStep } from './order-steps.js';

const tables: OrderTables = { ledger: requireEnv(APP_ENV.ordersLedgerTable), inventory: requireEnv(APP_ENV.ordersInventoryTable) };
const allowSimulatedFailures = simulatedFailuresAllowed();
const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const publisher = new EventPublisher({
  client: tracer.captureAWSv3Client(new EventBridgeClient({})),
  eventBusName: requireEnv(ENV.eventBusName),
});

/** The order saga as a durable function (DurableOrderSaga): the state machine's steps, coordinated in code. */
export const handler = durableOrderSaga({
  runStep: async (request) => {
    const result = await runOrderStep(dynamodb, tables, request, allowSimulatedFailures);
    logger.info('order step', { ...result, step: request.step, phase: request.phase });
    return result;
  },
  publish: (emission, cause) => publisher.emit([emission], { correlationId: cause.correlationId, envelope: { id: cause.causationId } }),
});
