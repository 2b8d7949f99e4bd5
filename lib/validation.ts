import { Token } from 'aws-cdk-lib';

/**
 * Throws an error naming the prop, its value and the allowed range. Unresolved
 * tokens pass: their value is only known at deploy time.
 */
export function validateRange(prop: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    const suffix = unit ? ` ${unit}` : '';
    throw new Error(`${prop} is ${value}${suffix}; it must be from ${min} to ${max}${suffix}`);
  }
}

/** Throws unless `value` is an integer (tokens pass). */
export function validateInteger(prop: string, value: number | undefined): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value)) throw new Error(`${prop} is ${value}; it must be a whole number`);
}
