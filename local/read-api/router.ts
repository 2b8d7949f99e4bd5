import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type BusEventRecord,
  type BusEventsPage,
  type Lineage,
  READ_API_PATHS,
  READ_API_PREFIX,
  type ReadApiError,
} from '../../clients/read-api-contract.js';
import { InvalidCursorError } from './cursor.js';
import type { LiveFeed } from './live-feed.js';
import { idInPath, integerOf, isSequence, only, pageOf, ReadApiFailure, ReadApiRouteError, type ReadRoute, sendJson } from './routes.js';

/**
 * What the read API's own views read from (its records, the live feed); each list answers a
 * page and, when more follow, the position of its last item (`last`), which the router turns
 * into a `nextToken` and back. The services' views are their routes (routes.ts).
 */
export interface ReadApiSources {
  readonly feed: LiveFeed;
  events(query: EventsQuery): { events: readonly BusEventRecord[]; last?: number };
  lineage(id: string, depth: number, page: { limit: number; after?: number }): Promise<{ roots: Lineage['roots']; last?: number }>;
  /** The whole lineage of an id (every page), for the routes that find things by it. */
  wholeLineage(id: string): Promise<Lineage>;
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

const MAX_DEPTH = 50;
/** Lineage roots found by a detail value per page: each is a whole tree. */
const MAX_LINEAGE_LIMIT = 50;

/**
 * The read API's HTTP side under {@link READ_API_PREFIX}: JSON answers to GET, the live
 * feed as server-sent events. It answers its own views (the event records, lineage, the
 * stream) and the routes the services mount. Every client error is a JSON {@link ReadApiError};
 * an error of ours is a 500 in the same shape, never an HTML page or a dropped connection.
 */
export class ReadApiRouter {
  #routes: readonly ReadRoute[] = [];

  constructor(private readonly sources: ReadApiSources) {}

  /** The services' routes, answered from now on beside the read API's own views. */
  mount(routes: readonly ReadRoute[]): void {
    const own = [READ_API_PATHS.events, READ_API_PATHS.lineage, READ_API_PATHS.stream];
    const paths = new Set<string>(own);
    for (const route of routes) {
      if (paths.has(route.path)) throw new ReadApiRouteError(`two routes of the read API serve ${route.path}`);
      paths.add(route.path);
    }
    this.#routes = routes;
  }

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
    const query = url.searchParams;
    const route = this.#routes.find((r) => (r.matches ? r.matches(path) : r.path === path));
    const allowed = [...(route?.handle || !route ? ['GET', 'HEAD'] : []), ...(route?.post ? ['POST'] : [])];
    if (!allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      const methods = `${allowed.slice(0, -1).join(', ')} and ${allowed.at(-1)}`.replace(/^ and /, '');
      throw new ReadApiFailure(405, 'MethodNotAllowed', `${url.pathname} answers ${methods} only, not ${req.method}`);
    }
    if (req.method === 'POST' && route?.post) return route.post({ path, query, body: await jsonBody(req), res });
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
    if (path === READ_API_PATHS.events) return this.#events(query, res);
    if (path.startsWith(READ_API_PATHS.lineage)) return this.#lineage(path, query, res);
    if (route?.handle) return route.handle({ path, query, res, lineage: (id) => this.sources.wholeLineage(id) });
    // Every path the contract names (whether or not its service runs here), then any other a service mounts.
    const known = [...new Set([...Object.values(READ_API_PATHS), ...this.#routes.map((r) => r.path)])].map((p) => `${READ_API_PREFIX}${p}`);
    throw new ReadApiFailure(404, 'NotFound', `the read API has no ${url.pathname}; it serves ${known.join(', ')}`);
  }

  #events(query: URLSearchParams, res: ServerResponse): void {
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
    const page = pageOf(query, list, filters, isSequence);
    const found = this.sources.events({ ...filters, ...page.from('before') });
    const answer: BusEventsPage = { events: found.events, ...page.next(found.last) };
    sendJson(res, 200, answer);
  }

  async #lineage(path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    only(query, ['depth', 'limit', 'nextToken']);
    const id = idInPath(path, READ_API_PATHS.lineage);
    const depth = integerOf(query, 'depth', 1, MAX_DEPTH) ?? MAX_DEPTH;
    const filters = { lineage: id, depth };
    const list = READ_API_PATHS.lineage;
    const page = pageOf(query, list, filters, isSequence, integerOf(query, 'limit', 1, MAX_LINEAGE_LIMIT) ?? MAX_LINEAGE_LIMIT);
    const found = await this.sources.lineage(id, depth, page.from('after'));
    const lineage: Lineage = { roots: found.roots, ...page.next(found.last) };
    // A later page may come up empty (its events trimmed since): only the first says the id names nothing.
    if (lineage.roots.length === 0 && page.position === undefined) {
      throw new ReadApiFailure(
        404,
        'NotFound',
        `nothing the runtime recorded is named ${JSON.stringify(id)} or carries it in an event's detail`,
      );
    }
    sendJson(res, 200, lineage);
  }
}

export type { ReadApiError };

/** The most a POST's body may hold: a fork's edited input is a state's input (256 KB at most in Step Functions). */
const MAX_BODY = 1024 * 1024;

/**
 * A POST's JSON body. It must say it is JSON: a page of another site can send a form or plain
 * text without asking first, but not application/json (the browser asks with a preflight, which
 * the endpoint refuses to foreign origins).
 */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ReadApiFailure(415, 'UnsupportedMediaType', `the body must be application/json (got ${type ?? 'none'})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ReadApiFailure(413, 'PayloadTooLarge', `the body is over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new ReadApiFailure(400, 'InvalidParameter', `the body is not JSON: ${(error as Error).message}`);
  }
}
