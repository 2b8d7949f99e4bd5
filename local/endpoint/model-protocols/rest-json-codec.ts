import { randomUUID } from 'node:crypto';
import { parseBoundedJson } from '../../json/json-depth.js';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../protocols.js';
import type { ApiModel, MemberRef, ModelOperation, Shape } from '../validation/model.js';
import {
  errorMessageMember,
  type ModelOperations,
  type ProtocolChecks,
  runOperation,
  scalarValue,
  timestampValue,
  UNDECLARED_HEADERS,
} from './operations.js';

const EVENT_STREAM = 'application/vnd.amazon.eventstream';

/** One operation's route: its method and its `requestUri` as a pattern with a group per label. */
export interface Route {
  readonly name: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly labels: readonly string[];
  /** The query parameter and value the route names (`?find=LayerVersion`): another operation shares its path without it. */
  readonly query?: readonly [key: string, value: string];
  /** Literal characters of the route: among routes that match, the most literal wins (one naming a query first). */
  readonly literal: number;
  readonly served: boolean;
  /** Every input member travels in the JSON body (a newer route of the operation than the model's). */
  readonly bodyInput?: boolean;
}

/**
 * A route an SDK uses that the repository's model predates (an operation AWS moved to a new
 * method and path), with the operation's input members all in its JSON body.
 */
export interface NewerRoute {
  readonly operation: string;
  readonly method: string;
  readonly requestUri: string;
}

/** What a service's REST-JSON API has beyond its model, declared beside the service. */
export interface RestJsonDialect {
  /** Routes an SDK uses that the model predates. @default none */
  readonly newerRoutes?: readonly NewerRoute[];
  /** The largest request body the service takes, where AWS's limit is above the endpoint's (RestProtocolService.maxBodyBytes). */
  readonly maxBodyBytes?: number;
  /**
   * The paths it answers whatever the method: a request under them that is none of its
   * routes is its own UnknownOperationException, and the model's routes outside them are not
   * its (Scheduler's `/tags/{ResourceArn}`, which many services' APIs share). @default the model's routes
   */
  readonly paths?: RegExp;
  /**
   * Path labels whose values hold `/` once the endpoint has decoded the path (an ARN with a
   * resource path: Bedrock's `/async-invoke/{invocationArn}`), matched as greedy labels. @default none
   */
  readonly greedyLabels?: readonly string[];
  /**
   * The service's own error document, where it is more than the model's message member (Lambda's
   * `Type` of fault, its message member per error); `operation` is the route's, when the request
   * is on one (Lambda names it when a body is too large). @default `x-amzn-errortype` and the model's message member
   */
  readonly errorDocument?: (error: AwsError, operation: string | undefined) => RawResponse;
  /** How the service refuses a body that is not a JSON object, given why (Lambda's InvalidRequestContentException). @default SerializationException */
  readonly bodyRefusal?: (reason: string, cause?: unknown) => AwsError;
}

/**
 * AWS's REST-JSON protocol driven by a service's model: the operation is found by method and
 * path (the model's `requestUri`s), its input read from the path labels, query string,
 * headers and JSON body as each member's `location` says (a body member by its
 * `locationName`: API Gateway's `item` lists), its output answered as JSON
 * (timestamps in epoch seconds, blobs in base64) with the operation's response code, and an
 * error as `x-amzn-errortype` with its text in the member the model's errors name
 * (`{"message": ...}`, Scheduler's `{"Message": ...}`) and the other members its shape
 * declares that the error holds (Bedrock's ModelErrorException's `originalStatusCode`). An
 * input's `payload` member is the body itself (a blob as the raw bytes: Lambda's Invoke,
 * Bedrock's InvokeModel), an output's a blob or text answered as the body, or an event
 * stream's framed messages, whole or as they come (ConverseStream); an output member at
 * `statusCode` is the response's status. A route of an operation the local service does not
 * serve is answered as unsupported, by name.
 */
export class ModelRestJsonProtocol implements RestProtocolService {
  readonly #routes: readonly Route[];
  readonly #messageMember: string;
  /** The largest request body the service takes (RestJsonDialect.maxBodyBytes). */
  readonly maxBodyBytes?: number;

