import { cosine } from '../bedrock/lexical-embedding.js';
import { validationError } from '../endpoint/aws-error.js';
import type { StoredVector, VectorMetadata } from './vector-store.js';

/** A QueryVectors filter, in the API's shape (a JSON document: `{"genre": {"$eq": "drama"}}`, `{"$and": [...]}`). */
export type MetadataFilter = Readonly<Record<string, unknown>>;

/** A vector found by a query, with its distance to the query vector (smaller is closer). */
export interface Neighbour {
  readonly vector: StoredVector;
  readonly distance: number;
}

/**
 * The distance of two vectors as S3 Vectors reports it for the index's metric: cosine distance
 * (1 - cosine similarity, the knowledge bases' `cosine`) or Euclidean distance.
 */
export function distanceOf(metric: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (metric === 'cosine') return 1 - cosine(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum);
}

/**
 * The `topK` vectors closest to `query` that pass `filter`, closest first (ties by key). Exact:
 * every vector of the index is compared, where AWS searches an approximate index; fine for a
 * local data set, and the answer is the one an approximate search tries to find.
 */
export function nearest(
  vectors: readonly StoredVector[],
  query: { readonly data: ArrayLike<number>; readonly metric: string; readonly topK: number },
  filter: { readonly filter?: MetadataFilter; readonly nonFilterable: readonly string[] },
): Neighbour[] {
  const test = filter.filter === undefined ? undefined : compileFilter(filter.filter);
  const hidden = new Set(filter.nonFilterable);
  const found: Neighbour[] = [];
  for (const vector of vectors) {
    if (test !== undefined && !test(filterable(vector.metadata ?? {}, hidden))) continue;
    found.push({ vector, distance: distanceOf(query.metric, query.data, vector.data) });
  }
  found.sort((a, b) => a.distance - b.distance || (a.vector.key < b.vector.key ? -1 : 1));
  return found.slice(0, query.topK);
}

/** The metadata a filter sees: the index's non-filterable keys are not there (AWS cannot filter on them). */
function filterable(metadata: VectorMetadata, hidden: ReadonlySet<string>): VectorMetadata {
  return hidden.size === 0 ? metadata : Object.fromEntries(Object.entries(metadata).filter(([key]) => !hidden.has(key)));
}

type Test = (metadata: VectorMetadata) => boolean;

const isPrimitive = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
/** A metadata value's items: a list's, else the value itself (`$eq` on a list matches any of its items, as AWS's). */
const itemsOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const numeric = (operator: string, operand: unknown): number => {
  if (typeof operand !== 'number') throw validationError(`Invalid filter: ${operator} takes a number.`);
  return operand;
};
const primitives = (operator: string, operand: unknown): unknown[] => {
  if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isPrimitive)) {
    throw validationError(`Invalid filter: ${operator} takes a non-empty array of strings, numbers or booleans.`);
  }
  return operand;
};
const primitive = (operator: string, operand: unknown): unknown => {
  if (!isPrimitive(operand)) throw validationError(`Invalid filter: ${operator} takes a string, number or boolean.`);
  return operand;
};

/** S3 Vectors' comparison operators, each of a key's value given its operand (checked when the filter is read). */
const OPERATORS: Readonly<Record<string, (operand: unknown) => (value: unknown) => boolean>> = {
  $eq: (operand) => {
    const expected = primitive('$eq', operand);
    return (value) => itemsOf(value).includes(expected);
  },
  $ne: (operand) => {
    const expected = primitive('$ne', operand);
    return (value) => !itemsOf(value).includes(expected);
  },
  $gt: (operand) => ordered(numeric('$gt', operand), (a, b) => a > b),
  $gte: (operand) => ordered(numeric('$gte', operand), (a, b) => a >= b),
  $lt: (operand) => ordered(numeric('$lt', operand), (a, b) => a < b),
  $lte: (operand) => ordered(numeric('$lte', operand), (a, b) => a <= b),
  $in: (operand) => {
    const allowed = primitives('$in', operand);
    return (value) => itemsOf(value).some((item) => allowed.includes(item));
  },
  $nin: (operand) => {
    const refused = primitives('$nin', operand);
    return (value) => !itemsOf(value).some((item) => refused.includes(item));
  },
  $exists: (operand) => {
    if (typeof operand !== 'boolean') throw validationError('Invalid filter: $exists takes a boolean.');
    return (value) => (value !== undefined) === operand;
  },
};

function ordered(operand: number, compare: (a: number, b: number) => boolean): (value: unknown) => boolean {
  return (value) => typeof value === 'number' && compare(value, operand);
}

/**
 * A filter as a test of a vector's metadata: each key of an object is a condition, all of which
 * hold (`$and`, `$or` take a non-empty array of filters; a metadata key a value, `$eq` of it, or
 * an object of one operator and its operand).
 * @throws AwsError ValidationException for an operator S3 Vectors does not have, or an operand of the wrong type
 */
export function compileFilter(filter: unknown): Test {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter) || Object.keys(filter).length === 0) {
    throw validationError('Invalid filter: a filter is a non-empty JSON object.');
  }
  const tests = Object.entries(filter).map(([key, condition]): Test => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition) || condition.length === 0)
        throw validationError(`Invalid filter: ${key} takes a non-empty array of filters.`);
      const parts = condition.map(compileFilter);
      return key === '$and' ? (m) => parts.every((t) => t(m)) : (m) => parts.some((t) => t(m));
    }
    if (key.startsWith('$')) throw validationError(`Invalid filter: unknown operator ${key}.`);
    const compare = conditionOf(condition);
    return (m) => compare(Object.hasOwn(m, key) ? m[key] : undefined);
  });
  return (m) => tests.every((t) => t(m));
}

function conditionOf(condition: unknown): (value: unknown) => boolean {
  if (typeof condition !== 'object' || condition === null) return OPERATORS.$eq?.(condition) as (value: unknown) => boolean;
  const entries = Object.entries(condition);
  const [operator, operand] = entries[0] ?? [];
  const make = operator === undefined ? undefined : OPERATORS[operator];
  if (entries.length !== 1 || make === undefined) {
    throw validationError(`Invalid filter: a key's condition is a value or one of ${Object.keys(OPERATORS).join(', ')}.`);
  }
  return make(operand);
}
