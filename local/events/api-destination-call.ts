import { forwardHttp } from '../apigateway/http-forward.js';
import type { Clock } from '../time/clock.js';
import type { ApiDestinationDefinition, ConnectionAuthorization, ConnectionParameters } from './api-destinations.js';

/** What a caller (a pipe's enrichment or target) sends to an API destination besides the connection's own parameters. */
export interface ApiDestinationRequest {
  /** Filled into the endpoint's `*` wildcards, in order. */
  readonly pathParameters?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** The connection's OAuth authorization endpoint did not give a token: the request is not sent. */
export class ConnectionAuthorizationError extends Error {
  override readonly name = 'ConnectionAuthorizationError';
}

/** EventBridge gives an API destination 5 seconds to answer, then counts the request as failed. */
const API_DESTINATION_TIMEOUT_MS = 5_000;
/** A token this close to expiring is fetched again before the request (EventBridge refreshes it proactively). */
const REFRESH_BEFORE_MS = 60_000;

/**
 * Requests to API destinations as EventBridge makes them: the endpoint's `*` wildcards filled,
 * the connection's invocation parameters added (winning over the caller's, as EventBridge
 * merges them), and its authorization: an API key header, basic authorization, or an OAuth
 * client credentials token (fetched from the authorization endpoint with the client id and
 * secret as basic authorization, kept until it nears expiry, fetched again after a 401 or 407).
 * Sent through API Gateway's HTTP integration client, so only loopback URLs are called.
 */
export class ApiDestinationCaller {
  readonly #tokens = new Map<string, { readonly token: string; readonly expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  async call(destination: ApiDestinationDefinition, request: ApiDestinationRequest): Promise<HttpAnswer> {
    const answer = await this.#send(destination, request, false);
    if (destination.connection.authorization.type !== 'OAUTH_CLIENT_CREDENTIALS' || (answer.status !== 401 && answer.status !== 407))
      return answer;
    return this.#send(destination, request, true);
  }

  async #send(destination: ApiDestinationDefinition, request: ApiDestinationRequest, freshToken: boolean): Promise<HttpAnswer> {
    const { connection } = destination;
    let index = 0;
    const values = request.pathParameters ?? [];
    const url = destination.endpoint.replace(/\*/g, (wildcard) => {
      const value = values[index++];
      return value === undefined ? wildcard : encodeURIComponent(value);
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Amazon/EventBridge/ApiDestinations',
      ...lowerCased(request.headers ?? {}),
      ...lowerCased(Object.fromEntries(connection.invocation.headers.map((h) => [h.key, h.value]))),
      ...(await this.#authorizationHeader(connection.arn, connection.authorization, freshToken)),
    };
    const query = { ...request.query, ...Object.fromEntries(connection.invocation.query.map((q) => [q.key, q.value])) };
    const answer = await forwardHttp({
      method: destination.method,
      url,
      query: new URLSearchParams(query).toString(),
      headers,
      body: withBodyParameters(request.body, connection.invocation),
      timeoutMs: API_DESTINATION_TIMEOUT_MS,
    });
    return { status: answer.status, body: answer.body.toString('utf8') };
  }

  async #authorizationHeader(connectionArn: string, auth: ConnectionAuthorization, fresh: boolean): Promise<Record<string, string>> {
    if (auth.type === 'API_KEY') return { [auth.name.toLowerCase()]: auth.value };
    if (auth.type === 'BASIC') return { authorization: basic(auth.username, auth.password) };
    const cached = this.#tokens.get(connectionArn);
    if (!fresh && cached !== undefined && cached.expiresAt - REFRESH_BEFORE_MS > this.clock.now()) {
      return { authorization: `Bearer ${cached.token}` };
    }
    const token = await this.#fetchToken(auth);
    this.#tokens.set(connectionArn, token);
    return { authorization: `Bearer ${token.token}` };
  }

  async #fetchToken(auth: Extract<ConnectionAuthorization, { type: 'OAUTH_CLIENT_CREDENTIALS' }>) {
    const { parameters } = auth;
    const answer = await forwardHttp({
      method: auth.method,
      url: auth.endpoint,
      query: formEncoded(parameters.query),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...lowerCased(Object.fromEntries(parameters.headers.map((h) => [h.key, h.value]))),
        authorization: basic(auth.clientId, auth.clientSecret),
      },
      body: formEncoded(parameters.body),
      timeoutMs: API_DESTINATION_TIMEOUT_MS,
    });
    const text = answer.body.toString('utf8');
    let parsed: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      throw new ConnectionAuthorizationError(`the authorization endpoint ${auth.endpoint} answered ${answer.status} without JSON`, {
        cause: error,
      });
    }
    if (answer.status >= 300 || typeof parsed.access_token !== 'string') {
      throw new ConnectionAuthorizationError(
        `the authorization endpoint ${auth.endpoint} gave no access_token (${answer.status}: ${text.slice(0, 200)})`,
      );
    }
    const seconds = Number(parsed.expires_in);
    const expiresAt = Number.isFinite(seconds) && seconds > 0 ? this.clock.now() + seconds * 1000 : Number.POSITIVE_INFINITY;
    return { token: parsed.access_token, expiresAt };
  }
}

const formEncoded = (entries: readonly { key: string; value: string }[]) =>
  new URLSearchParams(entries.map((e): [string, string] => [e.key, e.value])).toString();

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** The connection's body parameters are members added to a JSON object body (a body that is no JSON object is sent as it is). */
function withBodyParameters(body: string, invocation: ConnectionParameters): string {
  if (invocation.body.length === 0) return body;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return body;
  return JSON.stringify({ ...value, ...Object.fromEntries(invocation.body.map((b) => [b.key, b.value])) });
}
