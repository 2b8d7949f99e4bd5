import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol } from '../endpoint/model-protocols/query-codec.js';
import { QueryCompatibleErrors } from '../endpoint/model-protocols/query-compatible.js';
import { ModelRpcV2CborProtocol } from '../endpoint/model-protocols/rpc-v2-cbor-codec.js';
import type { JsonProtocolService } from '../endpoint/protocols.js';
import { type ApiModel, loadModel } from '../endpoint/validation/model.js';
import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { type Operation, operationTable } from '../service-registry/operation-table.js';
import { CloudWatchService } from './cloudwatch-service.js';

/**
 * A request the model's constraints refuse is CloudWatch's `ValidationError` (`1 validation error
 * detected: ...`); a member of the wrong type, InvalidParameterValue. Both are query codes, as
 * the service's own errors are.
 */
const validator = () =>
  modelValidator('cloudwatch', {
    wrongType: (finding) => new AwsError('InvalidParameterValue', finding.message, 400),
    violations: (violations) => new AwsError('ValidationError', violationsMessage(violations), 400),
  });

/** The JSON and CBOR names of CloudWatch's errors: the model's shapes, and ValidationError's, which it has no shape for. */
function errors(model: ApiModel): QueryCompatibleErrors {
  return new QueryCompatibleErrors(model, { ValidationError: 'ValidationException' });
}

/**
 * CloudWatch's three protocols (its model's `protocols`: smithy-rpc-v2-cbor, json, query), all
 * over CloudWatchService's operations and spoken by the endpoint's model-driven codecs:
 * - the query protocol (`Action=PutMetricData&...`, XML answers), which older SDKs speak;
 * - AWS JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`), which the AWS SDK v3
 *   and botocore (the AWS CLI) speak, times as epoch seconds;
 * - Smithy RPC v2 CBOR (`/service/GraniteServiceVersion20100801/operation/<Operation>`).
 * The API is `awsQueryCompatible`: JSON and CBOR errors name their shapes in `__type` and carry the
 * query code in `x-amzn-query-error`.
 */
export function cloudWatchProtocols(service: CloudWatchService) {
  const model = loadModel('cloudwatch');
  const validate = validator();
  const operations = operationTable(service, CloudWatchService) as ModelOperations;
  const checks = { serviceName: 'CloudWatch', validate };
  const queryErrors = errors(model);
  const json: JsonProtocolService = {
    targetPrefix: model.metadata.targetPrefix ?? 'GraniteServiceVersion20100801',
    serviceName: 'CloudWatch',
    jsonVersion: '1.0',
    errorNamespace: 'com.amazonaws.cloudwatch',
    operations: jsonOperations(operationTable(service, CloudWatchService)),
    errorType: (error) => queryErrors.typeOf(error),
    errorHeaders: (error) => queryErrors.headers(error),
    validate,
  };
  return {
    // The model's own protocol is RPC v2 CBOR; its query traits (result wrappers, XML namespace) serve the query protocol.
    query: new ModelQueryProtocol({ ...model, metadata: { ...model.metadata, protocol: 'query' } }, operations, checks),
    json,
    cbor: new ModelRpcV2CborProtocol(model, operations, checks, queryErrors),
  };
}

/** The operations as the JSON protocol answers them: times as epoch seconds (the AWS JSON protocols' timestamps). */
function jsonOperations(operations: Record<string, Operation>): Record<string, Operation> {
  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [name, async (input: never) => epochSeconds(await operation(input))]),
  );
}

function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochSeconds(v)]));
  return value;
}
