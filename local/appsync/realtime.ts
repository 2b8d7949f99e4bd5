import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type DocumentNode,
  execute,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  parse,
  validate,
  valueFromAST,
} from 'graphql';
import { type WebSocket, WebSocketServer } from 'ws';
import { AUTH_TYPE_NAMES, type Authorized, type AuthServices, authorize } from './auth.js';
import type { DataSourceServices } from './data-sources.js';
import type { GraphqlApiDefinition } from './definitions.js';
import { type AppSyncResolverError, AppSyncUnauthorizedError } from './errors.js';
import { fieldAllowed } from './field-auth.js';
import { decodeHeaders, headerSubprotocol, lowerCased } from './realtime-headers.js';
import { runResolver } from './resolvers.js';
import { matchesSubscriptionFilter, type SubscriptionFilter } from './subscription-filters.js';

/** How long AppSync tells a client it may go without a keep-alive before it reconnects. */
const CONNECTION_TIMEOUT_MS = 300_000;
/** How often a keep-alive (`ka`) is sent. */
const KEEP_ALIVE_MS = 60_000;

interface Subscription {
  readonly id: string;
  readonly socket: WebSocket;
  readonly api: GraphqlApiDefinition;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly variables: Record<string, unknown>;
  /** The subscription field, its response key and the arguments it was given (they filter what it receives). */
  readonly field: string;
  readonly key: string;
  readonly filter: Readonly<Record<string, unknown>>;
  /** The mutations its `@aws_subscribe(mutations:)` names. */
  readonly mutations: readonly string[];
  /** The enhanced filter its resolver set (`extensions.setSubscriptionFilter`): it decides instead of the arguments. */
  readonly enhanced?: SubscriptionFilter;
}

/** What runs a subscription field's resolver when a subscription starts: the data sources and the clock. */
export interface RealtimeResolverEnvironment {
  readonly services: DataSourceServices;
  readonly now: () => number;
}

type Send = (message: Record<string, unknown>) => void;

/**
 * AppSync's real-time endpoint over `ws` (https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html):
 * `ws://<endpoint>/_aws/appsync/<apiId>/graphql/realtime?header=<base64 JSON>&payload=e30=`
 * with subprotocol `graphql-ws`, or the auth headers as a second subprotocol `header-<base64url JSON>`
 * (what Amplify 6 sends, with no `header` parameter: https://github.com/aws-amplify/amplify-js/pull/13726,
 * "the service expects the client to pass the auth token through as a WS subprotocol"); connection_init / connection_ack, ka, start / start_ack,
 * data, stop / complete, errors. A mutation a subscription field names in `@aws_subscribe`
 * sends its result to the subscriptions whose arguments it matches.
 */
