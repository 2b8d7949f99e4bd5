// One PartiQL statement prepared for the engine: its table (or index), its parameters, and
// what it is as the engine's own operations: a read of a page or of one item, or a write
// (PreparedWrite) that an ExecuteStatement, a batch or a transaction applies.
import { createHash } from 'node:crypto';
import { AwsError } from '../../../endpoint/aws-error.js';
import { validation } from '../errors.js';
import { applyUpdate, matches, type Path, type Predicate, project } from '../expressions/index.js';
import { checkItemForTable } from '../item-checks.js';
import { checkKeyNotUpdated, type ItemContext, type PreparedWrite, pickKey } from '../item-operations.js';
import type { ReadRow } from '../item-store.js';
import { keyConditionBounds, lastKey, type PageRead, positionAfter, readPage } from '../read-operations.js';
import { type IndexShape, type KeyShape, keyNames, type TableShape } from '../table-schema.js';
import { type AttributeValue, checkItem, type Item, keyBytes } from '../values.js';
import type { ParsedStatement, StatementNode } from './ast.js';
import { attributeValue, checkParameters, itemKey, pathOf, predicate, queryKey, updates } from './compile.js';
import { StatementError } from './lexer.js';
import { ProjectionError, parseStatement } from './parser.js';

type Json = Record<string, unknown>;

/** A statement ready to run: its tree, its parameters' values, and the table (and index) it names. */
export interface Prepared {
  readonly text: string;
  readonly node: StatementNode;
  readonly parameters: readonly AttributeValue[];
  readonly table: TableShape;
  readonly index?: IndexShape;
}

/** Statement trees by text: an app sends the same few statements with other parameters. */
const parsed = new Map<string, ParsedStatement | StatementError>();

/** A statement's tree, or DynamoDB's ValidationException for one that does not parse. */
export function parse(text: string): ParsedStatement {
  let tree = parsed.get(text);
  if (tree === undefined) {
    try {
      tree = parseStatement(text);
    } catch (error) {
      if (!(error instanceof StatementError)) throw error;
      tree = error;
    }
    if (parsed.size >= 5_000) parsed.clear();
    parsed.set(text, tree);
  }
  if (tree instanceof ProjectionError) throw validation(tree.message);
  if (tree instanceof StatementError) throw validation(`Statement wasn't well formed, can't be processed: ${tree.message}`);
  return tree;
}

/** Parses a statement, checks its parameters and finds its table (and index), as DynamoDB does before running it. */
export function prepare(context: ItemContext, text: string, rawParameters: unknown): Prepared {
  const { statement: node, parameters: count } = parse(text);
  const parameters = checkParameters(rawParameters, count);
  if (node.kind !== 'select' && node.target.index !== undefined) throw validation('This operation is not supported on an index');
  const table = context.catalog.get(node.target.table);
  let index: IndexShape | undefined;
  if (node.target.index !== undefined) {
    index = table.indexes.find((candidate) => candidate.name === node.target.index);
    if (!index) throw validation('The table does not have the specified index');
  }
  return { text, node, parameters, table, ...(index ? { index } : {}) };
}

const WHERE_KEY = 'Where clause does not contain a mandatory equality on all key attributes';

/** The one item a statement's WHERE names (full key equalities), or DynamoDB's refusal. */
export function statementKey(prepared: Prepared): Item {
  const where = 'where' in prepared.node ? prepared.node.where : undefined;
  const key = itemKey(where, prepared.table, prepared.parameters);
  if (!key) throw validation(WHERE_KEY);
  return key;
}

const whereOf = (prepared: Prepared): Predicate | undefined => {
  const where = 'where' in prepared.node ? prepared.node.where : undefined;
  return where && predicate(where, prepared.parameters);
};

/**
 * A write statement as the engine's write: INSERT puts an item that must not exist
 * (DuplicateItemException), UPDATE changes one that must exist and match its WHERE, DELETE
 * removes one if it matches (a missing item is no error), EXISTS checks its WHERE holds.
 */
