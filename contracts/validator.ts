import type { Static, TSchema } from 'typebox';
// Apart from contract.ts, which builds schemas with TypeBox: what only checks a schema needs
// no TypeBox at run time, so the CLI and a bundle that validates plain JSON Schemas load none
// of it (TypeBox is hundreds of modules, ~100 ms of a command's start).
import { compileSchema } from './schema-check.js';

/** The outcome of validating a value against a contract. */
export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

/** One validation error as ajv and the contracts' checker report it (ajv's `ErrorObject` is one). */
export interface SchemaErrorLike {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message?: string;
}

/** Formats validation errors as `path: message` lines a person can act on. */
export function describeErrors(errors: readonly SchemaErrorLike[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
}

/**
 * A validator for any TypeBox schema (compiled on first use), for payloads that are not events.
 *
 * Validation used to be ajv (`allErrors`, `strict`), compiled on first use. ajv, its code
 * generator and fast-uri were ~125 KB of every handler bundle and ajv's constructor ran at
 * every cold start, so the checker is now ./schema-check.ts: the same verdicts and the same
 * errors for the keywords TypeBox emits (held to ajv by a differential test), ~5 KB. Compiling
 * the validators at build time instead (ajv standalone code) was weighed and not done: a
 * handler's schemas are built by its own module code (domain contracts, handler-local
 * schemas), which esbuild cannot evaluate and SwitchyardFunction cannot see at synth without
 * running the handler. The trade-off: a schema using a keyword outside that set (format,
 * $ref, oneOf, if/then, ...) is refused when first used, where ajv would have accepted some.
 */
export function validatorFor<S extends TSchema>(schema: S): (value: unknown) => ValidationResult<Static<S>> {
  let compiled: ReturnType<typeof compileSchema> | undefined;
  return (value) => {
    compiled ??= compileSchema(schema);
    const errors = compiled(value);
    return errors === null ? { ok: true, value: value as Static<S> } : { ok: false, errors: describeErrors(errors) };
  };
}
