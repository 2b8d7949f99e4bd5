import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../time/clock.js';
import { type AccessLogWriter, writeAccessLog } from './access-log.js';
import { routeArn } from './authorizers/lambda-authorizer.js';
import { type LocalUserPools, NO_USER_POOLS } from './authorizers/user-pools.js';
import type { StageDefinition } from './definitions.js';
import { withTimeout } from './integration-timeout.js';
import type { LambdaInvoker } from './lambda-invoker.js';
import type { HttpApiRequest, HttpResponse } from './payload.js';
import { MALFORMED, restError, streamedResponse, v1Event, v1Response } from './proxy-event-v1.js';
import { RestAuthorization } from './rest-api-authorizers.js';
import { type AwsEndpointAccess, LoopbackAwsClient } from './rest-api-aws-client.js';
import type { RestApiDefinition, RestIntegration, RestMethodDefinition, RestResourceDefinition } from './rest-api-definitions.js';
import { type GatewayRequest, withGatewayResponse } from './rest-api-gateway-responses.js';
import { runHttpProxy } from './rest-api-http.js';
import { UsagePlanMeter } from './rest-api-keys.js';
import type { MethodRequest } from './rest-api-mapping.js';
import { type IntegrationOutcome, runNonProxy } from './rest-api-non-proxy.js';
import { type ValidatedRequest, validateRequest } from './rest-api-validation.js';
import { RouteTable } from './routing.js';

export interface RestApiServiceOptions {
  readonly apis: readonly RestApiDefinition[];
  readonly lambda: LambdaInvoker;
  readonly logs?: AccessLogWriter;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  /**
   * The runtime's AWS endpoint and its own credentials, which `AWS` service integrations
   * (SQS, Step Functions, EventBridge, DynamoDB, ...) call; without it they answer 500.
   */
  readonly awsEndpoint?: AwsEndpointAccess;
  /** The runtime log: a mapping template that fails, an integration response that matches nothing. */
  readonly log?: (line: string) => void;
  /** The Cognito user pools that run here, for `COGNITO_USER_POOLS` authorizers; none by default. */
  readonly userPools?: LocalUserPools;
}

