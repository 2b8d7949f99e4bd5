import { flowControlItemKey } from './item-keys.js';
import { conditionalUpdate, epochSeconds, type FlowControlStore, n, nowOf, readItem } from './store.js';

export interface PauseTarget {
  readonly flow: string;
  readonly key: string;
}

/** Until when (epoch ms) the key is paused, or undefined if it is not: one consistent read. */
export async function pausedUntil(store: FlowControlStore, target: PauseTarget): Promise<number | undefined> {
  const item = await readItem(store, flowControlItemKey('pause', target.flow, target.key));
  const until = item?.pausedUntil;
  return typeof until === 'number' && until > nowOf(store) ? until : undefined;
}

/**
 * Pauses the key for everyone until `untilMs`: one conditional UpdateItem that only ever
 * extends the pause (two throttled records racing leave the later end, never the earlier).
 * Returns the end in effect after it.
 */
export async function pauseKey(store: FlowControlStore, target: PauseTarget, untilMs: number): Promise<number> {
  const pk = flowControlItemKey('pause', target.flow, target.key);
  const written = await conditionalUpdate(store, pk, 'SET pausedUntil = :until, expiresAt = :expires', {
    condition: 'attribute_not_exists(pausedUntil) OR pausedUntil < :until',
    values: { ':until': n(untilMs), ':expires': n(epochSeconds(untilMs)) },
  });
  if (written.ok) return untilMs;
  const current = (await readItem(store, pk))?.pausedUntil;
  return typeof current === 'number' ? Math.max(current, untilMs) : untilMs;
}

/** The error names providers and the AWS SDKs give a throttling answer. */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RateLimitError',
]);

/** What a throttling answer said: how long it asked to wait, if it said. */
export interface Throttle {
  readonly retryAfterMs?: number;
}

/**
 * Whether an error (or one of its causes) is a provider's throttling answer: HTTP 429, or a
 * name the AWS SDKs and model providers use for one; with its retry-after, read from a
 * `retryAfterMs` or `retryAfter` (seconds) field or a `retry-after` header (seconds or an
 * HTTP date).
 */
export function throttleOf(error: unknown, now: number = Date.now()): Throttle | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return undefined;
    const fields = e as Record<string, unknown>;
    const status = fields.status ?? fields.statusCode ?? (fields.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode;
    if (status === 429 || THROTTLING_NAMES.has(String(fields.name))) return { retryAfterMs: retryAfterMsOf(fields, now) };
  }
  return undefined;
}

function retryAfterMsOf(fields: Record<string, unknown>, now: number): number | undefined {
  if (typeof fields.retryAfterMs === 'number' && fields.retryAfterMs >= 0) return fields.retryAfterMs;
  if (typeof fields.retryAfter === 'number' && fields.retryAfter >= 0) return fields.retryAfter * 1000;
  const headers = (fields.headers ??
    (fields.response as { headers?: unknown } | undefined)?.headers ??
    (fields.$response as { headers?: unknown } | undefined)?.headers) as
    | Record<string, unknown>
    | { get?: (name: string) => unknown }
    | undefined;
  const header =
    typeof headers?.get === 'function' ? headers.get('retry-after') : (headers as Record<string, unknown> | undefined)?.['retry-after'];
  if (typeof header !== 'string' && typeof header !== 'number') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(String(header));
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
