import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRpcV2CborProtocol } from '../endpoint/model-protocols/rpc-v2-cbor-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { operationTable } from '../service-registry/operation-table.js';
import { EventBridgeV2Service } from './eventbridgev2-service.js';

/**
 * The API as the AWS SDKs and CLI speak it (`aws eventsv2`): Smithy RPC v2 CBOR, spoken by the
 * model-driven codec from the API's model over EventBridgeV2Service's operations. The model
 * declares no ValidationException: a request its constraints refuse is InvalidInputException,
 * with AWS's summary of the violations.
 */
export function eventBridgeV2Protocol(service: EventBridgeV2Service): ModelRpcV2CborProtocol {
  return new ModelRpcV2CborProtocol(loadModel('eventbridgev2'), operationTable(service, EventBridgeV2Service) as ModelOperations, {
    serviceName: 'EventBridgeV2',
    validate: modelValidator('eventbridgev2', {
      wrongType: (finding) => new AwsError('InvalidInputException', finding.message, 400),
      violations: (violations) => new AwsError('InvalidInputException', violationsMessage(violations), 400),
    }),
  });
}
