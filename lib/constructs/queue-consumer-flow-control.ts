import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Duration, Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { type FlowControlSettings, flowKeySetting, keyPathMismatch, parseKeyPath } from '../../contracts/flow-control.js';
import type { AnyEventContract } from '../../contracts/index.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

/** At most `limit` starts of one key in any window of `period`. */
export interface FlowRateLimit {
  /** Starts per period (1 to 1,000: the log of the last `limit` starts is one item, rewritten at each start). */
  readonly limit: number;
  /** The window (1 second to 1 day). */
  readonly period: Duration;
}

/** The last record of a key runs; the earlier ones complete as superseded. */
export interface FlowDebounce {
  /**
   * How long a key must be quiet (no newer record reaching the queue) before its last record
   * runs (1 second to the queue's retention).
   */
  readonly period: Duration;
  /**
   * The longest a burst of a key waits, from its first record, before its last record so far
   * runs anyway, so a steady stream still runs (from `period` to the queue's retention).
   * @default - 10 times `period`, at most the queue's retention
   */
  readonly maxWait?: Duration;
}

/** How a throttling answer pauses its key. */
export interface FlowPauseOnThrottle {
  /**
   * How long to pause when the answer gives no retry-after (1 second to 12 hours).
   * @default Duration.seconds(30)
   */
  readonly defaultPause?: Duration;
  /**
   * The longest pause, whatever the retry-after asks for (from `defaultPause` to 12 hours).
   * @default Duration.minutes(15)
   */
  readonly maxPause?: Duration;
}

/**
 * A circuit breaker per key, in CircuitBreaker's terms (closed, open, half-open): provider
 * failures in a row open the key's circuit, and its records are held back until one record,
 * the half-open probe, succeeds. A provider failure is any handler error but a permanent one
 * (the record's fault), a throttling answer (`pauseOnThrottle` pauses for those) and a
 * hold-back.
 */
export interface FlowCircuitBreaker {
  /**
   * Provider failures in a row (no success between them) that open the circuit (1 to 100).
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * The failures must fall within this long of the first of them; an older count starts
   * again (1 second to 1 day).
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
  /**
   * How long the circuit stays open before one record probes it (1 second to 1 hour, and
   * at most the queue's retention).
   * @default Duration.seconds(30)
   */
  readonly openFor?: Duration;
  /**
   * A failed probe opens the circuit again for twice its last open time, at most this long
   * (from `openFor` to 12 hours, the longest a record can be held back, and at most the
   * queue's retention).
   * @default - 10 minutes, at least `openFor`, at most the queue's retention
   */
  readonly maxOpenFor?: Duration;
}

/**
 * Keyed flow control of a QueueConsumer's records, enforced by the kit's consumer with
 * conditional writes in a FlowControlTable (docs/flow-control.md). A record that may not
 * run yet is held back (its visibility extended), never failed or dead-lettered for it.
 */
export interface QueueConsumerFlowControl {
  /**
   * Which records share the limits: a path into the event, `$.` then names
   * (`$.detail.tenantId`, `$.source`), or any other string as one constant key for every
   * record (a model id). Records without a value at the path share the key `(missing)`
   * (debounce lets them run: unrelated records must not supersede one another).
   */
  readonly key: string;
  /**
   * Most records of one key in flight at once (1 to 100; taking a place, or being turned away, is one conditional write).
   * @default - no limit
   */
  readonly concurrency?: number;
  /**
   * Most records of one key started in any window of `period`.
   * @default - no limit
   */
  readonly rateLimit?: FlowRateLimit;
  /**
   * Only the last record of a burst of one key runs.
   * @default - every record runs
   */
  readonly debounce?: FlowDebounce;
  /**
   * A handler error that is a throttling answer (HTTP 429, `ThrottlingException`,
   * `TooManyRequestsException`) pauses the key for every record until its retry-after;
   * `true` takes the defaults of FlowPauseOnThrottle.
   * @default false
   */
  readonly pauseOnThrottle?: boolean | FlowPauseOnThrottle;
  /**
   * Opens the key's circuit after its provider kept failing, holding its records back
   * until a probe succeeds; `true` takes the defaults of FlowCircuitBreaker.
   * @default false
   */
  readonly circuitBreaker?: boolean | FlowCircuitBreaker;
  /**
   * The flow control table, shared with other flows (items are named by flow).
   * @default - a FlowControlTable of this consumer's own
   */
  readonly table?: dynamodb.ITable;
}

