// A PartiQL statement's parts as the engine evaluates them for expressions: its conditions
// as Predicates, its SET and REMOVE as an update's actions, its values as AttributeValues.
// DynamoDB evaluates a PartiQL predicate as the matching condition expression.
import { validation } from '../errors.js';
import type { CompiledUpdate, Path, Predicate, Resolved } from '../expressions/index.js';
import type { KeyShape } from '../table-schema.js';
import { type AttributeValue, checkValue, type Item, typeOf, type ValueType } from '../values.js';
import type { ConditionNode, OperandNode, PathNode, UpdateClause, ValueNode } from './ast.js';

const ORDERED: readonly ValueType[] = ['S', 'N', 'B'];
const TYPES: readonly ValueType[] = ['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M'];

const operandType = (operator: string, type: string) =>
  validation(`Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${type}`);

/** The values a statement's `?` stand for, checked as any AttributeValue. */
export function checkParameters(raw: unknown, count: number): AttributeValue[] {
  const parameters = ((raw ?? []) as unknown[]).map(checkValue);
  if (parameters.length !== count) throw validation("Number of parameters in request and statement don't match.");
  return parameters;
}

/** A value written in a statement (or a parameter) as an AttributeValue: a bag `<<...>>` is a set of strings, numbers or binaries. */
export function attributeValue(node: ValueNode, parameters: readonly AttributeValue[]): AttributeValue {
  switch (node.kind) {
    case 'string':
      return { S: node.value };
    case 'number':
      return checkValue({ N: node.value });
    case 'boolean':
      return { BOOL: node.value };
    case 'null':
      return { NULL: true };
    case 'parameter':
      return parameters[node.index] as AttributeValue;
    case 'list':
      return { L: node.items.map((item) => attributeValue(item, parameters)) };
    case 'tuple':
      return { M: Object.fromEntries(node.entries.map(([key, value]) => [key, attributeValue(value, parameters)])) };
    case 'bag': {
      const items = node.items.map((item) => attributeValue(item, parameters));
      const types = new Set(items.map(typeOf));
      const [type] = types;
      if (types.size !== 1 || !type || !ORDERED.includes(type)) {
        throw validation('One or more parameter values were invalid: A set may only hold strings, numbers or binaries, all of one type');
      }
      return checkValue({ [`${type}S`]: items.map((item) => (item as Record<string, string>)[type]) });
    }
  }
}

export function pathOf(node: PathNode): Path {
  return node.steps;
}

/** An operand of a condition: a path, a value, or `size(path)`. */
function operand(node: OperandNode, parameters: readonly AttributeValue[]): Resolved {
  if (node.kind === 'path') return { kind: 'path', path: pathOf(node) };
  if (node.kind === 'call') {
    if (node.name !== 'size' || node.args.length !== 1 || node.args[0]?.kind !== 'path') {
      throw validation(`Unsupported function in a condition: ${node.name}`);
    }
    return { kind: 'size', path: pathOf(node.args[0]) };
  }
  if (node.kind === 'arithmetic') throw validation('Arithmetic is only supported in the SET clause of an UPDATE');
  return { kind: 'value', value: attributeValue(node, parameters) };
}

/** An ordering comparison's operands: DynamoDB orders strings, numbers and binaries only. */
function ordered(operator: string, operands: readonly Resolved[]): void {
  for (const resolved of operands) {
    if (resolved.kind === 'value' && !ORDERED.includes(typeOf(resolved.value))) throw operandType(operator, typeOf(resolved.value));
  }
}

/** A WHERE clause as the predicate the engine evaluates. */
export function predicate(node: ConditionNode, parameters: readonly AttributeValue[]): Predicate {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, left: predicate(node.left, parameters), right: predicate(node.right, parameters) };
    case 'not':
      return { kind: 'not', predicate: predicate(node.condition, parameters) };
    case 'compare': {
      const left = operand(node.left, parameters);
      const right = operand(node.right, parameters);
      if (node.operator !== '=' && node.operator !== '<>') ordered(node.operator, [left, right]);
      return { kind: 'compare', operator: node.operator, left, right };
    }
    case 'between': {
      const [value, low, high] = [node.value, node.low, node.high].map((o) => operand(o, parameters)) as [Resolved, Resolved, Resolved];
      ordered('BETWEEN', [value, low, high]);
      return { kind: 'between', value, low, high };
    }
    case 'in':
      return { kind: 'in', value: operand(node.value, parameters), list: node.list.map((o) => operand(o, parameters)) };
    case 'is': {
      if (node.path.kind !== 'path') throw validation(`IS ${node.what} applies to an attribute path`);
      const path = pathOf(node.path);
      const is: Predicate =
        node.what === 'MISSING'
          ? { kind: 'attribute_not_exists', path }
          : { kind: 'compare', operator: '=', left: { kind: 'path', path }, right: { kind: 'value', value: { NULL: true } } };
      return node.negated ? { kind: 'not', predicate: is } : is;
    }
    case 'function':
      return functionPredicate(node.name, node.args, parameters);
  }
}

