/**
 * An HTTP API's CORS configuration as API Gateway applies it: preflight requests answered by
 * API Gateway itself, the configured headers added to an integration's answer to a request
 * with an Origin, and the integration's own CORS headers dropped.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 */
import type { HttpResponse } from './payload.js';

export interface CorsConfiguration {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
  readonly allowCredentials: boolean;
}

/** The template's `CorsConfiguration` (AWS::ApiGatewayV2::Api). */
export function corsConfigurationOf(value: unknown): CorsConfiguration | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const c = value as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    allowOrigins: list(c.AllowOrigins),
    allowMethods: list(c.AllowMethods).map((m) => m.toUpperCase()),
    allowHeaders: list(c.AllowHeaders),
    exposeHeaders: list(c.ExposeHeaders),
    ...(c.MaxAge === undefined ? {} : { maxAge: Number(c.MaxAge) }),
    allowCredentials: c.AllowCredentials === true || c.AllowCredentials === 'true',
  };
}

type Headers = Readonly<Record<string, readonly string[] | undefined>>;

const first = (headers: Headers, name: string) => headers[name]?.[0];

/** A CORS preflight: OPTIONS with both an Origin and an Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Headers): boolean {
  return (
    method.toUpperCase() === 'OPTIONS' &&
    first(headers, 'origin') !== undefined &&
    first(headers, 'access-control-request-method') !== undefined
  );
}

/** `*`, an exact origin, or a pattern with `*` wildcards (`https://*`, `https://*.example.com`). */
function allowedOrigin(cors: CorsConfiguration, origin: string): string | undefined {
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  const matches = cors.allowOrigins.some((allowed) => {
    if (!allowed.includes('*')) return allowed.toLowerCase() === origin.toLowerCase();
    const pattern = allowed
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    return new RegExp(`^${pattern}$`, 'i').test(origin);
  });
  return matches ? origin : undefined;
}

/**
 * API Gateway's own answer to a preflight: 204 with the configured headers when the origin
 * and the requested method are allowed; 204 without them (so the browser refuses) otherwise.
 */
export function preflightResponse(cors: CorsConfiguration, headers: Headers): HttpResponse {
  const out: Record<string, string> = {};
  const origin = first(headers, 'origin') ?? '';
  const method = (first(headers, 'access-control-request-method') ?? '').toUpperCase();
  const allowOrigin = allowedOrigin(cors, origin);
  const methodAllowed = cors.allowMethods.includes('*') || cors.allowMethods.includes(method);
  if (allowOrigin !== undefined && methodAllowed) {
    out['access-control-allow-origin'] = allowOrigin;
    if (cors.allowMethods.length > 0) out['access-control-allow-methods'] = cors.allowMethods.join(',');
    if (cors.allowHeaders.length > 0) out['access-control-allow-headers'] = cors.allowHeaders.join(',');
    if (cors.maxAge !== undefined) out['access-control-max-age'] = String(cors.maxAge);
    if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
    if (allowOrigin !== '*') out.vary = 'Origin';
  }
  return { status: 204, headers: out, body: Buffer.alloc(0) };
}

/**
 * An integration's answer as the browser gets it: its own `access-control-*` headers dropped
 * (API Gateway ignores them), the configured ones added when the request's Origin is allowed.
 */
export function withCors(cors: CorsConfiguration, headers: Headers, response: HttpResponse): HttpResponse {
  const out = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')));
  const origin = first(headers, 'origin');
  const allowOrigin = origin === undefined ? undefined : allowedOrigin(cors, origin);
  if (allowOrigin !== undefined) {
    out['access-control-allow-origin'] = allowOrigin;
    if (cors.allowCredentials) out['access-control-allow-credentials'] = 'true';
    if (cors.exposeHeaders.length > 0) out['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    if (allowOrigin !== '*') out.vary = 'Origin';
  }
  return { ...response, headers: out };
}
