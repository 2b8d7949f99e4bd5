import { AwsError, validationError } from '../endpoint/aws-error.js';
import { jacksonSyntaxError } from '../json/jackson-syntax.js';
import { MAX_JSON_DEPTH, tooDeep } from '../json/json-depth.js';
import type { StateMachineType } from './execution-store.js';
import { required } from './names.js';

/**
 * Execution input and task output: 256 KiB of UTF-8 ("Length constraints apply to the payload
 * size, and are expressed as bytes in UTF-8 encoding", API_StartExecution.html and
 * API_SendTaskSuccess.html in the Step Functions API Reference).
 */
const MAX_PAYLOAD = 256 * 1024;

/**
 * The encryption DescribeStateMachine and DescribeActivity answer (AWS's recorded answers since
 * customer managed keys came, 2024-07): AWS's own key. The local runtime encrypts with no KMS
 * key, so a configuration given is not kept.
 */
export const AWS_OWNED_KEY = { type: 'AWS_OWNED_KEY' } as const;

export function machineType(type: string | undefined): StateMachineType {
  if (type === undefined || type === 'STANDARD' || type === 'EXPRESS') return type ?? 'STANDARD';
  throw validationError(
    `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
  );
}

/** An execution's input: `{}` when absent, at most 256 KiB of JSON. */
export function executionInput(input: string | undefined): string {
  const text = input ?? '{}';
  if (Buffer.byteLength(text) > MAX_PAYLOAD) {
    throw validationError(
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD}`,
    );
  }
  assertExecutionInputJson(text);
  return text;
}

/**
 * Execution input (StartExecution, TestState) must be JSON; nested deeper than MAX_JSON_DEPTH
 * it is refused too, since JSONPath and JSON.stringify recurse once per level.
 */
export function assertExecutionInputJson(text: string): void {
  if (tooDeep(text)) {
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'nested more than ${MAX_JSON_DEPTH} levels deep'`);
  }
  // AWS's recorded answer to an empty input
  if (text.trim() === '') throw new AwsError('InvalidExecutionInput', "Invalid State Machine Execution Input: 'Invalid execution input.'");
  try {
    JSON.parse(text);
  } catch (error) {
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${jacksonReason(text, error)}'`, 400, {
      cause: error,
    });
  }
}

/** Why a JSON text does not parse, in Jackson's words where they are known (AWS's parser), else JSON.parse's. */
const jacksonReason = (text: string, error: unknown) => jacksonSyntaxError(text)?.message ?? (error as Error).message;

/** The task token a callback names (its length is the model's, checked at the endpoint). */
export function taskToken(token: string | undefined): string {
  return required(token, 'taskToken');
}

/**
 * SendTaskSuccess's output within its bounds (its length, how deep it nests): checked as the
 * request is read, before the token is looked at, as a limit that protects the parser.
 */
export function boundedTaskOutput(output: string | undefined): string {
  const value = required(output, 'output');
  if (Buffer.byteLength(value) > MAX_PAYLOAD) throw tooLong('output', MAX_PAYLOAD);
  if (tooDeep(value)) throw new AwsError('InvalidOutput', `Invalid Output: 'nested more than ${MAX_JSON_DEPTH} levels deep'`);
  return value;
}

/** SendTaskSuccess's output: what the waiting task returns, so it must be JSON (read after the token, as AWS reads it). */
export function taskOutput(value: string): string {
  try {
    JSON.parse(value);
  } catch (error) {
    throw new AwsError('InvalidOutput', `Invalid Output: '${jacksonReason(value, error)}'`, 400, { cause: error });
  }
  return value;
}

/** A length constraint's ValidationException; these members are sensitive, so AWS leaves their value out. */
const tooLong = (member: string, max: number) =>
  validationError(
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
  );

/** Execution history and stopping are STANDARD-only: AWS rejects an Express execution's ARN as the wrong resource type. */
export const notForExpress = () => new AwsError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
