import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AuthServices, authorize } from '../auth.js';
import { AppSyncUnauthorizedError } from '../errors.js';
import { decodeHeaders, headerSubprotocol, lowerCased } from '../realtime-headers.js';
import { type Channel, ChannelPathError, channelMatches, channelOf } from './channels.js';
import type { EventAction, EventApiDefinition } from './definitions.js';

/** At most five events a publish, each at most 240 KB (https://docs.aws.amazon.com/appsync/latest/eventapi/publish-http.html, event-api-concepts.html). */
const MAX_EVENTS = 5;
const MAX_EVENT_BYTES = 240 * 1024;
/** How long AppSync tells a client it may go without a keep-alive, and how often one is sent. */
const CONNECTION_TIMEOUT_MS = 300_000;
const KEEP_ALIVE_MS = 60_000;
/** The real-time subprotocol of AppSync Events (https://docs.aws.amazon.com/appsync/latest/eventapi/event-api-websocket-protocol.html). */
const PROTOCOL = 'aws-appsync-event-ws';

/** A request AppSync Events answers BadRequestException: a channel, an event or a message that is not one. */
export class EventApiRequestError extends Error {
  override readonly name = 'EventApiRequestError';
}

/** An error as AppSync Events answers it, in `errors[]`. */
export interface EventApiError {
  readonly errorType: string;
  readonly message: string;
}

/** What a publish answers: each event's identifier and index, or why it failed. */
export interface PublishAnswer {
  readonly successful: readonly { identifier: string; index: number }[];
  readonly failed: readonly { identifier: string; index: number; code: number; message: string }[];
}

/** Who asks, and with which headers, for an action's authorization. */
interface Caller {
  readonly headers: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  /** The request's path and own body (a publish's JSON), for a signature's check. */
  readonly url: string;
  readonly body: string;
}

interface Subscription {
  readonly id: string;
  readonly socket: WebSocket;
  readonly apiId: string;
  readonly channel: Channel;
}

type Send = (message: Record<string, unknown>) => void;

/**
 * The template's AppSync Event APIs: `POST <Dns.Http>/event` publishes (up to five events to one
 * channel of a namespace the API defines) and `<Dns.Realtime>/event/realtime`, a WebSocket with
 * the `aws-appsync-event-ws` subprotocol and the auth headers as a `header-<base64url>` one,
 * subscribes (`subscribe`, a channel or a path ending in `*`; `unsubscribe`) and publishes
 * (`publish`). Each action is let in by its modes: the namespace's publish or subscribe modes,
 * else the API's defaults, each configured in the API's AuthProviders.
 */