export function writeOf(prepared: Prepared, input: Json): PreparedWrite {
  const { node, table, parameters } = prepared;
  const hash: Path = [table.hash.name];
  switch (node.kind) {
    case 'insert': {
      const value = attributeValue(node.item, parameters);
      if (!('M' in value)) throw validation("Statement wasn't well formed, can't be processed: Expected a tuple as the inserted item");
      const item = checkItem(value.M);
      checkItemForTable(table, item);
      const condition: Predicate = { kind: 'attribute_not_exists', path: hash };
      return { kind: 'Put', table, key: pickKey(item, table), condition, apply: () => item, input, duplicate: true };
    }
    case 'update': {
      const key = statementKey(prepared);
      const actions = updates(node.clauses, parameters);
      checkKeyNotUpdated(
        table,
        actions.map((action) => action.path),
      );
      const where = whereOf(prepared) as Predicate;
      const condition: Predicate = { kind: 'and', left: { kind: 'attribute_exists', path: hash }, right: where };
      const apply = (before: Item | undefined) => {
        const after = applyUpdate(actions, before ?? { ...key });
        checkItemForTable(table, after);
        return after;
      };
      return { kind: 'Update', table, key, condition, apply, input };
    }
    case 'delete': {
      const key = statementKey(prepared);
      const condition: Predicate = {
        kind: 'or',
        left: { kind: 'attribute_not_exists', path: hash },
        right: whereOf(prepared) as Predicate,
      };
      return { kind: 'Delete', table, key, condition, apply: () => undefined, input };
    }
    case 'exists': {
      const key = statementKey(prepared);
      const where = whereOf(prepared) as Predicate;
      return {
        kind: 'ConditionCheck',
        table,
        key,
        condition: node.negated ? { kind: 'not', predicate: where } : where,
        apply: (before) => before,
        input,
      };
    }
    default:
      throw new AwsError('InternalServerError', 'a SELECT is not a write', 500);
  }
}

/** A projection's paths, checked against a global index, which has only what it projects. */
function projectionOf(prepared: Prepared): Path[] | undefined {
  if (prepared.node.kind !== 'select' || !prepared.node.projection) return undefined;
  const paths = prepared.node.projection.map(pathOf);
  const index = prepared.index;
  if (index?.kind === 'global' && index.projection.type !== 'ALL') {
    const carried = new Set([...keyNames(prepared.table), ...keyNames(index), ...index.projection.attributes]);
    const missing = [...new Set(paths.map((path) => String(path[0])))].filter((name) => !carried.has(name));
    if (missing.length > 0) {
      throw validation(
        `One or more parameter values were invalid: Global secondary index ${index.name} does not project [${missing.join(', ')}]`,
      );
    }
  }
  return paths;
}

/** One item a SELECT names by its whole key (a batch's or a transaction's read), if it matches the WHERE. */
export function selectItem(context: ItemContext, prepared: Prepared): Item | undefined {
  const item = context.items.get(prepared.table, statementKey(prepared));
  const where = whereOf(prepared);
  if (!item || (where && !matches(where, item))) return undefined;
  const projection = projectionOf(prepared);
  return projection ? project(item, projection) : item;
}

/** Where a page of a SELECT stopped: which of its partitions, and the key after which the next page starts. */
interface Resume {
  readonly partition: number;
  readonly key: Item;
}

