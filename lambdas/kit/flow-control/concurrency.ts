import { randomInt } from 'node:crypto';
import { flowControlItemKey } from './item-keys.js';
import { conditionalDelete, conditionalPut, epochSeconds, type FlowControlStore, n, nowOf, s } from './store.js';

export interface SlotRequest {
  readonly flow: string;
  readonly key: string;
  /** Most records of this key in flight at once (the number of slots). */
  readonly limit: number;
  /** Who holds the slot: unique per attempt, so a release never frees another's slot. */
  readonly holder: string;
  /** When the lease ends if the holder never releases it (its Lambda deadline plus a margin), epoch ms. */
  readonly leaseUntilMs: number;
}

/** A slot taken: what releasing it takes. */
export interface SlotLease {
  readonly pk: string;
  readonly holder: string;
}

/**
 * Takes one of the key's `limit` slots, or none: each slot is one item, taken by one
 * conditional PutItem that succeeds only if the slot is free (no item, or its lease ended),
 * so two holders can never hold one slot whatever the interleaving, and one holder never
 * two. Tries the slots from a random one on, so concurrent takers spread over the slots
 * instead of all fighting over slot 0: at most `limit` writes, one when a slot is free.
 */
export async function acquireSlot(store: FlowControlStore, request: SlotRequest): Promise<SlotLease | undefined> {
  const now = nowOf(store);
  const first = randomInt(request.limit);
  for (let i = 0; i < request.limit; i++) {
    const pk = flowControlItemKey('concurrency', request.flow, request.key, (first + i) % request.limit);
    const taken = await conditionalPut(
      store,
      { pk: s(pk), holder: s(request.holder), leaseUntil: n(request.leaseUntilMs), expiresAt: n(epochSeconds(request.leaseUntilMs)) },
      // `holder = :holder`: an SDK retry of a write that succeeded meets its own item; without
      // it the retry would fail over to the next slot and one record would hold two.
      {
        condition: 'attribute_not_exists(pk) OR leaseUntil < :now OR holder = :holder',
        values: { ':now': n(now), ':holder': s(request.holder) },
      },
    );
    if (taken.ok) return { pk, holder: request.holder };
  }
  return undefined;
}

/**
 * Frees a slot: deletes it only if this holder still holds it (its lease may have ended
 * and the slot been taken by another). Whether it was still held.
 */
export async function releaseSlot(store: FlowControlStore, lease: SlotLease): Promise<boolean> {
  return conditionalDelete(store, lease.pk, { condition: 'holder = :holder', values: { ':holder': s(lease.holder) } });
}