export class EventApiService {
  readonly #apis: ReadonlyMap<string, EventApiDefinition>;
  readonly #subscriptions = new Set<Subscription>();
  readonly #server = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  constructor(
    apis: readonly EventApiDefinition[],
    private readonly auth: AuthServices,
  ) {
    this.#apis = new Map(apis.map((api) => [api.id, api]));
  }

  get apis(): readonly EventApiDefinition[] {
    return [...this.#apis.values()];
  }

  has(apiId: string): boolean {
    return this.#apis.has(apiId);
  }

  /** `POST <Dns.Http>/event`: the publish's answer (200), or its error (400 BadRequestException, 401 UnauthorizedException). */
  async publishHttp(apiId: string, url: string, body: Buffer, headers: Readonly<Record<string, string>>, sourceIp: string) {
    const api = this.#api(apiId);
    try {
      const request = parseJson(body.toString('utf8'), 'the body') as { channel?: unknown; events?: unknown };
      return {
        status: 200,
        body: await this.#publish(api, request.channel, request.events, { headers, sourceIp, url, body: body.toString('utf8') }),
      };
    } catch (error) {
      const answer = errorOf(error);
      return { status: answer.errorType === 'UnauthorizedException' ? 401 : 400, body: { errors: [answer] } };
    }
  }

  /** `<Dns.Realtime>/event/realtime`: the WebSocket, when it offers AppSync Events' subprotocol. */
  upgrade(apiId: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const api = this.#api(apiId);
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#connected(api, ws, req));
  }

  close(): void {
    // Every connection, a subscribed one or not: one left open would outlive the runtime's close.
    for (const socket of this.#server.clients) socket.terminate();
    this.#subscriptions.clear();
    this.#server.close();
  }

  #api(apiId: string): EventApiDefinition {
    const api = this.#apis.get(apiId);
    if (api === undefined) throw new Error(`no Event API ${apiId}`);
    return api;
  }

  #connected(api: EventApiDefinition, ws: WebSocket, req: IncomingMessage): void {
    const send: Send = (message) => ws.send(JSON.stringify(message));
    if (ws.protocol !== PROTOCOL) {
      send({ type: 'connection_error', errors: [{ errorType: 'UnsupportedOperation', message: `offer the subprotocol ${PROTOCOL}` }] });
      ws.close();
      return;
    }
    const connection = lowerCased(decodeHeaders(headerSubprotocol(req)));
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    let keepAlive: NodeJS.Timeout | undefined;
    let acknowledged = false;
    ws.on('close', () => {
      clearInterval(keepAlive);
      for (const s of this.#subscriptions) if (s.socket === ws) this.#subscriptions.delete(s);
    });
    ws.on('message', (data) => {
      let message: { type?: unknown; id?: unknown; channel?: unknown; events?: unknown; authorization?: Record<string, string> };
      try {
        message = parseJson(String(data), 'the message') as typeof message;
      } catch (error) {
        return send({ type: 'error', errors: [errorOf(error)] });
      }
      const caller = (): Caller => ({
        headers: message.authorization ? lowerCased(message.authorization) : connection,
        sourceIp,
        url: '/event',
        body: JSON.stringify({ channel: message.channel, events: message.events }),
      });
      const id = typeof message.id === 'string' ? message.id : undefined;
      if (message.type === 'connection_init') {
        this.#allowed(api, 'connect', undefined, { headers: connection, sourceIp, url: '/event/realtime', body: '' }).then(
          () => {
            acknowledged = true;
            send({ type: 'connection_ack', connectionTimeoutMs: CONNECTION_TIMEOUT_MS });
            keepAlive = setInterval(() => send({ type: 'ka' }), KEEP_ALIVE_MS);
            keepAlive.unref();
          },
          (error: unknown) => {
            send({ type: 'connection_error', errors: [errorOf(error)] });
            ws.close();
          },
        );
      } else if (!acknowledged) {
        send({
          type: 'error',
          ...(id ? { id } : {}),
          errors: [{ errorType: 'UnsupportedOperation', message: 'send connection_init first' }],
        });
      } else if (message.type === 'subscribe' && id) {
        this.#subscribe(api, id, ws, message.channel, caller()).then(
          () => send({ type: 'subscribe_success', id }),
          (error: unknown) => send({ type: 'subscribe_error', id, errors: [errorOf(error)] }),
        );
      } else if (message.type === 'unsubscribe' && id) {
        const subscription = [...this.#subscriptions].find((s) => s.socket === ws && s.id === id);
        if (subscription) this.#subscriptions.delete(subscription);
        send(
          subscription
            ? { type: 'unsubscribe_success', id }
            : {
                type: 'unsubscribe_error',
                id,
                errors: [{ errorType: 'UnknownOperationError', message: `no subscription ${id} on this connection` }],
              },
        );
      } else if (message.type === 'publish' && id) {
        this.#publish(api, message.channel, message.events, caller()).then(
          (answer) => send({ type: 'publish_success', id, ...answer }),
          (error: unknown) => send({ type: 'publish_error', id, errors: [errorOf(error)] }),
        );
      } else {
        const what = id ? `${String(message.type)}` : `${String(message.type)} without an id`;
        send({
          type: 'error',
          ...(id ? { id } : {}),
          errors: [{ errorType: 'UnsupportedOperation', message: `Operation not supported: ${what}` }],
        });
      }
    });
  }

  async #subscribe(api: EventApiDefinition, id: string, socket: WebSocket, path: unknown, caller: Caller): Promise<void> {
    const channel = channelOf(path, true);
    await this.#allowed(api, 'subscribe', channel, caller);
    if ([...this.#subscriptions].some((s) => s.socket === socket && s.id === id))
      throw new EventApiRequestError(`a subscription ${id} already runs on this connection: give each its own id`);
    this.#subscriptions.add({ id, socket, apiId: api.id, channel });
  }

  /** Checks a publish (its channel, its events, its caller), then sends each event to the subscriptions whose channel it matches. */
  async #publish(api: EventApiDefinition, path: unknown, events: unknown, caller: Caller): Promise<PublishAnswer> {
    const channel = channelOf(path, false);
    const checked = eventsOf(events);
    await this.#allowed(api, 'publish', channel, caller);
    const receivers = [...this.#subscriptions].filter((s) => s.apiId === api.id && channelMatches(s.channel, channel));
    const successful = checked.map((event, index) => {
      for (const receiver of receivers) receiver.socket.send(JSON.stringify({ type: 'data', id: receiver.id, event }));
      return { identifier: randomUUID(), index };
    });
    return { successful, failed: [] };
  }

  /** Lets an action in by its modes (the channel's namespace's, else the API's), or throws why not. */
  async #allowed(api: EventApiDefinition, action: EventAction, channel: Channel | undefined, caller: Caller): Promise<void> {
    let types = api.modes[action];
    if (channel !== undefined) {
      const namespace = api.namespaces.get(channel.namespace);
      if (namespace === undefined)
        throw new EventApiRequestError(
          `no channel namespace ${channel.namespace} in the Event API ${api.name}: its namespaces are ${[...api.namespaces.keys()].join(', ') || 'none'}`,
        );
      if (action !== 'connect') types = namespace.modes[action] ?? types;
    }
    const auth = api.auth.filter((provider) => types.includes(provider.type));
    if (auth.length === 0) throw new AppSyncUnauthorizedError(`the Event API ${api.name} allows no ${action} (no auth mode for it)`);
    await authorize(
      { id: api.id, auth, apiKeys: api.apiKeys },
      { method: 'POST', url: caller.url, headers: caller.headers, body: Buffer.from(caller.body), sourceIp: caller.sourceIp, query: '' },
      this.auth,
    );
  }
}

/** A publish's events: one to five strings, each the text of a JSON value of at most 240 KB. */
function eventsOf(events: unknown): string[] {
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS)
    throw new EventApiRequestError(`events must be a list of 1 to ${MAX_EVENTS} events, each a string of JSON`);
  return events.map((event, index) => {
    if (typeof event !== 'string')
      throw new EventApiRequestError(`events[${index}] is not a string: send each event as JSON.stringify(value)`);
    if (Buffer.byteLength(event) > MAX_EVENT_BYTES) throw new EventApiRequestError(`events[${index}] is over 240 KB`);
    parseJson(event, `events[${index}]`);
    return event;
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EventApiRequestError(`${what} is not JSON (${(error as Error).message})`);
  }
}

/** The error a client is sent; one of ours (a bug) is sent as InternalFailure with its message, not dropped. */
function errorOf(error: unknown): EventApiError {
  if (error instanceof AppSyncUnauthorizedError) return { errorType: 'UnauthorizedException', message: error.message };
  if (error instanceof EventApiRequestError || error instanceof ChannelPathError)
    return { errorType: 'BadRequestException', message: error.message };
  return { errorType: 'InternalFailure', message: `the local runtime failed: ${(error as Error).message}` };
}
