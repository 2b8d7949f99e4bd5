import { crc32 } from 'node:zlib';
import * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import { AwsError } from '../endpoint/aws-error.js';
import { modeledException, type SdkCallOptions, type SdkOperations } from '../states/aws-sdk-integrations.js';
import type { TaskRequest } from '../states/engine/index.js';
import { abortable, idempotentCall, isObject, sdkMetadata, serviceFailure, type TaskEnvironment } from '../states/integrations/shared.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import { IDEMPOTENCY_HEADER, type IdempotentCall, idempotencyHeader } from '../store/idempotent-requests.js';
import type { DynamoDbHost } from './dynamodb-host.js';

/** The Java SDK's names in the errors of `dynamodb:` tasks. */
const ERRORS = { prefix: 'DynamoDB', service: 'AmazonDynamoDBv2', accessDenied: 'AmazonDynamoDBException' };
/** DynamoDB's SDK package, whose exceptions are the errors its model declares. */
const SDK_MODEL = { package: '@aws-sdk/client-dynamodb', baseException: 'DynamoDBServiceException' };

/** The Java SDK's exception for a DynamoDB error code: the model's (`ResourceNotFoundException`), else the generic one (a `ValidationException`). */
const dynamoDbExceptionName = (code: string): string => modeledException(SDK_MODEL, code) ?? 'AmazonDynamoDBException';

/** A DynamoDB API operation by name: `GetItem`, `PutItem`, `TransactWriteItems`, ... */
export type DynamoDbOperation = string;

/**
 * DynamoDB operations in their API shapes (binary values as base64 text). Errors are
 * thrown as the SDK throws them: `name` is the error code, `$metadata` the HTTP status.
 * A task of a durable execution passes its key: a write is then done once, however often
 * the task is resumed.
 */
export interface DynamoDbForTasks {
  send(operation: DynamoDbOperation, input: Record<string, unknown>, options?: IdempotentCall): Promise<Record<string, unknown>>;
}

/** `arn:aws:states:::dynamodb:<action>`: the operation's answer with the Java SDK's metadata. */
export async function dynamoDbTask(
  env: TaskEnvironment,
  dynamodb: DynamoDbForTasks,
  action: string,
  args: Record<string, unknown>,
  request: TaskRequest,
): Promise<unknown> {
  const operation = `${action.charAt(0).toUpperCase()}${action.slice(1)}` as DynamoDbOperation;
  try {
    const response = await abortable(dynamodb.send(operation, args, idempotentCall(env, request)), request.signal);
    const body = JSON.stringify(response);
    // DynamoDB's answer headers as AWS's recorded tasks show them: its checksum of the body, its server's name.
    const headers = { Connection: 'keep-alive', Server: 'Server', 'x-amz-crc32': String(crc32(body)) };
    return { ...response, ...sdkMetadata(env.clock, 'application/x-amz-json-1.0', body, 200, headers) };
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error, dynamoDbExceptionName);
  }
}

/**
 * DynamoDB through `@aws-sdk/client-dynamodb` against an endpoint: the local runtime's URL for
 * Step Functions' tasks (as a function's SDK calls go), the engine thread's own port for the
 * runtime's calls (LocalDynamoDb.engine). Binary attribute values cross as base64 text, as in
 * state data.
 */
