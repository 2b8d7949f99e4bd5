/**
 * A Lambda function as an Application Load Balancer's target: the event the load balancer
 * builds from a request and how it reads the function's answer.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 */
import { isTextContent } from '../apigateway/payload.js';

/** The request as the listener took it. */
export interface TargetRequest {
  readonly method: string;
  /** The path as sent, percent-escapes intact. */
  readonly path: string;
  /** What follows `?`, as sent. */
  readonly rawQueryString: string;
  /** Every header's values as received, names in lower case. */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly port: number;
  /** `http` or `https`, the listener's protocol. */
  readonly protocol: string;
  readonly traceId: string;
}

/** The largest answer a function may give a load balancer (1 MB): a bigger one is a 502. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** Headers of the client's connection, which the load balancer consumes as a proxy does. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te']);

/**
 * The event: query parameters as sent (the load balancer does not decode them), header names in
 * lower case with the `x-forwarded-*` and `x-amzn-trace-id` it adds; with multi-value headers
 * off, the last value of a header or parameter given more than once. A text body (`text/*`,
 * JSON, JavaScript, XML) as it is, any other base64-encoded.
 */
export function targetEvent(request: TargetRequest, targetGroupArn: string, multiValue: boolean): Record<string, unknown> {
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headers)) {
    if (values !== undefined && !HOP_BY_HOP.has(name)) headers[name] = [...values];
  }
  const forwardedFor = headers['x-forwarded-for']?.at(-1);
  headers['x-forwarded-for'] = [forwardedFor ? `${forwardedFor}, ${request.sourceIp}` : request.sourceIp];
  headers['x-forwarded-port'] = [String(request.port)];
  headers['x-forwarded-proto'] = [request.protocol];
  headers['x-amzn-trace-id'] = [request.traceId];
  const query: Record<string, string[]> = {};
  for (const pair of request.rawQueryString.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    query[key] = [...(query[key] ?? []), eq < 0 ? '' : pair.slice(eq + 1)];
  }
  const text = request.body.length === 0 || isTextContent(headers['content-type']?.at(-1));
  const last = (values: Record<string, string[]>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.at(-1) ?? '']));
  return {
    requestContext: { elb: { targetGroupArn } },
    httpMethod: request.method,
    path: request.path,
    ...(multiValue
      ? { multiValueQueryStringParameters: query, multiValueHeaders: headers }
      : { queryStringParameters: last(query), headers: last(headers) }),
    body: text ? request.body.toString('utf8') : request.body.toString('base64'),
    isBase64Encoded: !text,
  };
}

export interface TargetAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/**
 * The function's answer as the load balancer reads it: a JSON object with an integer
 * `statusCode`, its `headers` (or `multiValueHeaders` with multi-value headers on), its `body`
 * (base64 when `isBase64Encoded`). Anything else, or an answer over 1 MB, is why it is a 502.
 */
export function targetAnswer(payload: string, multiValue: boolean): TargetAnswer | { readonly malformed: string } {
  if (Buffer.byteLength(payload) > MAX_ANSWER_BYTES) return { malformed: `its answer is over 1 MB (${Buffer.byteLength(payload)} bytes)` };
  let answer: unknown;
  try {
    answer = JSON.parse(payload);
  } catch {
    return { malformed: 'its answer is not JSON' };
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return { malformed: 'its answer is not a JSON object' };
  const a = answer as Record<string, unknown>;
  const status = typeof a.statusCode === 'string' ? Number(a.statusCode) : a.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return { malformed: `its answer's statusCode is ${JSON.stringify(a.statusCode) ?? 'missing'}, not an HTTP status` };
  }
  const headers: Record<string, string | string[]> = {};
  const given = multiValue ? a.multiValueHeaders : a.headers;
  if (typeof given === 'object' && given !== null) {
    for (const [name, value] of Object.entries(given)) {
      if (Array.isArray(value)) headers[name.toLowerCase()] = value.map(String);
      else if (value !== null && value !== undefined) headers[name.toLowerCase()] = String(value);
    }
  }
  if (a.body !== undefined && a.body !== null && typeof a.body !== 'string')
    return { malformed: `its answer's body is a ${typeof a.body}, not a string` };
  const body = typeof a.body === 'string' ? a.body : '';
  return { status, headers, body: a.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8') };
}
