import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { currentTraceHeader, rootHeader, withTraceHeader } from '../../endpoint/trace-header.js';
import { jsonOrText } from '../../json/json-depth.js';
import { DurableOutbox, type OutboxOutcome } from '../../store/outbox.js';
import type { Clock } from '../../time/clock.js';
import { parseFunctionName } from '../core/function-reference.js';
import type { FunctionRuntime, LogSink } from '../runtime/function-runtime.js';
import { type AsyncEventRow, AsyncQueueStore } from './async-queue.js';
import type { Condition, DestinationSender, InvocationRecord, ResponseContext } from './destinations.js';
import { asyncConfigOf } from './event-invoke-configs.js';

/** Lambda's defaults for asynchronous invocation (developer guide, "Asynchronous invocation"). */
const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;
/** After a function error: one minute before the first retry, two before the second. */
const FUNCTION_ERROR_DELAYS_MS = [60_000, 120_000] as const;
/** A dead-lettered event's ErrorMessage when no attempt answered one. */
const DLQ_CONDITION_MESSAGES: Partial<Record<Condition, string>> = { EventAgeExceeded: 'Event age exceeded' };

/** After a throttle or a system error: from one second, doubling, up to five minutes. */
const THROTTLE_FIRST_DELAY_MS = 1_000;
const THROTTLE_MAX_DELAY_MS = 300_000;
/** An error message in a dead-letter message attribute is cut to its first kilobyte. */
const DLQ_MESSAGE_BYTES = 1024;

export interface AsyncInvokerOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly destinations: DestinationSender;
  readonly log: LogSink;
  /**
   * How often the queue is checked for events whose retry delay has passed (in real
   * milliseconds; the delays themselves are measured on `clock`). @default 1000
   */
  readonly pollIntervalMs?: number;
  /** Multiplies every retry delay; tests pass a small factor instead of waiting minutes. @default 1 */
  readonly delayScale?: number;
}

interface LastResponse {
  readonly statusCode: number;
  readonly functionError?: 'Unhandled';
  readonly payload: unknown;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * Lambda's asynchronous invocation: an internal queue per function (one durable table
 * here), drained at the function's concurrency, with retries after function errors
 * (MaximumRetryAttempts, one then two minutes apart), back-off after throttles and
 * system errors until MaximumEventAgeInSeconds, then the outcome sent to the function's
 * OnSuccess / OnFailure destination and its dead-letter queue.
 */
export class AsyncInvoker {
  readonly #store: AsyncQueueStore;
  readonly #outbox: DurableOutbox<AsyncEventRow>;
  #stopped = true;

