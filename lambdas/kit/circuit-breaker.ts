import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { CircuitClosed, CircuitOpened, ENV, ERROR_NAMES } from '../../contracts/index.js';
import { requireEnv, requireNumber } from './config.js';
import type { EventPublisher } from './emit.js';
import { SwitchyardError, toError } from './errors.js';
import { logger as defaultLogger } from './observability.js';

/**
 * The circuit was open (or half-open with every trial taken), so the downstream was not
 * called. Retryable: after `retryAfterMs` the call may go through. `cause` is the failure
 * that opened the circuit.
 */
export class CircuitOpenError extends SwitchyardError {
  override readonly name = ERROR_NAMES.circuitOpen;
  constructor(
    readonly circuit: string,
    /** How long until the circuit lets a trial call through (0 if it may already). */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(`circuit ${circuit} is open; retry in ${Math.ceil(retryAfterMs / 1000)} s`, options);
  }
}

/** Whether an error (possibly deserialised, so not an instance) is a CircuitOpenError; with its remaining open time. */
export function circuitOpenRetryAfterMs(error: Error): number | undefined {
  if (error.name !== ERROR_NAMES.circuitOpen) return undefined;
  const ms = (error as Partial<CircuitOpenError>).retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : 0;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Names the downstream; callers sharing a name share one circuit (one item in the table). */
  readonly circuit: string;
  /**
   * Failures within `windowMs` that open the circuit.
   * @default 5
   */
  readonly failureThreshold?: number;
  /**
   * The sliding window failures are counted in, in ms; it slides in tenths of itself.
   * @default 60_000
   */
  readonly windowMs?: number;
  /**
   * How long the circuit stays open before trial calls are let through, in ms. Also how
   * long a half-open round waits for its trials' outcomes before starting a new round.
   * @default 30_000
   */
  readonly openMs?: number;
  /**
   * Trial calls a half-open circuit lets through per round.
   * @default 1
   */
  readonly halfOpenMaxTrials?: number;
  /**
   * Whether an error counts as a failure of the downstream.
   * @default - every error except CircuitOpen
   */
  readonly isFailure?: (error: Error) => boolean;
  /** Publishes CircuitOpened / CircuitClosed. @default - the transitions are only logged */
  readonly publisher?: EventPublisher;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The breaker's own metrics, whatever the calling function's namespace and service, so the
 * CircuitBreaker construct's alarm can name them: `CircuitOpened` at every transition to open
 * (a failed trial too) and `CallsRejected` at every call the open circuit turned away,
 * both with the dimension `circuit`. Keep in step with `CircuitBreaker.METRICS` (lib/constructs).
 */
const METRICS = { namespace: 'Switchyard', service: 'circuit-breaker', dimension: 'circuit' } as const;
const circuitMetrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service, singleMetric: true });

/** Writes one count (an EMF line, flushed at once); a metric that cannot be written never fails the call. */
function countMetric(name: 'CircuitOpened' | 'CallsRejected', circuit: string): void {
  try {
    const metric = circuitMetrics.singleMetric();
    metric.addDimension(METRICS.dimension, circuit);
    metric.addMetric(name, MetricUnit.Count, 1);
  } catch (thrown) {
    defaultLogger.warn('circuit breaker metric not written', { circuit, metric: name, error: toError(thrown) });
  }
}

/** How many buckets the sliding window is split into. */
const BUCKETS = 10;

/** The item of one circuit. Absent means closed, generation 0. */
interface CircuitItem {
  readonly id: string;
  readonly state?: CircuitState;
  /** Incremented by every transition; every transition is conditional on it. */
  readonly generation?: number;
  readonly openUntil?: number;
  /** When the current half-open round started. */
  readonly roundStartedAt?: number;
  readonly trials?: number;
  readonly lastFailure?: string;
  /** Failure buckets: `b<i>` the bucket number held by slot i, `c<i>` its count. */
  readonly [slot: `b${number}` | `c${number}`]: number | undefined;
  /** The event of the transition to generation n, until it is published (the item's outbox). */
  readonly [pending: `pending${number}`]: PendingEvent | undefined;
}

