import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { FLOW_OUTCOMES, type FlowControlSettings } from '../../../contracts/flow-control.js';
import type { CircuitState } from '../circuit-breaker.js';
import { isPermanent, toError } from '../errors.js';
import { holdBackOf } from '../hold-back.js';
import { FlowHeldBackError } from './errors.js';
import { flowControlItemKey } from './item-keys.js';
import { throttleOf } from './pause.js';
import { conditionalDelete, conditionalUpdate, epochSeconds, type FlowControlStore, type Item, n, nowOf, readItem, s } from './store.js';

/**
 * A circuit breaker per key of a flow, in the flow control table: the vocabulary of the kit's
 * CircuitBreaker (closed, open, half-open; a failure threshold within a window; an open time),
 * one item `breaker#<flow>#<key>` per key, and each decision one conditional write on it.
 *
 * - closed: no item, or an item counting `failures` in a row since `since` (epoch ms);
 * - open: `openUntil` (epoch ms) is still ahead; `openMs` is how long it was opened for;
 * - half-open: `openUntil` has passed; the record holding `probe` (until `probeUntil`) runs.
 *
 * Unlike the kit's CircuitBreaker (one named downstream, its own table keyed `id`, transition
 * events and metrics per circuit), a flow may have a key per tenant: no event or metric per
 * key, only the consumer's log lines (`flowControl.outcome`) and the table, which
 * `switchyard flow` reads.
 */
export type BreakerSettings = NonNullable<FlowControlSettings['circuitBreaker']>;

export interface BreakerTarget {
  readonly flow: string;
  readonly key: string;
}

/** What `admitThroughBreaker` let through: a record of a closed circuit, or the half-open circuit's probe. */
export type BreakerTicket =
  /** `failures`: the failures in a row the record saw counted when it entered (a success then resets them). */
  | { readonly kind: 'closed'; readonly failures: number }
  /** The one record a half-open circuit lets through; `openMs` is what the circuit was last opened for. */
  | { readonly kind: 'probe'; readonly holder: string; readonly openMs: number };

/** What settling a record's outcome changed. */
export type BreakerChange =
  | { readonly kind: 'none' }
  | { readonly kind: 'opened'; readonly until: number; readonly reason: 'threshold' | 'probe-failed'; readonly failures?: number }
  | { readonly kind: 'closed' };

/** How long a probe's claim outlives its Lambda deadline: clocks of two functions differ a little (as a concurrency lease). */
const PROBE_LEASE_MARGIN_MS = 10_000;

const breakerPk = (target: BreakerTarget) => flowControlItemKey('breaker', target.flow, target.key);

/** The circuit's state in an item read at `now` (what the operator's views show too). */
export function circuitStateOf(item: Item | undefined, now: number): CircuitState {
  const until = item?.openUntil;
  if (typeof until !== 'number') return 'closed';
  return until > now ? 'open' : 'half-open';
}

/**
 * Whether a handler's error counts as a failure of the key's provider: any error but a
 * permanent one (the record's fault: a retry cannot help, so it says nothing of the
 * provider), a throttling answer (the provider is up; `pauseOnThrottle` handles it) and a
 * hold-back (flow control, an open CircuitBreaker, a twin's claim, a token budget: nothing
 * was asked of the provider).
 */
export function isProviderFailure(error: Error): boolean {
  return !isPermanent(error) && throttleOf(error) === undefined && holdBackOf(error, 0) === undefined;
}

/**
 * Lets a record through the key's circuit or holds it back (throws FlowHeldBackError
 * `circuit-open`): one consistent read, and in a half-open circuit one conditional write
 * claiming the probe, so exactly one record at a time runs as the probe (its claim a lease
 * until `leaseUntilMs`, so a probe that crashes frees it). The others wait until the probe's
 * lease ends, or one open time at most: the probe may close the circuit sooner. The claim
 * is unique per attempt (`<messageId>#<uuid>`), so a late answer never settles another's probe.
 */
