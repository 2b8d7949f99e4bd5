import { onFirstUse } from '../../startup/on-first-use.js';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../protocols.js';
import type { ApiModel, Shape } from '../validation/model.js';
import { errorMessageMember, type ModelOperations, type ProtocolChecks, runOperation, timestampValue } from './operations.js';
import type { QueryCompatibleErrors } from './query-compatible.js';

/** The CBOR codec, loaded at the protocol's first request (no start needs it). */
const cbor = onFirstUse<typeof import('cbor2')>('cbor2');

/** The header every request and answer of the protocol carries, and its one value. */
const PROTOCOL_HEADER = 'smithy-protocol';
const PROTOCOL_VALUE = 'rpc-v2-cbor';
/** Nesting past this is refused before it can exhaust the stack (AWS's JSON services refuse deep bodies too). */
const MAX_DEPTH = 64;

/**
 * Smithy's RPC v2 CBOR protocol driven by a service's model (EventBridge's custom event bus
 * API, `eventbridgev2`): `POST /service/<service>/operation/<Operation>` with the header
 * `smithy-protocol: rpc-v2-cbor`, the input a CBOR map of the operation's input members, the
 * output a CBOR map of its output members (timestamps under tag 1 in epoch seconds, blobs as
 * byte strings, no nulls), and an error a CBOR map of `__type` (the error's shape id) and its
 * text in the member the model's errors name, with the error's HTTP status. A service's
 * operations take and answer the API's JSON shapes, as the other model-driven codecs give them
 * (blobs in base64, timestamps in epoch seconds), so that one model validation serves all of them.
 *
 * The service's name in the path is the model's `targetPrefix` (botocore's, and the Smithy
 * service shape's name); the error namespace is its `uid`'s service (`com.amazonaws.<service>`).
 * An API with the `awsQueryCompatible` trait (CloudWatch) is given its QueryCompatibleErrors:
 * its errors' types are then their shapes' names, with their query codes in `x-amzn-query-error`.
 */
export class ModelRpcV2CborProtocol implements RestProtocolService {
  readonly #prefix: string;
  readonly #errorNamespace: string;
  readonly #messageMember: string;