/** REST APIs take request payloads up to 10 MB. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface LoadedApi {
  readonly definition: RestApiDefinition;
  readonly resources: RouteTable;
  readonly byId: ReadonlyMap<string, RestResourceDefinition>;
}

/** API Gateway's answer for a path or method the API does not have, or a stage it does not have. */
const missingToken = () => restError(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
const internalError = (status: number) => restError(status, 'Internal server error', 'InternalServerErrorException');

/**
 * API Gateway REST APIs (v1) from the template, reached through the same local URLs as the
 * HTTP APIs (`/_aws/execute-api/<api-id>/<stage>/<path>`, or the Host
 * `<api-id>.execute-api.localhost`); the stage is always the first path segment. Resource
 * and method selection as API Gateway does them, Lambda proxy integrations with payload
 * format 1.0, and the integrations with VTL mapping templates (rest-api-non-proxy.ts): `AWS`
 * service integrations, Lambda custom integrations and MOCK integrations (CDK's CORS preflight).
 */
export class RestApiService {
  /** Each API's definitions by id: the template's one, or one per deployment of an API made through the API (each serving its own stages). */
  readonly #apis = new Map<string, readonly LoadedApi[]>();
  readonly #aws?: LoopbackAwsClient;
  readonly #usage = new UsagePlanMeter();
  readonly #authorization: RestAuthorization;

  constructor(private readonly options: RestApiServiceOptions) {
    if (options.awsEndpoint) this.#aws = new LoopbackAwsClient(options.awsEndpoint, options.region);
    this.#authorization = new RestAuthorization({
      lambda: options.lambda,
      log: options.log ?? ((line) => console.error(line)),
      userPools: options.userPools ?? NO_USER_POOLS,
    });
    for (const definition of options.apis) this.#apis.set(definition.id, [loadedApi(definition)]);
  }

  serves(apiId: string): boolean {
    return this.#apis.has(apiId);
  }

  /** Serves an API's definitions from now on (an API made through API Gateway's API, deployed anew), or stops serving it (none). */
  serve(apiId: string, definitions: readonly RestApiDefinition[]): void {
    if (definitions.length === 0) this.#apis.delete(apiId);
    else this.#apis.set(apiId, definitions.map(loadedApi));
  }

  /** Where each stage is reached, with its methods (`GET /pets/{id}`), for the start-up report. */
  urls(
    endpointUrl: string,
    pathPrefix: string,
  ): { apiId: string; name: string; stage: string; url: string; routes: string[]; kind: 'rest' }[] {
    return [...this.#apis.values()].flat().flatMap(({ definition }) =>
      definition.stages.map((stage) => ({
        kind: 'rest' as const,
        apiId: definition.id,
        name: definition.name,
        stage: stage.name,
        url: `${endpointUrl}${pathPrefix}${definition.id}/${stage.name}`,
        routes: definition.resources.flatMap((r) => [...r.methods.keys()].map((m) => `${m} ${r.path}`)),
      })),
    );
  }

  /** One request to `apiId`; `apiPath` is everything after the API id (the stage first), as sent. */
  async handle(request: HttpApiRequest, apiId: string): Promise<HttpResponse> {
    const started = this.options.clock.now();
    const requestId = randomUUID();
    const deployed = this.#apis.get(apiId);
    const edge = deployed?.[0]?.definition.endpointType === 'EDGE';
    const stamp = (response: HttpResponse): HttpResponse => ({
      ...response,
      headers: {
        ...response.headers,
        'x-amzn-requestid': requestId,
        'x-amz-apigw-id': requestId.slice(0, 16),
        ...(edge ? cloudFrontHeaders(response.status) : {}),
      },
    });
    if (!deployed) return stamp(restError(404, 'Not Found', 'NotFoundException'));
    const stageName = request.rawPath.split('/')[1] ?? '';
    const api = deployed.find((d) => d.definition.stages.some((s) => s.name === stageName));
    const stage = api?.definition.stages.find((s) => s.name === stageName);
    if (!api || !stage) return stamp(missingToken());
    const path = request.rawPath.slice(stageName.length + 1) || '/';
    let resourcePath = '-';
    // What a gateway response reads of the request: its headers until the method's event is made, then the event's maps.
    let gatewayRequest = unmatchedGatewayRequest(request, { requestId, apiId, stage: stageName });
    const finish = (response: HttpResponse, integrationStatus?: number, error?: string): HttpResponse => {
      const answered = stamp(withGatewayResponse(response, api.definition.gatewayResponses, gatewayRequest));
      const answeredRequest = { requestId, apiId, request, started, path: request.rawPath, routeKey: resourcePath, response: answered };
      const logged = { ...answeredRequest, ...(resourcePath === '-' ? {} : { resourcePath }), integrationStatus, error };
      writeAccessLog(this.options.logs, stage, logged, this.options.clock.now());
      return answered;
    };
    if (request.body.length > MAX_PAYLOAD_BYTES) return finish(restError(413, 'Request Too Long', 'RequestTooLarge'));

    // A trailing slash reaches the same resource (`/items/` is `/items`), and is not part of a {proxy+} value.
    const match = api.resources.match(request.method, path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
    const resource = match?.route.integrationId === undefined ? undefined : api.byId.get(match.route.integrationId);
    const method = resource === undefined ? undefined : methodOf(resource, request.method);
    if (!match || !resource || !method) return finish(missingToken(), undefined, 'Missing Authentication Token');
    resourcePath = resource.path;
    const integration = method.integration;

    const event = this.#eventOf(request, { api, stage, resource, pathParameters: match.pathParameters, path, requestId, started });
    gatewayRequest = { ...validatedRequestOf(event, request), context: (event.requestContext ?? {}) as Record<string, unknown> };
    const refused = await this.#admit({
      api: api.definition,
      stage,
      resourcePath: resource.path,
      method,
      request,
      event,
      path,
      now: started,
    });
    if (refused) return finish(refused.response, undefined, refused.reason);
    if (integration.kind === 'not-run') return finish(internalError(500), undefined, 'the integration does not run locally');
    const methodArn = routeArn({
      region: this.options.region,
      accountId: this.options.accountId,
      apiId,
      stage: stage.name,
      method: request.method,
      path,
    });
    const outcome = await this.#integrate(integration, {
      api: api.definition,
      stage,
      resourcePath: resource.path,
      request,
      event,
      methodArn,
    });
    // A function's answer carries the trace header API Gateway invoked it with.
    const traced =
      integration.kind === 'lambda' || integration.kind === 'lambda-custom'
        ? { ...outcome.response, headers: { ...outcome.response.headers, 'x-amzn-trace-id': traceHeaderOf(event) } }
        : outcome.response;
    return finish(traced, outcome.integrationStatus, outcome.error);
  }

  /** The Lambda proxy event (payload 1.0) of a request to a method: what the integration, the authorizer and the validators read. */
  #eventOf(
    request: HttpApiRequest,
    r: {
      api: { definition: RestApiDefinition };
      stage: StageDefinition;
      resource: RestResourceDefinition;
      pathParameters: Parameters<typeof v1Event>[1]['pathParameters'];
      path: string;
      requestId: string;
      started: number;
    },
  ): Record<string, unknown> {
    const contentType = firstHeader(request, 'content-type');
    const apiId = r.api.definition.id;
    return v1Event(request, {
      kind: 'rest',
      accountId: this.options.accountId,
      apiId,
      domainName: `${apiId}.execute-api.localhost`,
      stage: r.stage.name,
      resourcePath: r.resource.path,
      resourceId: r.resource.id,
      ...(r.stage.deploymentId === undefined ? {} : { deploymentId: r.stage.deploymentId }),
      path: r.path,
      pathParameters: r.pathParameters,
      stageVariables: r.stage.stageVariables,
      requestId: r.requestId,
      now: r.started,
      binaryBody: contentType !== undefined && isBinary(r.api.definition.binaryMediaTypes, [contentType]),
    });
  }

  /** The request through the method's integration: a Lambda proxy, or a mapped (non-proxy) one. */
  #integrate(
    integration: Exclude<RestIntegration, { kind: 'not-run' }>,
    r: {
      api: RestApiDefinition;
      stage: StageDefinition;
      resourcePath: string;
      request: HttpApiRequest;
      event: Record<string, unknown>;
      /** The method's `execute-api` ARN for this request: what API Gateway invokes a function as the source of. */
      methodArn: string;
    },
  ): Promise<IntegrationOutcome> {
    if (integration.kind === 'lambda') return this.#lambdaProxy(integration, r.event, r.request, r.api.binaryMediaTypes, r.methodArn);
    const log = this.options.log ?? ((line: string) => console.error(line));
    const label = {
      apiName: r.api.name,
      apiId: r.api.id,
      httpMethod: r.request.method,
      resourcePath: r.resourcePath,
      methodArn: r.methodArn,
    };
    const methodRequest = methodRequestOf(r.request, r.event, r.stage.stageVariables, r.api.binaryMediaTypes);
    if (integration.kind === 'http-proxy') {
      const where = `API ${label.apiName} (${label.apiId}) ${label.httpMethod} ${label.resourcePath}`;
      return runHttpProxy(integration, r.request, methodRequest, where, log);
    }
    return runNonProxy(integration, methodRequest, { lambda: this.options.lambda, ...(this.#aws ? { aws: this.#aws } : {}), log }, label);
  }

  /**
   * What API Gateway checks before the integration, in its order: the method's Lambda
   * authorizer (its principalId and context then reach `event.requestContext.authorizer`,
   * and `$context.authorizer.*` through it), the API key and usage plan, request validation.
   * Undefined when the request may go on; else the answer and why (for the access log).
   */
  async #admit(r: {
    api: RestApiDefinition;
    stage: StageDefinition;
    resourcePath: string;
    method: RestMethodDefinition;
    request: HttpApiRequest;
    event: Record<string, unknown>;
    path: string;
    now: number;
  }): Promise<{ response: HttpResponse; reason: string } | undefined> {
    const { method, request, event } = r;
    if (method.authorizer) {
      const outcome = await this.#authorization.authorize(method.authorizer, {
        event,
        region: this.options.region,
        accountId: this.options.accountId,
        apiId: r.api.id,
        stage: r.stage.name,
        httpMethod: request.method.toUpperCase(),
        path: r.path,
        now: r.now,
      });
      if (!outcome.ok) return outcome;
      event.requestContext = { ...(event.requestContext as Record<string, unknown>), authorizer: outcome.authorizer };
    }
    if (method.apiKeyRequired) {
      const refused = this.#usage.check(
        r.api.keys,
        { stage: r.stage.name, apiKey: firstHeader(request, 'x-api-key'), resourcePath: r.resourcePath, httpMethod: method.httpMethod },
        r.now,
      );
      if (refused) return refused;
    }
    const invalid = method.validation === undefined ? undefined : validateRequest(method.validation, validatedRequestOf(event, request));
    return invalid === undefined ? undefined : { response: invalid.response, reason: invalid.message };
  }

  /** A Lambda proxy integration: the event in, the function's `{statusCode, headers, body}` out (or, streamed, its metadata and payload). */
  async #lambdaProxy(
    integration: Extract<RestIntegration, { kind: 'lambda' }>,
    event: Record<string, unknown>,
    request: HttpApiRequest,
    binaryMediaTypes: readonly string[],
    methodArn: string,
  ): Promise<IntegrationOutcome> {
    // A function that cannot be invoked at all (missing, another runtime, no permission for API Gateway) is API Gateway's 500; one that fails is its 502.
    const caller = { sourceArn: methodArn, ...(integration.roleArn === undefined ? {} : { roleArn: integration.roleArn }) };
    const invocation = this.options.lambda
      .invoke(integration.functionArn, event, caller)
      .catch((error: unknown) => ({ ok: false as const, error, notInvoked: true as const }));
    const outcome = await withTimeout(invocation, integration.timeoutMs);
    if (outcome === 'timeout') return { response: restError(504, 'Endpoint request timed out', 'IntegrationTimeout'), error: 'timeout' };
    if (!outcome.ok) {
      if ('notInvoked' in outcome) return { response: internalError(500), error: 'the function could not be invoked' };
      return { response: internalError(502), integrationStatus: 200, error: 'the function failed' };
    }
    const accepts = (firstHeader(request, 'accept') ?? '').split(',').map((type) => type.split(';')[0]?.trim() ?? '');
    const response = integration.streaming
      ? streamedResponse(outcome.payload)
      : v1Response(outcome.payload, isBinary(binaryMediaTypes, accepts));
    if (response === MALFORMED) return { response: internalError(502), integrationStatus: 200, error: 'Malformed Lambda proxy response' };
    return { response, integrationStatus: 200 };
  }
}

