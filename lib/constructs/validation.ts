import { Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';

/**
 * A construct prop that cannot deploy. Its message starts with the construct's path, as
 * aws-cdk's own validation errors do, so that in an app with many instances the one at
 * fault is named: `Switchyard/Orders/Consumer: batchSize must be from 1 to 10 (got 11)`.
 */
export class PropValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    /** The path of the construct whose prop is invalid. */
    readonly constructPath: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${constructPath}: ${message}`, options);
  }
}

/**
 * Where a validation error points: a construct, or (for checks that must run before
 * `super()`, when `this` does not exist yet) the scope and id it is being created with.
 */
export type ValidationSubject = IConstruct | { readonly scope: IConstruct; readonly id: string };

function pathOf(subject: ValidationSubject): string {
  if ('node' in subject) return subject.node.path;
  return [subject.scope.node.path, subject.id].filter((part) => part !== '').join('/');
}

/** Throws a PropValidationError naming the construct's path and the prop. */
export function invalidProp(subject: ValidationSubject, message: string, options?: ErrorOptions): never {
  throw new PropValidationError(pathOf(subject), message, options);
}

/** Throws unless `value` is within [min, max] (tokens pass: their value is only known at deploy time). */
export function validateRange(
  subject: ValidationSubject,
  prop: string,
  value: number | undefined,
  min: number,
  max: number,
  unit = '',
): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    const suffix = unit ? ` ${unit}` : '';
    invalidProp(subject, `${prop} must be from ${min} to ${max}${suffix} (got ${value}${suffix})`);
  }
}

/** Throws unless `value` is an integer (tokens pass). */
export function validateInteger(subject: ValidationSubject, prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value)) invalidProp(subject, `${prop} must be a whole number (got ${value})`);
}