function functionPredicate(name: string, args: readonly OperandNode[], parameters: readonly AttributeValue[]): Predicate {
  const count = { begins_with: 2, contains: 2, attribute_type: 2 }[name];
  if (count === undefined) throw validation(`Unsupported function in a condition: ${name}`);
  if (args.length !== count) {
    throw validation(
      `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
    );
  }
  const [first, second] = args.map((arg) => operand(arg, parameters)) as [Resolved, Resolved];
  if (name === 'attribute_type') {
    if (first.kind !== 'path') throw validation(`Operator or function requires a document path; operator or function: ${name}`);
    const type = second.kind === 'value' && 'S' in second.value ? second.value.S : undefined;
    if (!type || !TYPES.includes(type as ValueType)) {
      throw validation(`Invalid attribute type name found; type: ${type ?? ''}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
    }
    return { kind: 'attribute_type', path: first.path, type: type as ValueType };
  }
  if (name === 'begins_with') {
    for (const side of [first, second]) {
      if (side.kind === 'value' && !['S', 'B'].includes(typeOf(side.value))) throw operandType(name, typeOf(side.value));
    }
  }
  return { kind: name as 'begins_with' | 'contains', left: first, right: second };
}

/** UPDATE's SET and REMOVE as an update's actions: `a = v`, `a = b + 1`, `list_append`, `set_add`, `set_delete`. */
export function updates(clauses: readonly UpdateClause[], parameters: readonly AttributeValue[]): CompiledUpdate[] {
  return clauses.map((clause): CompiledUpdate => {
    const path = pathOf(clause.path);
    if (clause.kind === 'remove') return { section: 'REMOVE', path };
    const value = clause.value;
    if (value.kind === 'call' && (value.name === 'set_add' || value.name === 'set_delete')) {
      const [target, operandNode] = value.args;
      if (value.args.length !== 2 || target?.kind !== 'path' || JSON.stringify(target.steps) !== JSON.stringify(path)) {
        throw validation(`${value.name} takes the attribute being set and a set: SET a = ${value.name}(a, <<...>>)`);
      }
      const set = setValue(operandNode as OperandNode, parameters);
      if (set.kind !== 'value' || !['SS', 'NS', 'BS'].includes(typeOf(set.value)))
        throw operandType(value.name, set.kind === 'value' ? typeOf(set.value) : 'PATH');
      return { section: value.name === 'set_add' ? 'ADD' : 'DELETE', path, value: set };
    }
    return { section: 'SET', path, value: setValue(value, parameters) };
  });
}

function setValue(node: OperandNode, parameters: readonly AttributeValue[]): Resolved {
  switch (node.kind) {
    case 'path':
      return { kind: 'path', path: pathOf(node) };
    case 'arithmetic': {
      const left = setValue(node.left, parameters);
      const right = setValue(node.right, parameters);
      for (const side of [left, right])
        if (side.kind === 'value' && typeOf(side.value) !== 'N') throw operandType(node.operator, typeOf(side.value));
      return { kind: 'arithmetic', operator: node.operator, left, right };
    }
    case 'call': {
      if (node.name !== 'list_append' || node.args.length !== 2) throw validation(`Unsupported function in the SET clause: ${node.name}`);
      const [first, second] = node.args.map((arg) => setValue(arg, parameters)) as [Resolved, Resolved];
      for (const side of [first, second])
        if (side.kind === 'value' && typeOf(side.value) !== 'L') throw operandType('list_append', typeOf(side.value));
      return { kind: 'list_append', first, second };
    }
    default:
      return { kind: 'value', value: attributeValue(node, parameters) };
  }
}

