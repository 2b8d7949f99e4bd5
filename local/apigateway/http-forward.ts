import { isIP } from 'node:net';

/**
 * API Gateway's `HTTP` and `HTTP_PROXY` integrations, to this machine only: a request sent
 * to the integration's URL and its answer read whole. A URL whose host is not loopback
 * (localhost, 127.0.0.0/8, ::1) is never called, so that running an app locally cannot send
 * its requests to a real backend on the internet; the definitions name such URLs at start-up.
 */

/** Why an HTTP integration could not answer: its URL is not on this machine, it could not be reached, or it took too long. */
export class HttpIntegrationError extends Error {
  override readonly name = 'HttpIntegrationError';
  constructor(
    message: string,
    readonly reason: 'not-loopback' | 'unreachable' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ForwardedRequest {
  readonly method: string;
  /** The URL with its path parameters substituted, before the query string is added. */
  readonly url: string;
  /** Added to the URL's own query string. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer | string;
  readonly timeoutMs: number;
}

export interface ForwardedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Whether a URL names this machine: `localhost` (and `*.localhost`), 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}

/** `{name}` and `{name+}` in an integration URL filled from the path parameters (a missing one left as written). */
export function substitutePath(url: string, parameters: Readonly<Record<string, string>>): string {
  return url.replace(/\{([^}+]+)\+?\}/g, (whole, name: string) => {
    const value = parameters[name];
    // A greedy value keeps its slashes; each of its segments is escaped as a path segment.
    return value === undefined ? whole : value.split('/').map(encodeURIComponent).join('/');
  });
}

/** Headers that belong to one hop: not forwarded in either direction. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'te', 'trailer']);

/** Sends the request and reads the whole answer; throws HttpIntegrationError when it cannot. */
export async function forwardHttp(request: ForwardedRequest): Promise<ForwardedAnswer> {
  if (!isLoopbackUrl(request.url)) {
    throw new HttpIntegrationError(
      `the HTTP integration's URL ${request.url} is not on this machine; the local runtime calls only loopback URLs`,
      'not-loopback',
    );
  }
  const url = new URL(request.url);
  if (request.query !== '') url.search = url.search === '' ? request.query : `${url.search.slice(1)}&${request.query}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (HOP_HEADERS.has(name.toLowerCase())) continue;
    for (const one of typeof value === 'string' ? [value] : value) headers.append(name, one);
  }
  const hasBody = !['GET', 'HEAD'].includes(request.method.toUpperCase()) && request.body.length > 0;
  // One timer, cleared once the answer is read: AbortSignal.timeout's would outlive every request by its whole timeout.
  const controller = new AbortController();
  const { signal } = controller;
  const deadline = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method.toUpperCase(),
      headers,
      ...(hasBody ? { body: request.body } : {}),
      redirect: 'manual',
      signal,
    });
    const body = Buffer.from(await response.arrayBuffer());
    const answered: Record<string, string | string[]> = {};
    for (const [name, value] of response.headers) {
      if (HOP_HEADERS.has(name) || name === 'content-encoding') continue;
      answered[name] = value;
    }
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) answered['set-cookie'] = cookies;
    return { status: response.status, headers: answered, body };
  } catch (error) {
    if (signal.aborted)
      throw new HttpIntegrationError(`${url.origin} did not answer within ${request.timeoutMs} ms`, 'timeout', { cause: error });
    throw new HttpIntegrationError(`${url.origin} could not be reached`, 'unreachable', { cause: error });
  } finally {
    clearTimeout(deadline);
  }
}
