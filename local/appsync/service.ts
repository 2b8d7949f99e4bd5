import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import type { AppHttpService } from '../endpoint/server.js';
import { childHeader, currentTraceHeader, segmentOf, withTraceHeader } from '../endpoint/trace-header.js';
import { type AuthServices, authorize } from './auth.js';
import type { DataSourceServices } from './data-sources.js';
import type { GraphqlApiDefinition } from './definitions.js';
import { AppSyncUnauthorizedError } from './errors.js';
import type { EventApiDefinition } from './event-api/definitions.js';
import type { EventApiService } from './event-api/event-api-service.js';
import type { GraphqlRequest } from './executor.js';
import type { Realtime } from './realtime.js';
import type { GraphqlRequestNote } from './request-trace.js';
import { GRAPHQL_PATH_PREFIX } from './resource-types.js';

/** graphql-js and ws, with what runs on them (graphql-engine.ts): loaded for a template with an API. */
type GraphqlEngine = typeof import('./graphql-engine.js');

/** The template's APIs, with the engine that serves them and their real-time endpoint. */
interface Served {
  readonly engine: GraphqlEngine;
  readonly realtime: Realtime;
  /** Replaced whole by a reload: a request in flight keeps the API it started with. */
  apis: ReadonlyMap<string, LoadedApi>;
}

type HttpRequest = Parameters<AppHttpService['handle']>[0];
type HttpResponse = Awaited<ReturnType<AppHttpService['handle']>>;

/** Whether two definitions of an API are the same (its Maps compared by their entries). */
function sameDefinition(a: GraphqlApiDefinition, b: GraphqlApiDefinition): boolean {
  const text = (api: GraphqlApiDefinition) => JSON.stringify({ ...api, dataSources: [...api.dataSources], functions: [...api.functions] });
  return text(a) === text(b);
}

/** `<apiId>.appsync-api.localhost`: the host form of an API's URL, as AppSync's `<apiId>.appsync-api.<region>.amazonaws.com`. */
const HOST_STYLE = /^([a-z0-9]{26})\.appsync-api\.localhost$/;

interface LoadedApi {
  readonly definition: GraphqlApiDefinition;
  /** The built schema, or why it does not build (each request is refused with it). */
  readonly schema: GraphQLSchema | Error;
}

type ReadyApi = LoadedApi & { readonly schema: GraphQLSchema };

export interface AppSyncServiceOptions {
  readonly apis: readonly GraphqlApiDefinition[];
  /** The template's Event APIs (AppSync Events). @default none */
  readonly eventApis?: readonly EventApiDefinition[];
  readonly dataSources: DataSourceServices;
  readonly auth: AuthServices;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Told of each GraphQL request served (the traces service makes its span). */
  readonly onRequest?: (note: GraphqlRequestNote) => void;
}

/** AppSync's browser-facing headers: a web app on any origin calls its API (AppSync answers CORS for every origin). */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent',
  'access-control-allow-methods': 'POST, OPTIONS',
};

const json = (status: number, body: unknown, requestId: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=UTF-8', 'x-amzn-requestid': requestId, ...CORS },
  body: Buffer.from(JSON.stringify(body)),
});

/**
 * The template's GraphQL APIs on the endpoint: `POST <endpoint>/_aws/appsync/<apiId>/graphql`
 * (or `/graphql` with the Host `<apiId>.appsync-api.localhost`), each request let in by one of
 * the API's auth modes, validated against its schema and executed with its resolvers.
 */
export class AppSyncService implements AppHttpService {
  /** Undefined when the template has no API: nothing of GraphQL is loaded, and every request is answered that there is none. */
  readonly #served: Served | undefined;
  /** The Event APIs, undefined when the template has none (nothing of them is loaded). */
  readonly #events: EventApiService | undefined;

  /** The service for the template's APIs, with GraphQL's engine loaded when it has any, and AppSync Events' when it has an Event API. */
  static async start(options: AppSyncServiceOptions): Promise<AppSyncService> {
    const eventApis = options.eventApis ?? [];
    const events =
      eventApis.length > 0 ? new (await import('./event-api/event-api-service.js')).EventApiService(eventApis, options.auth) : undefined;
    return new AppSyncService(options, options.apis.length > 0 ? await import('./graphql-engine.js') : undefined, events);
  }

