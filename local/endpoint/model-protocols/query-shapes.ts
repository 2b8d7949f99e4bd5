import { element, FormParams, text } from '../query-form.js';
import type { ApiModel, MemberRef, Shape } from '../validation/model.js';
import type { XmlEscaping } from '../xml-escape.js';
import { scalarValue, timestampValue } from './operations.js';

/**
 * The query protocol's values, read from a form's dotted keys into an input shape and written
 * from an output shape as XML, as a service's model names and nests them.
 */

function shapeOf(model: ApiModel, name: string): Shape {
  const shape = model.shapes[name];
  if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
  return shape;
}

/** The name a member travels under: its reference's `locationName`, else its shape's, else its own. */
function queryName(model: ApiModel, ref: MemberRef, member: string): string {
  return ref.locationName ?? shapeOf(model, ref.shape).locationName ?? member;
}

/**
 * The EC2 protocol (query requests, XML answers without a result wrapper): an input member's
 * form name is its `queryName`, else its `locationName` capitalized, else its own; every list
 * is sent flattened (`SubnetId.1`), as botocore's EC2 serializer writes them.
 */
const isEc2 = (model: ApiModel): boolean => model.metadata.protocol === 'ec2';

function inputName(model: ApiModel, ref: MemberRef, member: string): string {
  if (!isEc2(model)) return queryName(model, ref, member);
  const name = ref.queryName ?? ref.locationName;
  return name === undefined ? member : name.charAt(0).toUpperCase() + name.slice(1);
}

function isFlattened(shape: Shape, ref: MemberRef): boolean {
  return (shape.type === 'list' || shape.type === 'map') && (shape.flattened === true || ref.flattened === true);
}

/** Whether an input list or map comes as `Name.N` rather than `Name.member.N`. */
function isFlattenedInput(model: ApiModel, shape: Shape, ref: MemberRef): boolean {
  return (isEc2(model) && shape.type === 'list') || isFlattened(shape, ref);
}

// ---- decoding the form into the input shape ----

export function decodeStructure(model: ApiModel, shapeName: string, params: FormParams): Record<string, unknown> {
  const shape = shapeOf(model, shapeName);
  const required = new Set(shape.required ?? []);
  const input: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape.members ?? {})) {
    const node = params.children.get(inputName(model, ref, member));
    const value = node === undefined ? undefined : decodeValue(model, ref, node);
    const memberShape = shapeOf(model, ref.shape);
    // A map, or a flattened list, cannot be sent empty: one without items is absent, or empty
    // where the member is required (the operation then answers as the service does: SQS's EmptyBatchRequest).
    if ((memberShape.type === 'map' || isFlattenedInput(model, memberShape, ref)) && isEmpty(value)) {
      if (required.has(member)) input[member] = memberShape.type === 'list' ? [] : {};
    } else if (value !== undefined) {
      input[member] = value;
    }
  }
  return input;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
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
      const member = shape.member as MemberRef;
      if (isFlattenedInput(model, shape, ref)) {
        // An index without a value is no item of a flattened list of scalars (`Name.1.x=...`).
        const items = indexed(node).map((item) => decodeValue(model, member, item));
        return items.filter((item) => item !== undefined);
      }
      // An empty list is sent as `Name=` with no members.
      return indexed(node.children.get(member.locationName ?? 'member')).map((item) => decodeValue(model, member, item));
    }
    case 'map':
      return decodeMap(model, shape, isFlattened(shape, ref) ? indexed(node) : indexed(node.children.get('entry')));
    default:
      return node.value === undefined ? undefined : scalarValue(shape.type, node.value);
  }
}

/** A map's entries; an entry without its value maps its key to an empty one (text, or a structure of nothing). */
function decodeMap(model: ApiModel, shape: Shape, entries: readonly FormParams[]): Record<string, unknown> {
  const keyName = shape.key?.locationName ?? 'key';
  const valueRef = shape.value as MemberRef;
  const valueName = valueRef.locationName ?? 'value';
  const pairs = entries.flatMap((entry) => {
    const key = entry.children.get(keyName)?.value;
    if (key === undefined) return [];
    const value = entry.children.get(valueName);
    if (value === undefined && shapeOf(model, valueRef.shape).type === 'string') return [[key, ''] as const];
    return [[key, decodeValue(model, valueRef, value ?? new FormParams())] as const];
  });
  // fromEntries, not assignment, so that a key like `__proto__` stays an ordinary key.
  return Object.fromEntries(pairs);
}

// ---- encoding the output shape as XML ----

/** How a service writes its XML: its model, its escaping, and the structures whose elements it orders otherwise. */
export interface QueryWriting {
  readonly model: ApiModel;
  readonly escaping?: XmlEscaping;
  readonly order: Readonly<Record<string, readonly string[]>>;
}

/** A structure's members as elements, each named by its `locationName` or its member name; absent members are left out. */
export function encodeMembers(writing: QueryWriting, shapeName: string, value: Record<string, unknown>): string {
  const members = Object.entries(shapeOf(writing.model, shapeName).members ?? {});
  const first = writing.order[shapeName];
  const ordered = first === undefined ? members : [...members].sort(([a], [b]) => rank(first, a) - rank(first, b));
  let xml = '';
  for (const [member, ref] of ordered) {
    const item = value[member];
    if (item === undefined || item === null) continue;
    xml += encodeValue(writing, ref, item, queryName(writing.model, ref, member));
  }
  return xml;
}

/** A member's place among those listed first; the others keep the model's order after them (the sort is stable). */
function rank(first: readonly string[], member: string): number {
  const index = first.indexOf(member);
  return index === -1 ? first.length : index;
}

/** A value as its element; nothing for no value (a map's entry without one keeps only its key). */
function encodeValue(writing: QueryWriting, ref: MemberRef, value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  const shape = shapeOf(writing.model, ref.shape);
  switch (shape.type) {
    case 'structure':
      return element(name, encodeMembers(writing, ref.shape, value as Record<string, unknown>));
    case 'list': {
      const member = shape.member as MemberRef;
      const items = (value as unknown[]).filter((item) => item !== undefined && item !== null);
      if (isFlattened(shape, ref)) return items.map((item) => encodeValue(writing, member, item, member.locationName ?? name)).join('');
      return element(name, items.map((item) => encodeValue(writing, member, item, member.locationName ?? 'member')).join(''));
    }
    case 'map': {
      const key = shape.key as MemberRef;
      const valueRef = shape.value as MemberRef;
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) =>
          encodeValue(writing, key, k, key.locationName ?? 'key') + encodeValue(writing, valueRef, v, valueRef.locationName ?? 'value'),
      );
      if (isFlattened(shape, ref)) return entries.map((entry) => element(name, entry)).join('');
      return element(name, entries.map((entry) => element('entry', entry)).join(''));
    }
    case 'timestamp':
      return text(name, timestampValue(value).toISOString(), writing.escaping);
    case 'blob':
      return text(name, value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value), writing.escaping);
    default:
      return text(name, value, writing.escaping);
  }
}
