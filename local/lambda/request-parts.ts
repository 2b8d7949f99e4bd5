import { AwsError } from '../aws-error.js';
import type { RawRequest } from '../endpoint/protocols.js';
import { parseBoundedJson } from '../json-depth.js';

// The parts of an Invoke request and answer Lambda's REST API carries in headers, and what IAM reads of a request.

/** How much of the invocation's log `LogType: Tail` returns. */
const LOG_TAIL_BYTES = 4096;
/** Invoke's limit on `ClientContext` (base64 data). */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** The last 4 KB of an invocation's log, base64-encoded, as Invoke's `X-Amz-Log-Result`. */
export function logTail(lines: readonly string[]): string {
  const log = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64');
}

/** Invoke's `X-Amz-Client-Context`: base64 JSON, which the function gets decoded as `context.clientContext`. */
export function decodeClientContext(encoded: string | undefined): unknown {
  if (encoded === undefined || encoded === '') return undefined;
  if (Buffer.byteLength(encoded) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new AwsError(
      'InvalidRequestContentException',
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64-encoded data; it is ${Buffer.byteLength(encoded)} bytes`,
    );
  }
  const invalid = new AwsError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw invalid;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid;
    return parsed;
  } catch {
    throw invalid;
  }
}

/**
 * Invoke's `X-Amz-Invocation-Type` and `X-Amz-Log-Type`, with Lambda's defaults.
 * @throws AwsError ValidationException for a value Lambda does not take, in its words
 */
export function invocationHeaders(request: RawRequest): { type: 'RequestResponse' | 'Event' | 'DryRun'; logType: 'None' | 'Tail' } {
  const type = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  const logType = header(request, 'x-amz-log-type') ?? 'None';
  if (logType !== 'None' && logType !== 'Tail') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]`,
    );
  }
  return { type, logType };
}

export function header(request: RawRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What IAM reads of a request to Lambda's REST API: the function, event source mapping or
 * tagged resource its path names (CreateFunction's function is in its body), the qualifier, and
 * the execution role CreateFunction and UpdateFunctionConfiguration give the function (iam:PassRole).
 */
export function lambdaRequestInput(request: RawRequest): {
  FunctionName?: string;
  Qualifier?: string;
  UUID?: string;
  Resource?: string;
  Role?: string;
} {
  const settings = functionSettings(request);
  const fn = /\/functions\/([^/]+)/.exec(request.path)?.[1] ?? (CREATE_FUNCTION.test(request.path) ? settings.FunctionName : undefined);
  const uuid = /\/event-source-mappings\/([^/]+)/.exec(request.path)?.[1];
  const resource = /^\/2017-03-31\/tags\/([^/]+)/.exec(request.path)?.[1];
  const qualifier = request.query.get('Qualifier') ?? undefined;
  return {
    ...(typeof fn === 'string' ? { FunctionName: fn } : {}),
    ...(uuid === undefined ? {} : { UUID: uuid }),
    ...(resource === undefined ? {} : { Resource: resource }),
    ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
    ...(typeof settings.Role === 'string' ? { Role: settings.Role } : {}),
  };
}

const CREATE_FUNCTION = /^\/2015-03-31\/functions\/?$/;
const CONFIGURATION = /^\/2015-03-31\/functions\/[^/]+\/configuration$/;

/**
 * The body of CreateFunction (POST) or UpdateFunctionConfiguration (PUT), else `{}` (an Invoke's
 * payload is not read for IAM); a body that is not JSON is `{}`: the service refuses it, after IAM.
 */
function functionSettings(request: RawRequest): Record<string, unknown> {
  const settings =
    (request.method === 'POST' && CREATE_FUNCTION.test(request.path)) || (request.method === 'PUT' && CONFIGURATION.test(request.path));
  if (!settings) return {};
  try {
    const body: unknown = JSON.parse(request.body.toString('utf8'));
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A request's JSON body (`{}` when it has none), as Lambda's REST API reads one. */
export function parseBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    // Bounded: a body is walked and stored afterwards (a durable checkpoint's; deep nesting would overflow the stack there).
    return parseBoundedJson(body) as Record<string, unknown>;
  } catch (error) {
    throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`, 400, {
      cause: error,
    });
  }
}