  private constructor(
    private readonly options: AppSyncServiceOptions,
    engine: GraphqlEngine | undefined,
    events: EventApiService | undefined,
  ) {
    this.#events = events;
    if (engine === undefined) return;
    const apis = new Map(options.apis.map((definition) => [definition.id, this.#load(engine, definition)]));
    this.#served = { engine, realtime: new engine.Realtime(options.auth, { services: options.dataSources, now: options.now }), apis };
  }

  /** An API with its schema built, or why it does not build (said in the log; each request is then refused with it). */
  #load(engine: GraphqlEngine, definition: GraphqlApiDefinition): LoadedApi {
    const { log } = this.options;
    try {
      return { definition, schema: engine.appSyncSchema(definition.schema, (message) => log(`${definition.where}: ${message}`)) };
    } catch (error) {
      log(`${definition.where}: ${(error as Error).message}; its requests are refused`);
      return { definition, schema: error as Error };
    }
  }

  /**
   * A newer template's GraphQL APIs: each changed one (its schema, resolvers, functions, data
   * sources, auth, keys) serves the next request with them; a request in flight, and a
   * subscription opened before, keep what they started with. An API the template no longer has
   * keeps serving until a restart (the reload says so). An app that had no API, where GraphQL's
   * engine was never loaded, serves a new one after a restart.
   */
  reload(definitions: readonly GraphqlApiDefinition[]): { reloaded: string[]; notApplied: string[] } {
    const served = this.#served;
    if (served === undefined) {
      return { reloaded: [], notApplied: definitions.map((api) => `graphql api ${api.name} (new): it is served after a restart`) };
    }
    const apis = new Map(served.apis);
    const reloaded: string[] = [];
    for (const definition of definitions) {
      const old = apis.get(definition.id);
      if (old !== undefined && sameDefinition(old.definition, definition)) continue;
      // The same schema text is the same schema: its notices were said when it was built.
      const schemaKept = old !== undefined && old.definition.schema === definition.schema;
      apis.set(definition.id, schemaKept ? { definition, schema: old.schema } : this.#load(served.engine, definition));
      reloaded.push(`graphql api ${definition.name}${old === undefined ? ' (new)' : ''}`);
    }
    served.apis = apis;
    return { reloaded, notApplied: [] };
  }

  get apis(): readonly GraphqlApiDefinition[] {
    return [...(this.#served?.apis.values() ?? [])].map((api) => api.definition);
  }

  get eventApis(): readonly EventApiDefinition[] {
    return this.#events?.apis ?? [];
  }

  handles(host: string | undefined, url: string): boolean {
    return url.startsWith(GRAPHQL_PATH_PREFIX) || HOST_STYLE.test((host ?? '').replace(/:\d+$/, '').toLowerCase());
  }

  /** The real-time endpoints: a GraphQL API's `<GraphQLUrl>/realtime` (Amplify's address for an API on a custom domain), an Event API's `<Dns.Realtime>/event/realtime`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { apiId, rest } = addressOf(req.headers.host, (req.url ?? '/').split('?')[0] ?? '/');
    if (this.#events?.has(apiId) && rest === 'event/realtime') {
      this.#events.upgrade(apiId, req, socket, head);
      return;
    }
    const api = this.#served?.apis.get(apiId);
    if (!this.#served || !api || rest !== 'graphql/realtime' || api.schema instanceof Error) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#served.realtime.upgrade({ definition: api.definition, schema: api.schema }, req, socket, head);
  }

  close(): void {
    this.#served?.realtime.close();
    this.#events?.close();
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    const requestId = randomUUID();
    const path = request.url.split('?')[0] ?? '/';
    const { apiId, rest } = addressOf(request.host, path);
    if (this.#events?.has(apiId)) return this.#eventRequest(this.#events, apiId, rest, request, requestId);
    const served = this.#served;
    const api = served?.apis.get(apiId);
    if (!served || !api || rest !== 'graphql')
      return json(
        404,
        {
          errors: [
            {
              errorType: 'NotFoundException',
              message: `no GraphQL API ${apiId} here: the app's are ${[...(served?.apis.keys() ?? [])].join(', ') || 'none'}`,
            },
          ],
        },
        requestId,
      );
    if (request.method === 'OPTIONS') return { status: 200, headers: { ...CORS, 'x-amzn-requestid': requestId }, body: Buffer.alloc(0) };
    if (request.method !== 'POST')
      return json(
        405,
        { errors: [{ errorType: 'MethodNotAllowed', message: `${request.method} is not allowed: POST the GraphQL request` }] },
        requestId,
      );
    if (api.schema instanceof Error)
      return json(500, { errors: [{ errorType: 'SchemaNotBuilt', message: api.schema.message }] }, requestId);
    const schema = api.schema;
    const body = parseBody(request.body);
    if (body instanceof Error)
      return json(400, { errors: [{ errorType: 'MalformedHttpRequestException', message: body.message }] }, requestId);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v ?? '')]),
    );
    // The request's trace (its X-Amzn-Trace-Id's, which the endpoint runs it under, or a new one), with a segment
    // of its own as the parent of every call its authorizer and resolvers make (their invocations, executions, events).
    const startedWith = currentTraceHeader();
    const traceHeader = childHeader(startedWith, segmentOf('graphql', requestId));
    const startedAt = this.options.now();
    const answered = await withTraceHeader(traceHeader, () =>
      this.#serve(served, { definition: api.definition, schema }, request, body, headers),
    );
    this.options.onRequest?.({
      api: { id: apiId, name: api.definition.name, arn: api.definition.arn },
      requestId,
      ...answered.note,
      traceHeader,
      ...(startedWith ? { startedWith } : {}),
      startedAt,
      endedAt: this.options.now(),
    });
    return json(answered.status, answered.body, requestId);
  }

  /** A request to an Event API's HTTP domain: `POST /event` publishes; nothing else is served there (as on AWS). */
  async #eventRequest(
    events: EventApiService,
    apiId: string,
    rest: string,
    request: HttpRequest,
    requestId: string,
  ): Promise<HttpResponse> {
    if (rest !== 'event') {
      const message = `the Event API ${apiId} serves POST ${GRAPHQL_PATH_PREFIX}${apiId}/event and the WebSocket ${GRAPHQL_PATH_PREFIX}${apiId}/event/realtime, not /${rest}`;
      return json(404, { errors: [{ errorType: 'NotFoundException', message }] }, requestId);
    }
    if (request.method === 'OPTIONS') return { status: 200, headers: { ...CORS, 'x-amzn-requestid': requestId }, body: Buffer.alloc(0) };
    if (request.method !== 'POST')
      return json(
        405,
        { errors: [{ errorType: 'MethodNotAllowed', message: `${request.method} is not allowed: POST the events` }] },
        requestId,
      );
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : String(v ?? '')]),
    );
    const answer = await events.publishHttp(apiId, request.url, request.body, headers, request.sourceIp);
    return json(answer.status, answer.body, requestId);
  }

  /** Lets a request in by one of the API's modes and executes it: the answer, and what its note says of it. */
  async #serve(
    { engine, realtime }: Served,
    api: ReadyApi,
    request: HttpRequest,
    body: GraphqlRequest,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: unknown; note: Pick<GraphqlRequestNote, 'operation' | 'authMode' | 'caller' | 'errors'> }> {
    const operation = engine.operationOf(body.query, body.operationName);
    const described = operation ? { operation } : {};
    let authorized: Awaited<ReturnType<typeof authorize>>;
    try {
      authorized = await authorize(
        api.definition,
        {
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: request.body,
          sourceIp: request.sourceIp,
          query: body.query,
          ...(body.operationName ? { operationName: body.operationName } : {}),
          variables: body.variables,
        },
        this.options.auth,
      );
    } catch (error) {
      if (!(error instanceof AppSyncUnauthorizedError)) throw error;
      const refusal = { errorType: 'UnauthorizedException', message: error.message };
      return { status: 401, body: { errors: [refusal] }, note: { ...described, errors: [refusal] } };
    }
    const response = await engine.executeGraphql(
      api.definition,
      api.schema,
      body,
      { authorized, headers, domainName: null },
      {
        services: this.options.dataSources,
        now: this.options.now,
        publish: (mutation, value) => realtime.publish(api.definition.id, mutation, value),
      },
    );
    const caller = engine.callerOf(authorized, headers['x-api-key']);
    const errors = response.errors?.map((e) => ({ ...(e.errorType ? { errorType: e.errorType } : {}), message: e.message }));
    return {
      status: 200,
      body: response,
      note: { ...described, authMode: authorized.mode, ...(caller ? { caller } : {}), ...(errors ? { errors } : {}) },
    };
  }
}

