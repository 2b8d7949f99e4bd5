import { bedrockOperations } from './bedrock.js';
import { cloudformationOperations } from './cloudformation.js';
import { dynamodbOperations } from './dynamodb.js';
import { eventsOperations } from './events.js';
import { kmsOperations } from './kms.js';
import { lambdaOperations } from './lambda.js';
import { logsOperations } from './logs.js';
import { s3Operations } from './s3.js';
import { schedulerOperations } from './scheduler.js';
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

/** An operation whose authorizations are not known (the caller says so once and lets it run). */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
}

/**
 * Each service's table: operation name -> the authorizations AWS makes for a request of it.
 * Pipes and EC2 serve no API locally (their resources run from the template), so they map nothing.
 */
const TABLES: Readonly<Record<IamService, OperationTable>> = {
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
  scheduler: schedulerOperations,
  pipes: {},
  cloudformation: cloudformationOperations,
  ec2: {},
};

/** The operations a service's table maps. */
export function mappedOperations(service: IamService): readonly string[] {
  return Object.keys(TABLES[service]);
}

/**
 * The authorizations AWS makes for one request of `operation` (its API name: SendMessage,
 * Invoke, GetObject) with `input` in the API's JSON shape, as the Service Authorization
 * Reference names their actions and resources. Garbled input never throws: a missing
 * member becomes `*` in the ARN, and the service answers the bad request itself.
 * @throws UnknownOperationError for a service or operation with no mapping
 */
export function authorizationsFor(
  service: IamService,
  operation: string,
  input: unknown,
  context: OperationContext,
): readonly OperationAuthorization[] {
  const table = Object.hasOwn(TABLES, service) ? TABLES[service] : undefined;
  const map = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
  if (!map) throw new UnknownOperationError(`no IAM authorizations known for ${service}:${operation}`);
  const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  return map(fields, context);
}