/** A WHERE clause's conditions joined by AND at its top (where keys are found). */
function conjuncts(node: ConditionNode | undefined): ConditionNode[] {
  if (!node) return [];
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

const keyName = (node: OperandNode): string | undefined =>
  node.kind === 'path' && node.steps.length === 1 && typeof node.steps[0] === 'string' ? node.steps[0] : undefined;

/** The value a WHERE clause's top-level equality gives an attribute (`a = v` or `v = a`), if it has one. */
function equality(where: ConditionNode | undefined, name: string, parameters: readonly AttributeValue[]): AttributeValue | undefined {
  for (const part of conjuncts(where)) {
    if (part.kind !== 'compare' || part.operator !== '=') continue;
    const [path, value] =
      keyName(part.left) === name ? [part.left, part.right] : keyName(part.right) === name ? [part.right, part.left] : [];
    if (path && value && value.kind !== 'path' && value.kind !== 'call' && value.kind !== 'arithmetic') {
      return attributeValue(value, parameters);
    }
  }
  return undefined;
}

/**
 * The one item a write's (or a transaction's, a batch's) WHERE names: equalities on every key
 * attribute at its top level, of the key's types; undefined if it names no single item.
 */
export function itemKey(where: ConditionNode | undefined, shape: KeyShape, parameters: readonly AttributeValue[]): Item | undefined {
  const key: Item = {};
  for (const part of shape.range ? [shape.hash, shape.range] : [shape.hash]) {
    const value = equality(where, part.name, parameters);
    if (value === undefined) return undefined;
    if (!(part.type in value))
      throw validation('One or more parameter values were invalid: Condition parameter type does not match schema type');
    key[part.name] = value;
  }
  return key;
}

/**
 * What a SELECT's WHERE gives a query: the partition key's values (an equality, or IN), and the
 * sort key's condition (=, <, <=, >, >=, BETWEEN, begins_with) as a key condition's predicate.
 * Undefined when the partition key has no such condition: the SELECT scans.
 */
export function queryKey(
  where: ConditionNode | undefined,
  shape: KeyShape,
  parameters: readonly AttributeValue[],
): { partitions: AttributeValue[]; range?: Predicate } | undefined {
  const parts = conjuncts(where);
  let partitions: AttributeValue[] | undefined;
  let range: Predicate | undefined;
  for (const part of parts) {
    if (part.kind === 'in' && keyName(part.value) === shape.hash.name && part.list.every((o) => o.kind !== 'path' && o.kind !== 'call')) {
      partitions ??= part.list.map((o) => attributeValue(o as ValueNode, parameters));
      continue;
    }
    const compiled = keyPredicate(part, parameters);
    if (!compiled) continue;
    const name = keyAttributeOf(compiled);
    if (name === shape.hash.name && compiled.kind === 'compare' && compiled.operator === '=' && partitions === undefined) {
      partitions = [(compiled.right as { value: AttributeValue }).value];
    } else if (shape.range && name === shape.range.name && range === undefined) range = compiled;
  }
  if (!partitions) return undefined;
  const type = shape.hash.type;
  const range_ = shape.range;
  partitions = partitions.filter((value) => type in value);
  if (range && range_ && !rangeValues(range).every((value) => range_.type in value)) return { partitions: [] };
  return { partitions, ...(range ? { range } : {}) };
}

/** The key attribute a key predicate (from keyPredicate) conditions. */
function keyAttributeOf(compiled: Predicate): string | undefined {
  const side =
    compiled.kind === 'between'
      ? compiled.value
      : compiled.kind === 'compare' || compiled.kind === 'begins_with'
        ? compiled.left
        : undefined;
  return side?.kind === 'path' ? String(side.path[0]) : undefined;
}

function rangeValues(range: Predicate): AttributeValue[] {
  if (range.kind === 'compare') return [(range.right as { value: AttributeValue }).value];
  if (range.kind === 'between') return [range.low, range.high].map((o) => (o as { value: AttributeValue }).value);
  if (range.kind === 'begins_with') return [(range.right as { value: AttributeValue }).value];
  return [];
}

/** A top-level condition a key range can use: `key <op> value` (either way round), `key BETWEEN a AND b`, `begins_with(key, v)`. */
function keyPredicate(part: ConditionNode, parameters: readonly AttributeValue[]): Predicate | undefined {
  const isValue = (o: OperandNode) => o.kind !== 'path' && o.kind !== 'call' && o.kind !== 'arithmetic';
  if (part.kind === 'compare' && part.operator !== '<>') {
    const flipped: Record<string, '<' | '<=' | '>' | '>=' | '='> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };
    if (keyName(part.left) && isValue(part.right)) {
      return {
        kind: 'compare',
        operator: part.operator,
        left: { kind: 'path', path: [keyName(part.left) as string] },
        right: { kind: 'value', value: attributeValue(part.right as ValueNode, parameters) },
      };
    }
    if (keyName(part.right) && isValue(part.left)) {
      return {
        kind: 'compare',
        operator: flipped[part.operator] as '=',
        left: { kind: 'path', path: [keyName(part.right) as string] },
        right: { kind: 'value', value: attributeValue(part.left as ValueNode, parameters) },
      };
    }
  }
  if (part.kind === 'between' && keyName(part.value) && isValue(part.low) && isValue(part.high)) {
    return {
      kind: 'between',
      value: { kind: 'path', path: [keyName(part.value) as string] },
      low: { kind: 'value', value: attributeValue(part.low as ValueNode, parameters) },
      high: { kind: 'value', value: attributeValue(part.high as ValueNode, parameters) },
    };
  }
  if (
    part.kind === 'function' &&
    part.name === 'begins_with' &&
    part.args[0] &&
    part.args[1] &&
    keyName(part.args[0]) &&
    isValue(part.args[1])
  ) {
    return {
      kind: 'begins_with',
      left: { kind: 'path', path: [keyName(part.args[0]) as string] },
      right: { kind: 'value', value: attributeValue(part.args[1] as ValueNode, parameters) },
    };
  }
  return undefined;
}