export class Realtime {
  readonly #server = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('graphql-ws') ? 'graphql-ws' : false),
  });
  readonly #subscriptions = new Set<Subscription>();

  constructor(
    private readonly auth: AuthServices,
    private readonly resolverEnv: RealtimeResolverEnvironment,
  ) {}

  /** Takes the upgrade of a request for `api`. */
  upgrade(api: { definition: GraphqlApiDefinition; schema: GraphQLSchema }, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#connected(api, ws, req));
  }

  #connected(api: { definition: GraphqlApiDefinition; schema: GraphQLSchema }, ws: WebSocket, req: IncomingMessage): void {
    const send: Send = (message) => ws.send(JSON.stringify(message));
    const query = new URL(req.url ?? '/', 'http://local').searchParams;
    const connectionHeaders = decodeHeaders(query.get('header') ?? headerSubprotocol(req));
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    let keepAlive: NodeJS.Timeout | undefined;
    ws.on('close', () => {
      clearInterval(keepAlive);
      for (const s of this.#subscriptions) if (s.socket === ws) this.#subscriptions.delete(s);
    });
    ws.on('message', (data) => {
      let message: { type?: string; id?: string; payload?: { data?: string; extensions?: { authorization?: Record<string, string> } } };
      try {
        message = JSON.parse(String(data));
      } catch {
        return send({ type: 'error', payload: { errors: [{ errorType: 'UnsupportedOperation', message: 'the message is not JSON' }] } });
      }
      if (message.type === 'connection_init') {
        this.#authorize(api.definition, connectionHeaders, sourceIp, '').then(
          () => {
            send({ type: 'connection_ack', payload: { connectionTimeoutMs: CONNECTION_TIMEOUT_MS } });
            send({ type: 'ka' });
            keepAlive = setInterval(() => send({ type: 'ka' }), KEEP_ALIVE_MS);
            keepAlive.unref();
          },
          (error: unknown) => {
            send({ type: 'connection_error', payload: { errors: [errorOf(error)] } });
            ws.close();
          },
        );
      } else if (message.type === 'start' && message.id) {
        const id = message.id;
        this.#start(api, id, ws, message.payload ?? {}, connectionHeaders, sourceIp).then(
          () => send({ type: 'start_ack', id }),
          (error: unknown) => send({ type: 'error', id, payload: { errors: [errorOf(error)] } }),
        );
      } else if (message.type === 'stop' && message.id) {
        for (const s of this.#subscriptions) if (s.socket === ws && s.id === message.id) this.#subscriptions.delete(s);
        send({ type: 'complete', id: message.id });
      } else {
        send({
          type: 'error',
          payload: {
            errors: [
              {
                errorType: 'UnsupportedOperation',
                message: `Operation not supported through the realtime channel: ${String(message.type)}`,
              },
            ],
          },
        });
      }
    });
  }

  async #authorize(api: GraphqlApiDefinition, headers: Record<string, string>, sourceIp: string, query: string): Promise<Authorized> {
    return authorize(
      api,
      { method: 'POST', url: '/graphql', headers: lowerCased(headers), body: Buffer.alloc(0), sourceIp, query },
      this.auth,
    );
  }

  async #start(
    api: { definition: GraphqlApiDefinition; schema: GraphQLSchema },
    id: string,
    socket: WebSocket,
    payload: { data?: string; extensions?: { authorization?: Record<string, string> } },
    connectionHeaders: Record<string, string>,
    sourceIp: string,
  ): Promise<void> {
    const request = JSON.parse(payload.data ?? '{}') as { query?: string; variables?: Record<string, unknown> };
    const authorized = await this.#authorize(
      api.definition,
      payload.extensions?.authorization ?? connectionHeaders,
      sourceIp,
      request.query ?? '',
    );
    const document = parse(request.query ?? '');
    const invalid = validate(api.schema, document);
    if (invalid.length > 0) throw new SubscriptionError('ValidationError', invalid.map((e) => e.message).join('; '));
    const operation = getOperationAST(document);
    const root = api.schema.getSubscriptionType();
    const node = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
    if (operation?.operation !== 'subscription' || !root || !node)
      throw new SubscriptionError('UnsupportedOperation', 'only subscriptions start on the realtime channel');
    const field = root.getFields()[node.name.value];
    if (!field) throw new SubscriptionError('ValidationError', `no subscription field ${node.name.value}`);
    if (!fieldAllowed(root, field, authorized, api.definition.auth[0]?.type ?? 'API_KEY', api.definition.arn)) {
      throw new SubscriptionError('Unauthorized', `Not Authorized to access ${field.name} on type ${root.name}`);
    }
    const variables = request.variables ?? {};
    const filter: Record<string, unknown> = {};
    for (const arg of node.arguments ?? []) {
      const type = field.args.find((a) => a.name === arg.name.value)?.type;
      const value = type ? valueFromAST(arg.value, type, variables) : undefined;
      if (value !== undefined && value !== null) filter[arg.name.value] = value;
    }
    const enhanced = await this.#runResolver(api.definition, field.name, filter, variables, authorized, connectionHeaders);
    const subscribe = field.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe');
    const list = subscribe?.arguments?.find((a) => a.name.value === 'mutations')?.value;
    const mutations = list?.kind === Kind.LIST ? list.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [];
    this.#subscriptions.add({
      id,
      socket,
      api: api.definition,
      schema: api.schema,
      document,
      variables,
      field: field.name,
      key: node.alias?.value ?? field.name,
      filter,
      mutations,
      ...(enhanced === undefined ? {} : { enhanced }),
    });
  }

  /**
   * The subscription field's resolver, run as AppSync runs it when a subscription starts: it may
   * refuse the subscription (`util.unauthorized()`, `util.error`) or set its enhanced filter.
   */
  async #runResolver(
    api: GraphqlApiDefinition,
    fieldName: string,
    args: Record<string, unknown>,
    variables: Record<string, unknown>,
    authorized: Authorized,
    headers: Record<string, string>,
  ): Promise<SubscriptionFilter | undefined> {
    const resolver = api.resolvers.find((r) => r.typeName === 'Subscription' && r.fieldName === fieldName);
    if (resolver === undefined) return undefined;
    let enhanced: SubscriptionFilter | undefined;
    const ctx = {
      arguments: args,
      args,
      source: null,
      identity: authorized.identity,
      stash: {},
      prev: { result: null },
      request: { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), domainName: null },
      info: { fieldName, parentTypeName: 'Subscription', variables, selectionSetList: [], selectionSetGraphQL: '' },
      result: null,
      error: null,
    };
    await runResolver(api, resolver, ctx, {
      ...this.resolverEnv,
      authType: AUTH_TYPE_NAMES[authorized.mode],
      setSubscriptionFilter: (filter) => {
        enhanced = filter;
      },
    });
    return enhanced;
  }

  /** A mutation field of an API resolved to `value`: each subscription that names it and whose arguments `value` matches gets it. */
  publish(apiId: string, mutation: string, value: unknown): void {
    if (value === null || typeof value !== 'object') return;
    const fields = value as Record<string, unknown>;
    for (const s of this.#subscriptions) {
      if (s.api.id !== apiId || !s.mutations.includes(mutation)) continue;
      const matches =
        s.enhanced === undefined
          ? Object.entries(s.filter).every(([name, wanted]) => fields[name] === wanted)
          : matchesSubscriptionFilter(s.enhanced, value);
      if (!matches) continue;
      const result = execute({
        schema: s.schema,
        document: s.document,
        variableValues: s.variables,
        rootValue: { [s.field]: value },
      });
      if (result instanceof Promise) continue;
      s.socket.send(JSON.stringify({ id: s.id, type: 'data', payload: { data: result.data ?? null } }));
    }
  }

  close(): void {
    // Every connection, a subscribed one or not: one left open would outlive the runtime's close.
    for (const socket of this.#server.clients) socket.terminate();
    this.#subscriptions.clear();
    this.#server.close();
  }
}

/** A subscription AppSync refuses at start, with its errorType. */
class SubscriptionError extends Error {
  override readonly name = 'SubscriptionError';
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error a client is sent; one of ours (a bug) is sent as InternalFailure with its message, not dropped. */
function errorOf(error: unknown): { errorType: string; message: string } {
  if (error instanceof AppSyncUnauthorizedError) return { errorType: 'UnauthorizedException', message: error.message };
  if (error instanceof SubscriptionError) return { errorType: error.errorType, message: error.message };
  // By name, as the executor knows it: the APPSYNC_JS evaluator's errors are AppSyncResolverErrors too.
  if ((error as Error).name === 'AppSyncResolverError') {
    const { errorType, message } = error as AppSyncResolverError;
    return { errorType: errorType ?? 'Unknown', message };
  }
  if (error instanceof SyntaxError || error instanceof GraphQLError) return { errorType: 'ValidationError', message: error.message };
  return { errorType: 'InternalFailure', message: `the local runtime failed: ${(error as Error).message}` };
}
