import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { type AccessLogEntry, type AccessLogWriter, accessLogLine } from './access-log.js';
import { HttpApiAuthorization } from './authorizers/authorize.js';
import { JwksSource } from './authorizers/jwks.js';
import { routeArn } from './authorizers/lambda-authorizer.js';
import { isPreflight, preflightResponse, withCors } from './cors.js';
import type { HttpApiDefinition, StageDefinition } from './definitions.js';
import { HttpApiServiceIntegrations } from './http-api-integrations.js';
import type { MappingSource } from './http-api-mapping.js';
import { RouteThrottles } from './http-api-throttle.js';
import type { LambdaInvoker } from './lambda-invoker.js';
import { clfTime, type HttpApiRequest, type HttpResponse, httpResponse, isTextContent, jsonResponse, lambdaEvent } from './payload.js';
import { MALFORMED, v1Event, v1Response } from './proxy-event-v1.js';
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
}

/** The path prefix of the path-style local URL: `/_aws/execute-api/<api-id>/<stage>/<path>` (LocalStack's form too). */
export const PATH_PREFIX = '/_aws/execute-api/';
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

interface LoadedApi {
  readonly definition: HttpApiDefinition;
  readonly routes: RouteTable;
}

/**
 * API Gateway HTTP APIs from the template, served at `http://<endpoint>/_aws/execute-api/
 * <api-id>/<path>` (with `/<stage>` first for a named stage) or with the Host
 * `<api-id>.execute-api.localhost`: stage and route selection as API Gateway does them, and
 * Lambda proxy integrations with payload format 2.0.
 */
export class HttpApiService {
  readonly #apis: ReadonlyMap<string, LoadedApi>;
  readonly #throttles = new RouteThrottles();
  readonly #authorization: HttpApiAuthorization;
  readonly #services: HttpApiServiceIntegrations;

