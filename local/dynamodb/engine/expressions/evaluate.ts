import { AwsError } from '../../../endpoint/aws-error.js';
import { addDecimals, formatDecimal, negateDecimal } from '../numbers.js';
import { type AttributeValue, compareNumbers, compareScalars, copyItem, decimalOf, type Item, typeOf, valuesEqual } from '../values.js';
import type { Path } from './attributes.js';
import type { CompiledUpdate, Predicate, Resolved } from './compile.js';

/** The value at a path of an item; undefined where there is none. */
export function valueAt(item: Item | undefined, path: Path): AttributeValue | undefined {
  if (item === undefined) return undefined;
  let current: AttributeValue | undefined = item[path[0] as string];
  for (let i = 1; i < path.length && current !== undefined; i++) {
    const step = path[i] as string | number;
    if (typeof step === 'number') current = 'L' in current ? current.L[step] : undefined;
    else current = 'M' in current ? current.M[step] : undefined;
  }
  return current;
}

const incorrectType = () => new AwsError('ValidationException', 'An operand in the update expression has an incorrect data type');

/** An operand's value for this item (undefined for a path the item lacks). */
export function operandValue(operand: Resolved, item: Item | undefined): AttributeValue | undefined {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return valueAt(item, operand.path);
    case 'size': {
      const value = valueAt(item, operand.path);
      const size = value === undefined ? undefined : sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
    case 'if_not_exists':
      return valueAt(item, operand.path) ?? operandValue(operand.fallback, item);
    case 'list_append': {
      const first = operandValue(operand.first, item);
      const second = operandValue(operand.second, item);
      if (first === undefined || second === undefined) throw missingAttribute();
      if (!('L' in first) || !('L' in second)) throw incorrectType();
      return { L: [...first.L, ...second.L] };
    }
    case 'arithmetic': {
      const left = operandValue(operand.left, item);
      const right = operandValue(operand.right, item);
      if (left === undefined || right === undefined) throw missingAttribute();
      if (!('N' in left) || !('N' in right)) throw incorrectType();
      const rightDecimal = operand.operator === '+' ? decimalOf(right.N) : negateDecimal(decimalOf(right.N));
      return { N: checkedSum(formatDecimal(addDecimals(decimalOf(left.N), rightDecimal))) };
    }
  }
}

const missingAttribute = () =>
  new AwsError('ValidationException', 'The provided expression refers to an attribute that does not exist in the item');

