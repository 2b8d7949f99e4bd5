/** The shapes a compiled event pattern is made of, shared by its compiler and its matcher. */

export interface Branch {
  readonly fields: readonly Field[];
}

/** A value test; `undefined` never reaches one. */
export type ValueTest = (value: unknown) => boolean;

export interface Field {
  /** Dot-joined name, as event-ruler keys its machines. */
  readonly name: string;
  /** `keys[i]` lists the event keys that can continue the name from its i-th part. */
  readonly keys: readonly (readonly KeyStep[])[];
  readonly parts: number;
  /** `{"exists": true}`: any value. */
  readonly anyValue: boolean;
  /** `{"exists": false}`: no value at all. */
  readonly absent: boolean;
  readonly tests: readonly ValueTest[];
}

export interface KeyStep {
  readonly key: string;
  readonly next: number;
  /** `constructor`, `toString`...: a plain read would find them on every object. */
  readonly inherited: boolean;
}

/** One entry of a field's value list: `exists`, or a test a value passes or not. */
export type Matcher =
  | { readonly kind: 'exists'; readonly present: boolean }
  | { readonly kind: 'test'; readonly test: ValueTest; readonly wildcards?: WildcardGroup };

/** Wildcard texts that count towards AWS's complexity limit as one pattern. */
export interface WildcardGroup {
  readonly id: string;
  readonly texts: readonly string[];
}

export class PatternError extends Error {}

export function fail(reason: string): never {
  throw new PatternError(reason);
}

/** Field name → [name, matchers]; one map per `$or` alternative. */
export type FieldMap = Map<string, [string, Matcher[]]>;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