  constructor(
    private readonly model: ApiModel,
    private readonly operations: ModelOperations,
    private checks: ProtocolChecks,
    private readonly dialect: RestJsonDialect = {},
  ) {
    if (model.metadata.protocol !== 'rest-json') throw new Error(`the model's protocol is ${model.metadata.protocol}, not rest-json`);
    const greedy = new Set(dialect.greedyLabels ?? []);
    const served = Object.entries(model.operations).map(([name, operation]) => restRoute(name, operation.http, true, greedy));
    const newer = (dialect.newerRoutes ?? []).map((r) => ({
      ...restRoute(r.operation, r, Object.hasOwn(model.operations, r.operation), greedy),
      bodyInput: true,
    }));
    const others = Object.entries(model.otherOperations ?? {}).map(([name, http]) => restRoute(name, http, false, greedy));
    this.#routes = [...served, ...newer, ...others].sort((a, b) => b.literal - a.literal);
    this.#messageMember = errorMessageMember(model);
    if (dialect.maxBodyBytes !== undefined) this.maxBodyBytes = dialect.maxBodyBytes;
  }

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: NonNullable<ProtocolChecks['authorize']>): void {
    this.checks = { ...this.checks, authorize };
  }

  handles(request: Pick<RawRequest, 'method' | 'path'> & { readonly query?: URLSearchParams }): boolean {
    return this.dialect.paths
      ? this.dialect.paths.test(request.path)
      : this.operationOf(request.method, request.path, request.query) !== undefined;
  }

  /** The operation a request is for, by its route (served or not), or undefined for a path that is none of the API's. */
  operationOf(method: string, path: string, query: URLSearchParams = new URLSearchParams()): string | undefined {
    return this.#find(method, path, query)?.route.name;
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    try {
      const found = this.#find(request.method, request.path, request.query);
      if (found === undefined)
        throw new AwsError(
          'UnknownOperationException',
          `no ${this.checks.serviceName} operation is ${request.method} ${request.path}`,
          404,
        );
      const { route: matched, labels } = found;
      const operation = this.model.operations[matched.name];
      if (!matched.served || operation === undefined || !Object.hasOwn(this.operations, matched.name)) {
        throw new AwsError(
          'UnknownOperationException',
          `${matched.name} is not supported by the local ${this.checks.serviceName} service.`,
          400,
        );
      }
      const input =
        operation.input === undefined
          ? {}
          : matched.bodyInput
            ? this.#bodyInput(operation.input, request.body)
            : this.#input(operation.input, labels, request);
      const call = { requestId: randomUUID() };
      const output = (await runOperation(this.operations, this.checks, matched.name, input, call)) as Record<string, unknown> | undefined;
      return this.#answer(operation, output ?? {}, call.requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error, request.method, request.path, request.query);
    }
  }

  /** The error as the service answers it; `method`, `path` and `query` name the operation, if any, for its errorDocument. */
  errorResponse(error: AwsError, method?: string, path?: string, query?: URLSearchParams): RawResponse {
    if (this.dialect.errorDocument) {
      const operation = method === undefined || path === undefined ? undefined : this.operationOf(method, path, query);
      return this.dialect.errorDocument(error, operation);
    }
    const body: Record<string, unknown> = { [this.#messageMember]: error.message };
    const shape = this.model.shapes[error.code];
    for (const member of shape?.exception ? Object.keys(shape.members ?? {}) : []) {
      const value = (error as unknown as Record<string, unknown>)[member];
      if (member !== this.#messageMember && value !== undefined && value !== null) body[member] = value;
    }
    return {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
      body: JSON.stringify(body),
    };
  }

  #find(method: string, path: string, query: URLSearchParams): { route: Route; labels: Record<string, string> } | undefined {
    for (const candidate of this.#routes) {
      if (candidate.method !== method) continue;
      if (candidate.query && query.get(candidate.query[0]) !== candidate.query[1]) continue;
      const match = candidate.pattern.exec(path);
      if (match === null) continue;
      const labels = Object.fromEntries(candidate.labels.map((label, i) => [label, match[i + 1] ?? '']));
      return { route: candidate, labels };
    }
    return undefined;
  }

  /** The operation's input: path labels, query-string and header members, and the JSON body (or the payload member) for the rest. */
  #input(shapeName: string, labels: Record<string, string>, request: RawRequest): Record<string, unknown> {
    const shape = shapeOf(this.model, shapeName);
    const members = Object.entries(shape.members ?? {});
    const inBody = members.some(([member, ref]) => ref.location === undefined && member !== shape.payload);
    const body = inBody ? this.#body(request.body) : {};
    const input: Record<string, unknown> = {};
    for (const [member, ref] of members) {
      const name = ref.locationName ?? member;
      if (member === shape.payload) {
        // A blob payload is the body's bytes as sent; a structure, the body read as JSON.
        if (shapeOf(this.model, ref.shape).type === 'blob') input[member] = request.body;
        else if (request.body.length > 0) input[member] = this.#body(request.body);
      } else if (ref.location === 'uri') {
        if (Object.hasOwn(labels, name)) input[member] = scalarValue(shapeOf(this.model, ref.shape).type, labels[name] as string);
      } else if (ref.location === 'querystring' || ref.location === 'header') {
        const value =
          ref.location === 'header'
            ? headerValue(this.model, ref, request.headers[name.toLowerCase()])
            : queryValue(this.model, ref, request.query.getAll(name));
        if (value !== undefined) input[member] = value;
      } else if (ref.location === undefined && Object.hasOwn(body, name)) {
        input[member] = body[name];
      }
    }
    return input;
  }

  /** A newer route's input: its members by name from the JSON body, wherever the model puts them. */
  #bodyInput(shapeName: string, raw: Buffer): Record<string, unknown> {
    const body = this.#body(raw);
    const members = Object.keys(shapeOf(this.model, shapeName).members ?? {});
    return Object.fromEntries(members.filter((member) => Object.hasOwn(body, member)).map((member) => [member, body[member]]));
  }

  /** The request's body as a JSON object, or the service's refusal of it. */
  #body(raw: Buffer): Record<string, unknown> {
    const refuse =
      this.dialect.bodyRefusal ??
      ((reason: string, cause?: unknown) =>
        new AwsError('SerializationException', cause === undefined ? reason : 'request body is not valid JSON', 400, { cause }));
    return parseBody(raw, refuse);
  }

  #answer(operation: ModelOperation, output: Record<string, unknown>, requestId: string): RawResponse {
    const body: Record<string, unknown> = {};
    const shape = operation.output === undefined ? undefined : shapeOf(this.model, operation.output);
    // A blob payload (Polly's AudioStream, Lambda's Invoke) is the whole body, its type in a header member; an event stream's is its messages.
    const payloadRef = shape?.payload === undefined ? undefined : shape.members?.[shape.payload];
    const eventStream = payloadRef !== undefined && shapeOf(this.model, payloadRef.shape).eventstream === true;
    const headers: Record<string, string> = {
      'content-type': eventStream ? EVENT_STREAM : 'application/json',
      'x-amzn-requestid': requestId,
      ...(output as { [UNDECLARED_HEADERS]?: Record<string, string> })[UNDECLARED_HEADERS],
    };
    const payload = shape?.payload === undefined ? undefined : output[shape.payload];
    let status = operation.http.responseCode ?? 200;
    for (const [member, ref] of Object.entries(shape?.members ?? {})) {
      const value = output[member];
      if (value === undefined || value === null || member === shape?.payload) continue;
      if (ref.location === 'header') headers[(ref.locationName ?? member).toLowerCase()] = String(value);
      else if (ref.location === 'statusCode') status = Number(value);
      else if (ref.location === undefined) body[ref.locationName ?? member] = jsonValue(this.model, ref.shape, value);
    }
    // A 204 has no body (Lambda's DeleteAlias, TagResource).
    if (status === 204) return { status, headers: { 'x-amzn-requestid': requestId } };
    if (Buffer.isBuffer(payload) || typeof payload === 'string') return { status, headers, body: payload };
    if (eventStream && isAsyncIterable(payload)) return { status, headers, stream: payload };
    // An output whose body is its payload has none without it (Lambda's Invoke of InvocationType Event).
    if (shape?.payload !== undefined) return { status, headers, body: '' };
    return { status, headers, body: JSON.stringify(body) };
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Buffer> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A REST query member's value by its shape: a list of all its values, else the first, as its type reads (scalarValue). */
export function queryValue(model: ApiModel, ref: MemberRef, values: readonly string[]): unknown {
  if (values.length === 0) return undefined;
  const shape = shapeOf(model, ref.shape);
  if (shape.type === 'list') return values.map((value) => scalarValue(shapeOf(model, shape.member?.shape as string).type, value));
  return scalarValue(shape.type, values[0] as string);
}

