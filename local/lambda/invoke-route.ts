import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { parseBoundedJson } from '../json-depth.js';
import type { DurableExecutions } from './durable/durable-executions.js';
import { durableSettings } from './durable/durable-executions.js';
import { invokeDurableHttp } from './durable/durable-invoke.js';
import { invokedVersion, type ResolvedFunction } from './function-reference.js';
import { errorPayload, type FunctionRuntime } from './function-runtime.js';
import { decodeClientContext, header, invocationHeaders, logTail } from './request-parts.js';

/** Lambda's limit on a synchronous invocation's request. */
const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

/** What Invoke reaches of the Lambda service. */
export interface InvokeTargets {
  /** The function and version a name and Qualifier name (Invoke's 404 names `$LATEST`). */
  resolve(name: string, qualifier: string | null): ResolvedFunction<FunctionRuntime>;
  readonly durable: DurableExecutions;
  invokeAsync(arn: string, event: unknown, options: { readonly payload?: string }): Promise<{ requestId: string }>;
}

/**
 * Invoke over HTTP, or undefined for another request: `RequestResponse` (the payload, or the
 * function's error with `X-Amz-Function-Error`, `LogType: Tail`'s log), `Event` (202 once
 * queued), `DryRun` (204); a durable function's as its execution answers.
 */
export async function invokeRoute(request: RawRequest, targets: InvokeTargets): Promise<RawResponse | undefined> {
  const path = INVOKE_PATH.exec(request.path);
  if (!path || request.method !== 'POST') return undefined;
  const resolved = targets.resolve(path[1] ?? '', request.query.get('Qualifier'));
  const fn = resolved.fn;
  const { type, logType } = invocationHeaders(request);
  if (type !== 'Event' && request.body.length > MAX_SYNC_PAYLOAD_BYTES) {
    throw new AwsError(
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      413,
    );
  }
  // Lambda hands a function `{}` when Invoke carries no payload.
  let event: unknown = {};
  if (request.body.length > 0) {
    try {
      event = parseBoundedJson(request.body);
    } catch (error) {
      throw new AwsError(
        'InvalidRequestContentException',
        `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
        400,
        { cause: error },
      );
    }
  }
  const clientContext = decodeClientContext(header(request, 'x-amz-client-context'));
  if (type === 'DryRun') return { status: 204, headers: { 'x-amzn-requestid': randomUUID() } };
  if (durableSettings(fn.definition))
    return invokeDurableHttp(targets.durable, resolved, event, type, header(request, 'x-amz-durable-execution-name'));
  if (type === 'Event') {
    // The payload as sent is what a dead-letter queue gets back, byte for byte.
    const payload = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    const { requestId } = await targets.invokeAsync(resolved.arn, event, payload === undefined ? {} : { payload });
    return { status: 202, headers: { 'x-amzn-requestid': requestId } };
  }
  const version = invokedVersion(resolved);
  const outcome = await fn.invoke(event, {
    throttle: fn.definition.reservedConcurrency !== undefined,
    clientContext,
    invokedFunctionArn: resolved.arn,
    version,
    captureLog: logType === 'Tail',
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amz-executed-version': version,
    'x-amzn-requestid': outcome.requestId,
  };
  if (!outcome.ok) headers['x-amz-function-error'] = 'Unhandled';
  if (logType === 'Tail') headers['x-amz-log-result'] = logTail(outcome.logLines ?? []);
  return { status: 200, headers, body: outcome.ok ? outcome.payload : errorPayload(outcome) };
}
