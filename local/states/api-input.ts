import { AwsError, validationError } from '../aws-error.js';
import type { StateMachineType } from './execution-store.js';
import { required } from './names.js';

const MAX_PAYLOAD = 256 * 1024;

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
  try {
    JSON.parse(text);
  } catch (error) {
    throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
  }
  return text;
}

export function taskToken(token: string | undefined): string {
  const value = required(token, 'taskToken');
  if (value.length < 1 || value.length > 2048) {
    throw validationError(
      `1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
  }
  return value;
}

/** SendTaskSuccess's output: what the waiting task returns, so it must be JSON. */
export function taskOutput(output: string | undefined): string {
  const value = required(output, 'output');
  try {
    JSON.parse(value);
  } catch (error) {
    throw new AwsError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
  }
  return value;
}

/** Execution history and stopping are STANDARD-only: AWS rejects an Express execution's ARN as the wrong resource type. */
export const notForExpress = () => new AwsError('InvalidArn', "Invalid Arn: 'Resource type not valid in this context: express'");
