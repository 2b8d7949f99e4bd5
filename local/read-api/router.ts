import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type BusEventRecord,
  type BusEventsPage,
  type DurableExecutionDetail,
  type DurableExecutionSummary,
  type DurableExecutionsPage,
  type ExpressExecutionSummary,
  type ExpressExecutionsPage,
  type FlowControlReport,
  type IamReport,
  type Lineage,
  type MailMessage,
  type MailPage,
  type MailSummary,
  type ModelCallSummary,
  type ModelCallsPage,
  type OtlpTracesData,
  type PeekedMessage,
  type QueueMessagesPage,
  READ_API_PATHS,
  READ_API_PREFIX,
  type ReadApiError,
} from '../../clients/read-api-contract.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import { DURABLE_STATUSES } from './durable-statuses.js';
import type { LiveFeed } from './live-feed.js';

/** Where a page of Express executions ended (newest first by start time, then ARN). */
export interface ExpressPosition {
  readonly startDate: number;
  readonly arn: string;
}

/**
 * What the read API reads from: the runtime's services and its own records. Each list
 * answers a page and, when more follow, the position of its last item (`last`), which the
 * router turns into a `nextToken` and back.
 */
export interface ReadApiSources {
  readonly feed: LiveFeed;
  expressExecutions(filter: { stateMachineArn?: string; status?: string; limit: number; after?: ExpressPosition }): {
    executions: readonly ExpressExecutionSummary[];
    last?: ExpressPosition;
  };
  events?(query: EventsQuery): { events: readonly BusEventRecord[]; last?: number };
  lineage?(id: string, depth: number, page: { limit: number; after?: number }): Promise<{ roots: Lineage['roots']; last?: number }>;
  flowControl?(): Promise<FlowControlReport>;
  durableExecutions?(filter: { functionName?: string; status?: string; limit: number; after?: ExpressPosition }): {
    executions: readonly DurableExecutionSummary[];
    last?: ExpressPosition;
  };
  durableExecution?(arn: string): DurableExecutionDetail | undefined;
  modelCalls?(query: { since?: number; limit: number; before?: number }): {
    readonly calls: readonly ModelCallSummary[];
    readonly last?: number;
  };
  iam?(): IamReport;
  mail?: MailSource;
  /** A queue's visible messages after a position, read without receiving them; undefined for no such queue. */
  queueMessages?(query: {
    queueUrl: string;
    limit: number;
    after?: number;
  }): { messages: readonly PeekedMessage[]; last?: number } | undefined;
  /** The spans `id` names (a trace id, or anything lineage takes), as OTLP/JSON; undefined when none is kept. */
  traces?(id: string): Promise<OtlpTracesData | undefined>;
}

/** The local SES's mailbox, as the read API reads it (asked when a request asks: SES is created after the read API). */
export interface MailSource {
  list(query: { limit: number; before?: number; address?: string }): { readonly messages: readonly MailSummary[]; readonly last?: number };
  message(id: string): Promise<MailMessage | undefined>;
  raw(id: string): Buffer | undefined;
}

export interface EventsQuery {
  readonly bus?: string;
  readonly detailType?: string;
  readonly replayName?: string;
  readonly since?: number;
  readonly limit: number;
  /** Only events older than this sequence number (the `last` of the page before). */
  readonly before?: number;
}

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
/** The most items of a page (the whole answer, before lists paged). */
const MAX_LIMIT = 1000;
const MAX_DEPTH = 50;
/** Lineage roots found by a detail value per page: each is a whole tree. */
const MAX_LINEAGE_LIMIT = 50;

/** A client error: 400 for a bad parameter, 404 for a path or id that names nothing, 405 for a method. */
class ReadApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The read API's HTTP side under {@link READ_API_PREFIX}: JSON answers to GET, the live
 * feed as server-sent events. Every client error is a JSON {@link ReadApiError}; an error
 * of ours is a 500 in the same shape, never an HTML page or a dropped connection.
 */
export class ReadApiRouter {
  constructor(private readonly sources: ReadApiSources) {}

