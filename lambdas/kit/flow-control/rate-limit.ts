import { setTimeout as sleep } from 'node:timers/promises';
import { flowControlItemKey } from './item-keys.js';
import { conditionalPut, epochSeconds, type FlowControlStore, n, nowOf, readItem, s } from './store.js';

export interface StartRequest {
  readonly flow: string;
  readonly key: string;
  /** Most starts of this key in any window of `periodMs`. */
  readonly limit: number;
  readonly periodMs: number;
}

/** A start allowed, or how long until the next one is. */
export type StartOutcome = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** Writers racing for one key's log retry this often before holding their record back for a moment. */
const MAX_ATTEMPTS = 25;

/**
 * Records a start of the key if fewer than `limit` starts lie within the last `periodMs`:
 * a sliding log in one item (the times of the last `limit` starts), so the limit holds over
 * every window of that length, not only over aligned ones, and a start counts whether its
 * record then succeeds, fails or crashes. Each change is one PutItem conditional on the
 * item's version (or on its absence), so of two writers that read the same log only one
 * records its start; the other reads again. One read and one write per start.
 */
export async function takeStart(store: FlowControlStore, request: StartRequest): Promise<StartOutcome> {
  const pk = flowControlItemKey('rate', request.flow, request.key);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = nowOf(store);
    const item = await readItem(store, pk);
    const version = typeof item?.version === 'number' ? item.version : undefined;
    const log = ((item?.log as number[] | undefined) ?? []).filter((at) => at > now - request.periodMs).sort((a, b) => a - b);
    if (log.length >= request.limit) {
      // The start that leaves the window first makes room: the limit-th newest.
      const oldest = log[log.length - request.limit] as number;
      return { allowed: false, retryAfterMs: Math.max(1, oldest + request.periodMs - now) };
    }
    const next = [...log, now].slice(-request.limit);
    const written = await conditionalPut(
      store,
      {
        pk: s(pk),
        log: { L: next.map(n) },
        version: n((version ?? 0) + 1),
        expiresAt: n(epochSeconds(now + request.periodMs)),
      },
      version === undefined
        ? { condition: 'attribute_not_exists(pk)' }
        : { condition: 'version = :version', values: { ':version': n(version) } },
    );
    if (written.ok) return { allowed: true };
    // Another start got in between: spread the retries so racing writers do not collide again.
    await sleep(randomBetween(1, 5 + attempt * 5));
  }
  // Still contended: counts as over the limit for now, so the limit cannot be exceeded.
  return { allowed: false, retryAfterMs: 1000 };
}

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min));
}
