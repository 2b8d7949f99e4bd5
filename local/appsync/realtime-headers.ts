import type { IncomingMessage } from 'node:http';

/**
 * The auth headers a real-time client sends as a `header-<base64url JSON>` subprotocol (what
 * Amplify 6 sends for GraphQL subscriptions, and every AppSync Events client), or null.
 */
export function headerSubprotocol(req: IncomingMessage): string | null {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',');
  const header = offered.map((p) => p.trim()).find((p) => p.startsWith('header-'));
  return header ? header.slice('header-'.length) : null;
}

/** The headers a base64 (or base64url) JSON object holds; none when it is not one. */
export function decodeHeaders(value: string | null): Record<string, string> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Header names in lower case, as the authorizers read them. */
export const lowerCased = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
