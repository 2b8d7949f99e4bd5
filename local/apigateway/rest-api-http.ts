import { forwardHttp, HttpIntegrationError, substitutePath } from './http-forward.js';
import type { HttpApiRequest, HttpResponse } from './payload.js';
import { restError } from './proxy-event-v1.js';
import type { MappedRequest, ServiceAnswer } from './rest-api-aws-client.js';
import type { RestIntegration } from './rest-api-definitions.js';
import { type MethodRequest, mapRequest } from './rest-api-mapping.js';

/**
 * REST APIs' `HTTP_PROXY` and `HTTP` integrations (to loopback URLs only, http-forward.ts).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
 */

type HttpProxyIntegration = Extract<RestIntegration, { kind: 'http-proxy' }>;
type HttpCustomIntegration = Extract<RestIntegration, { kind: 'http' }>;

export interface HttpOutcome {
  readonly response: HttpResponse;
  readonly integrationStatus?: number;
  readonly error?: string;
}

/**
 * What API Gateway answers when the call fails: 504 when the endpoint did not answer in
 * time; 500 (a configuration error) when it could not be reached or, here, is not loopback.
 * Each failure but the timeout is a runtime log line naming the method and the cause.
 */
export function httpFailure(
  error: HttpIntegrationError,
  where: string,
  log: (line: string) => void,
): { response: HttpResponse; error: string } {
  if (error.reason === 'timeout') return { response: restError(504, 'Endpoint request timed out', 'IntegrationTimeout'), error: 'timeout' };
  const cause = error.cause instanceof Error ? ` (${error.cause.message}${causeCode(error.cause)})` : '';
  log(`${where}: ${error.message}${cause}: answered 500`);
  return { response: restError(500, 'Internal server error', 'InternalServerErrorException'), error: error.message };
}

function causeCode(error: Error): string {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `: ${code}` : '';
}

/**
 * An `HTTP_PROXY` integration: the method's path parameters (overridden by the
 * `integration.request.path.*` mappings) fill the URL, the query string, headers and body go as
 * they came, and the endpoint's status, headers and body are the answer.
 */
export async function runHttpProxy(
  integration: HttpProxyIntegration,
  request: HttpApiRequest,
  methodRequest: MethodRequest,
  where: string,
  log: (line: string) => void,
): Promise<HttpOutcome> {
  // The mapping of parameters is the non-proxy one: a passthrough with no templates, no body change.
  const mapping = mapRequest(
    {
      requestTemplates: {},
      passthroughBehavior: 'WHEN_NO_MATCH',
      requestParameters: integration.requestParameters,
      responses: [],
      timeoutMs: integration.timeoutMs,
    },
    methodRequest,
  );
  const mapped = mapping.ok ? mapping.mapped : undefined;
  const { 'Content-Type': _defaulted, ...mappedHeaders } = mapped?.headers ?? {};
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, values] of Object.entries(request.headers)) if (values !== undefined) headers[name] = values;
  for (const [name, value] of Object.entries(mappedHeaders)) headers[name.toLowerCase()] = value;
  const extraQuery = new URLSearchParams(mapped?.querystring ?? {}).toString();
  try {
    const answer = await forwardHttp({
      method: integration.httpMethod === 'ANY' ? request.method : integration.httpMethod,
      url: substitutePath(integration.url, { ...methodRequest.parameters.path, ...mapped?.path }),
      query: [request.rawQueryString, extraQuery].filter((q) => q !== '').join('&'),
      headers,
      body: request.body,
      timeoutMs: integration.timeoutMs,
    });
    return { response: answer, integrationStatus: answer.status };
  } catch (error) {
    if (error instanceof HttpIntegrationError) return httpFailure(error, where, log);
    throw error;
  }
}

/**
 * An `HTTP` integration's call, after its request mapping: the URL filled from the
 * `integration.request.path.*` mappings, the mapped query string, headers and body; the
 * answer as text for the response mapping. Throws HttpIntegrationError when it cannot.
 */
export async function callHttp(integration: HttpCustomIntegration, mapped: MappedRequest, requestMethod: string): Promise<ServiceAnswer> {
  const answer = await forwardHttp({
    method: integration.httpMethod === 'ANY' ? requestMethod : integration.httpMethod,
    url: substitutePath(integration.url, mapped.path),
    query: new URLSearchParams(mapped.querystring).toString(),
    headers: mapped.headers,
    body: mapped.body,
    timeoutMs: integration.timeoutMs,
  });
  const headers = Object.fromEntries(
    Object.entries(answer.headers).map(([name, value]) => [name, typeof value === 'string' ? value : value.join(', ')]),
  );
  return { status: answer.status, headers, body: answer.body.toString('utf8'), bytes: answer.body };
}
