import { forwardHttp } from '../apigateway/http-forward.js';
import type { ApiDestinationRequest, HttpAnswer } from '../events/api-destination-call.js';
import type { ApiDestinationDefinition } from '../events/api-destinations.js';
import { tryParseArn } from '../names/arn.js';
import { dynamicParameter } from './input-template.js';

/**
 * A pipe's enrichment or target reached over HTTP: an EventBridge API destination (through its
 * connection's authorization), or a REST API stage of the local API Gateway, given by its
 * `execute-api` ARN (`<api-id>/<stage>/<METHOD>/<path>`).
 */
export type PipeHttpEndpoint =
  | { readonly kind: 'api-destination'; readonly destination: ApiDestinationDefinition }
  | { readonly kind: 'api-gateway'; readonly apiId: string; readonly stage: string; readonly method: string; readonly path: string };

/** `EnrichmentParameters.HttpParameters` / `TargetParameters.HttpParameters`: each value may be a dynamic `$.path`. */
export interface PipeHttpParameters {
  readonly PathParameterValues?: readonly string[];
  readonly HeaderParameters?: Readonly<Record<string, string>>;
  readonly QueryStringParameters?: Readonly<Record<string, string>>;
}

/** An HTTP enrichment or target with its parameters. */
export interface PipeHttpCall {
  readonly endpoint: PipeHttpEndpoint;
  readonly parameters: PipeHttpParameters;
}

/** How the pipes reach HTTP endpoints: API destinations through their connections, the local API Gateway at its URL. */
export interface PipeHttpServices {
  readonly apiDestinations: { call(destination: ApiDestinationDefinition, request: ApiDestinationRequest): Promise<HttpAnswer> };
  /** Where the local API Gateway serves `<api-id>/<stage>/<path>` (`http://localhost:<port>/_aws/execute-api/`). */
  readonly apiGatewayUrl: string;
}

/** Whether an enrichment or target ARN is one reached over HTTP (an API destination, an API Gateway REST API). */
export function isHttpArn(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'execute-api' || (parsed?.service === 'events' && parsed.resourceType === 'api-destination');
}

/** The endpoint an HTTP ARN names, or why it cannot be called locally. */
export function httpEndpointOf(
  arn: string,
  destinations: { destinations: ReadonlyMap<string, ApiDestinationDefinition>; problems: ReadonlyMap<string, string> },
): PipeHttpEndpoint | string {
  const parsed = tryParseArn(arn);
  if (parsed?.service === 'execute-api') {
    const [apiId = '', stage = '', method = '', ...path] = parsed.resource.split('/');
    if (apiId === '' || stage === '' || method === '')
      return `${arn} does not name an API, a stage and a method (<api-id>/<stage>/<METHOD>/<path>)`;
    // A method of `*` (ANY) is called with POST.
    return { kind: 'api-gateway', apiId, stage, method: method === '*' || method === 'ANY' ? 'POST' : method, path: `/${path.join('/')}` };
  }
  const destination = destinations.destinations.get(arn);
  if (destination !== undefined) return { kind: 'api-destination', destination };
  return destinations.problems.get(arn) ?? `${arn} is not an AWS::Events::ApiDestination of the app`;
}

/** The HTTP parameters as the template gives them (kept as given: each value is read against the event when it is sent). */
export function httpParametersOf(value: unknown): PipeHttpParameters {
  const p = (value ?? {}) as Record<string, unknown>;
  const map = (entries: unknown) => (entries === undefined ? undefined : (entries as Record<string, string>));
  return {
    ...(Array.isArray(p.PathParameterValues) ? { PathParameterValues: p.PathParameterValues.map(String) } : {}),
    ...(p.HeaderParameters === undefined ? {} : { HeaderParameters: map(p.HeaderParameters) }),
    ...(p.QueryStringParameters === undefined ? {} : { QueryStringParameters: map(p.QueryStringParameters) }),
  };
}

/**
 * One event sent to an HTTP enrichment or target: `body` as the input template made it (or
 * the event's JSON), the parameters' dynamic values read from `event`. Answers what the
 * endpoint answered, whatever its status; the caller decides what a non-2xx answer means.
 */
export async function callHttp(services: PipeHttpServices, call: PipeHttpCall, event: unknown, body: string): Promise<HttpAnswer> {
  const { parameters, endpoint } = call;
  // A path the event does not have gives an empty value.
  const resolve = (value: string) => dynamicParameter(value, event) ?? '';
  const each = (entries: Readonly<Record<string, string>> | undefined) =>
    Object.fromEntries(Object.entries(entries ?? {}).map(([name, value]) => [resolve(name), resolve(value)]));
  const pathParameters = (parameters.PathParameterValues ?? []).map(resolve);
  const headers = each(parameters.HeaderParameters);
  const query = each(parameters.QueryStringParameters);
  if (endpoint.kind === 'api-destination')
    return services.apiDestinations.call(endpoint.destination, { pathParameters, headers, query, body });
  let index = 0;
  const path = endpoint.path.replace(/\*/g, (wildcard) => {
    const value = pathParameters[index++];
    return value === undefined ? wildcard : encodeURIComponent(value);
  });
  const answer = await forwardHttp({
    method: endpoint.method,
    url: `${services.apiGatewayUrl}${endpoint.apiId}/${endpoint.stage}${path}`,
    query: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
    // API Gateway's own integration timeout bounds what it answers.
    timeoutMs: 30_000,
  });
  return { status: answer.status, body: answer.body.toString('utf8') };
}