/** A transition's event, written with the transition and removed once published. */
interface PendingEvent {
  readonly detailType: 'CircuitOpened' | 'CircuitClosed';
  readonly detail: Record<string, unknown>;
  /** When a caller last took it on to publish: another caller takes over after PENDING_RECLAIM_MS. */
  readonly claimedAt: number;
}

const PENDING_PREFIX = 'pending';
/** How long a claimed, unpublished transition event waits before another caller publishes it. */
const PENDING_RECLAIM_MS = 10_000;

/** What acquire() let through: a normal call, or a half-open trial of one generation. */
export type CircuitPermit = { readonly kind: 'closed' } | { readonly kind: 'trial'; readonly generation: number };

/**
 * A circuit breaker whose state lives in DynamoDB, shared by every function and execution
 * that names the same circuit. Every transition is one conditional write on the item's
 * generation, so when many callers race, exactly one wins each transition (and emits its
 * event); the others re-read and follow. Failures are counted with atomic increments in
 * a ring of time buckets, so recording one never contends with a transition.
 */
export class CircuitBreaker {
  readonly #o: Required<Omit<CircuitBreakerOptions, 'publisher'>> & Pick<CircuitBreakerOptions, 'publisher'>;
  readonly #key: Record<string, { S: string }>;

  constructor(options: CircuitBreakerOptions) {
    this.#o = {
      failureThreshold: 5,
      windowMs: 60_000,
      openMs: 30_000,
      halfOpenMaxTrials: 1,
      isFailure: (error) => error.name !== ERROR_NAMES.circuitOpen,
      now: Date.now,
      ...options,
    };
    const { failureThreshold, windowMs, openMs, halfOpenMaxTrials } = this.#o;
    for (const [name, value] of Object.entries({ failureThreshold, windowMs, openMs, halfOpenMaxTrials })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`CircuitBreaker ${name} must be a whole number >= 1 (got ${value})`);
    }
    this.#key = { id: { S: options.circuit } };
  }

  /** The circuit's state as stored (open past its period still reads open until a caller half-opens it). */
  async state(): Promise<CircuitState> {
    return (await this.#read()).state ?? 'closed';
  }

  /**
   * Runs `fn` if the circuit lets it: its result or error is recorded and passed on.
   * @throws CircuitOpenError without calling `fn` while the circuit is open.
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    const permit = await this.acquire();
    let result: T;
    try {
      result = await fn();
    } catch (thrown) {
      const error = toError(thrown);
      await this.#settle(() => (this.#o.isFailure(error) ? this.recordFailure(permit, error) : this.recordSuccess(permit)));
      throw error;
    }
    await this.#settle(() => this.recordSuccess(permit));
    return result;
  }

  /**
   * Records an outcome without hiding it: if the table cannot be written, the caller still
   * gets the downstream's answer (the breaker misses one data point, and a trial that was
   * not recorded is retried in the next round).
   */
  async #settle(record: () => Promise<void>): Promise<void> {
    try {
      await record();
    } catch (thrown) {
      defaultLogger.error('circuit breaker could not record an outcome', { circuit: this.#o.circuit, error: toError(thrown) });
    }
  }

  /** Lets a call through or throws CircuitOpenError; a half-open circuit hands out at most halfOpenMaxTrials trials per round. */
  async acquire(): Promise<CircuitPermit> {
    for (;;) {
      const item = await this.#read();
      const now = this.#o.now();
      await this.#settle(() => this.#flushStale(item, now));
      const generation = item.generation ?? 0;
      const state = item.state ?? 'closed';
      if (state === 'closed') return { kind: 'closed' };
      if (state === 'open') {
        const openUntil = item.openUntil ?? 0;
        if (now < openUntil) throw this.#rejected(item, openUntil - now);
        // The open period is over: this caller half-opens it and takes the first trial.
        if (await this.#transition(generation, 'open', { state: 'half-open', roundStartedAt: now, trials: 1 })) {
          defaultLogger.info('circuit half-open', { circuit: this.#o.circuit, generation: generation + 1 });
          return { kind: 'trial', generation: generation + 1 };
        }
        continue;
      }
      // half-open: take a trial slot if one is left in this round.
      if (await this.#takeTrial(generation)) return { kind: 'trial', generation };
      const roundEnds = (item.roundStartedAt ?? 0) + this.#o.openMs;
      if (now < roundEnds) throw this.#rejected(item, roundEnds - now);
      // The round's trials never reported (their callers died): start a new round.
      if (await this.#transition(generation, 'half-open', { state: 'half-open', roundStartedAt: now, trials: 1 })) {
        return { kind: 'trial', generation: generation + 1 };
      }
    }
  }

  /** A trial succeeded: closes the circuit (one caller wins; the others' writes fail their condition). */
  async recordSuccess(permit: CircuitPermit): Promise<void> {
    if (permit.kind !== 'trial') return;
    const now = this.#o.now();
    const closed = { circuit: this.#o.circuit, generation: permit.generation + 1, closedAt: new Date(now).toISOString() };
    const event: PendingEvent = { detailType: 'CircuitClosed', detail: closed, claimedAt: now };
    if (await this.#transition(permit.generation, 'half-open', { state: 'closed' }, true, event)) {
      defaultLogger.info('circuit closed', closed);
      await this.#publish(permit.generation + 1, event);
    }
  }

  /** A call failed: a failed trial reopens the circuit; a normal call counts in the window and may open it. */
  async recordFailure(permit: CircuitPermit, error: Error): Promise<void> {
    const now = this.#o.now();
    const lastFailure = `${error.name}: ${error.message}`.slice(0, 1024);
    if (permit.kind === 'trial') {
      const event = this.#openedEvent(permit.generation + 1, 'trial-failed', 1, now, lastFailure);
      if (
        await this.#transition(
          permit.generation,
          'half-open',
          { state: 'open', openUntil: now + this.#o.openMs, lastFailure },
          false,
          event,
        )
      ) {
        defaultLogger.warn('circuit opened', event.detail);
        countMetric('CircuitOpened', this.#o.circuit);
        await this.#publish(permit.generation + 1, event);
      }
      return;
    }
    const item = await this.#countFailure(now);
    const failures = this.#failuresInWindow(item, now);
    if ((item.state ?? 'closed') !== 'closed' || failures < this.#o.failureThreshold) return;
    const generation = item.generation ?? 0;
    const event = this.#openedEvent(generation + 1, 'threshold', failures, now, lastFailure);
    if (await this.#transition(generation, 'closed', { state: 'open', openUntil: now + this.#o.openMs, lastFailure }, true, event)) {
      defaultLogger.warn('circuit opened', event.detail);
      countMetric('CircuitOpened', this.#o.circuit);
      await this.#publish(generation + 1, event);
    }
  }

  #openedEvent(generation: number, reason: 'threshold' | 'trial-failed', failures: number, now: number, lastFailure: string): PendingEvent {
    const detail = {
      circuit: this.#o.circuit,
      generation,
      reason,
      failures,
      openedAt: new Date(now).toISOString(),
      openUntil: new Date(now + this.#o.openMs).toISOString(),
      lastFailure,
    };
    return { detailType: 'CircuitOpened', detail, claimedAt: now };
  }

  /**
   * Publishes a transition's event, then removes it from the item. The event was written
   * with the transition (an outbox in the circuit's own item), so a failed PutEvents or a
   * caller that dies here leaves it behind for the next caller to publish (#flushStale):
   * every transition's event goes out at least once; its `generation` tells duplicates apart.
   */
  async #publish(generation: number, event: PendingEvent): Promise<void> {
    if (this.#o.publisher === undefined) return;
    const contract = event.detailType === 'CircuitOpened' ? CircuitOpened : CircuitClosed;
    try {
      await this.#o.publisher.emit([{ contract, detail: event.detail }], { correlationId: `circuit:${this.#o.circuit}` });
    } catch (thrown) {
      defaultLogger.error('circuit transition event not published yet; the next caller will retry', {
        circuit: this.#o.circuit,
        generation,
        error: toError(thrown),
      });
      return;
    }
    await this.#unpend(generation);
  }

  async #unpend(generation: number): Promise<void> {
    await this.#o.client.send(
      new UpdateItemCommand({
        TableName: this.#o.tableName,
        Key: this.#key,
        UpdateExpression: 'REMOVE #p',
        ExpressionAttributeNames: { '#p': `${PENDING_PREFIX}${generation}` },
      }),
    );
  }

  /** Publishes the events of earlier transitions whose publisher failed or died, each claimed by one caller at a time. */
  async #flushStale(item: CircuitItem, now: number): Promise<void> {
    for (const [attribute, value] of Object.entries(item)) {
      if (!attribute.startsWith(PENDING_PREFIX)) continue;
      const event = value as PendingEvent;
      if (now - event.claimedAt < PENDING_RECLAIM_MS) continue;
      const claimed = await this.#conditional({
        UpdateExpression: 'SET #p.#claimed = :now',
        ConditionExpression: '#p.#claimed = :seen',
        ExpressionAttributeNames: { '#p': attribute, '#claimed': 'claimedAt' },
        ExpressionAttributeValues: marshall({ ':now': now, ':seen': event.claimedAt }),
      });
      if (claimed) await this.#publish(Number(attribute.slice(PENDING_PREFIX.length)), event);
    }
  }

  /** A call the open circuit turns away: counted (`CallsRejected`), then thrown. */
  #rejected(item: CircuitItem, retryAfterMs: number): CircuitOpenError {
    countMetric('CallsRejected', this.#o.circuit);
    return this.#openError(item, retryAfterMs);
  }

  #openError(item: CircuitItem, retryAfterMs: number): CircuitOpenError {
    const [name, ...message] = (item.lastFailure ?? 'Error: unknown').split(': ');
    const cause = Object.assign(new Error(message.join(': ')), { name });
    return new CircuitOpenError(this.#o.circuit, retryAfterMs, { cause });
  }

  async #read(): Promise<CircuitItem> {
    const { Item } = await this.#o.client.send(new GetItemCommand({ TableName: this.#o.tableName, Key: this.#key, ConsistentRead: true }));
    return Item ? (unmarshall(Item) as CircuitItem) : { id: this.#o.circuit };
  }

  /**
   * Moves the circuit from `from` at `generation` to the next generation with `set`; false
   * if another caller moved it first. `clearCounts` empties the failure window.
   */
  async #transition(
    generation: number,
    from: CircuitState,
    set: Record<string, unknown>,
    clearCounts = false,
    event?: PendingEvent,
  ): Promise<boolean> {
    const values: Record<string, unknown> = { ':g': generation, ':next': generation + 1, ':from': from };
    const names: Record<string, string> = { '#s': 'state', '#g': 'generation' };
    const assignments = ['#g = :next'];
    if (event && this.#o.publisher) {
      names['#pending'] = `${PENDING_PREFIX}${generation + 1}`;
      values[':pending'] = event;
      assignments.push('#pending = :pending');
    }
    for (const [field, value] of Object.entries(set)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    const slots = Array.from({ length: BUCKETS }, (_, i) => [`b${i}`, `c${i}`]).flat();
    const remove = clearCounts ? ` REMOVE ${slots.join(', ')}` : '';
    // An absent item is a closed circuit at generation 0.
    const condition =
      generation === 0 && from === 'closed'
        ? '(attribute_not_exists(#g) OR #g = :g) AND (attribute_not_exists(#s) OR #s = :from)'
        : '#g = :g AND #s = :from';
    return this.#conditional({
      UpdateExpression: `SET ${assignments.join(', ')}${remove}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
    });
  }

  /** Takes one of the half-open round's trial slots (a conditional counter); false if none is left. */
  #takeTrial(generation: number): Promise<boolean> {
    return this.#conditional({
      UpdateExpression: 'ADD trials :one',
      ConditionExpression: '#g = :g AND #s = :half AND trials < :max',
      ExpressionAttributeNames: { '#g': 'generation', '#s': 'state' },
      ExpressionAttributeValues: marshall({ ':g': generation, ':half': 'half-open', ':one': 1, ':max': this.#o.halfOpenMaxTrials }),
    });
  }

  /**
   * Adds one failure to the current bucket: an atomic increment if the ring slot holds this
   * bucket, else a conditional reset of the slot to it (a stale bucket from a window ago).
   * Resolves with the item after the write.
   */
  async #countFailure(now: number): Promise<CircuitItem> {
    const bucket = Math.floor(now / this.#bucketMs());
    const slot = bucket % BUCKETS;
    const names = { '#b': `b${slot}`, '#c': `c${slot}` };
    for (;;) {
      const increment = await this.#update({
        UpdateExpression: 'ADD #c :one',
        ConditionExpression: '#b = :bucket',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall({ ':one': 1, ':bucket': bucket }),
      });
      if (increment) return increment;
      const reset = await this.#update({
        UpdateExpression: 'SET #b = :bucket, #c = :one',
        ConditionExpression: 'attribute_not_exists(#b) OR #b <> :bucket',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall({ ':one': 1, ':bucket': bucket }),
      });
      if (reset) return reset;
    }
  }

  #failuresInWindow(item: CircuitItem, now: number): number {
    const current = Math.floor(now / this.#bucketMs());
    let total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const bucket = item[`b${i}`];
      if (bucket !== undefined && bucket > current - BUCKETS && bucket <= current) total += item[`c${i}`] ?? 0;
    }
    return total;
  }

  #bucketMs(): number {
    return Math.max(1, Math.floor(this.#o.windowMs / BUCKETS));
  }

  async #conditional(input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
    return (await this.#update(input)) !== undefined;
  }

  /** A conditional update; the item after it, or undefined if its condition failed. */
  async #update(input: Omit<UpdateItemCommandInput, 'TableName' | 'Key'>): Promise<CircuitItem | undefined> {
    try {
      const { Attributes } = await this.#o.client.send(
        new UpdateItemCommand({ ...input, TableName: this.#o.tableName, Key: this.#key, ReturnValues: 'ALL_NEW' }),
      );
      return (Attributes ? unmarshall(Attributes) : { id: this.#o.circuit }) as CircuitItem;
    } catch (thrown) {
      if (thrown instanceof ConditionalCheckFailedException || (thrown as Error).name === 'ConditionalCheckFailedException')
        return undefined;
      throw thrown;
    }
  }
}

/** The breaker the CircuitBreaker construct's grantUse configured in the function's environment. */
export function circuitBreakerFromEnv(
  client: DynamoDBClient,
  extra: Pick<CircuitBreakerOptions, 'publisher' | 'isFailure' | 'now'> = {},
  env: NodeJS.ProcessEnv = process.env,
): CircuitBreaker {
  return new CircuitBreaker({
    client,
    circuit: requireEnv(ENV.circuitName, env),
    tableName: requireEnv(ENV.circuitBreakerTable, env),
    failureThreshold: requireNumber(ENV.circuitFailureThreshold, 1, 1000, env),
    windowMs: requireNumber(ENV.circuitWindowSeconds, 1, 86_400, env) * 1000,
    openMs: requireNumber(ENV.circuitOpenSeconds, 1, 43_200, env) * 1000,
    halfOpenMaxTrials: requireNumber(ENV.circuitHalfOpenTrials, 1, 100, env),
    ...extra,
  });
}