/** A REST header member's value by its shape: a list of its comma-separated items, else the whole, as its type reads. */
export function headerValue(model: ApiModel, ref: MemberRef, value: string | string[] | undefined): unknown {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const shape = shapeOf(model, ref.shape);
  if (shape.type === 'list')
    return text.split(',').map((item) => scalarValue(shapeOf(model, shape.member?.shape as string).type, item.trim()));
  return scalarValue(shape.type, text);
}

export function shapeOf(model: ApiModel, name: string): Shape {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
  return shape;
}

/**
 * A value as AWS's JSON wires carry it (REST-JSON's, and JSON 1.0/1.1's: the leaf services
 * answer through it): timestamps in epoch seconds (ISO 8601 where the shape's `timestampFormat`
 * says so, as Bedrock's and Bedrock Agent's), blobs in base64, a document and the rest as it is.
 */
export function jsonValue(model: ApiModel, shapeName: string, value: unknown): unknown {
  const shape = shapeOf(model, shapeName);
  if (shape.document) return value;
  switch (shape.type) {
    case 'structure':
      return Object.fromEntries(
        Object.entries(shape.members ?? {}).flatMap(([member, ref]) => {
          const item = (value as Record<string, unknown>)[member];
          return item === undefined || item === null ? [] : [[ref.locationName ?? member, jsonValue(model, ref.shape, item)]];
        }),
      );
    case 'list':
      return (value as unknown[]).map((item) => jsonValue(model, shape.member?.shape as string, item));
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, jsonValue(model, shape.value?.shape as string, item)]),
      );
    case 'timestamp':
      // REST-JSON's timestamps are epoch seconds unless the shape says otherwise (Bedrock's are ISO 8601).
      return shape.timestampFormat === 'iso8601' ? timestampValue(value).toISOString() : timestampValue(value).getTime() / 1000;
    case 'blob':
      return Buffer.isBuffer(value) ? value.toString('base64') : value;
    default:
      return value;
  }
}

