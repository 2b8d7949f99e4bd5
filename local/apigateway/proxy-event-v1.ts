/**
 * The Lambda proxy integration's payload format 1.0 (REST APIs, and HTTP APIs that ask for
 * it): the event API Gateway builds from a request, and how it reads the function's answer.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
import { randomBytes } from 'node:crypto';
import { clfTime, type HttpApiRequest, type HttpResponse, jsonResponse, queryValues } from './payload.js';

export interface V1EventContext {
  readonly kind: 'rest' | 'http';
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly stage: string;
  /** The matched resource (`/pets/{id}`), or for an HTTP API the route's path. */
  readonly resourcePath: string;
  readonly resourceId?: string;
  readonly deploymentId?: string;
  /** An HTTP API's route key (`GET /pets/{id}`). */
  readonly routeKey?: string;
  /** The request's path as sent: below the stage for a REST API, the whole path (a named stage first) for an HTTP API. */
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly now: number;
  /** Whether the body passes base64-encoded (a binary media type for a REST API, any non-text type for an HTTP API). */
  readonly binaryBody: boolean;
}

/** The request's headers as name/value pairs in the order received, names as sent when the raw headers are known. */
function headerPairs(request: HttpApiRequest): [string, string][] {
  const raw = request.rawHeaders;
  if (raw !== undefined) {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
    return pairs;
  }
  return Object.entries(request.headers).flatMap(([name, values]) => (values ?? []).map((value): [string, string] => [name, value]));
}

export function v1Event(request: HttpApiRequest, context: V1EventContext): Record<string, unknown> {
  // Names come from the client: `__proto__` must be a header like any other, not the object's prototype.
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  const add = (name: string, value: string) => {
    const existing = Object.keys(multiValueHeaders).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
    multiValueHeaders[existing] = [...(multiValueHeaders[existing] ?? []), value];
  };
  for (const [name, value] of headerPairs(request)) add(name, value);
  const has = (name: string) => Object.keys(multiValueHeaders).some((key) => key.toLowerCase() === name.toLowerCase());
  const get = (name: string) => Object.entries(multiValueHeaders).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  // What API Gateway adds on its way to the integration.
  const forwardedFor = get('x-forwarded-for');
  if (forwardedFor) forwardedFor.splice(0, forwardedFor.length, `${forwardedFor.join(', ')}, ${request.sourceIp}`);
  else add('X-Forwarded-For', request.sourceIp);
  if (!has('x-forwarded-port')) add('X-Forwarded-Port', /:(\d+)$/.exec(get('host')?.[0] ?? '')?.[1] ?? '80');
  if (!has('x-forwarded-proto')) add('X-Forwarded-Proto', 'http');
  if (!has('x-amzn-trace-id'))
    add('X-Amzn-Trace-Id', `Root=1-${Math.floor(context.now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`);
  // A repeated header or query parameter: its last value in the single-value map, all of them in the multi-value one.
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1) ?? '']));
  const multiQuery = queryValues(request.rawQueryString) ?? null;
  const query =
    multiQuery === null ? null : Object.fromEntries(Object.entries(multiQuery).map(([name, values]) => [name, values.at(-1) ?? '']));
  const userAgent = get('user-agent')?.at(-1) ?? null;
  const requestContext: Record<string, unknown> = {
    accountId: context.accountId,
    apiId: context.apiId,
    ...(context.deploymentId === undefined ? {} : { deploymentId: context.deploymentId }),
    domainName: context.domainName,
    domainPrefix: context.apiId,
    extendedRequestId: context.requestId,
    httpMethod: request.method,
    identity: {
      accessKey: null,
      accountId: null,
      caller: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: request.sourceIp,
      user: null,
      userAgent,
      userArn: null,
    },
    // The path as the client sent it: a REST API's stage is always in it; an HTTP API's event path already has it.
    path: context.kind === 'rest' ? `/${context.stage}${context.path}` : context.path,
    protocol: request.protocol,
    requestId: context.requestId,
    requestTime: clfTime(context.now),
    requestTimeEpoch: context.now,
    resourceId: context.resourceId ?? context.routeKey ?? null,
    resourcePath: context.resourcePath,
    stage: context.stage,
  };
  const hasBody = request.body.length > 0;
  return {
    ...(context.kind === 'http' ? { version: '1.0' } : {}),
    resource: context.resourcePath,
    path: context.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: Object.keys(context.pathParameters).length > 0 ? { ...context.pathParameters } : null,
    stageVariables: Object.keys(context.stageVariables).length > 0 ? { ...context.stageVariables } : null,
    requestContext,
    body: hasBody ? request.body.toString(context.binaryBody ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && context.binaryBody,
  };
}

