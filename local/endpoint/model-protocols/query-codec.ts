import { randomUUID } from 'node:crypto';
import { AwsError } from '../../aws-error.js';
import type { RawRequest, RawResponse } from '../protocols.js';
import { FormParams, queryErrorResponse, queryResponse } from '../query-form.js';
import type { ApiModel, MemberRef, Shape } from '../validation/model.js';
import { escapeXml } from '../xml-escape.js';
import { type ModelOperations, type ProtocolChecks, runOperation, timestampValue } from './operations.js';

/**
 * The AWS query protocol driven by a service's model (`../models/<service>.json`): the form's
 * dotted keys decoded into the operation's input shape, the output encoded as the model's XML
 * (`<ActionResponse><ActionResult>`), errors as `<ErrorResponse>`. A service gives its
 * operations in the API's JSON shape (blobs as base64 text, timestamps as `Date`s) and the
 * codec does the rest, so no service writes a per-operation codec of its own.
 *
 * Lists are `Name.member.N` (or the list member's `locationName`), `Name.N` when flattened;
 * maps `Name.entry.N.key/value` (or their `locationName`s), as botocore's serializer writes
 * them. Scalars are decoded by the model's type; a number or boolean that does not read as
 * one stays text, and the model validation (`textScalars`) leaves it to the operation.
 */
export class ModelQueryProtocol {
  /** The service in a SigV4 credential scope, telling this service's actions from another's of the same name. */
  readonly signingName: string;
  readonly #xmlns: string;

  constructor(
    private readonly model: ApiModel,
    private readonly operations: ModelOperations,
    private checks: ProtocolChecks,
  ) {
    if (model.metadata.protocol !== 'query') throw new Error(`the model's protocol is ${model.metadata.protocol}, not query`);
    this.signingName = model.metadata.signingName ?? '';
    this.#xmlns = model.metadata.xmlNamespace ?? '';
  }

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: NonNullable<ProtocolChecks['authorize']>): void {
    this.checks = { ...this.checks, authorize };
  }

  handles(action: string): boolean {
    return Object.hasOwn(this.model.operations, action) || Object.hasOwn(this.model.otherOperations ?? {}, action);
  }

  async handle(form: URLSearchParams, _request?: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const action = form.get('Action') ?? '';
    try {
      const operation = Object.hasOwn(this.model.operations, action) ? this.model.operations[action] : undefined;
      if (operation === undefined || !Object.hasOwn(this.operations, action)) {
        throw new AwsError('InvalidAction', `${action} is not supported by the local ${this.checks.serviceName} service.`);
      }
      const input = operation.input === undefined ? {} : decodeStructure(this.model, operation.input, FormParams.parse(form));
      const output = (await runOperation(this.operations, this.checks, action, input)) as Record<string, unknown>;
      const result = operation.output === undefined ? undefined : encodeMembers(this.model, operation.output, output ?? {});
      return queryResponse(this.#xmlns, action, operation.resultWrapper === undefined ? undefined : result, requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error, requestId);
    }
  }

  /** The service's `<ErrorResponse>` document, with the error's status. */
  errorResponse(error: AwsError, requestId: string = randomUUID()): RawResponse {
    return queryErrorResponse(this.#xmlns, error, requestId);
  }
}

// ---- decoding the form into the input shape ----

function shapeOf(model: ApiModel, name: string): Shape {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
  return shape;
}

function decodeStructure(model: ApiModel, shapeName: string, params: FormParams): Record<string, unknown> {
  const shape = shapeOf(model, shapeName);
  const input: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const node = params.children.get(ref.locationName ?? member);
    if (node === undefined) continue;
    const value = decodeValue(model, ref, node);
    if (value !== undefined) input[member] = value;
  }
  return input;
}

/** The numbered children (`1`, `2`, ...) of a node, in index order. */
function indexed(node: FormParams | undefined): FormParams[] {
  if (node === undefined) return [];
  return [...node.children]
    .filter(([index]) => /^[1-9]\d*$/.test(index))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, child]) => child);
}

function decodeValue(model: ApiModel, ref: MemberRef, node: FormParams): unknown {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return decodeStructure(model, ref.shape, node);
    case 'list': {
      const flattened = shape.flattened === true || ref.flattened === true;
      const items = flattened ? indexed(node) : indexed(node.children.get(shape.member?.locationName ?? 'member'));
      // An empty list is sent as `Name=` with no members.
      return items.map((item) => decodeValue(model, shape.member as MemberRef, item));
    }
    case 'map': {
      const flattened = shape.flattened === true || ref.flattened === true;
      const entries = flattened ? indexed(node) : indexed(node.children.get('entry'));
      const keyName = shape.key?.locationName ?? 'key';
      const valueName = shape.value?.locationName ?? 'value';
      const pairs = entries.flatMap((entry) => {
        const key = entry.children.get(keyName)?.value;
        const value = entry.children.get(valueName);
        if (key === undefined) return [];
        return [[key, value === undefined ? undefined : decodeValue(model, shape.value as MemberRef, value)] as const];
      });
      // fromEntries, not assignment, so that a key like `__proto__` stays an ordinary key.
      return Object.fromEntries(pairs);
    }
    case 'integer':
    case 'long':
      return node.value !== undefined && /^\s*[+-]?\d+\s*$/.test(node.value) ? Number(node.value) : node.value;
    case 'float':
    case 'double':
      return node.value !== undefined && node.value.trim() !== '' && Number.isFinite(Number(node.value)) ? Number(node.value) : node.value;
    case 'boolean':
      return node.value === 'true' ? true : node.value === 'false' ? false : node.value;
    default:
      return node.value;
  }
}

// ---- encoding the output shape as XML ----

/** A structure's members as elements, each named by its `locationName` or its member name; absent members are left out. */
function encodeMembers(model: ApiModel, shapeName: string, value: Record<string, unknown>): string {
  const shape = shapeOf(model, shapeName);
  let xml = '';
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const item = value[member];
    if (item === undefined || item === null) continue;
    xml += encodeValue(model, ref, item, ref.locationName ?? member);
  }
  return xml;
}

function encodeValue(model: ApiModel, ref: MemberRef, value: unknown, name: string): string {
  const shape = shapeOf(model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return element(name, encodeMembers(model, ref.shape, value as Record<string, unknown>));
    case 'list': {
      const member = shape.member as MemberRef;
      const items = (value as unknown[]).filter((item) => item !== undefined && item !== null);
      if (shape.flattened === true || ref.flattened === true) {
        return items.map((item) => encodeValue(model, member, item, member.locationName ?? name)).join('');
      }
      return element(name, items.map((item) => encodeValue(model, member, item, member.locationName ?? 'member')).join(''));
    }
    case 'map': {
      const key = shape.key as MemberRef;
      const valueRef = shape.value as MemberRef;
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) =>
          encodeValue(model, key, k, key.locationName ?? 'key') + encodeValue(model, valueRef, v, valueRef.locationName ?? 'value'),
      );
      if (shape.flattened === true || ref.flattened === true) return entries.map((entry) => element(name, entry)).join('');
      return element(name, entries.map((entry) => element('entry', entry)).join(''));
    }
    case 'timestamp':
      return text(name, timestampValue(value).toISOString());
    case 'blob':
      return text(name, Buffer.isBuffer(value) ? value.toString('base64') : String(value));
    default:
      return text(name, String(value));
  }
}

function element(name: string, content: string): string {
  return content === '' ? `<${name}/>` : `<${name}>${content}</${name}>`;
}

function text(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}