/** The body's `query`, `variables` and `operationName`; an Error naming what is wrong. */
function parseBody(body: Buffer): GraphqlRequest | Error {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return new Error(`the body is not JSON (${(error as Error).message}): send {"query": "...", "variables": {...}}`);
  }
  const p = parsed as Partial<GraphqlRequest> | null;
  if (typeof p?.query !== 'string') return new Error('the body has no "query" string: send {"query": "...", "variables": {...}}');
  const variables = typeof p.variables === 'object' && p.variables !== null ? p.variables : undefined;
  return {
    query: p.query,
    ...(variables ? { variables } : {}),
    ...(typeof p.operationName === 'string' ? { operationName: p.operationName } : {}),
  };
}

/** The API a path is for, and the rest of the path: `/_aws/appsync/<apiId>/<rest>`, or `/<rest>` with the Host `<apiId>.appsync-api.localhost`. */
function addressOf(host: string | undefined, path: string): { apiId: string; rest: string } {
  const hostStyle = HOST_STYLE.exec((host ?? '').replace(/:\d+$/, '').toLowerCase());
  if (hostStyle && !path.startsWith(GRAPHQL_PATH_PREFIX)) return { apiId: hostStyle[1] ?? '', rest: path.slice(1) };
  const [, apiId = '', rest = ''] = /^\/_aws\/appsync\/([^/]+)\/?(.*)$/.exec(path) ?? [];
  return { apiId, rest };
}
