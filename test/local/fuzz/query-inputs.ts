import fc from 'fast-check';
import type { ApiModel, MemberRef, Shape } from '../../../local/endpoint/validation/model.js';
import { type Hints, mutatedInput } from './model-inputs.js';

/**
 * Query-protocol forms generated from a service's model: an operation's top-level scalar
 * members as text, then one broken on purpose (a required member left out, a number
 * member given as words), or random extra parameters. The generator knows what it broke.
 */
export interface QueryCase {
  readonly form: URLSearchParams;
  readonly invalid?: string;
}

const SCALARS = new Set(['string', 'integer', 'long', 'boolean', 'double', 'float']);

function scalarText(shape: Shape): fc.Arbitrary<string> {
  switch (shape.type) {
    case 'integer':
    case 'long':
      return fc.integer({ min: shape.min ?? 0, max: Math.min(shape.max ?? 10, (shape.min ?? 0) + 10) }).map(String);
    case 'boolean':
      return fc.constantFrom('true', 'false');
    case 'double':
    case 'float':
      return fc.double({ min: 0, max: 10, noNaN: true }).map(String);
    default: {
      const minLength = shape.min ?? 1;
      const maxLength = Math.min(shape.max ?? 30, minLength + 30);
      return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength }));
    }
  }
}

export function queryCase(model: ApiModel, action: string, hints: Hints): fc.Arbitrary<QueryCase> {
  const input = model.shapes[model.operations[action]?.input ?? ''];
  const members = Object.entries(input?.members ?? {}).filter(([, ref]) => SCALARS.has(model.shapes[ref.shape]?.type ?? ''));
  const required = new Set(input?.required ?? []);
  const values: Record<string, fc.Arbitrary<string>> = {};
  for (const [name, ref] of members) {
    const shape = model.shapes[ref.shape] as Shape;
    const hint = hints[name] as fc.Arbitrary<unknown> | undefined;
    values[name] = hint ? fc.oneof({ weight: 3, arbitrary: hint.map(String) }, scalarText(shape)) : scalarText(shape);
  }
  const requiredScalars = members.map(([name]) => name).filter((name) => required.has(name));
  const numbers = members.filter(([, ref]) => ['integer', 'long'].includes(model.shapes[ref.shape]?.type ?? '')).map(([name]) => name);
  return fc
    .tuple(
      fc.record(values, { requiredKeys: requiredScalars }),
      fc.nat(),
      fc.nat(),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 30 }), { maxKeys: 3 }),
    )
    .map(([params, pick, variant, extra]): QueryCase => {
      const form = new URLSearchParams({ Action: action, Version: model.metadata.apiVersion });
      const breakable = [...requiredScalars.map((name) => ['drop', name] as const), ...numbers.map((name) => ['words', name] as const)];
      const broken = variant % 4 === 0 || breakable.length === 0 ? undefined : breakable[pick % breakable.length];
      for (const [name, value] of Object.entries(params)) {
        if (broken?.[0] === 'drop' && broken[1] === name) continue;
        form.set(name, broken?.[0] === 'words' && broken[1] === name ? 'twelve' : value);
      }
      if (broken?.[0] === 'words' && !form.has(broken[1])) form.set(broken[1], 'twelve');
      if (!broken) for (const [key, value] of Object.entries(extra)) if (key !== 'Action' && !form.has(key)) form.set(`Zz${key}`, value);
      return { form, invalid: broken ? `${broken[1]} ${broken[0] === 'drop' ? 'left out' : 'given as words'}` : undefined };
    });
}

/** Parameter names of the two query APIs' nested members (flattened lists, maps, entries), with any index. */
const NESTED_NAMES = [
  'Attribute.N.Name',
  'Attribute.N.Value',
  'AttributeName.N',
  'MessageAttributeName.N',
  'MessageAttribute.N.Name',
  'MessageAttribute.N.Value.DataType',
  'MessageAttribute.N.Value.StringValue',
  'MessageAttribute.N.Value.BinaryValue',
  'SendMessageBatchRequestEntry.N.Id',
  'SendMessageBatchRequestEntry.N.MessageBody',
  'DeleteMessageBatchRequestEntry.N.ReceiptHandle',
  'ChangeMessageVisibilityBatchRequestEntry.N.VisibilityTimeout',
  'Tag.N.Key',
  'Tag.N.Value',
  'TagKey.N',
  'Attributes.entry.N.key',
  'Attributes.entry.N.value',
  'MessageAttributes.entry.N.Name',
  'MessageAttributes.entry.N.Value.DataType',
  'MessageAttributes.entry.N.Value.StringValue',
  'PublishBatchRequestEntries.member.N.Id',
  'PublishBatchRequestEntries.member.N.Message',
  'Tags.member.N.Key',
  'TagKeys.member.N',
];