/** How long a concurrency lease outlives its holder's Lambda deadline: clocks of two functions differ a little. */
const LEASE_MARGIN_SECONDS = 10;
/** SQS's longest visibility timeout: the longest one hold-back can last. */
const MAX_HOLD_SECONDS = 43_200;

/**
 * The settings the kit reads from `ENV.flowControl`, from QueueConsumer's `flowControl`
 * prop, validated: each error names the construct, the prop, the value and the range.
 */
export function flowControlSettings(
  scope: IConstruct,
  props: QueueConsumerFlowControl,
  context: { readonly retentionSeconds: number; readonly contracts?: readonly AnyEventContract[] },
): FlowControlSettings {
  const key = flowKeySetting(props.key);
  if ('path' in key) validateKeyPath(scope, 'flowControl.key', key.path, context.contracts);
  else if (props.key === '' || Token.isUnresolved(props.key))
    invalidProp(scope, 'flowControl.key must be a path like $.detail.tenantId or a constant string (got an empty string or a token)');
  if (props.concurrency === undefined && !props.rateLimit && !props.debounce && !props.pauseOnThrottle && !props.circuitBreaker) {
    invalidProp(scope, 'flowControl must declare at least one of concurrency, rateLimit, debounce, pauseOnThrottle or circuitBreaker');
  }
  validateRange(scope, 'flowControl.concurrency', props.concurrency, 1, 100);
  validateInteger(scope, 'flowControl.concurrency', props.concurrency);
  if (props.rateLimit) {
    validateRange(scope, 'flowControl.rateLimit.limit', props.rateLimit.limit, 1, 1000);
    validateInteger(scope, 'flowControl.rateLimit.limit', props.rateLimit.limit);
    validateRange(scope, 'flowControl.rateLimit.period', props.rateLimit.period.toSeconds(), 1, 86_400, 'seconds');
  }
  return {
    flow: scope.node.path,
    key,
    ...(props.concurrency === undefined ? {} : { concurrency: { limit: props.concurrency, leaseMarginSeconds: LEASE_MARGIN_SECONDS } }),
    ...(props.rateLimit ? { rateLimit: { limit: props.rateLimit.limit, periodSeconds: props.rateLimit.period.toSeconds() } } : {}),
    ...(props.debounce ? { debounce: debounceSettings(scope, props.debounce, context.retentionSeconds) } : {}),
    ...(props.pauseOnThrottle ? { pauseOnThrottle: pauseSettings(scope, props.pauseOnThrottle) } : {}),
    ...(props.circuitBreaker ? { circuitBreaker: breakerSettings(scope, props.circuitBreaker, context.retentionSeconds) } : {}),
    // Holds add up over receives (a long rate-limited backlog, repeated pauses) beyond any
    // one declared duration: the kit checks each hold against the message's age.
    retentionSeconds: context.retentionSeconds,
  };
}

/** EventBridge's SqsParameters.MessageGroupId is at most 100 characters, a dynamic path included. */
const MAX_GROUP_ID_PATH = 100;

/**
 * The target's MessageGroupId for `fairBy`, validated: a path EventBridge resolves per event
 * (a dynamic path parameter: the whole value is the path), which the contracts must declare.
 * A constant would make every message one tenant, which is no fairness at all.
 */
export function fairGroupIdPath(scope: IConstruct, fairBy: string, contracts: readonly AnyEventContract[] | undefined): string {
  if (Token.isUnresolved(fairBy) || !fairBy.startsWith('$')) {
    invalidProp(scope, `fairBy must be a path into the event like $.detail.customerId, not a constant (got ${JSON.stringify(fairBy)})`);
  }
  if (fairBy.length > MAX_GROUP_ID_PATH) {
    invalidProp(scope, `fairBy must be at most ${MAX_GROUP_ID_PATH} characters, EventBridge's MessageGroupId limit (got ${fairBy.length})`);
  }
  validateKeyPath(scope, 'fairBy', fairBy, contracts);
  return fairBy;
}