export function sdkDynamoDb(options: {
  endpoint: string;
  region: string;
  /** @default - any: the local endpoint checks signatures only when told to */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** DynamoDbHost.idempotencyToken: sends a task's key with its request. @default - keys are not sent */
  idempotencyToken?: string;
}): DynamoDbForTasks & { destroy(): void } {
  const client = new DynamoDbSdk.DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    async send(operation, input, call = {}) {
      const Command = (DynamoDbSdk as Record<string, unknown>)[`${operation}Command`] as
        | (new (
            input: unknown,
          ) => Parameters<DynamoDbSdk.DynamoDBClient['send']>[0])
        | undefined;
      if (!Command || operation === '') throw new AwsError('UnknownOperationException', `DynamoDB has no operation ${operation}`);
      const command = new Command(binaryIn(input));
      const { idempotencyKey } = call;
      const token = options.idempotencyToken;
      if (idempotencyKey !== undefined && token !== undefined) {
        (command as unknown as DynamoDbSdk.PutItemCommand).middlewareStack.add(
          (next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers[IDEMPOTENCY_HEADER] = idempotencyHeader(token, idempotencyKey);
            return next(args);
          },
          { step: 'build', name: 'switchyardIdempotencyKey' },
        );
      }
      const { $metadata: _metadata, ...output } = (await client.send(command)) as unknown as Record<string, unknown>;
      return binaryOut(output) as Record<string, unknown>;
    },
    destroy: () => client.destroy(),
  };
}

/** `{B: base64}` and `{BS: [base64]}` attribute values → bytes, as the SDK sends them. */
function binaryIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(binaryIn);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'B' && typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (keys.length === 1 && keys[0] === 'BS' && Array.isArray(value.BS) && value.BS.every((b) => typeof b === 'string')) {
    return { BS: value.BS.map((b) => Buffer.from(b as string, 'base64')) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, binaryIn(v)]));
}

/** Bytes in a response → base64 text; timestamps stay Dates. */
function binaryOut(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(binaryOut);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, binaryOut(v)]));
}

/** Every operation of the DynamoDB API, by name (`PutItem`, `TransactWriteItems`, ...), from the SDK's commands. */
const DYNAMODB_OPERATIONS: readonly string[] = Object.keys(DynamoDbSdk)
  .filter((name) => name.endsWith('Command') && name !== 'Command')
  .map((name) => name.slice(0, -'Command'.length));

/** Every DynamoDB operation, as `aws-sdk:dynamodb` calls it, over the client that forwards to the local endpoint. */
function dynamoDbOperations(dynamodb: DynamoDbForTasks): SdkOperations {
  return Object.fromEntries(
    DYNAMODB_OPERATIONS.map((operation) => [
      operation,
      // The task's key (a durable execution's): DynamoDB does each keyed write once.
      (input: never, options?: SdkCallOptions) =>
        dynamodb.send(operation, input as Record<string, unknown>, { idempotencyKey: options?.idempotencyKey }),
    ]),
  );
}

/**
 * DynamoDB's Step Functions integrations: `dynamodb:getItem`, `putItem`, `updateItem` and
 * `deleteItem`, and every operation as `aws-sdk:dynamodb`. Tasks go through the endpoint, as
 * a function's SDK calls do; a durable task's key goes with the engine's token.
 */
// Of the running service (LocalDynamoDb, module.ts), the tasks need its engine's host.
export const dynamoDbStepFunctions: StepFunctionsIntegrations<{ readonly host: DynamoDbHost }, DynamoDbForTasks & { destroy?(): void }> = {
  connect: ({ host }, { settings }) =>
    sdkDynamoDb({
      endpoint: settings.url,
      region: settings.region,
      credentials: settings.credentials,
      idempotencyToken: host.idempotencyToken,
    }),
  disconnect: (client) => client.destroy?.(),
  optimized: {
    errors: ERRORS,
    outputModel: 'dynamodb',
    exhaustive: true,
    actions: Object.fromEntries(
      ['getItem', 'putItem', 'updateItem', 'deleteItem'].map((action) => [
        action,
        {
          patterns: ['request-response'],
          run: (env: TaskEnvironment, dynamodb: DynamoDbForTasks, args: Record<string, unknown>, request: TaskRequest) =>
            dynamoDbTask(env, dynamodb, action, args, request),
        },
      ]),
    ),
  },
  sdk: {
    dynamodb: {
      name: 'DynamoDb',
      wireCase: 'pascal',
      // The SDK client DynamoDB is reached through answers Date objects, which are converted anyway.
      model: SDK_MODEL,
      operations: dynamoDbOperations,
    },
  },
};