/**
 * What CloudFront adds to the answers of an edge-optimized API, which it fronts: API Gateway's
 * distributions cache nothing, so every answer is a miss, or an error from the origin.
 */
function cloudFrontHeaders(status: number): Record<string, string> {
  return {
    via: `1.1 ${randomBytes(16).toString('hex')}.cloudfront.net (CloudFront)`,
    'x-cache': status >= 400 ? 'Error from cloudfront' : 'Miss from cloudfront',
    'x-amz-cf-pop': 'LOCAL',
    'x-amz-cf-id': randomBytes(42).toString('base64url'),
  };
}

/** The X-Ray trace header of the request as the integration got it (v1Event adds one when the request had none). */
function traceHeaderOf(event: Record<string, unknown>): string {
  const headers = (event.headers ?? {}) as Record<string, string>;
  return Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amzn-trace-id')?.[1] ?? '';
}

/** A definition with its routes: every resource that has a method, by path. */
function loadedApi(definition: RestApiDefinition): LoadedApi {
  const withMethods = definition.resources.filter((r) => r.methods.size > 0);
  const routes = new RouteTable(withMethods.map((r) => ({ routeKey: `ANY ${r.path}`, integrationId: r.id, authorizationType: 'NONE' })));
  return { definition, resources: routes, byId: new Map(withMethods.map((r) => [r.id, r])) };
}

