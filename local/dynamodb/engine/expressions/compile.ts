import type { AttributeValue, ValueType } from '../values.js';
import { typeOf } from '../values.js';
import type { Comparator, Condition, Operand, PathNode, UpdateAction } from './ast.js';
import { type ExpressionAttributes, type Path, pathText } from './attributes.js';
import { ExpressionError } from './tokens.js';

/** An operand with its names and values substituted. */
export type Resolved =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly path: Path }
  | { readonly kind: 'arithmetic'; readonly operator: '+' | '-'; readonly left: Resolved; readonly right: Resolved }
  | { readonly kind: 'list_append'; readonly first: Resolved; readonly second: Resolved }
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: Resolved };

export type Predicate =
  | { readonly kind: 'compare'; readonly operator: Comparator; readonly left: Resolved; readonly right: Resolved }
  | { readonly kind: 'between'; readonly value: Resolved; readonly low: Resolved; readonly high: Resolved }
  | { readonly kind: 'in'; readonly value: Resolved; readonly list: readonly Resolved[] }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly path: Path }
  | { readonly kind: 'attribute_type'; readonly path: Path; readonly type: ValueType }
  | { readonly kind: 'begins_with' | 'contains'; readonly left: Resolved; readonly right: Resolved }
  | { readonly kind: 'and' | 'or'; readonly left: Predicate; readonly right: Predicate }
  | { readonly kind: 'not'; readonly predicate: Predicate };

export interface CompiledUpdate {
  readonly section: UpdateAction['section'];
  readonly path: Path;
  readonly value?: Resolved;
}

const CONDITION_FUNCTIONS: Readonly<Record<string, number>> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
  size: 1,
};
const UPDATE_FUNCTIONS: Readonly<Record<string, number>> = { list_append: 2, if_not_exists: 2 };
const TYPES: readonly ValueType[] = ['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M'];

const misused = (name: string) =>
  new ExpressionError(`The function is not allowed to be used this way in an expression; function: ${name}`);
const operandType = (name: string, type: string) =>
  new ExpressionError(`Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${type}`);

/** A condition (or filter, or key condition) with its names and values substituted, checked as DynamoDB checks it. */
export function compileCondition(condition: Condition, attributes: ExpressionAttributes): Predicate {
  switch (condition.kind) {
    case 'parens':
      return compileCondition(condition.condition, attributes);
    case 'and':
    case 'or':
      return {
        kind: condition.kind,
        left: compileCondition(condition.left, attributes),
        right: compileCondition(condition.right, attributes),
      };
    case 'not':
      return { kind: 'not', predicate: compileCondition(condition.condition, attributes) };
    case 'compare': {
      const left = comparable(condition.left, attributes);
      const right = comparable(condition.right, attributes);
      distinct(condition.operator, left, right);
      return { kind: 'compare', operator: condition.operator, left, right };
    }
    case 'between': {
      const value = comparable(condition.value, attributes);
      const low = comparable(condition.low, attributes);
      const high = comparable(condition.high, attributes);
      betweenBounds(low, high);
      return { kind: 'between', value, low, high };
    }
    case 'in':
      return { kind: 'in', value: comparable(condition.value, attributes), list: condition.list.map((o) => comparable(o, attributes)) };
    case 'function':
      return compileFunction(condition.name, condition.args, attributes);
  }
}

