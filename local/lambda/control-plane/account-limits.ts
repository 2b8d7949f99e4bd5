import type { FunctionDefinition } from '../core/function-definition.js';
import { UntypedLambdaError } from '../core/lambda-errors.js';
import { codeDigest } from './function-configuration.js';

/** Lambda's account quotas (the defaults of a new account), as GetAccountSettings reports them. */
const ACCOUNT_LIMIT = {
  TotalCodeSize: 80_530_636_800,
  CodeSizeUnzipped: 262_144_000,
  CodeSizeZipped: 52_428_800,
  ConcurrentExecutions: 1000,
  UnreservedConcurrentExecutions: 1000,
};

/** The concurrency Lambda leaves unreserved in an account whatever functions reserve or provision (100 of a new account's 1000). */
export const MIN_UNRESERVED = 100;

const reservedBy = (definitions: Iterable<FunctionDefinition>) =>
  [...definitions].reduce((sum, d) => sum + (d.reservedConcurrency ?? 0), 0);

/** A function's code as TotalCodeSize counts it: each deployment package it keeps, `$LATEST`'s and each published version's. */
function codeSize(definition: FunctionDefinition): number {
  const size = (d: FunctionDefinition) => d.api?.codeSize ?? codeDigest(d.codePath).size;
  return [definition, ...Object.values(definition.published ?? {})].reduce((sum, d) => sum + size(d), 0);
}

/**
 * GetAccountSettings: the account's limits, its concurrency less what functions reserve, and its
 * usage: the functions and the storage of every deployment package (each version's) and layer
 * version's archive (`layerCodeSize`), as the API reference counts TotalCodeSize.
 */
export function accountSettings(definitions: readonly FunctionDefinition[], layerCodeSize: number) {
  return {
    AccountLimit: { ...ACCOUNT_LIMIT, UnreservedConcurrentExecutions: ACCOUNT_LIMIT.ConcurrentExecutions - reservedBy(definitions) },
    AccountUsage: {
      TotalCodeSize: definitions.reduce((sum, d) => sum + codeSize(d), layerCodeSize),
      FunctionCount: definitions.length,
    },
  };
}

/**
 * PutFunctionConcurrency's check: what the others reserve and `reserved` must leave the
 * account its least unreserved concurrency, in Lambda's words (answered without `Type`, as recorded).
 * @throws UntypedLambdaError InvalidParameterValueException
 */
export function checkReservedConcurrency(others: Iterable<FunctionDefinition>, reserved: number): void {
  if (ACCOUNT_LIMIT.ConcurrentExecutions - reservedBy(others) - reserved < MIN_UNRESERVED) {
    throw new UntypedLambdaError(
      'InvalidParameterValueException',
      `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
    );
  }
}
