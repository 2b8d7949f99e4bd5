/**
 * The Lambda proxy integration's payload format 2.0: the event API Gateway builds from an
 * HTTP request, and how it reads the function's answer back into an HTTP response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomBytes } from 'node:crypto';

export interface HttpApiRequest {
  readonly method: string;
  /** The path as sent, stage included for a named stage (`/prod/pets`), percent-escapes intact. */
  readonly rawPath: string;
  /** What follows `?`, as sent. */
  readonly rawQueryString: string;
  /** Every header's values as received (Node's `headersDistinct`). */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** Node's `rawHeaders` (name, value, name, value, ...): names as sent, for the events that keep their case. */
  readonly rawHeaders?: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `HTTP/1.1`. */
  readonly protocol: string;
  /** The port the request came in on. */
  readonly port?: number;
}

/**
 * Headers of the client's connection to the front door (RFC 9110's connection-specific
 * fields), which it consumes as a proxy does: the function never sees them.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te']);

export interface EventContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly stage: string;
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly now: number;
}

/**
 * Bodies API Gateway passes as text; any other (a form post, an image, no content type)
 * arrives base64-encoded with `isBase64Encoded: true`.
 */
export function isTextContent(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

export function lambdaEvent(request: HttpApiRequest, context: EventContext): Record<string, unknown> {
  // Names come from the client: `__proto__` must be a header like any other, not the object's prototype.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(request.headers)) {
    if (values === undefined || name === 'cookie' || HOP_BY_HOP.has(name)) continue;
    headers[name] = values.join(',');
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  if (request.port !== undefined) headers['x-forwarded-port'] ??= String(request.port);
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??= traceId(context.now);
  const cookies = (request.headers.cookie ?? []).flatMap((header) =>
    header
      .split(';')
      .map((cookie) => cookie.trim())
      .filter((cookie) => cookie !== ''),
  );
  const values = queryValues(request.rawQueryString);
  // A name given twice has its values joined with commas.
  const query = values && Object.fromEntries(Object.entries(values).map(([name, all]) => [name, all.join(',')]));
  const text = isTextContent(headers['content-type']);
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0],
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: context.routeKey,
      stage: context.stage,
      time: clfTime(context.now),
      timeEpoch: context.now,
    },
    ...(Object.keys(context.pathParameters).length > 0 ? { pathParameters: { ...context.pathParameters } } : {}),
    ...(Object.keys(context.stageVariables).length > 0 ? { stageVariables: { ...context.stageVariables } } : {}),
    isBase64Encoded: request.body.length > 0 && !text,
  };
  if (request.body.length > 0) event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}

/**
 * A query string's parameters as API Gateway decodes them (`+` a space, a malformed escape
 * kept as sent), with every value of a name given more than once, in order; undefined when
 * there are none. Both payload formats read them from here.
 */
export function queryValues(raw: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = Object.create(null);
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    out[name] = [...(out[name] ?? []), eq < 0 ? '' : decode(pair.slice(eq + 1))];
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the common log format time API Gateway uses. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function traceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const INTERNAL_ERROR: HttpResponse = jsonResponse(500, { message: 'Internal Server Error' });

export function jsonResponse(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * The function's answer as API Gateway reads a 2.0 response: anything but an object with
 * `statusCode` (an object without it, a string, a number) is a 200 JSON body. An answer that
 * is not JSON, or a malformed `statusCode`, is a 500.
 */
export function httpResponse(payload: string): HttpResponse {
  const answer = v2Answer(payload);
  if (answer === undefined) return INTERNAL_ERROR;
  if ('response' in answer) return answer.response;
  const { unstructured } = answer;
  const body = typeof unstructured === 'string' ? unstructured : JSON.stringify(unstructured);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body ?? '') };
}

/**
 * A function's answer read as payload format 2.0 (API Gateway's HTTP APIs, Lambda's function
 * URLs): an object with `statusCode` is the response field by field (`headers`, `cookies` as
 * `set-cookie` headers, `body`, `isBase64Encoded`); any other JSON is `unstructured`, which
 * each service answers its own way; undefined when malformed (not JSON, or a `statusCode`
 * that is no HTTP status).
 */
export function v2Answer(payload: string): { readonly response: HttpResponse } | { readonly unstructured: unknown } | undefined {
  let result: unknown;
  try {
    result = payload === '' ? null : JSON.parse(payload);
  } catch {
    return undefined;
  }
  const structured = result !== null && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result;
  if (!structured) return { unstructured: result };
  const r = result as { statusCode?: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = Object.create(null);
  if (r.headers !== null && typeof r.headers === 'object') {
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (value !== null && value !== undefined) headers[name.toLowerCase()] = String(value);
    }
  }
  if (Array.isArray(r.cookies) && r.cookies.length > 0) headers['set-cookie'] = r.cookies.map(String);
  const bodyText = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const body = r.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  return { response: { status, headers, body } };
}
