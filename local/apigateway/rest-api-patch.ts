import { badRequest } from './rest-api-checks.js';
import type { StoredRequestValidator, StoredRestApiProperties } from './rest-api-store.js';

/**
 * API Gateway's `patchOperations` (Update*), as it applies them to what the control plane
 * keeps: each operation in turn, its `path` a JSON pointer (`~1` for `/`, `~0` for `~`) whose
 * last segment may name a list's item by value (`/binaryMediaTypes/image~1png`), each path
 * taking the operations AWS takes for it, with AWS's error texts (LocalStack's recordings).
 */
export interface PatchOperation {
  readonly op?: string;
  readonly path?: string;
  readonly value?: string;
  readonly from?: string;
}

/** A JSON pointer segment decoded (`~1` is `/`, `~0` is `~`). */
export const unescaped = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');

/** The text AWS answers for an op a path does not take, where it lists none. */
export const unsupportedOp = (op: PatchOperation) =>
  badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Please choose supported operations`);

/** The text AWS answers for a `replace` of a path it does not know, listing those it does. */
export const unknownReplacePath = (op: PatchOperation, paths: readonly string[]) =>
  badRequest(`Invalid patch path  '${op.path}' specified for op '${op.op}'. Must be one of: [${paths.join(', ')}]`);

/** A `replace` only path (`/pathPart`, `/name`, ...): any other op is refused as AWS refuses it. */
export function replaceOnly(op: PatchOperation, paths: readonly string[]): void {
  if (!paths.includes(op.path ?? '')) {
    if (op.op === 'replace') throw unknownReplacePath(op, paths);
    throw unsupportedOp(op);
  }
  if (op.op !== 'replace') throw unsupportedOp(op);
}

const MAX_COMPRESSION = 10_485_760;
const ENDPOINT_TYPES = ['REGIONAL', 'EDGE', 'PRIVATE'];
const IP_ADDRESS_TYPES = ['ipv4', 'dualstack'];
export const ONLY_REPLACE = 'Invalid patch operation specified. Must be one of: [replace]';

/** CreateRestApi's and UpdateRestApi's check of `minimumCompressionSize` (a number, or the patch's text). */
export function compressionSize(value: unknown): number {
  const size = typeof value === 'number' ? value : /^-?\d+$/.test(String(value)) ? Number(value) : Number.NaN;
  if (!Number.isInteger(size) || size < 0 || size > MAX_COMPRESSION)
    throw badRequest(`Invalid minimum compression size, must be between 0 and ${MAX_COMPRESSION}`);
  return size;
}

type Api = { -readonly [K in keyof StoredRestApiProperties]: StoredRestApiProperties[K] };

/** UpdateRestApi's operations on the API's properties; the API as they leave it. */
export function patchRestApi(api: StoredRestApiProperties, ops: readonly PatchOperation[]): StoredRestApiProperties {
  let next: Api = { ...api, endpointConfiguration: { ...api.endpointConfiguration } };
  for (const op of ops) next = patchRestApiOnce(next, op);
  return next;
}

function patchRestApiOnce(api: Api, op: PatchOperation): Api {
  const path = op.path ?? '';
  if (path.startsWith('/binaryMediaTypes/')) return { ...api, binaryMediaTypes: patchedList(api.binaryMediaTypes ?? [], op) };
  switch (path) {
    case '/minimumCompressionSize': {
      if (op.op !== 'replace') throw badRequest(ONLY_REPLACE);
      // A replace with no value (or an empty one) turns compression off.
      const { minimumCompressionSize: _off, ...rest } = api;
      return op.value === undefined || op.value === '' ? rest : { ...api, minimumCompressionSize: compressionSize(op.value) };
    }
    case '/endpointConfiguration/types/0':
      return { ...api, endpointConfiguration: endpointType(api, op) };
    case '/endpointConfiguration/ipAddressType': {
      if (op.op !== 'replace') throw badRequest(ONLY_REPLACE);
      if (!IP_ADDRESS_TYPES.includes(op.value ?? '')) throw badRequest('ipAddressType must be either ipv4 or dualstack.');
      if (api.endpointConfiguration.types[0] === 'PRIVATE' && op.value !== 'dualstack')
        throw badRequest('Only dualstack ipAddressType is supported for Private APIs.');
      return { ...api, endpointConfiguration: { ...api.endpointConfiguration, ipAddressType: String(op.value) } };
    }
    case '/name':
    case '/description':
    case '/version':
    case '/apiKeySource':
    case '/policy':
      return patchedText(api, path.slice(1) as 'name', op);
    case '/disableExecuteApiEndpoint':
      if (op.op !== 'replace') throw badRequest(ONLY_REPLACE);
      return { ...api, disableExecuteApiEndpoint: op.value === 'true' };
    default:
      throw badRequest(`Invalid patch path ${path}`);
  }
}

/** `/endpointConfiguration/types/0`: replaced by a known type; a private API takes dualstack, as AWS makes it. */
function endpointType(api: Api, op: PatchOperation): Api['endpointConfiguration'] {
  if (op.op !== 'replace') throw badRequest("Invalid patch operation specified. Must be 'add'|'remove'|'replace'");
  if (!ENDPOINT_TYPES.includes(op.value ?? ''))
    throw badRequest('Invalid EndpointTypes specified. Valid options are REGIONAL,EDGE,PRIVATE');
  const ipAddressType = op.value === 'PRIVATE' ? 'dualstack' : api.endpointConfiguration.ipAddressType;
  return { types: [String(op.value)], ipAddressType };
}

/** A text property: replaced (or added), or removed when it may be absent. */
function patchedText(api: Api, key: 'name' | 'description' | 'version' | 'apiKeySource' | 'policy', op: PatchOperation): Api {
  if (op.op === 'remove' && key !== 'name' && key !== 'apiKeySource') {
    const { [key]: _removed, ...rest } = api;
    return rest as Api;
  }
  if (op.op !== 'replace' && op.op !== 'add') throw badRequest(ONLY_REPLACE);
  return { ...api, [key]: String(op.value ?? '') };
}

/**
 * A list patched as API Gateway patches `binaryMediaTypes`: the path's last segment names the
 * item (not an index; `-` is an item too): `add` appends it, `remove` takes it out, `replace`
 * takes it out and appends the value.
 */
function patchedList(list: readonly string[], op: PatchOperation): string[] {
  const item = unescaped((op.path ?? '').split('/').slice(2).join('/'));
  const without = list.filter((x) => x !== item);
  if (op.op === 'add') return list.includes(item) ? [...list] : [...list, item];
  if (op.op === 'remove') return without;
  if (op.op === 'replace') return [...without, String(op.value ?? '')];
  throw badRequest(`Invalid patch path ${op.path}`);
}

const VALIDATOR_PATHS = ['/name', '/validateRequestParameters', '/validateRequestBody'];

/** UpdateRequestValidator's operations: `replace` of its name or either flag (a flag without a value is false). */
export function patchRequestValidator(validator: StoredRequestValidator, ops: readonly PatchOperation[]): StoredRequestValidator {
  let next = validator;
  for (const op of ops) {
    replaceOnly(op, VALIDATOR_PATHS);
    if (op.path === '/name') {
      if ((op.value ?? '').trim() === '') throw badRequest('Request Validator name cannot be blank');
      next = { ...next, name: String(op.value) };
    } else {
      next = { ...next, [String(op.path).slice(1)]: op.value === 'true' };
    }
  }
  return next;
}

/** Where a patch of a map entry (`/responseParameters/{name}`) finds nothing to replace or remove: AWS's error. */
export type MissingEntry = (op: PatchOperation) => Error;

/**
 * A patch of an object's scalar members (`scalars`, `replace` only; a replace without a value
 * removes the member) and map entries (`maps`: `/map/{key}` added, replaced or removed, the key
 * JSON-pointer escaped, a value read by `parse`); a map emptied is left out, as AWS answers it.
 */
export function patchMembers<T extends object>(
  target: T,
  ops: readonly PatchOperation[],
  spec: {
    readonly scalars: readonly string[];
    readonly maps: Readonly<Record<string, { missing: MissingEntry; parse?: (value: string | undefined) => unknown }>>;
    /** The error for an op other than `replace` on a scalar (default: the path's unsupported-op text). */
    readonly scalarOp?: (op: PatchOperation) => Error;
  },
): T {
  let next = { ...target } as Record<string, unknown>;
  for (const op of ops) {
    const [, head = '', ...rest] = (op.path ?? '').split('/');
    const map = spec.maps[head];
    // A map's key is one segment (`~1` for a `/` in it).
    if (map && rest.length === 1) {
      const key = unescaped(rest[0] ?? '');
      const entries = { ...((next[head] ?? {}) as Record<string, unknown>) };
      if (op.op !== 'add' && !(key in entries)) throw map.missing(op);
      if (op.op === 'remove') delete entries[key];
      else entries[key] = map.parse ? map.parse(op.value) : op.value;
      const { [head]: _old, ...others } = next;
      next = Object.keys(entries).length === 0 ? others : { ...others, [head]: entries };
    } else if (spec.scalars.includes(head) && rest.length === 0) {
      if (op.op !== 'replace') throw (spec.scalarOp ?? unsupportedOp)(op);
      const { [head]: _old, ...others } = next;
      next = op.value === undefined ? others : { ...others, [head]: scalarOf(target, head, op.value) };
    } else {
      throw badRequest(`Invalid patch path ${op.path}`);
    }
  }
  return next as T;
}

/** A patch's text as the member's type: a number or boolean member takes its text's number or truth. */
function scalarOf(target: object, key: string, value: string): unknown {
  const before = (target as Record<string, unknown>)[key];
  if (typeof before === 'number') return Number(value);
  if (typeof before === 'boolean') return value === 'true';
  return value;
}
