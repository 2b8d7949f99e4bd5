import { randomUUID } from 'node:crypto';
import type { Clock } from '../time/clock.js';
import { type AccessLogWriter, writeAccessLog } from './access-log.js';
import { HttpApiAuthorization } from './authorizers/authorize.js';
import { JwksSource } from './authorizers/jwks.js';
import { routeArn } from './authorizers/lambda-authorizer.js';
import { type LocalUserPools, NO_USER_POOLS } from './authorizers/user-pools.js';
import { isPreflight, preflightResponse, withCors } from './cors.js';
import type { HttpApiDefinition, RouteDefinition, StageDefinition } from './definitions.js';
import { runHttpApiProxy } from './http-api-http-proxy.js';
import { HttpApiServiceIntegrations } from './http-api-integrations.js';
import { RequestViews } from './http-api-request.js';
import { RouteThrottles } from './http-api-throttle.js';
import { withTimeout } from './integration-timeout.js';
import type { ApiGatewayCaller, LambdaInvoker } from './lambda-invoker.js';
import { type HttpApiRequest, type HttpResponse, httpResponse, jsonResponse } from './payload.js';
import { MALFORMED, v1Response } from './proxy-event-v1.js';
import { type AwsEndpointAccess, LoopbackAwsClient } from './rest-api-aws-client.js';
import type { RestApiService } from './rest-api-service.js';

// The ports both API kinds share, where callers have always found them.
export type { AccessLogWriter } from './access-log.js';
export type { LambdaInvoker } from './lambda-invoker.js';

import { type RouteMatch, RouteTable } from './routing.js';

export interface HttpApiServiceOptions {
  readonly apis: readonly HttpApiDefinition[];
  readonly lambda: LambdaInvoker;
  readonly logs?: AccessLogWriter;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  /** The REST APIs, reached through the same local URLs: a request for one of their ids is handed over. */
  readonly restApis?: RestApiService;
  /** The runtime's own endpoint, which AWS service integrations call (the REST APIs' loopback client). */
  readonly awsEndpoint?: AwsEndpointAccess;
  /** Lines for the runtime log: why a route answered 400/401/500 where the client is not told. */
  readonly log?: (line: string) => void;
  /** Where JWT authorizers' key files are named (`SWITCHYARD_JWT_JWKS_<logical id>`); the process's environment by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The Cognito user pools that run here: a JWT authorizer whose issuer is one of theirs is checked in-process; none by default. */
  readonly userPools?: LocalUserPools;
}

/** The path prefix of the path-style local URL: `/_aws/execute-api/<api-id>/<stage>/<path>` (LocalStack's form too). */
const PATH_PREFIX = '/_aws/execute-api/';
/** The host-style local name: `<api-id>.execute-api.localhost`. */
const HOST_STYLE = /^([a-z0-9]{10})\.execute-api\.localhost$/;
/** HTTP APIs take request payloads up to 10 MB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Where one stage of an HTTP API answers locally. */
export interface HttpApiUrl {
  readonly apiId: string;
  readonly name: string;
  readonly stage: string;
  /** The path-style URL; `http://<api-id>.execute-api.localhost:<port>` reaches the same stage by Host. */
  readonly url: string;
  readonly routes: readonly string[];
  /** `rest` for a REST API (v1); absent for an HTTP API. */
  readonly kind?: 'rest';
}

/** What a route's authorizer or integration answered, for the client and the access log. */
interface Outcome {
  readonly response: HttpResponse;
  readonly integrationStatus?: number;
  readonly error?: string;
  /** Answered without the API's CORS headers (an integration that timed out). */
  readonly plain?: boolean;
}

interface LoadedApi {
  readonly definition: HttpApiDefinition;
  readonly routes: RouteTable;
}

/**
 * API Gateway HTTP APIs from the template, served at `http://<endpoint>/_aws/execute-api/
 * <api-id>/<path>` (with `/<stage>` first for a named stage) or with the Host
 * `<api-id>.execute-api.localhost`: stage and route selection as API Gateway does them, route
 * throttling (429), Lambda and JWT authorizers, Lambda proxy integrations (payload 1.0 and
 * 2.0) and AWS service integrations by subtype.
 */
export class HttpApiService {
  readonly #apis: ReadonlyMap<string, LoadedApi>;
  readonly #throttles = new RouteThrottles();
  readonly #authorization: HttpApiAuthorization;
  readonly #services: HttpApiServiceIntegrations;
  readonly #log: (line: string) => void;