/** The members of a 1.0 proxy response (the Lambda proxy integration's output format). */
const PROXY_RESPONSE_MEMBERS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

/** API Gateway's answer when the function's result is not a proxy response it can read ("Malformed Lambda proxy response"). */
export const MALFORMED = 'malformed';

/**
 * The function's answer read as a 1.0 proxy response: a JSON object with an integer
 * `statusCode` (200 when left out), string `headers` and `multiValueHeaders` lists (merged; a name in both keeps
 * the list's values), a string `body`, base64 when `isBase64Encoded` (decoded only when
 * `decodeBase64` says the client accepts binary). Anything else is malformed.
 */
export function v1Response(payload: string, decodeBase64: boolean): HttpResponse | typeof MALFORMED {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return MALFORMED;
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return MALFORMED;
  const r = result as Record<string, unknown>;
  // No member of a proxy response is required: one that leaves `statusCode` out answers 200, as
  // serverless-patterns apigw-lambda-dynamodb-xray's README shows AWS answering its `{ body }`
  // (and LocalStack's AWS-validated REST integration reads it). Without `statusCode` an object
  // of other members is not taken for a proxy response: it stays malformed.
  const proxyShaped = Object.keys(r).every((key) => PROXY_RESPONSE_MEMBERS.has(key));
  const status = r.statusCode === undefined && proxyShaped ? 200 : statusOf(r.statusCode);
  if (status === undefined) return MALFORMED;
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') return MALFORMED;
  const headers = headersOf(r);
  if (headers === MALFORMED) return MALFORMED;
  const bodyText = typeof r.body === 'string' ? r.body : '';
  const body = r.isBase64Encoded === true && decodeBase64 ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  return { status, headers, body };
}

/** The 8 null bytes between a streamed proxy response's metadata and its payload. */
const STREAM_DELIMITER = '\0'.repeat(8);

/**
 * The function's answer read as API Gateway reads a Lambda proxy integration for response
 * streaming (https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html):
 * a JSON object of metadata (`statusCode`, 200 when left out; `headers` and `multiValueHeaders`
 * as in a 1.0 response; `cookies`, each a `Set-Cookie`), 8 null bytes, then the payload as the
 * function wrote it (null bytes included). No delimiter, or metadata that is not such an object,
 * is malformed.
 */
export function streamedResponse(payload: string): HttpResponse | typeof MALFORMED {
  const at = payload.indexOf(STREAM_DELIMITER);
  if (at < 0) return MALFORMED;
  let metadata: unknown;
  try {
    metadata = JSON.parse(payload.slice(0, at));
  } catch {
    return MALFORMED;
  }
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return MALFORMED;
  const m = metadata as Record<string, unknown>;
  const status = statusOf(m.statusCode ?? 200);
  if (status === undefined) return MALFORMED;
  const headers = headersOf(m);
  if (headers === MALFORMED) return MALFORMED;
  if (m.cookies !== undefined && m.cookies !== null) {
    if (!Array.isArray(m.cookies)) return MALFORMED;
    const set = headers['set-cookie'];
    headers['set-cookie'] = [...(set === undefined ? [] : Array.isArray(set) ? set : [set]), ...m.cookies.map(String)];
  }
  return { status, headers, body: Buffer.from(payload.slice(at + STREAM_DELIMITER.length), 'utf8') };
}

/** A proxy response's `statusCode` (a number, or digits in a string) when it is an HTTP status. */
function statusOf(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

/** A proxy response's `multiValueHeaders` and `headers`, merged under lower-case names (JSON by default); malformed when either is not a map of strings (lists). */
function headersOf(r: Record<string, unknown>): Record<string, string | string[]> | typeof MALFORMED {
  const headers: Record<string, string | string[]> = Object.create(null);
  const lower = new Set<string>();
  if (r.multiValueHeaders !== undefined && r.multiValueHeaders !== null) {
    if (typeof r.multiValueHeaders !== 'object' || Array.isArray(r.multiValueHeaders)) return MALFORMED;
    for (const [name, values] of Object.entries(r.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(values)) return MALFORMED;
      headers[name.toLowerCase()] = values.map(String);
      lower.add(name.toLowerCase());
    }
  }
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) return MALFORMED;
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (value === null || typeof value === 'object') return MALFORMED;
      if (!lower.has(name.toLowerCase())) headers[name.toLowerCase()] = String(value);
    }
  }
  headers['content-type'] ??= 'application/json';
  return headers;
}

/** A REST API's own error answer: `{"message": ...}` with the `x-amzn-ErrorType` API Gateway names it by. */
export function restError(status: number, message: string, errorType: string): HttpResponse {
  const response = jsonResponse(status, { message });
  return { ...response, headers: { ...response.headers, 'x-amzn-errortype': errorType } };
}