/** The resource's method for the request: its own, else ANY. */
function methodOf(resource: RestResourceDefinition, httpMethod: string): RestMethodDefinition | undefined {
  return resource.methods.get(httpMethod.toUpperCase()) ?? resource.methods.get('ANY');
}

function firstHeader(request: HttpApiRequest, name: string): string | undefined {
  return request.headers[name]?.[0];
}

/** Whether one of the media types is among the API's binary media types (`*\/*` and `image/*` included). */
function isBinary(binaryMediaTypes: readonly string[], mediaTypes: readonly string[]): boolean {
  return mediaTypes.some((type) => {
    const [major] = type.toLowerCase().split('/');
    return binaryMediaTypes.some((b) => {
      const binary = b.toLowerCase();
      return binary === '*/*' || binary === type.toLowerCase().split(';')[0]?.trim() || binary === `${major}/*`;
    });
  });
}

/** The method request as non-proxy mappings read it: the proxy event's parameters and requestContext, the body as text. */
function methodRequestOf(
  request: HttpApiRequest,
  event: Record<string, unknown>,
  stageVariables: Readonly<Record<string, string>>,
  binaryMediaTypes: readonly string[],
): MethodRequest {
  const record = (value: unknown) => (value ?? {}) as Record<string, string>;
  const contentType = firstHeader(request, 'content-type');
  const accept = firstHeader(request, 'accept');
  // API Gateway reads only the first media type of Accept to choose a binary answer.
  const firstAccepted = accept?.split(',')[0]?.trim();
  return {
    ...(contentType === undefined ? {} : { contentType }),
    ...(accept === undefined ? {} : { accept }),
    body: request.body.toString('utf8'),
    ...(contentType !== undefined && isBinary(binaryMediaTypes, [contentType]) ? { binaryBody: request.body } : {}),
    ...(firstAccepted !== undefined && firstAccepted !== '' && isBinary(binaryMediaTypes, [firstAccepted]) ? { acceptsBinary: true } : {}),
    parameters: { path: record(event.pathParameters), querystring: record(event.queryStringParameters), header: record(event.headers) },
    context: record(event.requestContext),
    stageVariables,
  };
}

/** What a gateway response reads of a request no method's event was made for: its headers, and the request's context. */
function unmatchedGatewayRequest(request: HttpApiRequest, context: { requestId: string; apiId: string; stage: string }): GatewayRequest {
  return {
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, values]) => [name, values?.[0] ?? ''])),
    querystring: {},
    path: {},
    context: { ...context, httpMethod: request.method },
  };
}

/** What request validation reads, from the proxy event (its parameter maps) and the request (its body). */
function validatedRequestOf(event: Record<string, unknown>, request: HttpApiRequest): ValidatedRequest {
  const record = (value: unknown) => (value ?? {}) as Record<string, string>;
  const contentType = firstHeader(request, 'content-type');
  return {
    ...(contentType === undefined ? {} : { contentType }),
    body: request.body.toString('utf8'),
    querystring: record(event.queryStringParameters),
    headers: record(event.headers),
    path: record(event.pathParameters),
  };
}
