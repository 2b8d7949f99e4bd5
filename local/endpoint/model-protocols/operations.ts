import { AwsError } from '../aws-error.js';
import type { ApiModel, ShapeType } from '../validation/model.js';
import type { InputValidator } from '../validation/validator.js';

/**
 * A service's operations as a model-driven codec calls them: the API's input shape in (blobs
 * as base64 text), its output shape out (timestamps as `Date`s or ISO-8601 text, blobs as
 * `Buffer`s or base64 text); an `AwsError` thrown is answered in the protocol's error shape.
 * The REST-JSON codec also gives each its OperationCall, as a second argument.
 */
export type ModelOperations = Readonly<Record<string, (input: never) => Promise<unknown>>>;

/**
 * What a codec tells an operation of the call beside its input: the request id it answers with
 * (Lambda's Invoke runs the function under it), which an operation whose work has an id of its
 * own sets to that (an asynchronous Invoke answers the id its queued event has).
 */
export interface OperationCall {
  requestId: string;
}

/** What runs around every operation a model-driven codec serves. */
export interface ProtocolChecks {
  /** The service's name in the codec's own answers (`SES`: "X is not supported by the local SES service"). */
  readonly serviceName: string;
  /** Checks the input against the service's model, throwing the error the service answers. @default none: the operations check their input */
  readonly validate?: InputValidator;
  /** The caller's IAM check, after validation and before the operation runs (the registry gives it: `authorizeWith`). @default none */
  readonly authorize?: (operation: string, input: unknown) => Promise<void>;
  /** How the protocol words IAM's refusal, when not as the service's other protocol (SES v2: AccessDeniedException). @default as IAM answers it */
  readonly refusal?: (error: AwsError) => AwsError;
}

/** Validates, authorizes and runs one operation with its decoded input. */
export async function runOperation(
  operations: ModelOperations,
  checks: ProtocolChecks,
  name: string,
  input: unknown,
  call?: OperationCall,
): Promise<unknown> {
  checks.validate?.(name, input);
  try {
    await checks.authorize?.(name, input);
  } catch (error) {
    throw error instanceof AwsError && checks.refusal ? checks.refusal(error) : error;
  }
  const operation = operations[name] as (input: unknown, call?: OperationCall) => Promise<unknown>;
  return operation(input, call);
}

/** A timestamp an operation answers with, as a Date (`Date`, ISO-8601 text or epoch milliseconds). */
export function timestampValue(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'number' ? value : String(value));
}

/** The member an error's text travels in: the one the model's errors name (`Message` in Scheduler's), else `message`. */
export function errorMessageMember(model: ApiModel): string {
  for (const shape of Object.values(model.shapes)) {
    const member = shape.exception ? Object.keys(shape.members ?? {}).find((name) => name.toLowerCase() === 'message') : undefined;
    if (member !== undefined) return member;
  }
  return 'message';
}

/**
 * Headers an operation answers with that AWS sends but its model does not declare (Bedrock's
 * token counts on InvokeModel), by name, under this key of its output (REST protocols).
 */
export const UNDECLARED_HEADERS: unique symbol = Symbol('undeclared headers');

/** The status of an answer that is not the operation's `responseCode` (S3's 206 to a range, 304 to a matching `If-None-Match`), under this key of its output. */
export const RESPONSE_STATUS: unique symbol = Symbol('response status');

/**
 * A text value (a path label, query parameter, header, form field or XML element) as its
 * shape's type reads it; one that does not read as its type stays text, for validation or the
 * service to refuse in its own words.
 */
export function scalarValue(type: ShapeType, value: string): unknown {
  const number = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
  if ((type === 'integer' || type === 'long') && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  if ((type === 'float' || type === 'double') && number !== undefined) return number;
  if (type === 'boolean' && (value.trim() === 'true' || value.trim() === 'false')) return value.trim() === 'true';
  return value;
}
