import { AwsError } from '../../endpoint/aws-error.js';
import { canonicalNumber, compareDecimals, type Decimal, decimalSize, numberProblem, parseDecimal, sortableDecimal } from './numbers.js';

/** An AttributeValue as DynamoDB's JSON carries it (exactly one member). */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] }
  | { readonly L: readonly AttributeValue[] }
  | { readonly M: Readonly<Record<string, AttributeValue>> };

export type Item = Record<string, AttributeValue>;
export type ValueType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'SS' | 'NS' | 'BS' | 'L' | 'M';

export const validation = (message: string) => new AwsError('ValidationException', message);

/**
 * A deep copy of an item, which is JSON's data (strings, booleans, lists and maps): an update
 * changes its copy while its expression reads the item as it was. structuredClone did this at
 * ~20 times the cost (its serializer, for data of any kind), on every UpdateItem.
 */
export function copyItem(item: Item): Item {
  return copyData(item) as Item;
}

function copyData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyData);
  const copy: Record<string, unknown> = {};
  for (const key in value) {
    const item = copyData((value as Record<string, unknown>)[key]);
    // A map's key `__proto__` (a name like any other to DynamoDB) stays a key: assigned, it would set the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}

/** The one type a (validated) value has. */
export function typeOf(value: AttributeValue): ValueType {
  for (const key in value) return key as ValueType;
  throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
}

/**
 * Checks a value as DynamoDB does before anything else reads it, and puts its Numbers in
 * canonical form (`01.50` -> `1.5`), as DynamoDB keeps them; throws AWS's ValidationException.
 */
export function checkValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  // The members set, counted without an array of entries (every value of every request is checked).
  let type: string | undefined;
  let content: unknown;
  let set = 0;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (member === null || member === undefined) continue;
    set++;
    if (set === 1) {
      type = key;
      content = member;
    }
  }
  if (type === undefined) throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  if (set > 1) {
    throw validation('Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes');
  }
  switch (type) {
    case 'S':
    case 'B':
      if (typeof content !== 'string') throw new AwsError('SerializationException', `${jsonToken(content)} cannot be converted to String`);
      return { [type]: content } as AttributeValue;
    case 'N':
      return { N: checkNumber(content) };
    case 'BOOL':
      if (typeof content !== 'boolean')
        throw new AwsError('SerializationException', `${jsonToken(content)} cannot be converted to Boolean`);
      return { BOOL: content };
    case 'NULL':
      if (content !== true)
        throw validation('One or more parameter values were invalid: Null attribute value types must have the value of true');
      return { NULL: true };
    case 'SS':
    case 'BS':
    case 'NS':
      return checkSet(type, content);
    case 'L':
      if (!Array.isArray(content)) throw new AwsError('SerializationException', 'Start of structure or map found where not expected');
      return { L: content.map(checkValue) };
    case 'M':
      if (content === null || typeof content !== 'object' || Array.isArray(content)) {
        throw new AwsError('SerializationException', 'Start of list found where not expected');
      }
      return { M: Object.fromEntries(Object.entries(content as Record<string, unknown>).map(([k, v]) => [k, checkValue(v)])) };
    default:
      throw new AwsError('SerializationException', `Unknown member: ${type}`);
  }
}

function checkNumber(content: unknown): string {
  if (typeof content !== 'string') throw new AwsError('SerializationException', `${jsonToken(content)} cannot be converted to String`);
  const problem = numberProblem(content);
  if (problem) throw validation(problem);
  return canonicalNumber(content);
}

function checkSet(type: 'SS' | 'NS' | 'BS', content: unknown): AttributeValue {
  if (!Array.isArray(content)) throw new AwsError('SerializationException', 'Start of structure or map found where not expected');
  for (const member of content) {
    if (typeof member !== 'string') throw new AwsError('SerializationException', `${jsonToken(member)} cannot be converted to String`);
  }
  const members = content as string[];
  if (members.length === 0) {
    const named = { SS: 'An string set ', NS: 'An number set ', BS: 'Binary sets should not be empty' }[type];
    throw validation(`One or more parameter values were invalid: ${type === 'BS' ? named : `${named} may not be empty`}`);
  }
  const values = type === 'NS' ? members.map(checkNumber) : members;
  if (new Set(values).size !== values.length) {
    if (type === 'NS') throw validation('Input collection contains duplicates');
    const shown = `[${members.join(', ')}]`;
    throw validation(
      `One or more parameter values were invalid: Input collection ${shown}${type === 'BS' ? 'of type BS' : ''} contains duplicates.`,
    );
  }
  return { [type]: values } as unknown as AttributeValue;
}