  constructor(private readonly options: HttpApiServiceOptions) {
    this.#apis = new Map(options.apis.map((definition) => [definition.id, { definition, routes: new RouteTable(definition.routes) }]));
    const log = options.log ?? (() => {});
    this.#log = log;
    this.#authorization = new HttpApiAuthorization({
      lambda: options.lambda,
      jwks: new JwksSource(options.env ?? process.env),
      userPools: options.userPools ?? NO_USER_POOLS,
      log,
    });
    const aws = options.awsEndpoint ? new LoopbackAwsClient(options.awsEndpoint, options.region) : undefined;
    this.#services = new HttpApiServiceIntegrations({
      ...(aws ? { send: (target, mapped, signal) => aws.send(target, mapped, signal) } : {}),
      region: options.region,
      log,
    });
  }

  /** Whether a request is for an HTTP API (by Host or path), so the endpoint hands it here before any AWS protocol. */
  handles(host: string | undefined, url: string): boolean {
    return url.startsWith(PATH_PREFIX) || HOST_STYLE.test(hostname(host));
  }

  /** Whether it serves the HTTP API of this id. */
  serves(apiId: string): boolean {
    return this.#apis.has(apiId);
  }

  /** The URL each API's stages are reached at locally, for the start-up report. */
  urls(endpointUrl: string): HttpApiUrl[] {
    return [...this.#apis.values()]
      .flatMap(({ definition }) =>
        definition.stages.map((stage) => ({
          apiId: definition.id,
          name: definition.name,
          stage: stage.name,
          url: `${endpointUrl}${PATH_PREFIX}${definition.id}${stage.name === '$default' ? '' : `/${stage.name}`}`,
          routes: definition.routes.map((route) => route.routeKey),
        })),
      )
      .concat(this.options.restApis?.urls(endpointUrl, PATH_PREFIX) ?? []);
  }

  async handle(
    request: { method: string; host: string | undefined; url: string } & Omit<HttpApiRequest, 'method' | 'rawPath' | 'rawQueryString'>,
  ): Promise<HttpResponse> {
    const started = this.options.clock.now();
    const requestId = randomUUID();
    const [pathAndPrefix = '/', rawQueryString = ''] = splitOnce(request.url, '?');
    const { apiId, apiPath } = addressOf(request.host, request.url, pathAndPrefix);
    const api = this.#apis.get(apiId);
    if (!api && this.options.restApis?.serves(apiId)) {
      return this.options.restApis.handle({ ...request, rawPath: apiPath, rawQueryString }, apiId);
    }
    const notFound = withRequestId(jsonResponse(404, { message: 'Not Found' }), requestId);
    if (!api) return notFound;
    const selected = selectStage(api.definition.stages, apiPath);
    if (!selected) return notFound;
    const { stage, stagePath } = selected;
    const finish = (response: HttpResponse, match?: RouteMatch, integrationStatus?: number, error?: string): HttpResponse => {
      const answered = withRequestId(response, requestId);
      const answeredRequest = {
        requestId,
        apiId,
        request,
        started,
        path: apiPath,
        routeKey: match?.route.routeKey ?? '-',
        response: answered,
      };
      writeAccessLog(this.options.logs, stage, { ...answeredRequest, integrationStatus, error }, this.options.clock.now());
      return answered;
    };
    if (request.body.length > MAX_PAYLOAD_BYTES) return finish(jsonResponse(413, { message: 'Request Entity Too Large' }));

    const match = api.routes.match(request.method, stagePath);
    const cors = api.definition.cors;
    // API Gateway answers a preflight itself, unless an OPTIONS route or the $default route takes it.
    if (cors && isPreflight(request.method, request.headers)) {
      const key = match?.route.routeKey ?? '';
      if (key !== '$default' && !key.toUpperCase().startsWith('OPTIONS ')) return finish(preflightResponse(cors, request.headers), match);
    }
    if (!match) return finish(jsonResponse(404, { message: 'Not Found' }), undefined, undefined, 'Not Found');
    const integrationAnswer = (response: HttpResponse) => (cors ? withCors(cors, request.headers, response) : response);
    const now = this.options.clock.now();
    if (!this.#throttles.allow(apiId, stage.name, stage.throttling, match.route.routeKey, now)) {
      return finish(integrationAnswer(jsonResponse(429, { message: 'Too Many Requests' })), match, undefined, 'throttled');
    }
    const views = new RequestViews({
      request,
      apiId,
      accountId: this.options.accountId,
      stage,
      match,
      apiPath,
      rawQueryString,
      requestId,
      started,
    });
    const outcome = await this.#authorizeAndRun(api.definition, views, {
      arn: routeArn({
        region: this.options.region,
        accountId: this.options.accountId,
        apiId,
        stage: stage.name,
        method: request.method,
        path: stagePath,
      }),
      route: match.route,
      now,
    });
    return finish(outcome.plain ? outcome.response : integrationAnswer(outcome.response), match, outcome.integrationStatus, outcome.error);
  }

  /** The route's authorizer, then its integration. */
  async #authorizeAndRun(
    api: HttpApiDefinition,
    views: RequestViews,
    { arn, route, now }: { arn: string; route: RouteDefinition; now: number },
  ): Promise<Outcome> {
    let authorizerContext: ((version: string) => Record<string, unknown>) | undefined;
    let mappingAuthorizer: Record<string, unknown> = {};
    if (route.authorizationType === 'CUSTOM' || route.authorizationType === 'JWT') {
      const authorized = await this.#authorization.authorize({
        authorizer: route.authorizerId === undefined ? undefined : api.authorizers.get(route.authorizerId),
        scopes: route.authorizationScopes ?? [],
        mapping: views.mapping({}),
        arn,
        eventOf: (version) => views.event(version),
        now,
      });
      if (!authorized.ok) return { response: authorized.response, error: authorized.error };
      authorizerContext = authorized.forEvent;
      mappingAuthorizer = authorized.forMapping;
    }
    const integration = route.integrationId === undefined ? undefined : api.integrations.get(route.integrationId);
    if (integration?.subtype !== undefined) {
      const { subtype, requestParameters = {}, timeoutMs, roleArn } = integration;
      return this.#services.call(
        { subtype, requestParameters, timeoutMs, ...(roleArn === undefined ? {} : { roleArn }) },
        views.mapping(mappingAuthorizer),
        `${api.name} ${route.routeKey}`,
      );
    }
    if (integration?.http !== undefined) {
      return runHttpApiProxy(integration.http, views.mapping(mappingAuthorizer), `${api.name} ${route.routeKey}`, this.#log);
    }
    if (integration?.functionArn === undefined) {
      return { response: jsonResponse(500, { message: 'Internal Server Error' }), error: 'the integration does not run locally' };
    }
    const event = views.event(integration.payloadFormatVersion);
    if (authorizerContext)
      (event.requestContext as Record<string, unknown>).authorizer = authorizerContext(integration.payloadFormatVersion);
    const caller = { sourceArn: arn, ...(integration.roleArn === undefined ? {} : { roleArn: integration.roleArn }) };
    return this.#invoke(integration.functionArn, integration.payloadFormatVersion, integration.timeoutMs, event, caller);
  }

  /** A Lambda proxy integration: the function's answer read as its payload format says. */
  async #invoke(
    functionArn: string,
    payloadFormatVersion: string,
    timeoutMs: number,
    event: unknown,
    caller: ApiGatewayCaller,
  ): Promise<Outcome> {
    const internalError = jsonResponse(500, { message: 'Internal Server Error' });
    // A function that cannot be invoked (left out at load, another runtime, no permission for API Gateway) is an integration failure: 500, as API Gateway answers.
    const invocation = this.options.lambda.invoke(functionArn, event, caller).catch((error: unknown) => ({ ok: false as const, error }));
    const outcome = await withTimeout(invocation, timeoutMs);
    if (outcome === 'timeout') {
      return {
        response: jsonResponse(503, { message: 'Service Unavailable' }),
        error: 'Network error communicating with endpoint',
        plain: true,
      };
    }
    if (!outcome.ok) return { response: internalError, integrationStatus: 200, error: 'the function failed' };
    if (payloadFormatVersion !== '1.0') return { response: httpResponse(outcome.payload), integrationStatus: 200 };
    const response = v1Response(outcome.payload, true);
    if (response === MALFORMED) return { response: internalError, integrationStatus: 200, error: 'Malformed Lambda proxy response' };
    return { response, integrationStatus: 200 };
  }
}

