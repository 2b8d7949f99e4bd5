import { flowControlItemKey } from './item-keys.js';
import { versionedUpdate, waitForRoom, withinWindow } from './sliding-log.js';
import { epochSeconds, type FlowControlStore, n } from './store.js';

export interface StartRequest {
  readonly flow: string;
  readonly key: string;
  /** Most starts of this key in any window of `periodMs`. */
  readonly limit: number;
  readonly periodMs: number;
}

/** A start allowed, or how long until the next one is. */
export type StartOutcome = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Records a start of the key if fewer than `limit` starts lie within the last `periodMs`:
 * a sliding log in one item (the times of the last `limit` starts, ./sliding-log.ts), so the
 * limit holds over every window of that length, not only over aligned ones, and a start
 * counts whether its record then succeeds, fails or crashes. Each change is one PutItem
 * conditional on the item's version (or on its absence), so of two writers that read the
 * same log only one records its start; the other reads again. One read and one write per start.
 */
export async function takeStart(store: FlowControlStore, request: StartRequest): Promise<StartOutcome> {
  const pk = flowControlItemKey('rate', request.flow, request.key);
  return versionedUpdate<StartOutcome>(
    store,
    pk,
    (item, now) => {
      const log = withinWindow(
        ((item?.log as number[] | undefined) ?? []).map((at) => ({ at, weight: 1 })),
        now,
        request.periodMs,
      );
      const wait = waitForRoom(log, now, request.periodMs, request.limit, 1);
      if (wait > 0) return { result: { allowed: false, retryAfterMs: wait } };
      const next = [...log.map((entry) => entry.at), now].slice(-request.limit);
      return {
        write: { log: { L: next.map(n) }, expiresAt: n(epochSeconds(now + request.periodMs)) },
        result: { allowed: true },
      };
    },
    // Still contended: counts as over the limit for now, so the limit cannot be exceeded.
    () => ({ allowed: false, retryAfterMs: 1000 }),
  );
}
