import { evaluateMapping, MappingError, type MappingSource } from './http-api-mapping.js';
import { forwardHttp, HttpIntegrationError, substitutePath } from './http-forward.js';
import { type HttpResponse, jsonResponse } from './payload.js';

/**
 * HTTP APIs' `HTTP_PROXY` integrations (loopback URLs only, http-forward.ts): the request
 * forwarded to `IntegrationUri` (its `{name}` filled from the route's path parameters), with
 * the `RequestParameters` transformations `overwrite:path`, `append|overwrite|remove:header.x`
 * and `append|overwrite|remove:querystring.x`; the answer returned as it is.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */

export interface HttpProxyTarget {
  readonly url: string;
  /** `IntegrationMethod`; `ANY` forwards the request's own. */
  readonly method: string;
  readonly requestParameters: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface HttpProxyOutcome {
  readonly response: HttpResponse;
  readonly integrationStatus?: number;
  readonly error?: string;
}

export async function runHttpApiProxy(
  target: HttpProxyTarget,
  source: MappingSource,
  where: string,
  log: (line: string) => void,
): Promise<HttpProxyOutcome> {
  let transformed: Transformed;
  try {
    transformed = transform(target, source);
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    // As for service integrations: a mapping the request cannot fill is API Gateway's 400, the reason only in the log.
    log(`${where}: ${error.message}`);
    return { response: jsonResponse(400, { message: 'Bad Request' }), error: error.message };
  }
  const method = String(source.context.httpMethod ?? 'GET');
  try {
    const answer = await forwardHttp({
      method: target.method === 'ANY' ? method : target.method,
      url: transformed.url,
      query: transformed.query.toString(),
      headers: transformed.headers,
      body: source.body,
      timeoutMs: target.timeoutMs,
    });
    return { response: answer, integrationStatus: answer.status };
  } catch (error) {
    if (!(error instanceof HttpIntegrationError)) throw error;
    // Unverified against AWS: a timeout's answer is taken to be 504 Gateway Timeout, an unreachable endpoint's 500.
    if (error.reason === 'timeout') return { response: jsonResponse(504, { message: 'Gateway Timeout' }), error: 'timeout' };
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    log(`${where}: ${error.message}${cause}: answered 500`);
    return { response: jsonResponse(500, { message: 'Internal Server Error' }), error: error.message };
  }
}

interface Transformed {
  readonly url: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string[]>;
}

/** The request after the integration's parameter transformations; throws MappingError for a value the request lacks. */
function transform(target: HttpProxyTarget, source: MappingSource): Transformed {
  let url = substitutePath(target.url, source.pathParameters);
  const query = new URLSearchParams(source.rawQueryString);
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(source.headers)) if (values !== undefined) headers[name.toLowerCase()] = [...values];
  for (const [key, expression] of Object.entries(target.requestParameters)) {
    const [, action = '', where = '', name = ''] = /^(append|overwrite|remove):(path|header|querystring)(?:\.(.+))?$/.exec(key) ?? [];
    const value = action === 'remove' ? '' : evaluateMapping(expression, source);
    if (where === 'path' && action === 'overwrite') {
      const parsed = new URL(url);
      parsed.pathname = value;
      url = parsed.toString();
    } else if (where === 'header') {
      const lower = name.toLowerCase();
      if (action === 'remove') delete headers[lower];
      else headers[lower] = action === 'append' ? [...(headers[lower] ?? []), value] : [value];
    } else if (where === 'querystring') {
      if (action !== 'append') query.delete(name);
      if (action !== 'remove') query.append(name, value);
    }
  }
  return { url, query, headers };
}
