import type { ServerResponse } from 'node:http';
import { isStatusOf } from '../../clients/execution-statuses.js';
import { type ForkRequest, type Lineage, type LineageNode, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { FORK_EFFECTS } from '../../contracts/fork.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';

/**
 * What a service adds to the read API: its module mounts it (`mounts.reads`) as it mounts its
 * AWS protocols, and the read API's router answers it beside its own views (the event records,
 * lineage and the live stream). Nothing here names a service: each one's routes are in its own
 * folder (`local/<service>/read-routes.ts`).
 */
export interface ServiceReads {
  /** The paths it answers under READ_API_PREFIX. */
  readonly routes?: readonly ReadRoute[];
  /** What hangs under a segment in a lineage tree besides the read API's records (a durable execution an invocation started, a model call it made). */
  readonly lineage?: (segment: string) => readonly LineageNode[];
  /** An invocation's log lines, which lineage shows under it; one module gives them (CloudWatch Logs'). */
  readonly invocationLogs?: LogReader;
}

/** An invocation's log lines (START to REPORT), from wherever the function's logs are kept. */
export type LogReader = (invocation: {
  readonly logGroup: string;
  readonly logStream: string;
  readonly requestId: string;
  readonly startedAt: number;
  readonly endedAt?: number;
}) => Promise<readonly string[]>;

/** One path of the read API (or a family of paths: a list and its items). */
export interface ReadRoute {
  /** Its path under READ_API_PREFIX, as READ_API_PATHS names it: what a 404 lists among the paths served. */
  readonly path: string;
  /** Whether it answers a request's path (under the prefix): no two routes answer the same one. @default the path itself only */
  matches?(path: string): boolean;
  /**
   * Answers a GET or HEAD; a client error is a thrown ReadApiFailure (or InvalidCursorError), anything else a 500.
   * @default - none: a GET is refused (405) on a route that only takes a POST
   */
  handle?(request: ReadRequest): Promise<void> | void;
  /**
   * Answers a POST: an action AWS has no API for (a fork), with a JSON body, refused as a GET is.
   * @default - none: a POST is refused (405)
   */
  post?(request: ReadPost): Promise<void> | void;
}

/** A POST as a route gets it: its path under the prefix, its query, its body parsed as JSON, and the response. */
export interface ReadPost {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly res: ServerResponse;
}

/** A request as a route gets it: its path under the prefix, its query, the response, and the read API's own lineage. */
export interface ReadRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly res: ServerResponse;
  /** The whole lineage of an id (every page of roots), as `/lineage/<id>` answers it: what `/traces/<id>` finds traces by. */
  lineage(id: string): Promise<Lineage>;
}

/** Where a page of a list ended that is ordered by start time then ARN (Express and durable executions, an execution's forks). */
export interface ExpressPosition {
  readonly startDate: number;
  readonly arn: string;
}

/**
 * A page of items ordered by start time then ARN, newest first (Express and durable
 * executions) or oldest first (an execution's forks), after `after`: so that a page's last one
 * is a position the next page continues after, whatever started or was dropped in between.
 * `last` is that position when more follow.
 */
export function startOrderedPage<T>(
  items: readonly T[],
  positionOf: (item: T) => ExpressPosition,
  order: 'newest' | 'oldest',
  page: { readonly limit: number; readonly after?: ExpressPosition },
): { shown: T[]; last?: ExpressPosition } {
  const sign = order === 'newest' ? -1 : 1;
  const compare = (a: ExpressPosition, b: ExpressPosition) =>
    sign * (a.startDate - b.startDate || (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  const { after } = page;
  const chosen = items
    .map((item) => ({ item, position: positionOf(item) }))
    .filter(({ position }) => after === undefined || compare(position, after) > 0)
    .sort((a, b) => compare(a.position, b.position));
  const shown = chosen.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    shown: shown.map(({ item }) => item),
    ...(chosen.length > shown.length && last ? { last: { startDate: last.position.startDate, arn: last.position.arn } } : {}),
  };
}

/** A client error: 400 for a bad parameter, 404 for a path or id that names nothing, 405 for a method. */
export class ReadApiFailure extends Error {
  override readonly name = 'ReadApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the services mount for the read API cannot be served together: two routes for one path, two sources of invocations' log lines. */
export class ReadApiRouteError extends Error {
  override readonly name = 'ReadApiRouteError';
}

/** The most items of a page (the whole answer, before lists paged). */
const MAX_LIMIT = 1000;

/** A path's id after its prefix, percent-decoded; 400 when it is empty or its encoding is broken. */
export function idInPath(path: string, prefix: string): string {
  let id: string;
  try {
    id = decodeURIComponent(path.slice(prefix.length));
  } catch {
    throw new ReadApiFailure(400, 'InvalidParameter', 'the id in the path has a malformed percent-encoding');
  }
  if (id === '') throw new ReadApiFailure(400, 'InvalidParameter', `name what to read: ${READ_API_PREFIX}${prefix}<id>`);
  return id;
}

/** One page of a list the read API serves, as {@link pageOf} reads it from the query. */
export interface ListPage<P> {
  /** How many items the page holds at most. */
  readonly limit: number;
  /** Where the page starts: the position the query's `nextToken` holds; undefined for the first page. */
  readonly position: P | undefined;
  /** The page's size and its start under the name the list's source takes it by (`before`, `after`), left out on the first page. */
  from<K extends string>(key: K): { readonly limit: number } & { readonly [k in K]?: P };
  /** The page's `nextToken`, from the position of its last item; none when the list ended there. */
  next(last: P | undefined): { nextToken?: string };
}

/**
 * The page of `list` a query asks for: its `limit` (or the one given) and the position its
 * `nextToken` holds, checked to be this list's with these filters and of the shape `valid`
 * takes; `next` makes the following page's token. Every paged route reads its page here.
 * @throws InvalidCursorError for a token of another list, other filters, or another shape
 */
export function pageOf<P>(
  query: URLSearchParams,
  list: string,
  filters: Readonly<Record<string, unknown>>,
  valid: (position: unknown) => position is P,
  limit: number = limitOf(query),
): ListPage<P> {
  const token = query.get('nextToken');
  const position = token === null ? undefined : decodeCursor(token, list, filters);
  if (token !== null && !valid(position)) throw new InvalidCursorError('nextToken is not a token this read API gave');
  const start = position as P | undefined;
  return {
    limit,
    position: start,
    from: <K extends string>(key: K) =>
      ({ limit, ...(start === undefined ? {} : { [key]: start }) }) as { limit: number } & { [k in K]?: P },
    next: (last) => (last === undefined ? {} : { nextToken: encodeCursor(list, filters, last) }),
  };
}

export function isSequence(position: unknown): position is number {
  return Number.isSafeInteger(position) && (position as number) >= 0;
}

export function isExpressPosition(position: unknown): position is ExpressPosition {
  const p = position as Partial<ExpressPosition> | null;
  return p !== null && typeof p === 'object' && Number.isFinite(p.startDate) && typeof p.arn === 'string';
}

/** Refuses a parameter the path does not take (a typo would otherwise be silently ignored). */
export function only(query: URLSearchParams, allowed: readonly string[]): void {
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) {
      throw new ReadApiFailure(
        400,
        'InvalidParameter',
        `unknown parameter ${JSON.stringify(name)}${allowed.length ? `; this path takes ${allowed.join(', ')}` : '; this path takes none'}`,
      );
    }
    if (query.getAll(name).length > 1) throw new ReadApiFailure(400, 'InvalidParameter', `parameter ${name} is given more than once`);
  }
}

