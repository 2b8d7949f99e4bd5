import type { LoadedResource } from '../template/load.js';
import type { HttpResponse } from './payload.js';
import { MappingTemplateError, renderTemplate } from './vtl/engine.js';

/**
 * A REST API's gateway responses (`AWS::ApiGateway::GatewayResponse`): how API Gateway answers
 * the errors it makes itself (an authorizer's 401, a missing token's 403, a throttle's 429, ...)
 * instead of its defaults. A type not customized falls back to the API's DEFAULT_4XX or
 * DEFAULT_5XX, then to API Gateway's own answer, as AWS documents.
 */
export interface GatewayResponse {
  readonly statusCode?: number;
  /** `gatewayresponse.header.X` → its source: a `'literal'` or `method.request.{header|querystring|path}.Y`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Content type → a mapping template rendered with `$context.error.message`, `messageString` and `responseType`. */
  readonly templates: Readonly<Record<string, string>>;
}

export type GatewayResponses = ReadonlyMap<string, GatewayResponse>;

/**
 * The response type of the errors the service makes, by their `x-amzn-errortype`; one not
 * named here is customized only by DEFAULT_4XX or DEFAULT_5XX.
 */
const RESPONSE_TYPES: Readonly<Record<string, string>> = {
  UnauthorizedException: 'UNAUTHORIZED',
  AccessDeniedException: 'ACCESS_DENIED',
  AuthorizerConfigurationException: 'AUTHORIZER_CONFIGURATION_ERROR',
  MissingAuthenticationTokenException: 'MISSING_AUTHENTICATION_TOKEN',
  ForbiddenException: 'INVALID_API_KEY',
  TooManyRequestsException: 'THROTTLED',
  LimitExceededException: 'QUOTA_EXCEEDED',
  UnsupportedMediaTypeException: 'UNSUPPORTED_MEDIA_TYPE',
  RequestTooLarge: 'REQUEST_TOO_LARGE',
  IntegrationTimeout: 'INTEGRATION_TIMEOUT',
  NotFoundException: 'RESOURCE_NOT_FOUND',
};

/** The API's gateway responses by type; a header from a source not read locally is warned, naming it. */
export function gatewayResponsesOf(
  responses: readonly LoadedResource[],
  where: (r: LoadedResource) => string,
  warnings: string[],
): GatewayResponses {
  const byType = new Map<string, GatewayResponse>();
  for (const r of responses) {
    const p = r.properties;
    const headers: Record<string, string> = {};
    for (const [target, source] of Object.entries((p.ResponseParameters ?? {}) as Record<string, unknown>)) {
      const name = /^gatewayresponse\.header\.(.+)$/.exec(target)?.[1];
      if (name === undefined || !isReadSource(String(source))) {
        warnings.push(`${where(r)}: response parameter ${target} = ${String(source)} is not applied locally`);
        continue;
      }
      headers[name.toLowerCase()] = String(source);
    }
    const status = p.StatusCode === undefined ? undefined : Number(p.StatusCode);
    byType.set(String(p.ResponseType), {
      ...(status === undefined || !Number.isInteger(status) ? {} : { statusCode: status }),
      headers,
      templates: (p.ResponseTemplates ?? {}) as Record<string, string>,
    });
  }
  return byType;
}

const isReadSource = (source: string) => /^'.*'$/s.test(source) || /^method\.request\.(header|querystring|path)\.[^.]+$/.test(source);

/** What of the request a gateway response's header sources and template read. */
export interface GatewayRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
  /** `$context` as the method's templates see it; `error` is added. */
  readonly context: Readonly<Record<string, unknown>>;
}

/**
 * `response` as the API's gateway responses make it: unchanged when it is not an error API
 * Gateway made (no `x-amzn-errortype`) or no response customizes its type. The error type
 * header stays, as AWS keeps it.
 */
export function withGatewayResponse(response: HttpResponse, responses: GatewayResponses, request: GatewayRequest): HttpResponse {
  const errorType = response.headers['x-amzn-errortype'];
  if (responses.size === 0 || typeof errorType !== 'string') return response;
  const type = responseTypeOf(errorType, response);
  const custom = responses.get(type) ?? responses.get(response.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  if (custom === undefined) return response;
  const message = messageOf(response);
  const headers: Record<string, string> = { ...(response.headers as Record<string, string>) };
  for (const [name, source] of Object.entries(custom.headers)) {
    const value = headerValue(source, request);
    if (value !== undefined) headers[name] = value;
  }
  const key = Object.keys(custom.templates).find((k) => k.toLowerCase() === 'application/json') ?? Object.keys(custom.templates)[0];
  const template = key === undefined ? '' : (custom.templates[key] ?? '');
  let body = response.body;
  if (template.trim() !== '') {
    const context = { ...request.context, error: { message, messageString: JSON.stringify(message), responseType: type } };
    try {
      body = Buffer.from(renderTemplate(template, { body: '', parameters: emptyParameters, context, stageVariables: {} }).output);
      headers['content-type'] = key ?? 'application/json';
    } catch (error) {
      if (!(error instanceof MappingTemplateError)) throw error;
      // A template that fails leaves API Gateway's own answer, which still says what went wrong.
      return response;
    }
  }
  return { ...response, status: custom.statusCode ?? response.status, headers, body };
}

const emptyParameters = { path: {}, querystring: {}, header: {} };

function responseTypeOf(errorType: string, response: HttpResponse): string {
  if (errorType === 'BadRequestException') {
    return messageOf(response) === 'Invalid request body' ? 'BAD_REQUEST_BODY' : 'BAD_REQUEST_PARAMETERS';
  }
  return RESPONSE_TYPES[errorType] ?? (response.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
}

function messageOf(response: HttpResponse): string {
  try {
    const { message } = JSON.parse(Buffer.from(response.body).toString('utf8')) as { message?: unknown };
    return typeof message === 'string' ? message : '';
  } catch {
    return '';
  }
}

function headerValue(source: string, request: GatewayRequest): string | undefined {
  const literal = /^'(.*)'$/s.exec(source)?.[1];
  if (literal !== undefined) return literal;
  const [, where, name = ''] = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(source) ?? [];
  if (where === 'header') return Object.entries(request.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  if (where === 'querystring') return request.querystring[name];
  if (where === 'path') return request.path[name];
  return undefined;
}
