// DynamoDB's legacy parameters (the developer guide's "Legacy conditional parameters"):
// Expected, ConditionalOperator, KeyConditions, QueryFilter, ScanFilter, AttributeUpdates and
// AttributesToGet. Each is translated into what the engine evaluates for its expression
// (a Predicate, a projection's paths, an item's update), after DynamoDB's checks and with
// its words, so that the legacy and the expression forms share one evaluation.
import { validation } from './errors.js';
import { addValues, deleteFromSet, type Path, type Predicate, type Resolved } from './expressions/index.js';
import type { KeyShape } from './table-schema.js';
import { type AttributeValue, checkValue, compareScalars, type Item, typeOf } from './values.js';

type Json = Record<string, unknown>;

type LegacyOperation = 'PutItem' | 'DeleteItem' | 'UpdateItem' | 'GetItem' | 'BatchGetItem' | 'Query' | 'Scan';

/** Each operation's legacy parameters and the expression parameters that replace them, in the order DynamoDB names them. */
const PARAMETERS: Readonly<Record<LegacyOperation, { legacy: readonly string[]; expressions: readonly string[] }>> = {
  PutItem: { legacy: ['Expected', 'ConditionalOperator'], expressions: ['ConditionExpression'] },
  DeleteItem: { legacy: ['Expected', 'ConditionalOperator'], expressions: ['ConditionExpression'] },
  UpdateItem: {
    legacy: ['AttributeUpdates', 'Expected', 'ConditionalOperator'],
    expressions: ['UpdateExpression', 'ConditionExpression'],
  },
  GetItem: { legacy: ['AttributesToGet'], expressions: ['ProjectionExpression'] },
  BatchGetItem: { legacy: ['AttributesToGet'], expressions: ['ProjectionExpression'] },
  Query: {
    legacy: ['AttributesToGet', 'QueryFilter', 'ConditionalOperator', 'KeyConditions'],
    expressions: ['ProjectionExpression', 'FilterExpression', 'KeyConditionExpression'],
  },
  Scan: {
    legacy: ['AttributesToGet', 'ScanFilter', 'ConditionalOperator'],
    expressions: ['ProjectionExpression', 'FilterExpression'],
  },
};

const invalid = (message: string) => validation(`One or more parameter values were invalid: ${message}`);

/**
 * DynamoDB's checks of which parameters a request mixes: a legacy parameter beside an
 * expression parameter is refused (KeyConditions only beside KeyConditionExpression: it goes
 * with FilterExpression and ProjectionExpression), and ConditionalOperator needs two or more
 * conditions to join.
 */
export function checkParameters(operation: LegacyOperation, input: Json): void {
  const { legacy, expressions } = PARAMETERS[operation];
  const used = expressions.filter((name) => input[name] != null);
  if (used.length > 0) {
    const old = legacy.filter((name) => input[name] != null && (name !== 'KeyConditions' || input.KeyConditionExpression != null));
    if (old.length > 0) {
      throw validation(
        `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {${old.join(', ')}} Expression parameters: {${used.join(', ')}}`,
      );
    }
  }
  if (input.ConditionalOperator != null) {
    const conditions = (input.Expected ?? input.QueryFilter ?? input.ScanFilter) as Json | undefined;
    const count = conditions ? Object.keys(conditions).length : 0;
    if (count === 0) throw validation('ConditionalOperator cannot be used without Filter or Expected');
    if (count === 1) throw validation('ConditionalOperator can only be used when Filter or Expected has two or more elements');
  }
}

/** One legacy condition on an attribute (Expected's also takes Value and Exists). */
interface LegacyCondition {
  readonly ComparisonOperator?: string;
  readonly AttributeValueList?: readonly unknown[];
  readonly Value?: unknown;
  readonly Exists?: boolean;
}