/** A SELECT's page: up to `limit` items evaluated or 1 MB, from where its NextToken says. */
export function selectPage(
  context: ItemContext,
  prepared: Prepared,
  options: { limit?: number; nextToken?: string; consistentRead?: boolean },
): PageRead & { nextToken?: string; lastEvaluatedKey?: Item } {
  const { node, table, index, parameters } = prepared;
  if (node.kind !== 'select') throw new AwsError('InternalServerError', 'not a SELECT', 500);
  if (index?.kind === 'global' && options.consistentRead) {
    throw validation('Strongly consistent read is not supported on Global Secondary Indexes');
  }
  const shape: KeyShape = index ?? table;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([prepared.text, parameters]))
    .digest('base64url')
    .slice(0, 16);
  const resume = options.nextToken === undefined ? undefined : readToken(options.nextToken, fingerprint);
  const key = queryKey(node.where, shape, parameters);
  const forward = orderForward(node, shape, key !== undefined);
  const filter = whereOf(prepared);
  const projection = projectionOf(prepared);
  let partitionOf: (row: ReadRow) => number = () => 0;
  let rows: Iterable<ReadRow>;
  if (key) {
    const starts = key.partitions.map((value) => Buffer.from(keyBytes(value)).toString('hex'));
    partitionOf = (row) => starts.indexOf(Buffer.from(row.hash).toString('hex'));
    rows = partitionRows(context, prepared, shape, key, forward, resume);
  } else rows = context.items.all(table, index, resume && positionAfter(resume.key, table, index));
  const read = readPage(rows, {
    table,
    ...(index ? { index } : {}),
    whole: index?.kind === 'local' && projection !== undefined,
    ...(filter ? { filter } : {}),
    ...(projection ? { projection } : {}),
    limit: options.limit ?? Number.POSITIVE_INFINITY,
  });
  if (!read.last) return read;
  const lastEvaluatedKey = lastKey(read.last.item, table, index);
  const token = Buffer.from(JSON.stringify({ f: fingerprint, p: partitionOf(read.last), k: lastEvaluatedKey })).toString('base64');
  return { ...read, nextToken: token, lastEvaluatedKey };
}

/** The rows of each partition a keyed SELECT names (an equality, or IN's values in order), within its sort key condition. */
function* partitionRows(
  context: ItemContext,
  prepared: Prepared,
  shape: KeyShape,
  key: { partitions: AttributeValue[]; range?: Predicate },
  forward: boolean,
  resume: Resume | undefined,
): Generator<ReadRow> {
  for (const [i, value] of key.partitions.entries()) {
    if (resume && i < resume.partition) continue;
    const hashCondition: Predicate = {
      kind: 'compare',
      operator: '=',
      left: { kind: 'path', path: [shape.hash.name] },
      right: { kind: 'value', value },
    };
    const condition: Predicate = key.range ? { kind: 'and', left: hashCondition, right: key.range } : hashCondition;
    const { hash, bounds } = keyConditionBounds(condition, shape);
    const after = resume && i === resume.partition ? positionAfter(resume.key, prepared.table, prepared.index) : undefined;
    yield* context.items.partition(prepared.table, prepared.index, hash, bounds, forward, after);
  }
}

/** ORDER BY: the sort key of a keyed SELECT, ascending or descending (the order Query reads in). */
function orderForward(node: Extract<StatementNode, { kind: 'select' }>, shape: KeyShape, keyed: boolean): boolean {
  if (!node.orderBy) return true;
  if (!node.where || !keyed) throw validation('Must have WHERE clause in the statement when using ORDER BY clause.');
  const [first, ...rest] = node.orderBy;
  const names = new Set(node.orderBy.map((order) => order.path.steps.join('.')));
  const sortKey = shape.range?.name;
  if (
    !first ||
    !sortKey ||
    [...names].some((name) => name !== sortKey && name !== shape.hash.name) ||
    rest.some((o) => o.descending !== first.descending)
  ) {
    throw validation('ORDER BY is supported only on the key attributes of the table or index queried, in one direction');
  }
  return !first.descending;
}

function readToken(token: string, fingerprint: string): Resume {
  let decoded: { f?: unknown; p?: unknown; k?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw validation('Invalid NextToken');
  }
  if (typeof decoded?.p !== 'number' || typeof decoded.k !== 'object' || decoded.k === null) throw validation('Invalid NextToken');
  if (decoded.f !== fingerprint) throw validation('NextToken does not match request');
  return { partition: decoded.p, key: checkItem(decoded.k) };
}