  constructor(private readonly options: HttpApiServiceOptions) {
    this.#apis = new Map(options.apis.map((definition) => [definition.id, { definition, routes: new RouteTable(definition.routes) }]));
    const log = options.log ?? (() => {});
    this.#authorization = new HttpApiAuthorization({ lambda: options.lambda, jwks: new JwksSource(options.env ?? process.env), log });
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
    let apiId: string;
    let apiPath: string;
    const hostStyle = HOST_STYLE.exec(hostname(request.host));
    if (hostStyle && !request.url.startsWith(PATH_PREFIX)) {
      apiId = hostStyle[1] ?? '';
      apiPath = pathAndPrefix;
    } else {
      const rest = pathAndPrefix.slice(PATH_PREFIX.length);
      const slash = rest.indexOf('/');
      apiId = slash < 0 ? rest : rest.slice(0, slash);
      apiPath = slash < 0 ? '/' : rest.slice(slash);
    }
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
      this.#accessLog(stage, {
        requestId,
        sourceIp: request.sourceIp,
        started,
        method: request.method,
        path: apiPath,
        protocol: request.protocol,
        routeKey: match?.route.routeKey ?? '-',
        status: answered.status,
        responseLength: answered.body.length,
        integrationStatus,
        integrationLatency: integrationStatus === undefined ? undefined : this.options.clock.now() - started,
        error,
        apiId,
        stage: stage.name,
      });
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
    const integration = match.route.integrationId === undefined ? undefined : api.definition.integrations.get(match.route.integrationId);
    const context = {
      accountId: this.options.accountId,
      apiId,
      domainName: `${apiId}.execute-api.localhost`,
      stage: stage.name,
      routeKey: match.route.routeKey,
      pathParameters: match.pathParameters,
      stageVariables: stage.stageVariables,
      requestId,
      now: started,
    };
    // HTTP APIs hand header names on in lower case, in either format.
    const { rawHeaders: _, ...lowerCaseRequest } = request;
    const eventOf = (version: string): Record<string, unknown> =>
      version === '1.0'
        ? v1Event(
            { ...lowerCaseRequest, rawPath: apiPath, rawQueryString },
            {
              ...context,
              kind: 'http',
              resourcePath: match.route.routeKey === '$default' ? '$default' : (match.route.routeKey.split(' ')[1] ?? ''),
              path: apiPath,
              binaryBody: !isTextContent(request.headers['content-type']?.[0]),
            },
          )
        : lambdaEvent({ ...request, rawPath: apiPath, rawQueryString }, context);
    const mapping = (authorizer: Record<string, unknown>): MappingSource => ({
      headers: request.headers,
      rawQueryString,
      pathParameters: match.pathParameters,
      body: request.body,
      stageVariables: stage.stageVariables,
      context: mappingContext({ ...context, method: request.method, path: apiPath, request }, authorizer),
    });
    let authorizerContext: ((version: string) => Record<string, unknown>) | undefined;
    let mappingAuthorizer: Record<string, unknown> = {};
    const { route } = match;
    if (route.authorizationType === 'CUSTOM' || route.authorizationType === 'JWT') {
      const authorized = await this.#authorization.authorize({
        authorizer: route.authorizerId === undefined ? undefined : api.definition.authorizers.get(route.authorizerId),
        scopes: route.authorizationScopes ?? [],
        mapping: mapping({}),
        arn: routeArn({
          region: this.options.region,
          accountId: this.options.accountId,
          apiId,
          stage: stage.name,
          method: request.method,
          path: stagePath,
        }),
        eventOf: (version) => eventOf(version),
        now,
      });
      if (!authorized.ok) return finish(integrationAnswer(authorized.response), match, undefined, authorized.error);
      authorizerContext = authorized.forEvent;
      mappingAuthorizer = authorized.forMapping;
    }
    if (integration?.subtype !== undefined) {
      const { subtype, requestParameters = {}, timeoutMs } = integration;
      const outcome = await this.#services.call(
        { subtype, requestParameters, timeoutMs },
        mapping(mappingAuthorizer),
        `${api.definition.name} ${route.routeKey}`,
      );
      return finish(integrationAnswer(outcome.response), match, outcome.integrationStatus, outcome.error);
    }
    if (integration?.functionArn === undefined) {
      return finish(
        integrationAnswer(jsonResponse(500, { message: 'Internal Server Error' })),
        match,
        undefined,
        'the integration does not run locally',
      );
    }
    const v1 = integration.payloadFormatVersion === '1.0';
    const event = eventOf(integration.payloadFormatVersion);
    if (authorizerContext)
      (event.requestContext as Record<string, unknown>).authorizer = authorizerContext(integration.payloadFormatVersion);
    // A function that cannot be invoked (left out at load, or another runtime) is an integration failure: 500, as API Gateway answers.
    const invocation = this.options.lambda
      .invoke(integration.functionArn, event)
      .catch((error: unknown) => ({ ok: false as const, error }));
    const outcome = await withTimeout(invocation, integration.timeoutMs);
    if (outcome === 'timeout') {
      return finish(jsonResponse(503, { message: 'Service Unavailable' }), match, undefined, 'Network error communicating with endpoint');
    }
    if (!outcome.ok)
      return finish(integrationAnswer(jsonResponse(500, { message: 'Internal Server Error' })), match, 200, 'the function failed');
    if (!v1) return finish(integrationAnswer(httpResponse(outcome.payload)), match, 200);
    const response = v1Response(outcome.payload, true);
    if (response === MALFORMED) {
      return finish(
        integrationAnswer(jsonResponse(500, { message: 'Internal Server Error' })),
        match,
        200,
        'Malformed Lambda proxy response',
      );
    }
    return finish(integrationAnswer(response), match, 200);
  }

  #accessLog(stage: StageDefinition, entry: AccessLogEntry): void {
    if (!stage.accessLog || !this.options.logs) return;
    const message = accessLogLine(stage.accessLog.format, entry);
    this.options.logs.write(stage.accessLog.logGroupName, `${entry.apiId}_${stage.name}`, [{ timestamp: entry.started, message }]);
  }
}

/** `$context` for parameter mappings and identity sources: the request's context variables HTTP APIs document. */
function mappingContext(
  c: {
    readonly accountId: string;
    readonly apiId: string;
    readonly domainName: string;
    readonly stage: string;
    readonly routeKey: string;
    readonly requestId: string;
    readonly now: number;
    readonly method: string;
    readonly path: string;
    readonly request: Pick<HttpApiRequest, 'headers' | 'sourceIp' | 'protocol'>;
  },
  authorizer: Record<string, unknown>,
): Record<string, unknown> {
  return {
    accountId: c.accountId,
    apiId: c.apiId,
    domainName: c.domainName,
    domainPrefix: c.domainName.split('.')[0],
    stage: c.stage,
    routeKey: c.routeKey,
    requestId: c.requestId,
    extendedRequestId: c.requestId,
    httpMethod: c.method,
    path: c.path,
    protocol: c.request.protocol,
    requestTime: clfTime(c.now),
    requestTimeEpoch: c.now,
    identity: { sourceIp: c.request.sourceIp, userAgent: c.request.headers['user-agent']?.[0] ?? '' },
    authorizer,
  };
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

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
