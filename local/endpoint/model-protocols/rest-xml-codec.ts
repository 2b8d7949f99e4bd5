import type { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../protocols.js';
import type { ApiModel, MemberRef, ModelOperation, Shape } from '../validation/model.js';
import type { XmlEscaping } from '../xml-escape.js';
import {
  type ModelOperations,
  type ProtocolChecks,
  RESPONSE_STATUS,
  runOperation,
  scalarValue,
  timestampValue,
  UNDECLARED_HEADERS,
} from './operations.js';
import { encodeMembers, type QueryWriting } from './query-shapes.js';
import { headerValue, queryValue, type Route, restRoute, shapeOf } from './rest-json-codec.js';
import { MalformedXmlError, readXml, type XmlNode } from './xml-reading.js';

/** A REST-XML route: the JSON one's, and what its query string and headers must hold besides. */
interface XmlRoute extends Route {
  /** The `requestUri`'s query part (`?uploads`, `?list-type=2`): each name, and its value where it has one. */
  readonly queryNames: readonly (readonly [string, string | undefined])[];
  /** Query-string and header members the operation requires (UploadPart's `uploadId`, CopyObject's `x-amz-copy-source`). */
  readonly requiredQuery: readonly string[];
  readonly requiredHeaders: readonly string[];
}

/** What a service's REST-XML API has beyond its model, declared beside the service. */
export interface RestXmlDialect {
  /** The namespace of its documents (S3's `http://s3.amazonaws.com/doc/2006-03-01/`). */
  readonly xmlNamespace: string;
  /** How it escapes text (S3 writes named entities). @default numeric references */
  readonly escaping?: XmlEscaping;
  /** The root element of an operation's answer where the model names none (S3's ListObjectsV2: `ListBucketResult`). @default the output shape's name */
  readonly roots?: Readonly<Record<string, string>>;
  /** The error a request none of the model's routes takes is answered with. */
  readonly unknown: (request: RawRequest) => AwsError;
  /** The error an operation of the model the service does not serve is answered with. */
  readonly unsupported: (operation: string) => AwsError;
  /** The error a request body that is not well-formed XML is answered with. */
  readonly malformed: (cause: Error) => AwsError;
}

/**
 * AWS's REST-XML protocol driven by a service's model (S3's): the operation is found by method,
 * path (the `requestUri`s, `{Key+}` greedy), the query names its `requestUri` holds (`?uploads`,
 * `?list-type=2`) and the query and header members it requires (UploadPart's `uploadId`,
 * CopyObject's `x-amz-copy-source`), the most specific route winning, else the one `x-id`
 * names; its input read from the path labels, query string, headers (a `headers` member from
 * those under its prefix: `x-amz-meta-`) and payload (a blob's bytes as a Buffer, a structure
 * from its XML element, lists flattened as the model says); its output answered as headers and
 * an XML document in the service's namespace (one XML writer: the query codec's), or a blob
 * payload as the body. The caller (the service's protocol) words the errors.
 */
export class ModelRestXmlProtocol {
  readonly #routes: readonly XmlRoute[];
  readonly #writing: QueryWriting;

  constructor(
    private readonly model: ApiModel,
    private readonly operations: ModelOperations,
    private checks: ProtocolChecks,
    private readonly dialect: RestXmlDialect,
  ) {
    if (model.metadata.protocol !== 'rest-xml') throw new Error(`the model's protocol is ${model.metadata.protocol}, not rest-xml`);
    const served = Object.entries(model.operations).map(([name, operation]) => this.#route(name, operation.http, true, operation.input));
    const others = Object.entries(model.otherOperations ?? {}).map(([name, http]) => this.#route(name, http, false));
    this.#routes = [...served, ...others];
    this.#writing = { model, escaping: dialect.escaping, order: {} };
  }

  /** IAM's check of each call, which the service's protocol gives it. */
  authorizeWith(authorize: NonNullable<ProtocolChecks['authorize']>): void {
    this.checks = { ...this.checks, authorize };
  }

  /** The operation a request is, by its route; undefined when none of the model's routes takes it. */
  operationOf(request: Pick<RawRequest, 'method' | 'path' | 'query' | 'headers'>): string | undefined {
    return this.#find(request)?.route.name;
  }

  /** Runs the request's operation and answers it; an error is thrown (an AwsError, for the service to word). */
  async answer(request: RawRequest): Promise<RawResponse> {
    const found = this.#find(request);
    if (found === undefined) throw this.dialect.unknown(request);
    const operation = this.model.operations[found.route.name];
    if (!found.route.served || operation === undefined || !Object.hasOwn(this.operations, found.route.name)) {
      throw this.dialect.unsupported(found.route.name);
    }
    const input = operation.input === undefined ? {} : this.#input(operation.input, found.labels, request);
    const output = (await runOperation(this.operations, this.checks, found.route.name, input)) as Record<string, unknown> | undefined;
    return this.#answer(found.route.name, operation, output ?? {});
  }

  #route(name: string, http: ModelOperation['http'], served: boolean, input?: string): XmlRoute {
    const [, queryPart = ''] = http.requestUri.split('?');
    const query =
      queryPart === '' ? [] : [...new URLSearchParams(queryPart)].map(([key, value]) => [key, value === '' ? undefined : value] as const);
    const shape = input === undefined ? undefined : this.model.shapes[input];
    const required = (location: string) =>
      (shape?.required ?? []).flatMap((member) => {
        const ref = shape?.members?.[member];
        const name = ref?.locationName ?? member;
        return ref?.location === location ? [location === 'header' ? name.toLowerCase() : name] : [];
      });
    const route = restRoute(name, http, served, new Set());
    const requiredQuery = served ? required('querystring') : (http.requiredQuery ?? []);
    const requiredHeaders = served ? required('header') : (http.requiredHeaders ?? []);
    return { ...route, queryNames: query, requiredQuery, requiredHeaders };
  }

  #find(
    request: Pick<RawRequest, 'method' | 'path' | 'query' | 'headers'>,
  ): { route: XmlRoute; labels: Record<string, string> } | undefined {
    const { query, headers } = request;
    const candidates = this.#routes.flatMap((candidate) => {
      if (candidate.method !== request.method) return [];
      const match = candidate.pattern.exec(request.path);
      if (match === null) return [];
      if (!candidate.queryNames.every(([key, value]) => (value === undefined ? query.has(key) : query.get(key) === value))) return [];
      if (!candidate.requiredQuery.every((key) => query.has(key))) return [];
      if (!candidate.requiredHeaders.every((name) => headers[name] !== undefined)) return [];
      const labels = Object.fromEntries(candidate.labels.map((label, i) => [label, match[i + 1] ?? '']));
      const specificity = candidate.queryNames.length * 100 + candidate.requiredQuery.length * 10 + candidate.requiredHeaders.length;
      return [{ route: candidate, labels, specificity: specificity * 1000 + candidate.literal }];
    });
    // The SDKs name some operations whose routes are alike (`?x-id=GetObject`).
    const named = candidates.find((candidate) => candidate.route.name === query.get('x-id'));
    return named ?? candidates.sort((a, b) => b.specificity - a.specificity)[0];
  }

  #input(shapeName: string, labels: Record<string, string>, request: RawRequest): Record<string, unknown> {
    const shape = shapeOf(this.model, shapeName);
    const input: Record<string, unknown> = {};
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const name = ref.locationName ?? member;
      let value: unknown;
      if (member === shape.payload) value = this.#payload(ref, request.body);
      else if (ref.location === 'uri') value = labels[name];
      else if (ref.location === 'querystring') value = queryValue(this.model, ref, request.query.getAll(name));
      else if (ref.location === 'header') value = headerValue(this.model, ref, request.headers[name.toLowerCase()]);
      else if (ref.location === 'headers') value = prefixed(request.headers, name.toLowerCase());
      if (value !== undefined) input[member] = value;
    }
    return input;
  }

  #payload(ref: MemberRef, body: Buffer): unknown {
    const shape = shapeOf(this.model, ref.shape);
    if (shape.type !== 'structure') return body;
    if (body.length === 0) return undefined;
    let root: XmlNode;
    try {
      root = readXml(body.toString('utf8'));
    } catch (error) {
      if (error instanceof MalformedXmlError) throw this.dialect.malformed(error);
      throw error;
    }
    const expected = ref.locationName ?? shape.locationName;
    if (expected !== undefined && root.name !== expected) {
      throw this.dialect.malformed(new MalformedXmlError(`the body's root element is <${root.name}>, not <${expected}>`));
    }
    return readStructure(this.model, shape, root);
  }

  #answer(name: string, operation: ModelOperation, output: Record<string, unknown>): RawResponse {
    const shape = operation.output === undefined ? undefined : shapeOf(this.model, operation.output);
    const headers: Record<string, string> = { ...(output as { [UNDECLARED_HEADERS]?: Record<string, string> })[UNDECLARED_HEADERS] };
    const inBody: Record<string, unknown> = {};
    for (const [member, ref] of Object.entries(shape?.members ?? {})) {
      const value = output[member];
      if (value === undefined || value === null || member === shape?.payload) continue;
      if (ref.location === 'header') headers[(ref.locationName ?? member).toLowerCase()] = headerText(this.model, ref, value);
      else if (ref.location === 'headers') {
        for (const [key, item] of Object.entries(value as Record<string, string>))
          headers[`${ref.locationName ?? ''}${key}`.toLowerCase()] = item;
      } else if (ref.location === undefined) inBody[member] = value;
    }
    const status = (output as { [RESPONSE_STATUS]?: number })[RESPONSE_STATUS] ?? operation.http.responseCode ?? 200;
    const payloadRef = shape?.payload === undefined ? undefined : shape.members?.[shape.payload];
    if (payloadRef !== undefined && shape?.payload !== undefined) {
      const payload = output[shape.payload];
      if (payload === undefined || payload === null) return { status, headers };
      if (shapeOf(this.model, payloadRef.shape).type !== 'structure') return { status, headers, body: payload as Buffer };
      const root = payloadRef.locationName ?? shapeOf(this.model, payloadRef.shape).locationName ?? shape.payload;
      return this.#document(status, headers, root, payloadRef.shape, payload as Record<string, unknown>);
    }
    if (shape === undefined || Object.keys(inBody).length === 0) return { status, headers };
    const root = this.dialect.roots?.[name] ?? shape.locationName ?? operation.output ?? name;
    return this.#document(status, headers, root, operation.output as string, inBody);
  }

  #document(status: number, headers: Record<string, string>, root: string, shapeName: string, value: Record<string, unknown>): RawResponse {
    const members = shapeOf(this.model, shapeName).members ?? {};
    // A structure of one member named as its root is that member's text (GetBucketLocation's `<LocationConstraint>`).
    const only = Object.keys(members).length === 1 ? Object.keys(members)[0] : undefined;
    const inner =
      only !== undefined && only === root
        ? (encodeMembers(this.#writing, shapeName, value).match(/^<[^>]+>([\s\S]*)<\/[^>]+>$/)?.[1] ?? '')
        : encodeMembers(this.#writing, shapeName, value);
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${this.dialect.xmlNamespace}">${inner}</${root}>`;
    return { status, headers: { ...headers, 'content-type': 'application/xml' }, body };
  }
}

/** The headers under a `headers` member's prefix (`x-amz-meta-`), by the rest of their names. */
function prefixed(headers: RawRequest['headers'], prefix: string): Record<string, string> | undefined {
  const found = Object.entries(headers).flatMap(([name, value]) =>
    name.startsWith(prefix) && value !== undefined
      ? [[name.slice(prefix.length), Array.isArray(value) ? value.join(',') : value] as const]
      : [],
  );
  return found.length === 0 ? undefined : Object.fromEntries(found);
}

/** A header's text: a timestamp as an HTTP date (REST's default for headers), the rest as text. */
function headerText(model: ApiModel, ref: MemberRef, value: unknown): string {
  const shape = shapeOf(model, ref.shape);
  if (shape.type === 'timestamp') return timestampValue(value).toUTCString();
  return String(value);
}

/** A structure from its element: each member from its child (`locationName`, else its name), lists wrapped or flattened. */
function readStructure(model: ApiModel, shape: Shape, node: XmlNode): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const memberShape = shapeOf(model, ref.shape);
    const name = ref.locationName ?? member;
    if (memberShape.type === 'list' && (memberShape.flattened || ref.flattened)) {
      const items = node.children.filter((child) => child.name === name);
      if (items.length > 0) value[member] = items.map((item) => readValue(model, memberShape.member as MemberRef, item));
      continue;
    }
    const child = node.children.find((candidate) => candidate.name === name);
    if (child !== undefined) value[member] = readValue(model, ref, child);
  }
  return value;
}

/** An element's value by its shape (S3's documents hold no maps). */
function readValue(model: ApiModel, ref: MemberRef, node: XmlNode): unknown {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return readStructure(model, shape, node);
    case 'list': {
      const member = shape.member as MemberRef;
      const itemName = member.locationName ?? 'member';
      return node.children.filter((child) => child.name === itemName).map((child) => readValue(model, member, child));
    }
    default:
      return scalarValue(shape.type, node.text);
  }
}