function checkedSum(text: string): string {
  const decimal = decimalOf(text);
  if (decimal.exponent > 126)
    throw new AwsError('ValidationException', 'Number overflow. Attempting to store a number with magnitude larger than supported range');
  if (decimal.sign !== 0 && decimal.exponent < -129) {
    throw new AwsError('ValidationException', 'Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
  if (decimal.digits.length > 38)
    throw new AwsError('ValidationException', 'Attempting to store more than 38 significant digits in a Number');
  return text;
}

/** size(): a string's length, a binary's bytes, a set's, list's or map's members; undefined for other types. */
function sizeOf(value: AttributeValue): number | undefined {
  if ('S' in value) return value.S.length;
  if ('B' in value) return Buffer.byteLength(value.B, 'base64');
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  return undefined;
}

/** Whether an item (undefined: none) satisfies a condition, as DynamoDB evaluates it. */
export function matches(predicate: Predicate, item: Item | undefined): boolean {
  switch (predicate.kind) {
    case 'and':
      return matches(predicate.left, item) && matches(predicate.right, item);
    case 'or':
      return matches(predicate.left, item) || matches(predicate.right, item);
    case 'not':
      return !matches(predicate.predicate, item);
    case 'attribute_exists':
      return valueAt(item, predicate.path) !== undefined;
    case 'attribute_not_exists':
      return valueAt(item, predicate.path) === undefined;
    case 'attribute_type': {
      const value = valueAt(item, predicate.path);
      return value !== undefined && typeOf(value) === predicate.type;
    }
    case 'compare':
      return compare(predicate.operator, operandValue(predicate.left, item), operandValue(predicate.right, item));
    case 'between': {
      const value = operandValue(predicate.value, item);
      return compare('>=', value, operandValue(predicate.low, item)) && compare('<=', value, operandValue(predicate.high, item));
    }
    case 'in': {
      const value = operandValue(predicate.value, item);
      return value !== undefined && predicate.list.some((option) => compare('=', value, operandValue(option, item)));
    }
    case 'begins_with':
      return beginsWith(operandValue(predicate.left, item), operandValue(predicate.right, item));
    case 'contains':
      return contains(operandValue(predicate.left, item), operandValue(predicate.right, item));
  }
}

function compare(operator: string, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  if (operator === '<>') return !(left !== undefined && right !== undefined && valuesEqual(left, right));
  if (left === undefined || right === undefined) return false;
  if (operator === '=') return valuesEqual(left, right);
  const order = compareScalars(left, right);
  if (order === undefined) return false;
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

export function beginsWith(value: AttributeValue | undefined, prefix: AttributeValue | undefined): boolean {
  if (value === undefined || prefix === undefined) return false;
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = Buffer.from(value.B, 'base64');
    const start = Buffer.from(prefix.B, 'base64');
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(container: AttributeValue | undefined, member: AttributeValue | undefined): boolean {
  if (container === undefined || member === undefined) return false;
  if ('S' in container) return 'S' in member && container.S.includes(member.S);
  if ('B' in container) return 'B' in member && Buffer.from(container.B, 'base64').includes(Buffer.from(member.B, 'base64'));
  if ('SS' in container) return 'S' in member && container.SS.includes(member.S);
  if ('NS' in container) return 'N' in member && container.NS.some((n) => compareNumbers(n, member.N) === 0);
  if ('BS' in container) return 'B' in member && container.BS.some((b) => Buffer.from(b, 'base64').equals(Buffer.from(member.B, 'base64')));
  if ('L' in container) return container.L.some((element) => valuesEqual(element, member));
  return false;
}

const invalidPath = () => new AwsError('ValidationException', 'The document path provided in the update expression is invalid for update');

/**
 * The item an update expression makes of `item` (undefined: none yet, an update creates it
 * from its key). Every operand reads the item as it was before the update; list elements
 * removed in one update are removed by their indexes before it.
 */
export function applyUpdate(actions: readonly CompiledUpdate[], item: Item): Item {
  const before = item;
  let after: Item = copyItem(item);
  const removals: Path[] = [];
  for (const action of actions) {
    switch (action.section) {
      case 'SET': {
        const value = operandValue(action.value as Resolved, before);
        if (value === undefined) throw missingAttribute();
        after = setAt(after, action.path, value);
        break;
      }
      case 'REMOVE':
        removals.push(action.path);
        break;
      case 'ADD': {
        const operand = (action.value as { value: AttributeValue }).value;
        const current = valueAt(before, action.path);
        after = setAt(after, action.path, current === undefined ? operand : addValues(current, operand, incorrectType));
        break;
      }
      case 'DELETE': {
        const operand = (action.value as { value: AttributeValue }).value;
        const current = valueAt(before, action.path);
        if (current === undefined) break;
        const remaining = deleteFromSet(current, operand, incorrectType);
        after = remaining === undefined ? removeAt(after, action.path) : setAt(after, action.path, remaining);
        break;
      }
    }
  }
  // Removals of list elements from the highest index down, so that each index means what it meant before.
  removals.sort((a, b) => {
    const x = a[a.length - 1];
    const y = b[b.length - 1];
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
  });
  for (const path of removals) after = removeAt(after, path);
  return after;
}

/**
 * ADD's result: a number added to a number, a set's members joined to a set of the same type;
 * anything else is `mismatch()` (an update expression's and AttributeUpdates' words differ).
 */
export function addValues(current: AttributeValue, operand: AttributeValue, mismatch: () => Error): AttributeValue {
  if ('N' in operand) {
    if (!('N' in current)) throw mismatch();
    return { N: checkedSum(formatDecimal(addDecimals(decimalOf(current.N), decimalOf(operand.N)))) };
  }
  if ('SS' in operand && 'SS' in current) return { SS: [...new Set([...current.SS, ...operand.SS])] };
  if ('BS' in operand && 'BS' in current) return { BS: [...new Set([...current.BS, ...operand.BS])] };
  if ('NS' in operand && 'NS' in current) {
    const extra = operand.NS.filter((n) => !current.NS.some((m) => compareNumbers(m, n) === 0));
    return { NS: [...current.NS, ...extra] };
  }
  throw mismatch();
}

/** DELETE's result: the set without the operand's members (undefined: none left); a set of another type is `mismatch()`. */
export function deleteFromSet(current: AttributeValue, operand: AttributeValue, mismatch: () => Error): AttributeValue | undefined {
  let left: string[];
  if ('SS' in operand && 'SS' in current) left = current.SS.filter((s) => !operand.SS.includes(s));
  else if ('BS' in operand && 'BS' in current) left = current.BS.filter((b) => !operand.BS.includes(b));
  else if ('NS' in operand && 'NS' in current) left = current.NS.filter((n) => !operand.NS.some((m) => compareNumbers(m, n) === 0));
  else throw mismatch();
  if (left.length === 0) return undefined;
  return { [typeOf(current)]: left } as unknown as AttributeValue;
}

/** The item with the value at path set; a missing or mistyped parent is DynamoDB's invalid path. */
function setAt(item: Item, path: Path, value: AttributeValue): Item {
  if (path.length === 1) return { ...item, [path[0] as string]: value };
  const parent = valueAt(item, path.slice(0, -1));
  const last = path[path.length - 1] as string | number;
  if (parent === undefined) throw invalidPath();
  if (typeof last === 'number') {
    if (!('L' in parent)) throw invalidPath();
    const list = parent.L as AttributeValue[];
    if (last >= list.length) list.push(value);
    else list[last] = value;
  } else {
    if (!('M' in parent)) throw invalidPath();
    (parent.M as Record<string, AttributeValue>)[last] = value;
  }
  return item;
}

function removeAt(item: Item, path: Path): Item {
  if (path.length === 1) {
    const { [path[0] as string]: _removed, ...rest } = item;
    return rest;
  }
  const parent = valueAt(item, path.slice(0, -1));
  const last = path[path.length - 1] as string | number;
  if (parent === undefined) return item;
  if (typeof last === 'number') {
    if ('L' in parent && last < parent.L.length) (parent.L as AttributeValue[]).splice(last, 1);
    else if (!('L' in parent)) throw invalidPath();
  } else if ('M' in parent) delete (parent.M as Record<string, AttributeValue>)[last];
  else throw invalidPath();
  return item;
}

/**
 * The attributes of an item a projection names, nested as in the item; elements of one list
 * are kept in the order of their indexes, without the gaps between them, as DynamoDB returns them.
 */
export function project(item: Item, paths: readonly Path[]): Item {
  const root = { M: {} } as AttributeValue;
  const listIndexes = new Map<AttributeValue[], Map<number, AttributeValue>>();
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    let container: AttributeValue = root;
    for (let i = 0; i < path.length; i++) {
      const step = path[i] as string | number;
      const last = i === path.length - 1;
      const nextIsIndex = typeof path[i + 1] === 'number';
      if (typeof step === 'number') {
        const list = (container as unknown as { L: AttributeValue[] }).L;
        const slots = listIndexes.get(list) ?? new Map<number, AttributeValue>();
        listIndexes.set(list, slots);
        const existing = slots.get(step);
        const next = last ? value : (existing ?? (nextIsIndex ? { L: [] } : { M: {} }));
        slots.set(step, next);
        container = next;
      } else {
        const map = (container as { M: Record<string, AttributeValue> }).M;
        const next = last ? value : (map[step] ?? (nextIsIndex ? { L: [] } : { M: {} }));
        map[step] = next;
        container = next;
      }
    }
  }
  for (const [list, slots] of listIndexes) {
    list.push(...[...slots.entries()].sort(([a], [b]) => a - b).map(([, v]) => v));
  }
  return (root as { M: Item }).M;
}
