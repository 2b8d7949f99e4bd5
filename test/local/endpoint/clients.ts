import dns from 'node:dns';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { LookupFunction } from 'node:net';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export const REGION = 'us-east-1';

/**
 * Resolves the names SDKs derive from a loopback endpoint with a host prefix
 * (`sync-127.0.0.1`, `sync-localhost`) to that endpoint, as the runtime does inside
 * functions: the SDK still sends the prefixed name as Host, which is what is tested.
 */
const lookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) =>
  dns.lookup(hostname.replace(/^[a-z0-9.-]+[-.](127\.0\.0\.1|localhost)$/i, '$1'), options, callback)) as LookupFunction;

/** SDK client settings against `endpoint`, host prefixes kept (no disableHostPrefix). */
export function sdkConfig(endpoint: string, credentials = { accessKeyId: 'local', secretAccessKey: 'local' }) {
  return {
    endpoint,
    region: REGION,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ lookup }) }),
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request to `url` with exactly these headers (Host included), as a browser or an attacker would send it. */
export function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: options.method ?? 'POST', path: options.path ?? '/', headers: options.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A query-protocol form post, as an HTML form on any web page can send it. */
export function formPost(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(url, {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}