/** A named stage whose name is the first path segment, else `$default` with the whole path. */
function selectStage(stages: readonly StageDefinition[], path: string): { stage: StageDefinition; stagePath: string } | undefined {
  const first = path.split('/')[1] ?? '';
  const named = stages.find((stage) => stage.name !== '$default' && stage.name === first);
  if (named) return { stage: named, stagePath: path.slice(first.length + 1) || '/' };
  const fallback = stages.find((stage) => stage.name === '$default');
  return fallback ? { stage: fallback, stagePath: path } : undefined;
}

function withRequestId(response: HttpResponse, requestId: string): HttpResponse {
  return { ...response, headers: { ...response.headers, 'apigw-requestid': requestId } };
}

function hostname(host: string | undefined): string {
  return (host ?? '').replace(/:\d+$/, '').toLowerCase();
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

/**
 * The API a request is for and the path within it: host style (`<id>.execute-api.localhost`)
 * unless the path starts with PATH_PREFIX, which names the API as its first segment. Slashes in
 * a row are one, as API Gateway reads a path (a `{proxy+}` given `http://host` sees `http:/host`):
 * `curl $API_URL/items` with CDK's URL, which ends in a slash, asks for `//items`.
 */
function addressOf(host: string | undefined, url: string, pathAndPrefix: string): { apiId: string; apiPath: string } {
  const hostStyle = HOST_STYLE.exec(hostname(host));
  if (hostStyle && !url.startsWith(PATH_PREFIX)) return { apiId: hostStyle[1] ?? '', apiPath: oneSlash(pathAndPrefix) };
  const rest = pathAndPrefix.slice(PATH_PREFIX.length);
  const slash = rest.indexOf('/');
  return { apiId: slash < 0 ? rest : rest.slice(0, slash), apiPath: slash < 0 ? '/' : oneSlash(rest.slice(slash)) };
}

const oneSlash = (path: string) => path.replace(/\/{2,}/g, '/');