export async function admitThroughBreaker(
  store: FlowControlStore,
  target: BreakerTarget,
  settings: BreakerSettings,
  record: { readonly messageId: string; readonly remainingMs: number },
): Promise<BreakerTicket> {
  const pk = breakerPk(target);
  const item = await readItem(store, pk);
  const now = nowOf(store);
  const probe = { holder: `${record.messageId}#${randomUUID()}`, leaseUntilMs: now + record.remainingMs + PROBE_LEASE_MARGIN_MS };
  const state = circuitStateOf(item, now);
  if (state === 'closed') {
    const counting = typeof item?.since === 'number' && item.since > now - settings.windowSeconds * 1000;
    return { kind: 'closed', failures: counting && typeof item?.failures === 'number' ? item.failures : 0 };
  }
  const openUntil = item?.openUntil as number;
  const openMs = typeof item?.openMs === 'number' ? item.openMs : settings.openSeconds * 1000;
  if (state === 'open') throw new FlowHeldBackError('circuit-open', target.key, openUntil - now);
  const claimed = await conditionalUpdate(store, pk, 'SET probe = :holder, probeUntil = :lease, expiresAt = :expires', {
    condition: 'openUntil <= :now AND (attribute_not_exists(probeUntil) OR probeUntil < :now)',
    values: {
      ':holder': s(probe.holder),
      ':lease': n(probe.leaseUntilMs),
      ':now': n(now),
      ':expires': n(epochSeconds(probe.leaseUntilMs + settings.maxOpenSeconds * 1000)),
    },
  });
  if (claimed.ok) return { kind: 'probe', holder: probe.holder, openMs };
  // Another record probes (or the circuit re-opened meanwhile): wait for its answer.
  const probeUntil = typeof item?.probeUntil === 'number' && item.probeUntil > now ? item.probeUntil : now + openMs;
  throw new FlowHeldBackError('circuit-open', target.key, Math.max(0, Math.min(probeUntil - now, openMs)));
}

/**
 * Gives back a probe claim whose record did not run (a later control held it back) or
 * whose outcome says nothing of the provider: the next record probes at once. Whether it
 * still held the claim.
 */
export function releaseProbe(store: FlowControlStore, target: BreakerTarget, ticket: BreakerTicket): Promise<boolean> {
  if (ticket.kind !== 'probe') return Promise.resolve(false);
  return conditionalUpdate(store, breakerPk(target), 'REMOVE probe, probeUntil', {
    condition: 'probe = :holder',
    values: { ':holder': s(ticket.holder) },
  }).then((written) => written.ok);
}

/** `releaseProbe` for a record that does not run: a failure is logged, the claim then ends with its lease. */
export async function giveBackProbe(store: FlowControlStore, target: BreakerTarget, ticket: BreakerTicket, logger: Logger): Promise<void> {
  try {
    await releaseProbe(store, target, ticket);
  } catch (thrown) {
    logger.warn('flow control: giving back the half-open probe failed; it frees itself when its lease ends', {
      flowControl: { key: target.key },
      releaseError: toError(thrown),
    });
  }
}

/**
 * Records a record's outcome in its key's circuit; `error` undefined is a success.
 * - The probe's success closes the circuit (deletes the item, if it still holds the probe);
 *   its provider failure re-opens it for twice its last open time, at most `maxOpenSeconds`;
 *   any other outcome gives the probe claim back.
 * - Otherwise a provider failure counts one (1 UpdateItem; a count older than the window
 *   starts again at 1), and the one that reaches the threshold opens the circuit (1 more
 *   UpdateItem, conditional on it being closed, so racing failures open it once); a success
 *   resets the count, only if the record saw one when it entered (no write otherwise).
 */
export async function settleBreaker(
  store: FlowControlStore,
  target: BreakerTarget,
  ticket: BreakerTicket,
  settings: BreakerSettings,
  error?: Error,
): Promise<BreakerChange> {
  const pk = breakerPk(target);
  const failed = error !== undefined && isProviderFailure(error);
  if (ticket.kind === 'probe') {
    if (error === undefined) {
      const closed = await conditionalDelete(store, pk, { condition: 'probe = :holder', values: { ':holder': s(ticket.holder) } });
      return closed ? { kind: 'closed' } : { kind: 'none' };
    }
    if (!failed) {
      await releaseProbe(store, target, ticket);
      return { kind: 'none' };
    }
    const openMs = Math.min(ticket.openMs * 2, settings.maxOpenSeconds * 1000);
    const until = nowOf(store) + openMs;
    const reopened = await conditionalUpdate(
      store,
      pk,
      'SET openUntil = :until, openMs = :open, lastFailure = :last, expiresAt = :expires REMOVE probe, probeUntil',
      { condition: 'probe = :holder', values: { ':holder': s(ticket.holder), ...openValues(until, openMs, error, settings) } },
    );
    return reopened.ok ? { kind: 'opened', until, reason: 'probe-failed' } : { kind: 'none' };
  }
  if (error === undefined) {
    if (ticket.failures > 0) {
      await conditionalUpdate(store, pk, 'REMOVE failures, since', {
        condition: 'attribute_exists(failures) AND attribute_not_exists(openUntil)',
      });
    }
    return { kind: 'none' };
  }
  if (!failed) return { kind: 'none' };
  const failures = await countFailure(store, pk, settings, error, ticket.failures > 0);
  if (failures === undefined || failures < settings.failureThreshold) return { kind: 'none' };
  return openCircuit(store, target, settings, error);
}

/**
 * Adds one failure to a closed circuit's count: an increment while the count's first failure
 * is within the window, else a count started again at 1 (each a conditional UpdateItem: when
 * one refuses, the count is not what the record saw, and the other applies). The record
 * tries first what it saw at entry (`counting`), so it takes one write unless another
 * changed the count meanwhile. The count after it; undefined if the circuit is not closed
 * (it opened meanwhile: the failure is moot).
 */