/** How many values each comparison operator takes. */
const OPERANDS: Readonly<Record<string, (count: number) => boolean>> = {
  EQ: (n) => n === 1,
  NE: (n) => n === 1,
  LE: (n) => n === 1,
  LT: (n) => n === 1,
  GE: (n) => n === 1,
  GT: (n) => n === 1,
  CONTAINS: (n) => n === 1,
  NOT_CONTAINS: (n) => n === 1,
  BEGINS_WITH: (n) => n === 1,
  NULL: (n) => n === 0,
  NOT_NULL: (n) => n === 0,
  IN: (n) => n > 0,
  BETWEEN: (n) => n === 2,
};

/** The value types an operator takes (EQ and NE take any). */
const SCALARS = ['S', 'N', 'B'];
const OPERAND_TYPES: Readonly<Record<string, readonly string[]>> = {
  LE: SCALARS,
  LT: SCALARS,
  GE: SCALARS,
  GT: SCALARS,
  IN: SCALARS,
  BETWEEN: SCALARS,
  CONTAINS: SCALARS,
  NOT_CONTAINS: SCALARS,
  BEGINS_WITH: ['S', 'B'],
};

const COMPARATORS = { EQ: '=', NE: '<>', LE: '<=', LT: '<', GE: '>=', GT: '>' } as const;

/** A comparison operator's values checked as DynamoDB checks them (count, one type, a type the operator takes, BETWEEN's order). */
function checkedValues(operator: string, list: readonly unknown[]): AttributeValue[] {
  const values = list.map(checkValue);
  if (!(OPERANDS[operator] as (count: number) => boolean)(values.length)) {
    throw invalid(`Invalid number of argument(s) for the ${operator} ComparisonOperator`);
  }
  const [first, second] = values as [AttributeValue, AttributeValue];
  if (first === undefined) return values;
  const type = typeOf(first);
  if (values.some((value) => typeOf(value) !== type)) throw invalid('AttributeValues inside AttributeValueList must be of same type');
  const allowed = OPERAND_TYPES[operator];
  if (allowed && !allowed.includes(type)) throw invalid(`ComparisonOperator ${operator} is not valid for ${type} AttributeValue type`);
  if (operator === 'BETWEEN' && (compareScalars(first, second) ?? 0) > 0) {
    throw validation('The BETWEEN condition was provided a range where the lower bound is greater than the upper bound');
  }
  return values;
}

/** The predicate of `<name> <operator> <values>`, as the matching expression evaluates it. */
function comparison(name: string, operator: string, values: readonly AttributeValue[]): Predicate {
  const path: Path = [name];
  const attribute: Resolved = { kind: 'path', path };
  const value = (i: number): Resolved => ({ kind: 'value', value: values[i] as AttributeValue });
  switch (operator) {
    case 'NULL':
      return { kind: 'attribute_not_exists', path };
    case 'NOT_NULL':
      return { kind: 'attribute_exists', path };
    case 'CONTAINS':
      return { kind: 'contains', left: attribute, right: value(0) };
    case 'NOT_CONTAINS':
      // A missing attribute fails NOT_CONTAINS as it fails CONTAINS (NE, by contrast, holds for it).
      return {
        kind: 'and',
        left: { kind: 'attribute_exists', path },
        right: { kind: 'not', predicate: { kind: 'contains', left: attribute, right: value(0) } },
      };
    case 'BEGINS_WITH':
      return { kind: 'begins_with', left: attribute, right: value(0) };
    case 'IN':
      return { kind: 'in', value: attribute, list: values.map((_, i) => value(i)) };
    case 'BETWEEN':
      return { kind: 'between', value: attribute, low: value(0), high: value(1) };
    default:
      return { kind: 'compare', operator: COMPARATORS[operator as keyof typeof COMPARATORS], left: attribute, right: value(0) };
  }
}

/** The conditions joined by ConditionalOperator (AND unless it says OR); undefined for none. */
function joined(predicates: readonly Predicate[], operator: unknown): Predicate | undefined {
  const kind = operator === 'OR' ? 'or' : 'and';
  return predicates.reduce<Predicate | undefined>((all, next) => (all ? { kind, left: all, right: next } : next), undefined);
}

