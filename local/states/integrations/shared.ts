import { randomUUID } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import type { IdempotentCall } from '../../store/idempotent-requests.js';
import type { Clock } from '../../time/clock.js';
import { type Sleep, TaskFailure, type TaskRequest } from '../engine/index.js';
import type { TaskCallbacks } from '../task-callbacks.js';

/** What every optimized integration may need beyond its own service. */
export interface TaskEnvironment {
  readonly callbacks: TaskCallbacks;
  readonly clock: Clock;
  /** Deadlines of resumed tasks; real time unless given. */
  readonly timer?: Sleep;
  /** Whether the execution survives a restart (STANDARD): only then are submissions recorded. */
  durable(executionArn: string): boolean;
  readonly log?: (line: string) => void;
}

/**
 * What a task's request to a local service carries so that the service answers a repeat
 * with its first answer (`IdempotentCall`): the attempt's key, for executions that survive
 * a restart (STANDARD), since only their tasks run again after one.
 */
export function idempotentCall(env: TaskEnvironment, request: TaskRequest): IdempotentCall {
  return request.taskKey !== undefined && env.durable(executionArnOf(request)) ? { idempotencyKey: request.taskKey } : {};
}

/** The header the JSON and query services (SQS, SNS, Step Functions) answer with, in lower case as AWS's recorded tasks show it. */
export const KEEP_ALIVE: Readonly<Record<string, string>> = { connection: 'keep-alive' };

/** The Java SDK response metadata optimized integrations add to a service's answer. */
export function sdkMetadata(
  clock: Clock,
  contentType: string,
  body: string,
  status = 200,
  extra: Record<string, string> = {},
  requestId: string = randomUUID(),
) {
  const headers: Record<string, string> = {
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': contentType,
    Date: new Date(clock.now()).toUTCString(),
    'x-amzn-RequestId': requestId,
    ...extra,
  };
  const sorted = Object.fromEntries(Object.entries(headers).sort(([a], [b]) => a.localeCompare(b)));
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(sorted).map(([k, v]) => [k, [v]])),
      HttpHeaders: sorted,
      HttpStatusCode: status,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

/**
 * A service error as an optimized integration reports it: `<Service>.<Exception>` and
 * the Java SDK's message, e.g. `Function not found: ... (Service: AWSLambda; Status Code:
 * 404; Error Code: ResourceNotFoundException; Request ID: ...; Proxy: null)`, with the names
 * the service's module declares (its `stepFunctions.optimized.errors`).
 */
export function serviceFailure(
  { prefix, service }: { readonly prefix: string; readonly service: string },
  error: unknown,
  name: (code: string) => string = (c) => c,
): TaskFailure {
  const e = error as {
    code?: string;
    name?: string;
    message?: string;
    status?: number;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const code = error instanceof AwsError ? error.code : (e.name ?? 'Error');
  const status = error instanceof AwsError ? error.status : (e.$metadata?.httpStatusCode ?? 400);
  const requestId = e.$metadata?.requestId ?? randomUUID();
  const message = e.message ?? String(error);
  return new TaskFailure(
    `${prefix}.${name(code)}`,
    `${message} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`,
  );
}

/** A neighbour the runtime was started without fails the task, naming it. */
export function need<T>(service: T | undefined, name: string): T {
  if (!service) throw new TaskFailure('States.Runtime', `The local Step Functions runtime was started without ${name}.`);
  return service;
}

/** Lambda's Payload and StartExecution's Input: JSON text passes as is, anything else is serialized. */
export function payloadText(value: unknown): string {
  if (value === undefined || value === null) return '{}';
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  return JSON.stringify(value);
}

/** A function's response: JSON when it parses, the text otherwise. */
export function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

export function asObject(input: unknown, request: TaskRequest): Record<string, unknown> {
  if (isObject(input)) return input;
  throw new TaskFailure(
    'States.Runtime',
    `The parameters of the state '${request.stateName}' must be a JSON object, not ${JSON.stringify(input)}.`,
  );
}

export function requiredString(args: Record<string, unknown>, field: string, request: TaskRequest): string {
  const value = args[field];
  if (typeof value !== 'string' || value === '') throw missingField(field, request);
  return value;
}

export const missingField = (field: string, request: TaskRequest) =>
  new TaskFailure(
    'States.Runtime',
    `The field '${field}' is required by the resource '${request.resource}' of the state '${request.stateName}'.`,
  );

export function pick(args: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (args[key] !== undefined) out[key] = args[key];
  return out;
}

export const executionArnOf = (request: TaskRequest) => String((request.context.Execution as { Id?: string } | undefined)?.Id ?? '');
export const stateMachineArnOf = (request: TaskRequest) => String((request.context.StateMachine as { Id?: string } | undefined)?.Id ?? '');

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