async function countFailure(
  store: FlowControlStore,
  pk: string,
  settings: BreakerSettings,
  error: Error,
  counting: boolean,
): Promise<number | undefined> {
  const now = nowOf(store);
  const values = {
    ':one': n(1),
    ':windowStart': n(now - settings.windowSeconds * 1000),
    ':last': s(describe(error)),
    ':expires': n(epochSeconds(now + settings.windowSeconds * 1000)),
  };
  const add = async () => {
    const added = await conditionalUpdate(store, pk, 'SET lastFailure = :last, expiresAt = :expires ADD failures :one', {
      condition: 'attribute_not_exists(openUntil) AND since > :windowStart',
      values,
    });
    return added.ok ? (added.item.failures as number) : undefined;
  };
  const restart = async () => {
    const restarted = await conditionalUpdate(store, pk, 'SET failures = :one, since = :now, lastFailure = :last, expiresAt = :expires', {
      condition: 'attribute_not_exists(openUntil) AND (attribute_not_exists(since) OR since <= :windowStart)',
      values: { ...values, ':now': n(now) },
    });
    return restarted.ok ? 1 : undefined;
  };
  const [first, second] = counting ? [add, restart] : [restart, add];
  // Both refuse only if racing records moved the count between them, or the circuit opened:
  // one more round settles the first; the second leaves the failure uncounted, as it should.
  for (let round = 0; round < 2; round++) {
    const count = (await first()) ?? (await second());
    if (count !== undefined) return count;
  }
  return undefined;
}

/**
 * Opens a closed circuit whose count reached the threshold, until now + `openSeconds`: one
 * UpdateItem conditional on it being closed with that count, so of racing failures that each
 * reached the threshold exactly one opens it. What it changed.
 */
export async function openCircuit(
  store: FlowControlStore,
  target: BreakerTarget,
  settings: BreakerSettings,
  error: Error,
): Promise<BreakerChange> {
  const openMs = settings.openSeconds * 1000;
  const until = nowOf(store) + openMs;
  const opened = await conditionalUpdate(
    store,
    breakerPk(target),
    'SET openUntil = :until, openMs = :open, lastFailure = :last, expiresAt = :expires REMOVE failures, since',
    {
      condition: 'attribute_not_exists(openUntil) AND failures >= :threshold',
      values: { ':threshold': n(settings.failureThreshold), ...openValues(until, openMs, error, settings) },
    },
  );
  return opened.ok ? { kind: 'opened', until, reason: 'threshold', failures: settings.failureThreshold } : { kind: 'none' };
}

function openValues(until: number, openMs: number, error: Error, settings: BreakerSettings) {
  return {
    ':until': n(until),
    ':open': n(openMs),
    ':last': s(describe(error)),
    // Kept past its open time for the longest open time: a half-open circuit nobody probes
    // for that long is forgotten (closed), its doubling with it.
    ':expires': n(epochSeconds(until + settings.maxOpenSeconds * 1000)),
  };
}

function describe(error: Error): string {
  return `${error.name}: ${error.message}`.slice(0, 1024);
}

/** Logs what settling changed, with the fields `switchyard flow`, `trace` and the console read (`flowControl.outcome`). */
export function logBreakerChange(logger: Logger, key: string, change: BreakerChange, error?: Error): void {
  if (change.kind === 'opened') {
    logger.warn(
      change.reason === 'threshold'
        ? "flow control: the provider kept failing; the key's circuit is open for every record"
        : "flow control: the half-open probe failed; the key's circuit is open again, for longer",
      {
        flowControl: {
          outcome: FLOW_OUTCOMES.circuitOpened,
          key,
          reason: change.reason,
          openUntil: new Date(change.until).toISOString(),
          ...(change.failures === undefined ? {} : { failures: change.failures }),
        },
        error,
      },
    );
  } else if (change.kind === 'closed') {
    logger.info("flow control: the half-open probe succeeded; the key's circuit is closed", {
      flowControl: { outcome: FLOW_OUTCOMES.circuitClosed, key },
    });
  }
}

/** `settleBreaker` and its log line, for FlowGate's leave: a write that fails is logged, never thrown over the record's own outcome. */
export async function settleAndLog(
  store: FlowControlStore,
  target: BreakerTarget,
  ticket: BreakerTicket | undefined,
  settings: BreakerSettings | undefined,
  logger: Logger,
  error?: Error,
): Promise<void> {
  if (ticket === undefined || settings === undefined) return;
  try {
    logBreakerChange(logger, target.key, await settleBreaker(store, target, ticket, settings, error), error);
  } catch (thrown) {
    logger.warn("flow control: recording the outcome in the key's circuit failed; a probe's claim frees itself when its lease ends", {
      flowControl: { key: target.key },
      breakerError: toError(thrown),
    });
  }
}