/** A QueryFilter's or ScanFilter's conditions, joined by ConditionalOperator. */
export function filterCondition(filter: unknown, operator: unknown): Predicate | undefined {
  if (filter == null) return undefined;
  const predicates = Object.entries(filter as Record<string, LegacyCondition>).map(([name, condition]) => {
    const operator = String(condition.ComparisonOperator);
    return comparison(name, operator, checkedValues(operator, condition.AttributeValueList ?? []));
  });
  return joined(predicates, operator);
}

/** A write's Expected conditions (ComparisonOperator and AttributeValueList, or Value and Exists), joined by ConditionalOperator. */
export function expectedCondition(input: Json): Predicate | undefined {
  if (input.Expected == null) return undefined;
  const predicates = Object.entries(input.Expected as Record<string, LegacyCondition>).map(([name, condition]) =>
    expectation(name, condition),
  );
  return joined(predicates, input.ConditionalOperator);
}

function expectation(name: string, condition: LegacyCondition): Predicate {
  const { ComparisonOperator: operator, AttributeValueList: list, Value: value, Exists: exists } = condition;
  if (list != null && value != null) throw invalid(`Value and AttributeValueList cannot be used together for Attribute: ${name}`);
  if (operator != null) {
    if (exists != null) throw invalid(`Exists and ComparisonOperator cannot be used together for Attribute: ${name}`);
    const values = list ?? (value != null ? [value] : undefined);
    if (values === undefined && operator !== 'NULL' && operator !== 'NOT_NULL') {
      throw invalid(`Value or AttributeValueList must be used with ComparisonOperator: ${operator} for Attribute: ${name}`);
    }
    return comparison(name, operator, checkedValues(operator, values ?? []));
  }
  if (list != null) throw invalid(`AttributeValueList can only be used with a ComparisonOperator for Attribute: ${name}`);
  // Exists (true unless false) only says whether Value is expected: { Exists: true } alone says nothing and is refused.
  if (exists !== false && value == null) {
    throw invalid(`Value must be provided when Exists is ${exists == null ? 'null' : 'true'} for Attribute: ${name}`);
  }
  if (exists === false && value != null) throw invalid(`Value cannot be used when Exists is false for Attribute: ${name}`);
  return exists === false ? { kind: 'attribute_not_exists', path: [name] } : comparison(name, 'EQ', [checkValue(value)]);
}

/** Query's KeyConditions, checked (before the table is known): one or two conditions, each as a filter's. */
export function checkKeyConditions(conditions: unknown): Record<string, { operator: string; values: AttributeValue[] }> {
  const entries = Object.entries(conditions as Record<string, LegacyCondition>);
  if (entries.length !== 1 && entries.length !== 2) throw validation('Conditions can be of length 1 or 2 only');
  return Object.fromEntries(
    entries.map(([name, condition]) => {
      const operator = String(condition.ComparisonOperator);
      return [name, { operator, values: checkedValues(operator, condition.AttributeValueList ?? []) }];
    }),
  );
}

/** Operators a key condition cannot use: they select no range of the key's order. */
const NOT_INDEXABLE = new Set(['NULL', 'NOT_NULL', 'NE', 'CONTAINS', 'NOT_CONTAINS', 'IN']);

/**
 * Checked KeyConditions against the key of the table or index queried, as DynamoDB checks
 * them (the partition key by EQ, the sort key by an operator that selects a range), as the
 * predicate a KeyConditionExpression would make.
 */
export function keyConditionsPredicate(
  conditions: Record<string, { operator: string; values: AttributeValue[] }>,
  shape: KeyShape,
): Predicate {
  const count = Object.keys(conditions).length;
  const parts: Predicate[] = [];
  for (const [i, key] of (shape.range ? [shape.hash, shape.range] : [shape.hash]).entries()) {
    const isHash = i === 0;
    if (isHash && !shape.range && count > 1) throw validation('Query key condition not supported');
    const condition = conditions[key.name];
    if (!condition) {
      if (isHash || count > 1) throw validation(`Query condition missed key schema element: ${key.name}`);
      continue;
    }
    if (NOT_INDEXABLE.has(condition.operator)) throw validation('Attempted conditional constraint is not an indexable operation');
    if (condition.values.some((value) => !(key.type in value))) {
      throw invalid('Condition parameter type does not match schema type');
    }
    if (isHash && condition.operator !== 'EQ') throw validation('Query key condition not supported');
    parts.push(comparison(key.name, condition.operator, condition.values));
  }
  return joined(parts, 'AND') as Predicate;
}