  /** Whether the request is for the read API (anything under the prefix is, whatever its method). */
  handles(rawPath: string): boolean {
    return rawPath === READ_API_PREFIX || rawPath.startsWith(`${READ_API_PREFIX}/`);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (error) {
      // A live feed already streaming has no status line left to answer with.
      if (res.headersSent) res.destroy();
      else if (error instanceof ReadApiFailure) sendJson(res, error.status, { error: error.code, message: error.message });
      else if (error instanceof InvalidCursorError) sendJson(res, 400, { error: 'InvalidParameter', message: error.message });
      else sendJson(res, 500, { error: 'InternalError', message: `the read API failed: ${(error as Error).message}` });
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.slice(READ_API_PREFIX.length) || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      throw new ReadApiFailure(405, 'MethodNotAllowed', `the read API answers GET only, not ${req.method}`);
    }
    const query = url.searchParams;
    if (path === READ_API_PATHS.stream) {
      only(query, []);
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
        res.end();
        return;
      }
      this.sources.feed.subscribe(res);
      return;
    }
    if (path === READ_API_PATHS.expressExecutions) return this.#expressExecutions(query, res);
    if (path === READ_API_PATHS.events && this.sources.events) return this.#events(this.sources.events, query, res);
    if (path.startsWith(READ_API_PATHS.lineage) && this.sources.lineage) return this.#lineage(this.sources.lineage, path, query, res);
    if (path === READ_API_PATHS.flowControl && this.sources.flowControl) {
      only(query, []);
      return sendJson(res, 200, await this.sources.flowControl());
    }
    if (path.startsWith(READ_API_PATHS.durableExecutions) && this.sources.durableExecutions) return this.#durable(path, query, res);
    if (path === READ_API_PATHS.modelCalls && this.sources.modelCalls) {
      only(query, ['since', 'limit', 'nextToken']);
      const since = query.has('since') ? Date.parse(query.get('since') ?? '') : undefined;
      if (since !== undefined && Number.isNaN(since))
        throw new ReadApiFailure(400, 'InvalidParameter', `since must be an ISO-8601 time, not ${JSON.stringify(query.get('since'))}`);
      const filters = since === undefined ? {} : { since };
      const list = READ_API_PATHS.modelCalls;
      const before = positionOf(query, list, filters, isSequence);
      const found = this.sources.modelCalls({ ...filters, limit: limitOf(query), ...(before === undefined ? {} : { before }) });
      const page: ModelCallsPage = { calls: found.calls, ...nextTokenOf(list, filters, found.last) };
      return sendJson(res, 200, page);
    }
    if ((path === READ_API_PATHS.mail || path.startsWith(`${READ_API_PATHS.mail}/`)) && this.sources.mail) {
      return this.#mail(this.sources.mail, path, query, res);
    }
    if (path === READ_API_PATHS.queueMessages && this.sources.queueMessages)
      return this.#queueMessages(this.sources.queueMessages, query, res);
    if (path.startsWith(READ_API_PATHS.traces) && this.sources.traces) return this.#traces(this.sources.traces, path, query, res);
    if (path === READ_API_PATHS.iam && this.sources.iam) {
      only(query, []);
      return sendJson(res, 200, this.sources.iam());
    }
    const known = Object.values(READ_API_PATHS).map((p) => `${READ_API_PREFIX}${p}`);
    throw new ReadApiFailure(404, 'NotFound', `the read API has no ${url.pathname}; it serves ${known.join(', ')}`);
  }

  /** A queue's messages (`/queue-messages?queueUrl=`), read without being received. */
  #queueMessages(source: NonNullable<ReadApiSources['queueMessages']>, query: URLSearchParams, res: ServerResponse): void {
    only(query, ['queueUrl', 'limit', 'nextToken']);
    const queueUrl = query.get('queueUrl');
    if (!queueUrl) throw new ReadApiFailure(400, 'InvalidParameter', 'queueUrl is required: the URL of the queue to read');
    const list = READ_API_PATHS.queueMessages;
    const filters = { queueUrl };
    const after = positionOf(query, list, filters, isSequence);
    const found = source({ queueUrl, limit: limitOf(query), ...(after === undefined ? {} : { after }) });
    if (found === undefined) throw new ReadApiFailure(404, 'NotFound', `no queue ${queueUrl}`);
    const page: QueueMessagesPage = { messages: found.messages, ...nextTokenOf(list, filters, found.last) };
    sendJson(res, 200, page);
  }

  /** The mailbox (`/mail`), one message (`/mail/<id>`), or its MIME message (`/mail/<id>/raw`). */
  async #mail(mail: MailSource, path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const list = READ_API_PATHS.mail;
    if (path === list) {
      only(query, ['address', 'limit', 'nextToken']);
      const filters = query.has('address') ? { address: query.get('address') ?? '' } : {};
      const before = positionOf(query, list, filters, isSequence);
      const found = mail.list({ ...filters, limit: limitOf(query), ...(before === undefined ? {} : { before }) });
      const page: MailPage = { messages: found.messages, ...nextTokenOf(list, filters, found.last) };
      return sendJson(res, 200, page);
    }
    only(query, []);
    const [encoded = '', part, ...rest] = path.slice(list.length + 1).split('/');
    let id: string;
    try {
      id = decodeURIComponent(encoded);
    } catch {
      throw new ReadApiFailure(400, 'InvalidParameter', 'the message id in the path has a malformed percent-encoding');
    }
    if (rest.length > 0 || (part !== undefined && part !== 'raw')) {
      throw new ReadApiFailure(
        404,
        'NotFound',
        `the read API has no ${READ_API_PREFIX}${path}; it serves ${READ_API_PREFIX}${list}/<id> and ${READ_API_PREFIX}${list}/<id>/raw`,
      );
    }
    if (part === 'raw') {
      const raw = mail.raw(id);
      if (raw === undefined) throw new ReadApiFailure(404, 'NotFound', `no mail ${id}`);
      res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': raw.length, 'cache-control': 'no-store' });
      res.end(res.req?.method === 'HEAD' ? undefined : raw);
      return;
    }
    const message = await mail.message(id);
    if (message === undefined) throw new ReadApiFailure(404, 'NotFound', `no mail ${id}`);
    sendJson(res, 200, message);
  }

  #expressExecutions(query: URLSearchParams, res: ServerResponse): void {
    only(query, ['stateMachineArn', 'status', 'limit', 'nextToken']);
    const status = query.get('status') ?? undefined;
    if (status !== undefined && !STATUSES.has(status)) {
      throw new ReadApiFailure(400, 'InvalidParameter', `status must be one of ${[...STATUSES].join(', ')}, not ${JSON.stringify(status)}`);
    }
    const filters = {
      ...(query.has('stateMachineArn') ? { stateMachineArn: query.get('stateMachineArn') ?? '' } : {}),
      ...(status ? { status } : {}),
    };
    const list = READ_API_PATHS.expressExecutions;
    const after = positionOf(query, list, filters, isExpressPosition);
    const found = this.sources.expressExecutions({ ...filters, limit: limitOf(query), ...(after ? { after } : {}) });
    const page: ExpressExecutionsPage = { executions: found.executions, ...nextTokenOf(list, filters, found.last) };
    sendJson(res, 200, page);
  }

  /** The list of durable executions, or one (`/durable-executions/<arn>`). */
  #durable(path: string, query: URLSearchParams, res: ServerResponse): void {
    const list = READ_API_PATHS.durableExecutions;
    if (path.startsWith(`${list}/`)) {
      only(query, []);
      const arn = decodeURIComponent(path.slice(list.length + 1));
      const detail = this.sources.durableExecution?.(arn);
      if (detail === undefined) throw new ReadApiFailure(404, 'NotFound', `no durable execution ${arn}`);
      sendJson(res, 200, detail);
      return;
    }
    if (path !== list) throw new ReadApiFailure(404, 'NotFound', `the read API has no ${READ_API_PREFIX}${path}`);
    only(query, ['function', 'status', 'limit', 'nextToken']);
    const status = query.get('status') ?? undefined;
    if (status !== undefined && !DURABLE_STATUSES.has(status)) {
      throw new ReadApiFailure(
        400,
        'InvalidParameter',
        `status must be one of ${[...DURABLE_STATUSES].join(', ')}, not ${JSON.stringify(status)}`,
      );
    }
    const filters = { ...(query.has('function') ? { functionName: query.get('function') ?? '' } : {}), ...(status ? { status } : {}) };
    const after = positionOf(query, list, filters, isExpressPosition);
    const found = this.sources.durableExecutions?.({ ...filters, limit: limitOf(query), ...(after ? { after } : {}) }) ?? {
      executions: [],
    };
    const page: DurableExecutionsPage = { executions: found.executions, ...nextTokenOf(list, filters, found.last) };
    sendJson(res, 200, page);
  }

  #events(events: NonNullable<ReadApiSources['events']>, query: URLSearchParams, res: ServerResponse): void {
    only(query, ['bus', 'detailType', 'replayName', 'since', 'limit', 'nextToken']);
    const since = query.get('since');
    const sinceMs = since === null ? undefined : Date.parse(since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs)) {
      throw new ReadApiFailure(
        400,
        'InvalidParameter',
        `since must be an ISO 8601 time (2026-01-31T12:00:00Z), not ${JSON.stringify(since)}`,
      );
    }
    const text = (name: string) => (query.has(name) ? { [name]: query.get(name) ?? '' } : {});
    const filters = { ...text('bus'), ...text('detailType'), ...text('replayName'), ...(sinceMs === undefined ? {} : { since: sinceMs }) };
    const list = READ_API_PATHS.events;
    const before = positionOf(query, list, filters, isSequence);
    const found = events({ ...filters, limit: limitOf(query), ...(before === undefined ? {} : { before }) });
    const page: BusEventsPage = { events: found.events, ...nextTokenOf(list, filters, found.last) };
    sendJson(res, 200, page);
  }

  /** `/traces/<id>`: OTLP/JSON, whole (a journey's traces are bounded, MAX_TRACES_PER_ANSWER). */
  async #traces(tracesOf: NonNullable<ReadApiSources['traces']>, path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    only(query, []);
    const id = idInPath(path, READ_API_PATHS.traces);
    const traces = await tracesOf(id);
    if (traces === undefined)
      throw new ReadApiFailure(404, 'NotFound', `no span the runtime received is of a trace ${JSON.stringify(id)} names`);
    sendJson(res, 200, traces);
  }

  async #lineage(
    lineageOf: NonNullable<ReadApiSources['lineage']>,
    path: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): Promise<void> {
    only(query, ['depth', 'limit', 'nextToken']);
    const id = idInPath(path, READ_API_PATHS.lineage);
    const depth = integerOf(query, 'depth', 1, MAX_DEPTH) ?? MAX_DEPTH;
    const filters = { lineage: id, depth };
    const list = READ_API_PATHS.lineage;
    const after = positionOf(query, list, filters, isSequence);
    const limit = integerOf(query, 'limit', 1, MAX_LINEAGE_LIMIT) ?? MAX_LINEAGE_LIMIT;
    const found = await lineageOf(id, depth, { limit, ...(after === undefined ? {} : { after }) });
    const lineage: Lineage = { roots: found.roots, ...nextTokenOf(list, filters, found.last) };
    // A later page may come up empty (its events trimmed since): only the first says the id names nothing.
    if (lineage.roots.length === 0 && after === undefined) {
      throw new ReadApiFailure(
        404,
        'NotFound',
        `nothing the runtime recorded is named ${JSON.stringify(id)} or carries it in an event's detail`,
      );
    }
    sendJson(res, 200, lineage);
  }
}

