import { AwsError } from '../../../endpoint/aws-error.js';
import type { Condition, PathNode, UpdateAction } from './ast.js';
import type { ExpressionAttributes, Path } from './attributes.js';
import { type CompiledUpdate, compileCondition, compileProjection, compileUpdate, type Predicate } from './compile.js';
import { parseCondition, parseProjection, parseUpdate } from './parser.js';
import { ExpressionError } from './tokens.js';

export { ExpressionAttributes, type Path } from './attributes.js';
export type { CompiledUpdate, Predicate, Resolved } from './compile.js';
export { addValues, applyUpdate, deleteFromSet, matches, project } from './evaluate.js';

export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression';

/**
 * Syntax trees by expression text: a service's requests repeat the same few expressions, so
 * each is parsed once (a bounded cache, emptied when full).
 */
const trees = new Map<string, Condition | PathNode[] | UpdateAction[] | ExpressionError>();
const MAX_TREES = 5_000;

function tree<T>(kind: ExpressionKind, text: string, parse: (text: string) => T): T {
  const key = `${kind === 'UpdateExpression' ? 'U' : kind === 'ProjectionExpression' ? 'P' : 'C'}${text}`;
  let parsed = trees.get(key);
  if (parsed === undefined) {
    try {
      parsed = parse(text) as Condition;
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      parsed = error;
    }
    if (trees.size >= MAX_TREES) trees.clear();
    trees.set(key, parsed);
  }
  if (parsed instanceof ExpressionError) throw invalid(kind, parsed);
  return parsed as T;
}

function invalid(kind: ExpressionKind, error: ExpressionError): AwsError {
  return new AwsError('ValidationException', `Invalid ${kind}: ${error.message}`);
}

/** Runs a compile step, turning an expression's error into DynamoDB's `Invalid <kind>: ...`. */
function compiling<T>(kind: ExpressionKind, compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof ExpressionError) throw invalid(kind, error);
    throw error;
  }
}

export function conditionExpression(
  kind: 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression',
  text: string,
  attributes: ExpressionAttributes,
): Predicate {
  const parsed = tree(kind, text, parseCondition);
  return compiling(kind, () => compileCondition(parsed, attributes));
}

export function updateExpression(text: string, attributes: ExpressionAttributes): CompiledUpdate[] {
  const parsed = tree('UpdateExpression', text, parseUpdate);
  return compiling('UpdateExpression', () => compileUpdate(parsed, attributes));
}

export function projectionExpression(text: string, attributes: ExpressionAttributes): Path[] {
  const parsed = tree('ProjectionExpression', text, parseProjection);
  return compiling('ProjectionExpression', () => compileProjection(parsed, attributes));
}