/** Forms of random parameters for a real action: anything but a 500 or a non-XML answer. */
export function randomForm(actions: readonly string[]): fc.Arbitrary<URLSearchParams> {
  const key = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc
      .tuple(fc.constantFrom(...NESTED_NAMES), fc.oneof(fc.integer({ min: 0, max: 12 }), fc.string({ maxLength: 3 })))
      .map(([name, index]) => name.replace('N', String(index))),
  );
  return fc
    .tuple(fc.constantFrom(...actions), fc.array(fc.tuple(key, fc.string({ unit: 'binary', maxLength: 100 })), { maxLength: 8 }))
    .map(([action, pairs]) => {
      const form = new URLSearchParams(pairs.filter(([key]) => key !== 'Action'));
      form.set('Action', action);
      return form;
    });
}

/**
 * An operation's whole input, nested members included, from the model-driven generator
 * (`mutatedInput`), written as the query protocol's form: structures as `A.B`, lists as
 * `A.member.N` (`A.N` when flattened, or the member's `locationName`), maps as
 * `A.entry.N.key/value`. A mutation a form cannot carry (a number sent as text reads as one,
 * a null list entry is no parameter) keeps the input valid as far as the oracle knows.
 */
export function nestedQueryCase(model: ApiModel, action: string, hints: Hints): fc.Arbitrary<QueryCase> {
  const input = model.operations[action]?.input;
  if (input === undefined) throw new Error(`${action} has no input in the model`);
  return mutatedInput(model, action, { hints }).map(({ input: value, invalid, path }): QueryCase => {
    const form = new URLSearchParams({ Action: action, Version: model.metadata.apiVersion });
    writeValue(model, { shape: input }, value, '', form);
    // A structure left with no member is no parameter at all: removing its last required member removes the
    // (maybe optional) structure itself, which the form cannot tell from a structure never sent.
    const emptied = invalid?.includes(': required ') === true && path !== undefined && isEmptyStructure(valueAt(value, path.slice(0, -1)));
    const carried = invalid !== undefined && !emptied && !/: (wrong type|a null entry)/.test(invalid);
    return { form, invalid: carried ? invalid : undefined };
  });
}

function writeValue(model: ApiModel, ref: MemberRef, value: unknown, key: string, form: URLSearchParams): void {
  if (value === undefined || value === null) return;
  const shape = model.shapes[ref.shape] as Shape;
  const at = (name: string) => (key === '' ? name : `${key}.${name}`);
  if (shape.type === 'structure' && isRecord(value)) {
    for (const [member, memberRef] of Object.entries(shape.members ?? {})) {
      writeValue(model, memberRef, value[member], at(memberRef.locationName ?? member), form);
    }
  } else if (shape.type === 'list' && Array.isArray(value)) {
    const member = shape.member as MemberRef;
    const flattened = shape.flattened === true || ref.flattened === true;
    // An empty list is the parameter with no members, as botocore writes it.
    if (value.length === 0) form.append(key, '');
    value.forEach((item, index) => {
      writeValue(model, member, item, flattened ? at(String(index + 1)) : at(`${member.locationName ?? 'member'}.${index + 1}`), form);
    });
  } else if (shape.type === 'map' && isRecord(value)) {
    const flattened = shape.flattened === true || ref.flattened === true;
    Object.entries(value).forEach(([entryKey, item], index) => {
      const entry = flattened ? at(String(index + 1)) : at(`entry.${index + 1}`);
      form.append(`${entry}.${shape.key?.locationName ?? 'key'}`, entryKey);
      writeValue(model, shape.value as MemberRef, item, `${entry}.${shape.value?.locationName ?? 'value'}`, form);
    });
  } else if (key !== '') {
    // A scalar, or a value of the wrong type: its text (JSON for a list or object given where a scalar goes).
    form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let value = root;
  for (const key of path) value = (value as Record<string | number, unknown> | undefined)?.[key];
  return value;
}

/** A structure that writes no parameter: no member, or only members that write none themselves. */
function isEmptyStructure(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((member) => member === undefined || member === null || isEmptyStructure(member));
}