  constructor(
    private readonly model: ApiModel,
    private readonly operations: ModelOperations,
    private checks: ProtocolChecks,
    private readonly queryCompatible?: QueryCompatibleErrors,
  ) {
    if (model.metadata.protocol !== 'smithy-rpc-v2-cbor')
      throw new Error(`the model's protocol is ${model.metadata.protocol}, not smithy-rpc-v2-cbor`);
    const service = model.metadata.targetPrefix;
    if (service === undefined) throw new Error('the model has no targetPrefix: RPC v2 CBOR routes by the service name it gives');
    this.#prefix = `/service/${service}/operation/`;
    const uid = model.metadata.uid;
    if (uid === undefined) throw new Error('the model has no uid: RPC v2 CBOR names its errors in the namespace it gives');
    this.#errorNamespace = `com.amazonaws.${uid.replace(/-\d{4}-\d{2}-\d{2}$/, '')}`;
    this.#messageMember = errorMessageMember(model);
  }

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: NonNullable<ProtocolChecks['authorize']>): void {
    this.checks = { ...this.checks, authorize };
  }

  handles(request: Pick<RawRequest, 'method' | 'path'>): boolean {
    return request.path.startsWith(this.#prefix);
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      const name = request.path.slice(this.#prefix.length);
      if (request.method !== 'POST')
        throw new AwsError('UnknownOperationException', `RPC v2 CBOR operations are called with POST, not ${request.method}`, 405);
      if (request.headers[PROTOCOL_HEADER] !== PROTOCOL_VALUE)
        throw new AwsError(
          'SerializationException',
          `the request has no header ${PROTOCOL_HEADER}: ${PROTOCOL_VALUE} (got ${JSON.stringify(request.headers[PROTOCOL_HEADER] ?? null)}); the ${this.checks.serviceName} API speaks Smithy RPC v2 CBOR`,
          400,
        );
      const operation = this.model.operations[name];
      if (operation === undefined || !Object.hasOwn(this.operations, name)) {
        const known = operation !== undefined || Object.hasOwn(this.model.otherOperations ?? {}, name);
        throw known
          ? new AwsError('UnknownOperationException', `${name} is not supported by the local ${this.checks.serviceName} service.`, 400)
          : new AwsError('UnknownOperationException', `no ${this.checks.serviceName} operation is named ${JSON.stringify(name)}`, 404);
      }
      const body = decodeBody(request.body);
      const input = operation.input === undefined ? {} : this.#fromCbor(operation.input, body);
      const output = (await runOperation(this.operations, this.checks, name, input)) as Record<string, unknown> | undefined;
      const shape = operation.output === undefined ? undefined : this.#shape(operation.output);
      return answer(200, shape === undefined ? {} : (this.#toCbor(operation.output as string, output ?? {}) as object));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error);
    }
  }

  errorResponse(error: AwsError): RawResponse {
    const type = this.queryCompatible?.typeOf(error) ?? error.code;
    // The error's own shape names the member its text travels in (CloudWatch's differ: `message`, `Message`).
    const own = Object.keys(this.model.shapes[type]?.members ?? {}).find((member) => member.toLowerCase() === 'message');
    const response = answer(error.status, { __type: `${this.#errorNamespace}#${type}`, [own ?? this.#messageMember]: error.message });
    return this.queryCompatible ? { ...response, headers: { ...response.headers, ...this.queryCompatible.headers(error) } } : response;
  }

  #shape(name: string): Shape {
    const shape = this.model.shapes[name];
    if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
    return shape;
  }

  /**
   * A decoded CBOR value as the API's JSON shape of `shapeName`: nulls in structures dropped
   * (the protocol's servers never read them), blobs to base64, timestamps to epoch seconds,
   * members the model does not name skipped; a value of the wrong CBOR type is left as it
   * came, for the model's validation to refuse by name.
   */
  #fromCbor(shapeName: string, value: unknown): unknown {
    const shape = this.#shape(shapeName);
    if (value instanceof Uint8Array) return shape.type === 'blob' ? Buffer.from(value).toString('base64') : value;
    // cbor2 reads tag 1 (epoch seconds) as a Date; the JSON shapes carry epoch seconds.
    if (value instanceof Date) return shape.type === 'timestamp' && !Number.isNaN(value.getTime()) ? value.getTime() / 1000 : value;
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    if (value === null || typeof value !== 'object') return value;
    if (shape.type === 'structure' && !Array.isArray(value)) {
      const input: Record<string, unknown> = {};
      for (const [member, ref] of Object.entries(shape.members ?? {})) {
        const item = Object.hasOwn(value, member) ? (value as Record<string, unknown>)[member] : undefined;
        if (item !== undefined && item !== null) input[member] = this.#fromCbor(ref.shape, item);
      }
      return input;
    }
    if (shape.type === 'list' && Array.isArray(value) && shape.member)
      return value.map((item) => this.#fromCbor(shape.member?.shape as string, item));
    if (shape.type === 'map' && !Array.isArray(value) && shape.value) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.#fromCbor(shape.value?.shape as string, item)]));
    }
    return value;
  }

  /** An operation's answer (the API's JSON shape, timestamps as Dates or text) as the protocol's CBOR value of `shapeName`. */
  #toCbor(shapeName: string, value: unknown): unknown {
    const shape = this.#shape(shapeName);
    switch (shape.type) {
      case 'structure':
        return Object.fromEntries(
          Object.entries(shape.members ?? {}).flatMap(([member, ref]) => {
            const item = (value as Record<string, unknown>)[member];
            return item === undefined || item === null ? [] : [[member, this.#toCbor(ref.shape, item)]];
          }),
        );
      case 'list':
        return (value as unknown[]).map((item) => this.#toCbor(shape.member?.shape as string, item));
      case 'map':
        return Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, this.#toCbor(shape.value?.shape as string, item)]),
        );
      case 'timestamp':
        // cbor2 writes a Date as tag 1 with its epoch seconds, as the protocol's timestamps travel.
        return timestampValue(value);
      case 'blob':
        // A byte string: a Buffer would be written as its toJSON() map.
        return new Uint8Array(
          Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value, 'base64') : (value as Uint8Array),
        );
      default:
        return value;
    }
  }
}

/** The request's CBOR map; an empty body is an empty input (the protocol's clients send none for an operation without input). */
function decodeBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = cbor().decode(new Uint8Array(body), { maxDepth: MAX_DEPTH });
  } catch (error) {
    throw new AwsError('SerializationException', `the request body is not valid CBOR: ${(error as Error).message}`, 400, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    throw new AwsError('SerializationException', 'the request body must be a CBOR map of the operation input members', 400);
  return value as Record<string, unknown>;
}

function answer(status: number, body: object): RawResponse {
  return {
    status,
    headers: { 'content-type': 'application/cbor', [PROTOCOL_HEADER]: PROTOCOL_VALUE },
    body: Buffer.from(cbor().encode(body)),
  };
}
