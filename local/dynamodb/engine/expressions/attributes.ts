import { AwsError } from '../../../endpoint/aws-error.js';
import { isReservedWord } from '../reserved-words.js';
import { type AttributeValue, checkValue } from '../values.js';
import type { PathNode } from './ast.js';
import { ExpressionError } from './tokens.js';

/** A path with its names substituted: strings for attributes and map members, numbers for list indexes. */
export type Path = readonly (string | number)[];

/**
 * A request's ExpressionAttributeNames and ExpressionAttributeValues, checked as DynamoDB
 * checks them, and which of them its expressions used (each unused one is an error).
 */
export class ExpressionAttributes {
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, AttributeValue>>;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  constructor(names: unknown, values: unknown) {
    this.names = checkNames(names);
    this.values = checkValues(values);
  }

  /** A path's steps with `#names` substituted; plain names must not be reserved words. */
  path(node: PathNode): Path {
    return node.steps.map((step) => {
      if ('index' in step) return step.index;
      if (!step.placeholder) {
        if (isReservedWord(step.name)) throw new ExpressionError(`Attribute name is a reserved keyword; reserved keyword: ${step.name}`);
        return step.name;
      }
      const name = this.names[step.name];
      if (name === undefined) {
        throw new ExpressionError(`An expression attribute name used in the document path is not defined; attribute name: ${step.name}`);
      }
      this.#usedNames.add(step.name);
      return name;
    });
  }

  value(name: string): AttributeValue {
    const value = this.values[name];
    if (value === undefined) {
      throw new ExpressionError(`An expression attribute value used in expression is not defined; attribute value: ${name}`);
    }
    this.#usedValues.add(name);
    return value;
  }

  /** DynamoDB refuses names or values the expressions did not use. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.names).filter((name) => !this.#usedNames.has(name));
    if (unusedNames.length > 0) {
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
    }
    const unusedValues = Object.keys(this.values).filter((name) => !this.#usedValues.has(name));
    if (unusedValues.length > 0) {
      throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
    }
  }
}

const validation = (message: string) => new AwsError('ValidationException', message);

function checkNames(names: unknown): Record<string, string> {
  if (names === undefined || names === null) return {};
  const entries = Object.entries(names as Record<string, string>);
  if (entries.length === 0) throw validation('ExpressionAttributeNames must not be empty');
  for (const [key] of entries) {
    if (!/^#[0-9a-zA-Z_]+$/.test(key)) throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
  }
  return names as Record<string, string>;
}

function checkValues(values: unknown): Record<string, AttributeValue> {
  if (values === undefined || values === null) return {};
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) throw validation('ExpressionAttributeValues must not be empty');
  const checked: Record<string, AttributeValue> = {};
  for (const [key, value] of entries) {
    if (!/^:[0-9a-zA-Z_]+$/.test(key)) throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
    try {
      checked[key] = checkValue(value);
    } catch (error) {
      if (!(error instanceof AwsError) || error.code !== 'ValidationException') throw error;
      throw validation(`ExpressionAttributeValues contains invalid value: ${error.message} for key ${key}`);
    }
  }
  return checked;
}

/** `[a, b, [2]]`, as DynamoDB shows a path in its messages. */
export function pathText(path: Path): string {
  return `[${path.map((step) => (typeof step === 'number' ? `[${step}]` : step)).join(', ')}]`;
}