/** A path's id after its prefix, percent-decoded; 400 when it is empty or its encoding is broken. */
function idInPath(path: string, prefix: string): string {
  let id: string;
  try {
    id = decodeURIComponent(path.slice(prefix.length));
  } catch {
    throw new ReadApiFailure(400, 'InvalidParameter', 'the id in the path has a malformed percent-encoding');
  }
  if (id === '') throw new ReadApiFailure(400, 'InvalidParameter', `name what to read: ${READ_API_PREFIX}${prefix}<id>`);
  return id;
}

/** The position a `nextToken` holds, checked to be this list's with these filters and of the expected shape. */
function positionOf<T>(
  query: URLSearchParams,
  list: string,
  filters: Readonly<Record<string, unknown>>,
  valid: (position: unknown) => position is T,
): T | undefined {
  const token = query.get('nextToken');
  if (token === null) return undefined;
  const position = decodeCursor(token, list, filters);
  if (!valid(position)) throw new InvalidCursorError('nextToken is not a token this read API gave');
  return position;
}

function nextTokenOf(list: string, filters: Readonly<Record<string, unknown>>, last: unknown): { nextToken?: string } {
  return last === undefined ? {} : { nextToken: encodeCursor(list, filters, last) };
}

function isSequence(position: unknown): position is number {
  return Number.isSafeInteger(position) && (position as number) >= 0;
}

function isExpressPosition(position: unknown): position is ExpressPosition {
  const p = position as Partial<ExpressPosition> | null;
  return p !== null && typeof p === 'object' && Number.isFinite(p.startDate) && typeof p.arn === 'string';
}

/** Refuses a parameter the path does not take (a typo would otherwise be silently ignored). */
function only(query: URLSearchParams, allowed: readonly string[]): void {
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

function integerOf(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ReadApiFailure(400, 'InvalidParameter', `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

export type { ReadApiError };