function compileFunction(name: string, args: readonly Operand[], attributes: ExpressionAttributes): Predicate {
  const count = CONDITION_FUNCTIONS[name];
  if (count === undefined) {
    if (UPDATE_FUNCTIONS[name] !== undefined) throw misused(name);
    throw new ExpressionError(`Invalid function name; function: ${name}`);
  }
  if (name === 'size') throw misused(name);
  if (args.length !== count) {
    throw new ExpressionError(
      `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
    );
  }
  const resolved = args.map((arg) => comparable(arg, attributes));
  const [first, second] = resolved as [Resolved, Resolved];
  switch (name) {
    case 'attribute_exists':
    case 'attribute_not_exists':
      if (first.kind !== 'path') throw new ExpressionError(`Operator or function requires a document path; operator or function: ${name}`);
      return { kind: name, path: first.path };
    case 'attribute_type': {
      if (first.kind !== 'path') throw new ExpressionError(`Operator or function requires a document path; operator or function: ${name}`);
      if (second.kind !== 'value') throw operandType(name, 'M');
      const type = typeOf(second.value);
      if (type !== 'S') throw operandType(name, type);
      const named = (second.value as { S: string }).S;
      if (!TYPES.includes(named as ValueType)) {
        throw new ExpressionError(`Invalid attribute type name found; type: ${named}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`);
      }
      return { kind: name, path: first.path, type: named as ValueType };
    }
    case 'begins_with':
      for (const operand of resolved) {
        if (operand.kind === 'value' && !['S', 'B'].includes(typeOf(operand.value))) throw operandType(name, typeOf(operand.value));
        if (operand.kind === 'size') throw operandType(name, 'N');
      }
      distinct(name, first, second);
      return { kind: name, left: first, right: second };
    default:
      distinct(name, first, second);
      return { kind: 'contains', left: first, right: second };
  }
}

/** An operand of a comparison or condition function: a path, a value or `size(path)`. */
function comparable(operand: Operand, attributes: ExpressionAttributes): Resolved {
  switch (operand.kind) {
    case 'path':
      return { kind: 'path', path: attributes.path(operand) };
    case 'value':
      return { kind: 'value', value: attributes.value(operand.name) };
    case 'arithmetic':
      throw new ExpressionError(`Syntax error; token: "${operand.operator}"`);
    case 'call': {
      if (operand.name !== 'size') {
        if (CONDITION_FUNCTIONS[operand.name] !== undefined || UPDATE_FUNCTIONS[operand.name] !== undefined) throw misused(operand.name);
        throw new ExpressionError(`Invalid function name; function: ${operand.name}`);
      }
      if (operand.args.length !== 1) {
        throw new ExpressionError(
          `Incorrect number of operands for operator or function; operator or function: size, number of operands: ${operand.args.length}`,
        );
      }
      const arg = comparable(operand.args[0] as Operand, attributes);
      if (arg.kind === 'value') {
        const type = typeOf(arg.value);
        throw operandType('size', type);
      }
      if (arg.kind !== 'path') throw operandType('size', 'N');
      return { kind: 'size', path: arg.path };
    }
  }
}

/** DynamoDB refuses comparing a path with itself (`a = a`). */
function distinct(name: string, left: Resolved, right: Resolved): void {
  if (left.kind === 'path' && right.kind === 'path' && pathText(left.path) === pathText(right.path)) {
    throw new ExpressionError(
      `The first operand must be distinct from the remaining operands for this operator or function; operator: ${name}, first operand: ${pathText(left.path)}`,
    );
  }
}

function betweenBounds(low: Resolved, high: Resolved): void {
  if (low.kind !== 'value' || high.kind !== 'value') return;
  const lowType = typeOf(low.value);
  const highType = typeOf(high.value);
  const shown = (value: AttributeValue, type: ValueType) => `AttributeValue: {${type}:${(value as Record<string, unknown>)[type]}}`;
  if (lowType !== highType) {
    throw new ExpressionError(
      `The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: ${shown(low.value, lowType)}, upper bound operand: ${shown(high.value, highType)}`,
    );
  }
}

/** A projection's paths with their names substituted. */
export function compileProjection(paths: readonly PathNode[], attributes: ExpressionAttributes): Path[] {
  const resolved = paths.map((path) => attributes.path(path));
  checkPathsApart(resolved);
  return resolved;
}

/** An update's actions with names and values substituted, checked as DynamoDB checks them. */
export function compileUpdate(actions: readonly UpdateAction[], attributes: ExpressionAttributes): CompiledUpdate[] {
  const compiled = actions.map((action): CompiledUpdate => {
    const path = attributes.path(action.path);
    if (action.section === 'REMOVE') return { section: action.section, path };
    const value = action.value as Operand;
    if (action.section === 'SET') return { section: action.section, path, value: setValue(value, attributes, true) };
    // ADD and DELETE take a value: a number or a set (ADD), a set (DELETE).
    if (value.kind !== 'value') throw new ExpressionError(`Syntax error; token: "${value.kind === 'path' ? 'path' : value.kind}"`);
    const operand = attributes.value(value.name);
    const type = typeOf(operand);
    const allowed = action.section === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
    if (!allowed.includes(type)) {
      throw new ExpressionError(
        `Incorrect operand type for operator or function; operator: ${action.section}, operand type: ${TYPE_NAMES[type]}`,
      );
    }
    return { section: action.section, path, value: { kind: 'value', value: operand } };
  });
  checkPathsApart(compiled.map((action) => action.path));
  return compiled;
}

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  BOOL: 'BOOLEAN',
  NULL: 'NULL',
  SS: 'STRING SET',
  NS: 'NUMBER SET',
  BS: 'BINARY SET',
  L: 'LIST',
  M: 'MAP',
};

function setValue(operand: Operand, attributes: ExpressionAttributes, top: boolean): Resolved {
  switch (operand.kind) {
    case 'path':
      return { kind: 'path', path: attributes.path(operand) };
    case 'value':
      return { kind: 'value', value: attributes.value(operand.name) };
    case 'arithmetic': {
      if (!top) throw new ExpressionError(`Syntax error; token: "${operand.operator}"`);
      const left = setValue(operand.left, attributes, false);
      const right = setValue(operand.right, attributes, false);
      for (const side of [left, right]) {
        if (side.kind === 'value' && typeOf(side.value) !== 'N') throw operandType(operand.operator, typeOf(side.value));
      }
      return { kind: 'arithmetic', operator: operand.operator, left, right };
    }
    case 'call': {
      const count = UPDATE_FUNCTIONS[operand.name];
      if (count === undefined) {
        if (CONDITION_FUNCTIONS[operand.name] !== undefined) throw misused(operand.name);
        throw new ExpressionError(`Invalid function name; function: ${operand.name}`);
      }
      if (operand.args.length !== count) {
        throw new ExpressionError(
          `Incorrect number of operands for operator or function; operator or function: ${operand.name}, number of operands: ${operand.args.length}`,
        );
      }
      const [first, second] = operand.args.map((arg) => setValue(arg, attributes, false)) as [Resolved, Resolved];
      if (operand.name === 'if_not_exists') {
        if (first.kind !== 'path')
          throw new ExpressionError('Operator or function requires a document path; operator or function: if_not_exists');
        return { kind: 'if_not_exists', path: first.path, fallback: second };
      }
      for (const side of [first, second]) {
        if (side.kind === 'value' && typeOf(side.value) !== 'L') throw operandType('list_append', typeOf(side.value));
      }
      return { kind: 'list_append', first, second };
    }
  }
}

/** Two paths of one update or projection may not overlap (`a` and `a.b`) or conflict (`a[0]` and `a.b`). */
function checkPathsApart(paths: readonly Path[]): void {
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const one = paths[i] as Path;
      const two = paths[j] as Path;
      let k = 0;
      for (; k < one.length && k < two.length; k++) {
        if (typeof one[k] !== typeof two[k]) {
          throw new ExpressionError(
            `Two document paths conflict with each other; must remove or rewrite one of these paths; path one: ${pathText(one)}, path two: ${pathText(two)}`,
          );
        }
        if (one[k] !== two[k]) break;
      }
      if (k === one.length || k === two.length) {
        throw new ExpressionError(
          `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${pathText(one)}, path two: ${pathText(two)}`,
        );
      }
    }
  }
}