/** How Coral's JSON reader names a token it did not expect. */
function jsonToken(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE';
  if (typeof value === 'boolean') return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
  if (typeof value === 'string') return 'STRING_VALUE';
  if (Array.isArray(value)) return 'Start of list';
  return 'Start of structure or map';
}

/** An item's attributes checked and canonical (see checkValue). */
export function checkItem(item: unknown): Item {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new AwsError('SerializationException', `Start of list found where not expected`);
  }
  const checked: Item = {};
  for (const [name, value] of Object.entries(item as Record<string, unknown>)) checked[name] = checkValue(value);
  return checked;
}

/** Whether two values are equal as DynamoDB compares them (sets ignore order). */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  const x = (a as Record<string, unknown>)[type];
  const y = (b as Record<string, unknown>)[type];
  switch (type) {
    case 'N':
      return compareNumbers(x as string, y as string) === 0;
    case 'SS':
    case 'BS':
    case 'NS': {
      const xs = x as string[];
      const ys = y as string[];
      if (xs.length !== ys.length) return false;
      if (type === 'NS') return xs.every((n) => ys.some((m) => compareNumbers(n, m) === 0));
      const set = new Set(ys);
      return xs.every((s) => set.has(s));
    }
    case 'L': {
      const xs = x as AttributeValue[];
      const ys = y as AttributeValue[];
      return xs.length === ys.length && xs.every((v, i) => valuesEqual(v, ys[i] as AttributeValue));
    }
    case 'M': {
      const xm = x as Record<string, AttributeValue>;
      const ym = y as Record<string, AttributeValue>;
      const keys = Object.keys(xm);
      return (
        keys.length === Object.keys(ym).length && keys.every((k) => ym[k] !== undefined && valuesEqual(xm[k] as AttributeValue, ym[k]))
      );
    }
    default:
      return x === y;
  }
}

const decimals = new Map<string, Decimal>();
/** A Number's decimal, remembered (keys and conditions compare the same texts again and again). */
export function decimalOf(text: string): Decimal {
  let decimal = decimals.get(text);
  if (decimal === undefined) {
    decimal = parseDecimal(text);
    if (decimal === undefined) throw validation(`The parameter cannot be converted to a numeric value: ${text}`);
    if (decimals.size > 10_000) decimals.clear();
    decimals.set(text, decimal);
  }
  return decimal;
}

export function compareNumbers(a: string, b: string): number {
  return compareDecimals(decimalOf(a), decimalOf(b));
}

/**
 * Orders two scalars of one type (S, N or B) as DynamoDB's comparisons and sort keys do:
 * strings and binaries by their bytes (UTF-8 for strings), numbers by value; undefined if
 * they cannot be ordered (different types, or not scalars).
 */
export function compareScalars(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('N' in a && 'N' in b) return compareNumbers(a.N, b.N);
  if ('S' in a && 'S' in b) return Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  if ('B' in a && 'B' in b) return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
}

/** The bytes SQLite keeps for a key attribute, ordered by memcmp as DynamoDB orders the key. */
export function keyBytes(value: AttributeValue): Uint8Array {
  if ('S' in value) return Buffer.from(value.S, 'utf8');
  if ('B' in value) return Buffer.from(value.B, 'base64');
  if ('N' in value) return Buffer.from(sortableDecimal(decimalOf(value.N)), 'latin1');
  throw validation('a key attribute must be a String, Number or Binary');
}

/** A value's size as DynamoDB counts it towards the 400 KB item limit and capacity units. */
export function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('N' in value) return decimalSize(decimalOf(value.N));
  if ('B' in value) return Buffer.byteLength(value.B, 'base64');
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s, 'utf8'), 0);
  if ('NS' in value) return value.NS.reduce((sum, n) => sum + decimalSize(decimalOf(n)), 0);
  if ('BS' in value) return value.BS.reduce((sum, b) => sum + Buffer.byteLength(b, 'base64'), 0);
  if ('L' in value) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
}

/** An item's size: each attribute's name and value. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += Buffer.byteLength(name, 'utf8') + valueSize(item[name] as AttributeValue);
  return size;
}

/** DynamoDB's largest item: 400 KB. */
export const MAX_ITEM_SIZE = 400 * 1024;