/** GetItem's, BatchGetItem's, Query's and Scan's AttributesToGet as a projection's paths. */
export function attributesToGet(list: unknown): Path[] | undefined {
  if (list == null) return undefined;
  const names = list as string[];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw invalid(`Duplicate value in attribute name: ${name}`);
    seen.add(name);
  }
  return names.map((name) => [name]);
}

interface AttributeUpdate {
  readonly Action?: string;
  readonly Value?: unknown;
}

const typeMismatch = () => validation('Type mismatch for attribute to update');

/**
 * UpdateItem's AttributeUpdates, checked as DynamoDB checks them: the attributes they name,
 * and what they make of an item (PUT replaces, DELETE removes an attribute or a set's members,
 * ADD adds to a number, joins a set or appends to a list).
 */
export function attributeUpdates(raw: unknown): { names: string[]; apply: (item: Item) => Item } {
  const updates = Object.entries((raw ?? {}) as Record<string, AttributeUpdate>).map(([name, update]) => {
    const value = update.Value != null ? checkValue(update.Value) : undefined;
    const action = update.Action ?? 'PUT';
    if (value === undefined && action !== 'DELETE') {
      throw invalid('Only DELETE action is allowed when no attribute value is specified');
    }
    const type = value && typeOf(value);
    if (type && action === 'DELETE' && !['SS', 'NS', 'BS'].includes(type)) {
      throw invalid(`DELETE action with value is not supported for the type ${type}`);
    }
    if (type && action === 'ADD' && !['L', 'SS', 'NS', 'BS', 'N'].includes(type)) {
      throw invalid(`ADD action is not supported for the type ${type}`);
    }
    return { name, action, value };
  });
  const apply = (before: Item): Item => {
    const item: Item = { ...before };
    for (const { name, action, value } of updates) {
      const current = item[name];
      if (action === 'PUT') item[name] = value as AttributeValue;
      else if (action === 'DELETE') {
        const remaining = value && current ? deleteFromSet(current, value, typeMismatch) : undefined;
        if (remaining) item[name] = remaining;
        else if (!value || current) delete item[name];
      } else if (current === undefined) item[name] = value as AttributeValue;
      else if ('L' in (value as AttributeValue)) {
        if (!('L' in current)) throw typeMismatch();
        item[name] = { L: [...current.L, ...(value as { L: AttributeValue[] }).L] };
      } else item[name] = addValues(current, value as AttributeValue, typeMismatch);
    }
    return item;
  };
  return { names: updates.map((update) => update.name), apply };
}

/** The attribute names at the top of a predicate's paths (a Query's filter may not name its key attributes). */
export function pathHeads(predicate: Predicate): Set<string> {
  const heads = new Set<string>();
  const operand = (resolved: Resolved): void => {
    if (resolved.kind === 'path' || resolved.kind === 'size') heads.add(String(resolved.path[0]));
  };
  const walk = (p: Predicate): void => {
    switch (p.kind) {
      case 'and':
      case 'or':
        walk(p.left);
        walk(p.right);
        break;
      case 'not':
        walk(p.predicate);
        break;
      case 'attribute_exists':
      case 'attribute_not_exists':
      case 'attribute_type':
        heads.add(String(p.path[0]));
        break;
      case 'compare':
      case 'begins_with':
      case 'contains':
        operand(p.left);
        operand(p.right);
        break;
      case 'between':
        for (const o of [p.value, p.low, p.high]) operand(o);
        break;
      case 'in':
        for (const o of [p.value, ...p.list]) operand(o);
        break;
    }
  };
  walk(predicate);
  return heads;
}
