/**
 * One HTTP API request as each part of API Gateway reads it: the Lambda event of either payload
 * format (for the integration and for a Lambda authorizer), and the sources of parameter
 * mappings and identity sources (`$request.*`, `$context.*`, `$stageVariables.*`).
 */
import type { StageDefinition } from './definitions.js';
import type { MappingSource } from './http-api-mapping.js';
import { clfTime, type EventContext, type HttpApiRequest, isTextContent, lambdaEvent } from './payload.js';
import { v1Event } from './proxy-event-v1.js';
import type { RouteMatch } from './routing.js';

export interface RoutedRequest {
  readonly request: Omit<HttpApiRequest, 'rawPath' | 'rawQueryString'>;
  readonly apiId: string;
  readonly accountId: string;
  readonly stage: StageDefinition;
  readonly match: RouteMatch;
  /** The path as sent, a named stage first. */
  readonly apiPath: string;
  readonly rawQueryString: string;
  readonly requestId: string;
  readonly started: number;
}

export class RequestViews {
  readonly #context: EventContext;

  constructor(private readonly r: RoutedRequest) {
    this.#context = {
      accountId: r.accountId,
      apiId: r.apiId,
      domainName: `${r.apiId}.execute-api.localhost`,
      stage: r.stage.name,
      routeKey: r.match.route.routeKey,
      pathParameters: r.match.pathParameters,
      stageVariables: r.stage.stageVariables,
      requestId: r.requestId,
      now: r.started,
    };
  }

  /** The Lambda proxy event of payload format `version` (`1.0`, else 2.0). */
  event(version: string): Record<string, unknown> {
    const { request, apiPath, rawQueryString, match } = this.r;
    if (version !== '1.0') return lambdaEvent({ ...request, rawPath: apiPath, rawQueryString }, this.#context);
    // HTTP APIs hand header names on in lower case, in either format.
    const { rawHeaders: _, ...lowerCaseRequest } = request;
    return v1Event(
      { ...lowerCaseRequest, rawPath: apiPath, rawQueryString },
      {
        ...this.#context,
        kind: 'http',
        resourcePath: match.route.routeKey === '$default' ? '$default' : (match.route.routeKey.split(' ')[1] ?? ''),
        path: apiPath,
        binaryBody: !isTextContent(request.headers['content-type']?.[0]),
      },
    );
  }

  /** What mappings read, `$context.authorizer` being what the route's authorizer handed on. */
  mapping(authorizer: Record<string, unknown>): MappingSource {
    const { request, rawQueryString, match, stage, apiPath } = this.r;
    const c = this.#context;
    return {
      headers: request.headers,
      rawQueryString,
      pathParameters: match.pathParameters,
      body: request.body,
      stageVariables: stage.stageVariables,
      context: {
        accountId: c.accountId,
        apiId: c.apiId,
        domainName: c.domainName,
        domainPrefix: c.domainName.split('.')[0],
        stage: c.stage,
        routeKey: c.routeKey,
        requestId: c.requestId,
        extendedRequestId: c.requestId,
        httpMethod: request.method,
        path: apiPath,
        protocol: request.protocol,
        requestTime: clfTime(c.now),
        requestTimeEpoch: c.now,
        identity: { sourceIp: request.sourceIp, userAgent: request.headers['user-agent']?.[0] ?? '' },
        authorizer,
      },
    };
  }
}
