import { toDynamoDb } from '../vtl-util.js';
import { codeError } from './code-errors.js';

/** An expression with its names and values, as AppSync's DynamoDB requests write `condition`, `filter`, `query` and `update`. */
export interface DynamoDbExpression {
  expression: string;
  expressionNames: Record<string, string>;
  expressionValues: Record<string, unknown>;
}

type FilterObject = Record<string, unknown>;

const isObject = (value: unknown): value is FilterObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `util.transform.toDynamoDBFilterExpression`'s filter objects, and the condition objects of
 * `toDynamoDBConditionExpression` and the DynamoDB module's `condition`/`filter` inputs
 * (https://docs.aws.amazon.com/appsync/latest/devguide/transformation-helpers-in-utils-transform-js.html):
 * each field's operators (ne, eq, le, lt, ge, gt, in, between, beginsWith, contains,
 * notContains, attributeExists, attributeType) joined by AND, with `and`, `or` (objects or
 * lists) and `not` nesting. The example of @aws-appsync/utils's types
 * (`{title: {contains: 'Hello World'}}` gives `contains(#title, :title_contains)` with
 * `#title` and `:title_contains`) fixes the names: `#<field>` and `:<field>_<operator>`.
 */
export function filterExpression(filter: unknown, where: string): DynamoDbExpression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const expression = group(filter, 'AND', { names, values, where });
  return { expression, expressionNames: names, expressionValues: values };
}

interface Building {
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  readonly where: string;
}

function group(filter: unknown, joiner: 'AND' | 'OR', b: Building): string {
  const parts = (Array.isArray(filter) ? filter : [filter]).flatMap((one) => {
    if (!isObject(one)) throw codeError(`${b.where}: a filter is an object of fields and operators, not ${JSON.stringify(one)}`);
    return Object.entries(one)
      .filter(([, spec]) => spec !== undefined && spec !== null)
      .map(([field, spec]) => clause(field, spec, b));
  });
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(` ${joiner} `);
}

function clause(field: string, spec: unknown, b: Building): string {
  if (field === 'and') return `(${group(spec, 'AND', b)})`;
  if (field === 'or') return `(${group(spec, 'OR', b)})`;
  if (field === 'not') return `(NOT (${group(spec, 'AND', b)}))`;
  if (!isObject(spec)) {
    throw codeError(
      `${b.where}: the filter of field ${JSON.stringify(field)} is an object of operators (eq, ne, lt, le, gt, ge, in, between, beginsWith, contains, notContains, attributeExists, attributeType), not ${JSON.stringify(spec)}`,
    );
  }
  const name = nameOf(field, b);
  const conditions = Object.entries(spec)
    .filter(([, operand]) => operand !== undefined && operand !== null)
    .map(([operator, operand]) => condition(name, field, operator, operand, b));
  return conditions.length === 1 ? (conditions[0] as string) : conditions.map((c) => `(${c})`).join(' AND ');
}

const COMPARISONS: Readonly<Record<string, string>> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** DynamoDB's type letters for the names `attributeType` takes. */
const ATTRIBUTE_TYPES: Readonly<Record<string, string>> = {
  _null: 'NULL',
  string: 'S',
  stringSet: 'SS',
  number: 'N',
  numberSet: 'NS',
  binary: 'B',
  binarySet: 'BS',
  boolean: 'BOOL',
  list: 'L',
  map: 'M',
};

function condition(name: string, field: string, operator: string, operand: unknown, b: Building): string {
  const value = (suffix: string, v: unknown) => {
    const placeholder = `:${safe(field)}_${suffix}`;
    b.values[placeholder] = toDynamoDb(v);
    return placeholder;
  };
  const comparison = COMPARISONS[operator];
  if (comparison !== undefined) return `${name} ${comparison} ${value(operator, operand)}`;
  switch (operator) {
    case 'beginsWith':
      return `begins_with(${name}, ${value(operator, operand)})`;
    case 'contains':
      return `contains(${name}, ${value(operator, operand)})`;
    case 'notContains':
      return `NOT contains(${name}, ${value(operator, operand)})`;
    case 'between': {
      if (!Array.isArray(operand) || operand.length !== 2) {
        throw codeError(`${b.where}: between of ${JSON.stringify(field)} takes [low, high], not ${JSON.stringify(operand)}`);
      }
      return `${name} BETWEEN ${value('between_0', operand[0])} AND ${value('between_1', operand[1])}`;
    }
    case 'in': {
      if (!Array.isArray(operand))
        throw codeError(`${b.where}: in of ${JSON.stringify(field)} takes a list, not ${JSON.stringify(operand)}`);
      return `${name} IN (${operand.map((v, i) => value(`in_${i}`, v)).join(', ')})`;
    }
    case 'attributeExists':
      return operand === true ? `attribute_exists(${name})` : `attribute_not_exists(${name})`;
    case 'attributeType': {
      const type = ATTRIBUTE_TYPES[String(operand)];
      if (type === undefined) {
        throw codeError(
          `${b.where}: attributeType of ${JSON.stringify(field)} is one of ${Object.keys(ATTRIBUTE_TYPES).join(', ')}, not ${JSON.stringify(operand)}`,
        );
      }
      return `attribute_type(${name}, ${value(operator, type)})`;
    }
    default:
      throw codeError(
        `${b.where}: ${JSON.stringify(operator)} (on field ${JSON.stringify(field)}) is none of the operators eq, ne, lt, le, gt, ge, in, between, beginsWith, contains, notContains, attributeExists, attributeType`,
      );
  }
}

/** `#<field>` for an attribute's name (each part of a dotted path its own name), recorded in the expression's names. */
export function nameOf(field: string, b: { readonly names: Record<string, string> }): string {
  return field
    .split('.')
    .map((part) => {
      const placeholder = `#${safe(part)}`;
      b.names[placeholder] = part;
      return placeholder;
    })
    .join('.');
}

/** A placeholder may hold only letters, digits and `_`. */
const safe = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
