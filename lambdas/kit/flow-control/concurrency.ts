import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../errors.js';
import { type FlowItemKey, flowControlItemKey } from './item-keys.js';
import {
  type Conditional,
  conditionalPut,
  conditionalUpdate,
  epochSeconds,
  type FlowControlStore,
  type Item,
  n,
  nowOf,
  s,
} from './store.js';

export interface SlotRequest {
  readonly flow: string;
  /** The record's key, or a priority lane's (whose slots no event's key can name). */
  readonly key: FlowItemKey;
  /** Most records of this key in flight at once. */
  readonly limit: number;
  /** Who holds the place: unique per attempt, so a release never frees another's place. */
  readonly holder: string;
  /** When the lease ends if the holder never releases it (its Lambda deadline plus a margin), epoch ms. */
  readonly leaseUntilMs: number;
}

/** A place taken: what releasing it takes. */
export interface SlotLease {
  readonly pk: string;
  readonly holder: string;
}

/**
 * The highest limit the kit takes: every holder is an entry of one item (its id, about 80
 * bytes, and a number), so 1,000 keep the item near 100 KB, under DynamoDB's 400 KB.
 * QueueConsumer allows at most 100.
 */
export const MAX_CONCURRENCY_LIMIT = 1_000;

/**
 * Ended leases removed in one write at most: each adds a name, a value and two clauses to
 * the expressions, which DynamoDB caps at 4 KB each. One is enough to make a place.
 */
const SWEEP_AT_MOST = 25;

/**
 * How long the key's item outlives the lease of its latest taker before TTL may delete it:
 * every lease ends within a Lambda timeout plus the margin of its take, far less than this,
 * so TTL never deletes a live holder (it deletes late anyway; no condition relies on it).
 */
const KEEP_AFTER_LEASE_SECONDS = 86_400;

/**
 * Writes one taker makes at most: a refusal whose item showed ended leases or room tries
 * again with what that answer showed (takers that remove the same ended leases at once
 * fail all but one), and the key's first taker creates its item.
 */
const ATTEMPTS = 4;

/**
 * Takes one of the key's `limit` places, or none. The key has one item whose map `holders`
 * holds each holder's lease end (ms), so taking a place or being refused is one conditional
 * UpdateItem: `SET holders.<holder>` only if the holder is already there (an SDK retry of a
 * write that succeeded meets its own entry and takes no second place) or the map has fewer
 * than `limit` entries. No interleaving gets past `limit`: DynamoDB applies each write to the
 * item as it is after the writes before it. A refusal's answer carries the item
 * (ReturnValuesOnConditionCheckFailure), so a key full of live leases is refused in one
 * write and no read; holders whose lease ended (crashed, or never released) are removed by
 * the next write, each only if it still holds the lease seen, which takes the place in the
 * same write. The key's first taker creates the item.
 */
export async function acquireSlot(store: FlowControlStore, request: SlotRequest): Promise<SlotLease | undefined> {
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > MAX_CONCURRENCY_LIMIT) {
    throw new ConfigError(`concurrency limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT} (got ${request.limit})`);
  }
  const pk = flowControlItemKey('concurrency', request.flow, request.key);
  const lease = { pk, holder: request.holder };
  let ended: (readonly [string, number])[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const answer = await take(store, pk, request, ended);
    if (answer.ok) return lease;
    const holders = holdersIn(answer.item);
    if (holders === undefined) {
      // No item yet (or TTL deleted it): a path into `holders` needs the map to exist. If
      // another taker created it first (or this is an SDK retry of a create that
      // succeeded), the next take meets it.
      if ((await create(store, pk, request)).ok) return lease;
      ended = [];
      continue;
    }
    ended = endedLeases(holders, nowOf(store), request.holder);
    if (ended.length === 0 && Object.keys(holders).length >= request.limit) return undefined;
  }
  return undefined;
}

/**
 * Frees the holder's place: removes its entry only if it is still there (its lease may have
 * ended and been removed by a taker). Whether it was still held.
 */
export async function releaseSlot(store: FlowControlStore, lease: SlotLease): Promise<boolean> {
  const answer = await conditionalUpdate(store, lease.pk, 'REMOVE holders.#h', {
    condition: 'attribute_exists(holders.#h)',
    names: { '#h': lease.holder },
  });
  return answer.ok;
}

/**
 * One conditional UpdateItem that takes the place, removing the `ended` leases in the same
 * write. `size(holders)` counts them, so the room is `limit` plus their number, and each
 * must still be there with the lease seen: otherwise another taker removed it (and maybe
 * took its place) and the room would be counted twice.
 */
function take(
  store: FlowControlStore,
  pk: string,
  request: SlotRequest,
  ended: readonly (readonly [string, number])[],
): Promise<Conditional> {
  const names: Record<string, string> = { '#h': request.holder };
  const values: Record<string, AttributeValue> = {
    ':until': n(request.leaseUntilMs),
    ':expires': n(epochSeconds(request.leaseUntilMs) + KEEP_AFTER_LEASE_SECONDS),
    ':room': n(request.limit + ended.length),
  };
  const removals: string[] = [];
  const stillHeld: string[] = [];
  ended.forEach(([holder, until], i) => {
    names[`#e${i}`] = holder;
    values[`:e${i}`] = n(until);
    removals.push(`holders.#e${i}`);
    stillHeld.push(` AND holders.#e${i} = :e${i}`);
  });
  const remove = removals.length === 0 ? '' : ` REMOVE ${removals.join(', ')}`;
  return conditionalUpdate(store, pk, `SET holders.#h = :until, expiresAt = :expires${remove}`, {
    condition: `attribute_exists(holders.#h) OR (size(holders) < :room${stillHeld.join('')})`,
    names,
    values,
    returnItemOnFailure: true,
  });
}

/** The key's item with this holder alone, if the item (or its map) does not exist yet. */
function create(store: FlowControlStore, pk: string, request: SlotRequest): Promise<Conditional> {
  return conditionalPut(
    store,
    {
      pk: s(pk),
      holders: { M: { [request.holder]: n(request.leaseUntilMs) } },
      expiresAt: n(epochSeconds(request.leaseUntilMs) + KEEP_AFTER_LEASE_SECONDS),
    },
    { condition: 'attribute_not_exists(holders)' },
  );
}

function holdersIn(item: Item | undefined): Record<string, unknown> | undefined {
  const holders = item?.holders;
  return typeof holders === 'object' && holders !== null ? (holders as Record<string, unknown>) : undefined;
}

/** The holders (other than this one) whose lease ended before `now`, with the lease seen; the longest ended first. */
function endedLeases(holders: Record<string, unknown>, now: number, holder: string): (readonly [string, number])[] {
  return Object.entries(holders)
    .filter((entry): entry is [string, number] => entry[0] !== holder && typeof entry[1] === 'number' && entry[1] < now)
    .sort((a, b) => a[1] - b[1])
    .slice(0, SWEEP_AT_MOST);
}
