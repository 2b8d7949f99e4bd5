import { flowControlItemKey } from './item-keys.js';
import { conditionalUpdate, epochSeconds, type FlowControlStore, type Item, n, nowOf, readItem, s } from './store.js';

export interface DebounceRequest {
  readonly flow: string;
  readonly key: string;
  /** Orders the records of a key: the greatest is the last (`debounceSeq`). */
  readonly seq: string;
  /** When the record reached the queue (SQS SentTimestamp), epoch ms: its quiet period runs from there. */
  readonly sentAtMs: number;
  readonly periodMs: number;
  readonly maxWaitMs: number;
  /** How long the key's mark is kept: as long as a superseded record may come back (the queue's retention). */
  readonly keepMs: number;
}

export type DebounceDecision =
  /** This record is the last of its burst and its time has come: run it. */
  | { readonly kind: 'run' }
  /** A later record of the key exists: complete this one without running it. */
  | { readonly kind: 'superseded'; readonly by: string | undefined }
  /** This record is the last so far: look again after `ms`. */
  | { readonly kind: 'wait'; readonly ms: number };

/** The order of a record among its key's: when it reached the queue, then its message id. */
export function debounceSeq(sentAtMs: number, messageId: string): string {
  return `${String(Math.max(0, Math.trunc(sentAtMs))).padStart(15, '0')}#${messageId}`;
}

/**
 * Decides one record's fate under debounce, from one item per key: `latestSeq` (the last
 * record seen), `windowStart` (when the burst began) and `ranSeq` (the last record that
 * ran). Seeing a record is one conditional UpdateItem that raises `latestSeq` only if the
 * record is later than every one seen, so two records never both believe they are the
 * last. The last runs once its quiet `period` has passed since it reached the queue, or
 * `maxWait` after its burst began, whichever is first: another conditional UpdateItem
 * (`latestSeq` still this record) marks it run and ends the burst, so a record that
 * arrives meanwhile supersedes it instead of both running. An earlier record (and any
 * record older than the last one run) completes as superseded.
 */
export async function debounce(store: FlowControlStore, request: DebounceRequest): Promise<DebounceDecision> {
  const pk = flowControlItemKey('debounce', request.flow, request.key);
  const now = nowOf(store);
  const seen = await conditionalUpdate(
    store,
    pk,
    // `seen` and `ran` count for the operator (switchyard flow): seen less ran, less one pending, were superseded.
    'SET latestSeq = :seq, latestSentAt = :sent, windowStart = if_not_exists(windowStart, :now), expiresAt = :expires ADD seen :one',
    {
      condition: 'attribute_not_exists(pk) OR latestSeq < :seq',
      values: {
        ':seq': s(request.seq),
        ':sent': n(request.sentAtMs),
        ':now': n(now),
        ':expires': n(epochSeconds(now + request.keepMs)),
        ':one': n(1),
      },
    },
  );
  // Not later than every record seen: a copy of this record, or an earlier one.
  const item = seen.ok ? seen.item : await readItem(store, pk);
  if (item === undefined) return { kind: 'wait', ms: 0 };
  const latest = item.latestSeq as string;
  if (latest > request.seq) return { kind: 'superseded', by: latest };
  if (item.ranSeq === request.seq) return { kind: 'run' }; // marked run before, then failed or crashed: its retry runs
  const due = dueAt(item, request);
  if (now < due) return { kind: 'wait', ms: due - now };
  const claimed = await conditionalUpdate(store, pk, 'SET ranSeq = :seq REMOVE windowStart ADD ran :one', {
    condition: 'latestSeq = :seq',
    values: { ':seq': s(request.seq), ':one': n(1) },
  });
  return claimed.ok ? { kind: 'run' } : { kind: 'superseded', by: undefined };
}

function dueAt(item: Item, request: DebounceRequest): number {
  const quiet = (item.latestSentAt as number) + request.periodMs;
  const windowStart = item.windowStart as number | undefined;
  return windowStart === undefined ? quiet : Math.min(quiet, windowStart + request.maxWaitMs);
}