  constructor(
    private readonly functions: ReadonlyMap<string, FunctionRuntime>,
    private readonly options: AsyncInvokerOptions,
  ) {
    this.#store = new AsyncQueueStore(options.db);
    this.#outbox = new DurableOutbox<AsyncEventRow>({
      db: options.db,
      clock: options.clock,
      // One lane per function, drained at the function's concurrency.
      table: { name: 'lambda_async_event', id: 'seq', dueAt: 'due_at', lane: 'function_name' },
      // A function at reserved concurrency 0 still has its events taken, to be ended untried (ZeroReservedConcurrency).
      laneLimit: (name) => Math.max(this.functions.get(name)?.maxConcurrency ?? 0, this.functions.has(name) ? 1 : 0),
      concurrency: Number.MAX_SAFE_INTEGER,
      maxSleepMs: options.pollIntervalMs ?? 1000,
      handle: (row) => this.#attempt(row),
      onError: (error, row) => this.options.log(row.function_name, `async event ${row.request_id}: ${error.stack ?? error.message}`),
    });
  }

  /**
   * Queues an event durably: when this returns, the event is committed. `target`: the version
   * a qualified invocation runs (an alias's, as routed) and the ARN it named; `payload`: the
   * event's JSON as the caller sent it, which the dead-letter queue gets back as it was.
   */
  accept(
    fn: FunctionRuntime,
    event: unknown,
    target?: { readonly version: string; readonly arn: string },
    payload?: string,
  ): { requestId: string } {
    const requestId = randomUUID();
    const now = this.options.clock.now();
    this.#outbox.enqueue({
      function_name: fn.definition.name,
      request_id: requestId,
      payload: payload ?? JSON.stringify(event ?? null),
      accepted_at: now,
      due_at: now,
      // The event is in a trace from its acceptance, as Lambda's: its attempts, destinations and dead-letter message carry it (AWSTraceHeader).
      trace_header: currentTraceHeader() ?? rootHeader(),
      target: target ? JSON.stringify(target) : null,
    });
    return { requestId };
  }

  start(): void {
    for (const name of this.#store.functionNames()) {
      if (this.functions.has(name)) continue;
      const dropped = this.#store.deleteFunction(name);
      this.options.log(name, `${dropped} queued async event(s) dropped: the function is no longer in the app`);
    }
    this.#stopped = false;
    this.#outbox.start();
  }

  /**
   * Stops taking events off the queue. Attempts in flight are abandoned, not waited for (a
   * function may run for minutes): their rows stay as they are and run again after a restart.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    void this.#outbox.stop();
  }

  /** Resolves once no attempt is in flight and none could start now (tests). */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  queued(functionName: string): number {
    return this.#store.count(functionName);
  }

  async #attempt(row: AsyncEventRow): Promise<OutboxOutcome> {
    const fn = this.functions.get(row.function_name);
    // Not reached: a function's lane has no room once it is gone, and start() drops its events.
    if (!fn) return { kind: 'keep' };
    // In the event's own trace: the outbox's timer runs in the context of whichever request last woke it.
    return withTraceHeader(row.trace_header ?? undefined, () => this.#attemptOf(fn, row));
  }

  async #attemptOf(fn: FunctionRuntime, row: AsyncEventRow): Promise<OutboxOutcome> {
    const config = configOf(fn, row);
    const now = this.options.clock.now();
    const maximumAgeMs = (config.maximumEventAgeSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
    const last = row.last_response ? (JSON.parse(row.last_response) as LastResponse) : undefined;
    if (now - row.accepted_at > maximumAgeMs) return this.#finish(fn, row, 'EventAgeExceeded', row.invoke_count, last);
    // A function whose reserved concurrency is 0 never runs: Lambda ends its events at once, as its records say, untried.
    if (fn.definition.reservedConcurrency === 0) return this.#finish(fn, row, 'ZeroReservedConcurrency', row.invoke_count, last);
    this.#store.started(row.seq);
    const invokeCount = row.invoke_count + 1;
    let outcome: Awaited<ReturnType<FunctionRuntime['invoke']>>;
    try {
      const target = row.target ? (JSON.parse(row.target) as { version: string; arn: string }) : undefined;
      outcome = await fn.invoke(JSON.parse(row.payload), {
        requestId: row.request_id,
        throttle: fn.definition.reservedConcurrency !== undefined,
        ...(row.trace_header ? { traceHeader: row.trace_header } : {}),
        ...(target ? { version: target.version, invokedFunctionArn: target.arn } : {}),
      });
    } catch (error) {
      if (this.#stopped) return { kind: 'keep' };
      // Throttled, or the service failed to run it: back to the queue without using up a retry.
      const code = error instanceof AwsError ? error.code : 'ServiceException';
      const status = error instanceof AwsError ? error.status : 500;
      const delay = Math.min(THROTTLE_FIRST_DELAY_MS * 2 ** row.throttles, THROTTLE_MAX_DELAY_MS);
      const response: LastResponse = {
        statusCode: status,
        payload: { errorMessage: (error as Error).message },
        errorCode: String(status),
        errorMessage: `${code}: ${(error as Error).message}`,
      };
      const at = this.options.clock.now() + this.#scaled(delay);
      if (at - row.accepted_at >= maximumAgeMs) return this.#finish(fn, row, 'EventAgeExceeded', row.invoke_count, response);
      return { kind: 'retry', at, set: { throttles: row.throttles + 1, last_response: JSON.stringify(response) } };
    }
    if (this.#stopped) return { kind: 'keep' };
    if (outcome.ok) {
      return this.#finish(fn, row, 'Success', invokeCount, {
        statusCode: 200,
        payload: jsonOrText(outcome.payload),
        errorCode: '200',
        errorMessage: '',
      });
    }
    const response: LastResponse = {
      statusCode: 200,
      functionError: 'Unhandled',
      payload: outcome.error,
      errorCode: '200',
      errorMessage: outcome.error.errorMessage,
    };
    const retries = config.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    if (row.function_errors >= retries) return this.#finish(fn, row, 'RetriesExhausted', invokeCount, response);
    const delay = FUNCTION_ERROR_DELAYS_MS[Math.min(row.function_errors, FUNCTION_ERROR_DELAYS_MS.length - 1)] ?? 60_000;
    const at = this.options.clock.now() + this.#scaled(delay);
    // A retry that would come at or past the event's maximum age is not waited for: the event
    // fails as too old now (a one-minute age with its first retry a minute away is tried once).
    if (at - row.accepted_at >= maximumAgeMs) return this.#finish(fn, row, 'EventAgeExceeded', invokeCount, response);
    return { kind: 'retry', at, set: { function_errors: row.function_errors + 1, last_response: JSON.stringify(response) } };
  }

  /** Sends the outcome where the function's configuration says, then forgets the event. */
  async #finish(
    fn: FunctionRuntime,
    row: AsyncEventRow,
    condition: Condition,
    invokeCount: number,
    last: LastResponse | undefined,
  ): Promise<OutboxOutcome> {
    const config = configOf(fn, row);
    const record: InvocationRecord = {
      version: '1.0',
      timestamp: new Date(this.options.clock.now()).toISOString(),
      requestContext: {
        requestId: row.request_id,
        functionArn: `${fn.definition.arn}:$LATEST`,
        condition,
        approximateInvokeCount: invokeCount,
      },
      requestPayload: jsonOrText(row.payload),
      ...(last
        ? {
            responseContext: {
              statusCode: last.statusCode,
              executedVersion: '$LATEST',
              ...(last.functionError ? { functionError: last.functionError } : {}),
            } satisfies ResponseContext,
            responsePayload: last.payload,
          }
        : {}),
    };
    // Destinations and the dead-letter queue get the event's trace (its caller's header), as the invocation did.
    const sends = withTraceHeader(row.trace_header ?? undefined, () => {
      const sends: Promise<void>[] = [];
      if (condition === 'Success') {
        if (config.onSuccess) sends.push(this.#send(fn, config.onSuccess, JSON.stringify(record)));
      } else {
        this.options.log(
          fn.definition.name,
          `async event ${row.request_id} failed (${condition}) after ${invokeCount} attempt(s)` +
            (last ? `: ${last.errorMessage}` : '') +
            (config.onFailure || config.deadLetterArn ? '' : '; no destination or dead-letter queue is configured, so it is discarded'),
        );
        if (config.onFailure) sends.push(this.#send(fn, config.onFailure, JSON.stringify(record)));
        if (config.deadLetterArn) {
          const errorMessage = truncateBytes(last?.errorMessage || DLQ_CONDITION_MESSAGES[condition] || 'Unknown error', DLQ_MESSAGE_BYTES);
          sends.push(
            this.#send(fn, config.deadLetterArn, row.payload, {
              RequestID: { DataType: 'String', StringValue: row.request_id },
              ErrorCode: { DataType: 'Number', StringValue: last?.errorCode ?? '200' },
              ErrorMessage: { DataType: 'String', StringValue: errorMessage },
            }),
          );
        }
      }
      return sends;
    });
    await Promise.all(sends);
    // Stopped meanwhile (its database may be closed): the event stays queued and its record goes again after a restart.
    if (this.#stopped) return { kind: 'keep' };
    return { kind: 'done' };
  }

  async #send(fn: FunctionRuntime, arn: string, payload: string, attributes?: Parameters<DestinationSender['send']>[2]): Promise<void> {
    try {
      await this.options.destinations.send(arn, payload, attributes);
    } catch (error) {
      // Lambda counts these as DestinationDeliveryFailures / DeadLetterErrors and drops the record.
      this.options.log(fn.definition.name, `could not deliver to ${arn}: ${(error as Error).message}`);
    }
  }

  #scaled(ms: number): number {
    return Math.round(ms * (this.options.delayScale ?? 1));
  }
}

function truncateBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  return buffer.length <= bytes
    ? text
    : buffer
        .subarray(0, bytes)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
}

/** The settings an event runs with: those of the qualifier it was invoked with (an alias's, a version's), else `$LATEST`'s. */
function configOf(fn: FunctionRuntime, row: AsyncEventRow) {
  const target = row.target ? (JSON.parse(row.target) as { arn: string }) : undefined;
  return asyncConfigOf(fn.definition, target === undefined ? undefined : parseFunctionName(target.arn).qualifier);
}