function limitOf(query: URLSearchParams): number {
  return integerOf(query, 'limit', 1, MAX_LIMIT) ?? 100;
}

export function integerOf(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ReadApiFailure(400, 'InvalidParameter', `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** The `since` filter of a list (an ISO-8601 time) as epoch milliseconds: `{}` when not given. */
export function sinceOf(query: URLSearchParams): { since?: number } {
  if (!query.has('since')) return {};
  const since = Date.parse(query.get('since') ?? '');
  if (Number.isNaN(since))
    throw new ReadApiFailure(400, 'InvalidParameter', `since must be an ISO-8601 time, not ${JSON.stringify(query.get('since'))}`);
  return { since };
}

/** The `status` filter of a list, one of `statuses`; undefined when not given. */
export function statusOf<S extends string>(query: URLSearchParams, statuses: readonly S[]): S | undefined {
  const status = query.get('status') ?? undefined;
  if (status !== undefined && !isStatusOf(statuses, status)) {
    throw new ReadApiFailure(400, 'InvalidParameter', `status must be one of ${statuses.join(', ')}, not ${JSON.stringify(status)}`);
  }
  return status;
}

/** What an executions list asks of its service: its one named filter and the status, the page's size, and where the last page ended. */
export type ExecutionsFilter<F extends string> = Partial<Record<F, string>> & {
  readonly status?: string;
  readonly limit: number;
  readonly after?: ExpressPosition;
};

/**
 * A page of an executions list (Express executions, durable executions), newest first: the
 * query's `status` and its one other filter (`param`, passed on as `field`), `limit` and
 * `nextToken`, and the token of the next page.
 */
export function executionsPage<F extends string, E>(
  query: URLSearchParams,
  list: string,
  filter: { readonly param: string; readonly field: F },
  statuses: readonly string[],
  summaries: (filter: ExecutionsFilter<F>) => { executions: E[]; last?: ExpressPosition },
): { executions: E[]; nextToken?: string } {
  only(query, [filter.param, 'status', 'limit', 'nextToken']);
  const status = statusOf(query, statuses);
  const filters = { ...(query.has(filter.param) ? { [filter.field]: query.get(filter.param) ?? '' } : {}), ...(status ? { status } : {}) };
  const page = pageOf(query, list, filters, isExpressPosition);
  // The one filter's key is `field`, which the type of a computed key does not carry.
  const found = summaries({ ...filters, ...page.from('after') } as ExecutionsFilter<F>);
  return { executions: found.executions, ...page.next(found.last) };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

const FORK_FIELDS = ['executionArn', 'from', 'input', 'patch', 'effects'];

/**
 * The body of a fork's POST (POST /forks, POST /durable-forks), checked: 400 naming the field
 * that is wrong. `begins` says what `from` names (`the state`).
 */
export function forkRequestOf(body: unknown, begins: string): ForkRequest {
  const bad = (message: string) => new ReadApiFailure(400, 'InvalidParameter', message);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('the body must be a JSON object: { executionArn, from, input?, patch?, effects? }');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !FORK_FIELDS.includes(name));
  if (unknown.length > 0) throw bad(`unknown field ${unknown.join(', ')}: a fork takes ${FORK_FIELDS.join(', ')}`);
  if (typeof fields.executionArn !== 'string' || fields.executionArn === '') throw bad("executionArn must be the parent execution's ARN");
  if (typeof fields.from !== 'string' || fields.from === '') throw bad(`from must name ${begins} the fork begins at`);
  if (fields.effects !== undefined && !(FORK_EFFECTS as readonly unknown[]).includes(fields.effects))
    throw bad(`effects must be ${FORK_EFFECTS.join(' or ')}`);
  return fields as unknown as ForkRequest;
}
