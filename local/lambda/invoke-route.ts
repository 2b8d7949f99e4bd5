import { AwsError } from '../endpoint/aws-error.js';
import { parseBoundedJson } from '../json/json-depth.js';
import { invokedVersion, type ResolvedFunction } from './core/function-reference.js';
import type { DurableExecutions } from './durable/durable-executions.js';
import { durableSettings } from './durable/durable-executions.js';
import { invokeDurableApi } from './durable/durable-invoke.js';
import { decodeClientContext, logTail } from './request-parts.js';
import { errorPayload, type FunctionRuntime } from './runtime/function-runtime.js';

/** Lambda's limit on a synchronous invocation's request. */
const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

/** What Invoke reaches of the Lambda service. */
export interface InvokeTargets {
  /** The function and version a name and Qualifier name (Invoke's 404 names `$LATEST`). */
  resolve(name: string, qualifier: string | null): ResolvedFunction<FunctionRuntime>;
  readonly durable: DurableExecutions;
  invokeAsync(arn: string, event: unknown, options: { readonly payload?: string }): Promise<{ requestId: string }>;
}

type Input = Readonly<Record<string, unknown>>;

/**
 * Invoke, its input and output as the model has them (the codec carries the payload as the
 * body and the rest as `X-Amz-*` headers): `RequestResponse` (the payload, or the function's
 * error with `FunctionError`, `LogType: Tail`'s log), `Event` (202 once queued, under the
 * queued event's request id), `DryRun` (204); a durable function's as its execution answers.
 */
export async function invoke(input: Input, call: { requestId: string }, targets: InvokeTargets) {
  const resolved = targets.resolve(String(input.FunctionName), (input.Qualifier as string | undefined) ?? null);
  const fn = resolved.fn;
  const type = (input.InvocationType as string | undefined) ?? 'RequestResponse';
  const body = Buffer.isBuffer(input.Payload) ? input.Payload : Buffer.alloc(0);
  if (type !== 'Event' && body.length > MAX_SYNC_PAYLOAD_BYTES) {
    throw new AwsError(
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      413,
    );
  }
  // Lambda hands a function `{}` when Invoke carries no payload.
  let event: unknown = {};
  if (body.length > 0) {
    try {
      event = parseBoundedJson(body);
    } catch (error) {
      throw new AwsError(
        'InvalidRequestContentException',
        `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
        400,
        { cause: error },
      );
    }
  }
  const clientContext = decodeClientContext(input.ClientContext as string | undefined);
  if (type === 'DryRun') return { StatusCode: 204 };
  if (durableSettings(fn.definition)) {
    const name = input.DurableExecutionName as string | undefined;
    return invokeDurableApi(targets.durable, resolved, event, { type, name, requestId: call.requestId });
  }
  if (type === 'Event') {
    // The payload as sent is what a dead-letter queue gets back, byte for byte.
    const payload = body.length > 0 ? body.toString('utf8') : undefined;
    call.requestId = (await targets.invokeAsync(resolved.arn, event, payload === undefined ? {} : { payload })).requestId;
    return { StatusCode: 202 };
  }
  const version = invokedVersion(resolved);
  const outcome = await fn.invoke(event, {
    throttle: fn.definition.reservedConcurrency !== undefined,
    clientContext,
    invokedFunctionArn: resolved.arn,
    version,
    captureLog: input.LogType === 'Tail',
    requestId: call.requestId,
  });
  call.requestId = outcome.requestId;
  return {
    StatusCode: 200,
    ExecutedVersion: version,
    ...(outcome.ok ? {} : { FunctionError: 'Unhandled' }),
    ...(input.LogType === 'Tail' ? { LogResult: logTail(outcome.logLines ?? []) } : {}),
    Payload: outcome.ok ? outcome.payload : errorPayload(outcome),
  };
}
