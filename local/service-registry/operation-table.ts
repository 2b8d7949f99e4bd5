import type { Operation } from '../endpoint/protocols.js';

/** An operation as the endpoint calls it, with its request input (the endpoint's one definition). */
export type { Operation };

/** One of the service's API methods, called on the service with the arguments given. */
export type ApiMethod = (...args: unknown[]) => Promise<unknown>;

/** The endpoint sends `{}` for an empty body; a caller in the process may send nothing, which the methods do not expect. */
const withEmptyInput =
  (method: ApiMethod): Operation =>
  (input: never) =>
    method(input ?? {});

/** The API operations a service class declares: its own PascalCase methods, in their order (what operationTable serves). */
export function apiOperations(type: { readonly prototype: object }): string[] {
  return Object.getOwnPropertyNames(type.prototype).filter((name) => /^[A-Z]/.test(name));
}

/**
 * A service's API operations by name: the PascalCase methods `type` itself declares (an
 * operation is a method named as in the AWS API, so adding one to the class serves it).
 * `wrap` makes each method an operation, by default giving it `{}` for a missing input.
 * The method is looked up on `service` at each call, not once, so a replaced or spied
 * method is the one called.
 */
export function operationTable(service: object, type: { readonly prototype: object }): Record<string, Operation>;
export function operationTable<F>(service: object, type: { readonly prototype: object }, wrap: (method: ApiMethod) => F): Record<string, F>;
export function operationTable(
  service: object,
  type: { readonly prototype: object },
  wrap: (method: ApiMethod) => unknown = withEmptyInput,
): Record<string, unknown> {
  const api = service as Record<string, ApiMethod>;
  return Object.fromEntries(apiOperations(type).map((name) => [name, wrap((...args) => (api[name] as ApiMethod).apply(service, args))]));
}
