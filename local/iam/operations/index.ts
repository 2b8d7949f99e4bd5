import { bedrockOperations } from './bedrock.js';
import { dynamodbOperations } from './dynamodb.js';
import { eventsOperations } from './events.js';
import { kmsOperations } from './kms.js';
import { lambdaOperations } from './lambda.js';
import { logsOperations } from './logs.js';
import { s3Operations } from './s3.js';
import { secretsManagerOperations } from './secretsmanager.js';
import type { OperationAuthorization, OperationContext, OperationTable } from './shared.js';
import { snsOperations } from './sns.js';
import { sqsOperations } from './sqs.js';
import { ssmOperations } from './ssm.js';
import { statesOperations } from './states.js';

export type { OperationAuthorization, OperationContext } from './shared.js';

/** The services whose requests IAM authorizes, by the prefix their actions take. */
export type IamService =
  | 'sqs'
  | 'sns'
  | 'events'
  | 'lambda'
  | 'states'
  | 'dynamodb'
  | 'kms'
  | 'ssm'
  | 'secretsmanager'
  | 'logs'
  | 's3'
  | 'bedrock'
  | 'scheduler'
  | 'pipes'
  | 'cloudformation'
  | 'ec2';

/** An operation whose authorizations the local runtime does not know (the caller says so once and lets it run). */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
}

/** Each service's table: operation name -> the authorizations AWS makes for a request of it. */
const TABLES: Readonly<Partial<Record<IamService, OperationTable>>> = {
  sqs: sqsOperations,
  sns: snsOperations,
  events: eventsOperations,
  lambda: lambdaOperations,
  states: statesOperations,
  dynamodb: dynamodbOperations,
  kms: kmsOperations,
  ssm: ssmOperations,
  secretsmanager: secretsManagerOperations,
  logs: logsOperations,
  s3: s3Operations,
  bedrock: bedrockOperations,
};

/** The operations a service's table maps (for the test that every served operation has one). */
export function mappedOperations(service: IamService): readonly string[] {
  return Object.keys(TABLES[service] ?? {});
}

/**
 * The authorizations AWS makes for one request of `operation` (its API name: SendMessage,
 * Invoke, GetObject) with `input` in the API's JSON shape, as the service authorization
 * reference lists its actions, resources and condition keys.
 */
export function authorizationsFor(
  service: string,
  operation: string,
  input: unknown,
  context: OperationContext,
): readonly OperationAuthorization[] {
  const table = Object.hasOwn(TABLES, service) ? TABLES[service as IamService] : undefined;
  const map = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
  if (!map) throw new UnknownOperationError(`no IAM authorizations known for ${service}:${operation}`);
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return map(fields, context);
}