/** The route of a `requestUri` (`/v2/email/templates/{TemplateName}`, `{Key+}` for a greedy label, `?find=LayerVersion` a query it names). */
export function restRoute(
  name: string,
  http: { method: string; requestUri: string },
  served: boolean,
  greedyLabels: ReadonlySet<string>,
): Route {
  const [path = '/', queryPart] = http.requestUri.split('?');
  const [key, value] = queryPart?.split('=') ?? [];
  const query = key === undefined || value === undefined ? undefined : ([key, value] as const);
  const labels: string[] = [];
  let literal = 0;
  const source = path.replace(/\{([^}]+)\}|[^{]+/g, (part, label: string | undefined) => {
    if (label === undefined) {
      literal += part.length;
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    }
    const greedy = label.endsWith('+') || greedyLabels.has(label);
    labels.push(label.endsWith('+') ? label.slice(0, -1) : label);
    return greedy ? '(.+)' : '([^/]+)';
  });
  // A route naming a query is more literal than any without: the one sharing its path (ListLayers) names none.
  const named = query === undefined ? 0 : 10_000;
  return {
    name,
    method: http.method,
    pattern: new RegExp(`^${source}/?$`),
    labels,
    literal: literal + named,
    served,
    ...(query ? { query } : {}),
  };
}

function parseBody(body: Buffer, refuse: (reason: string, cause?: unknown) => AwsError): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = parseBoundedJson(body);
  } catch (error) {
    throw refuse((error as Error).message, error);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw refuse('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}