function validateKeyPath(scope: IConstruct, prop: string, path: string, contracts: readonly AnyEventContract[] | undefined): void {
  const segments = parseKeyPath(path);
  if (segments === undefined) {
    invalidProp(scope, `${prop} must be a path of names after $. like $.detail.tenantId (got ${JSON.stringify(path)})`);
  }
  if (contracts === undefined || contracts.length === 0) return;
  const mismatch = keyPathMismatch(
    segments,
    contracts.map((c) => c.schema),
  );
  if (mismatch !== undefined) {
    invalidProp(
      scope,
      `${prop} ${JSON.stringify(path)} cannot match the consumer's contracts (${contracts.map((c) => c.detailType).join(', ')}): ${mismatch}`,
    );
  }
}

function debounceSettings(
  scope: IConstruct,
  debounce: FlowDebounce,
  retentionSeconds: number,
): NonNullable<FlowControlSettings['debounce']> {
  const period = debounce.period.toSeconds();
  const maxWait = debounce.maxWait?.toSeconds() ?? Math.min(period * 10, retentionSeconds);
  // A record held back longer than the queue keeps it would be deleted by SQS unrun.
  if (period < 1 || period > retentionSeconds) {
    invalidProp(
      scope,
      `flowControl.debounce.period must be from 1 to ${retentionSeconds} seconds, the queue's retentionPeriod (got ${period} seconds)`,
    );
  }
  if (maxWait < period || maxWait > retentionSeconds) {
    invalidProp(
      scope,
      `flowControl.debounce.maxWait must be from the period (${period} seconds) to ${retentionSeconds} seconds, the queue's retentionPeriod (got ${maxWait} seconds)`,
    );
  }
  return { periodSeconds: period, maxWaitSeconds: maxWait, keepSeconds: retentionSeconds };
}

function pauseSettings(scope: IConstruct, pause: true | FlowPauseOnThrottle): NonNullable<FlowControlSettings['pauseOnThrottle']> {
  const options = pause === true ? {} : pause;
  const defaultSeconds = (options.defaultPause ?? Duration.seconds(30)).toSeconds();
  const maxSeconds = (options.maxPause ?? Duration.minutes(15)).toSeconds();
  validateRange(scope, 'flowControl.pauseOnThrottle.defaultPause', defaultSeconds, 1, MAX_HOLD_SECONDS, 'seconds');
  // The kit pauses for the shorter of the two: a default above the longest would be cut
  // to it without a word, so say so at synth.
  validateRange(scope, 'flowControl.pauseOnThrottle.maxPause', maxSeconds, defaultSeconds, MAX_HOLD_SECONDS, 'seconds');
  return { defaultSeconds, maxSeconds };
}

function breakerSettings(
  scope: IConstruct,
  breaker: true | FlowCircuitBreaker,
  retentionSeconds: number,
): NonNullable<FlowControlSettings['circuitBreaker']> {
  const options = breaker === true ? {} : breaker;
  const failureThreshold = options.failureThreshold ?? 5;
  const windowSeconds = (options.window ?? Duration.minutes(1)).toSeconds();
  const openSeconds = (options.openFor ?? Duration.seconds(30)).toSeconds();
  validateRange(scope, 'flowControl.circuitBreaker.failureThreshold', failureThreshold, 1, 100);
  validateInteger(scope, 'flowControl.circuitBreaker.failureThreshold', failureThreshold);
  validateRange(scope, 'flowControl.circuitBreaker.window', windowSeconds, 1, 86_400, 'seconds');
  // A record held back longer than the queue keeps it would be deleted by SQS unrun.
  const longestOpen = Math.min(3600, retentionSeconds);
  if (openSeconds < 1 || openSeconds > longestOpen) {
    invalidProp(
      scope,
      `flowControl.circuitBreaker.openFor must be from 1 to ${longestOpen} seconds (at most 1 hour and the queue's retentionPeriod) (got ${openSeconds} seconds)`,
    );
  }
  const longestMaxOpen = Math.min(MAX_HOLD_SECONDS, retentionSeconds);
  const maxOpenSeconds = options.maxOpenFor?.toSeconds() ?? Math.min(Math.max(600, openSeconds), longestMaxOpen);
  if (maxOpenSeconds < openSeconds || maxOpenSeconds > longestMaxOpen) {
    invalidProp(
      scope,
      `flowControl.circuitBreaker.maxOpenFor must be from openFor (${openSeconds} seconds) to ${longestMaxOpen} seconds (at most 12 hours and the queue's retentionPeriod) (got ${maxOpenSeconds} seconds)`,
    );
  }
  return { failureThreshold, windowSeconds, openSeconds, maxOpenSeconds };
}
