import { randomBytes, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { DurableExecutionStatus } from '../../../clients/execution-statuses.js';
import { AwsError } from '../../endpoint/aws-error.js';
import { DurableOutbox, type OutboxOutcome } from '../../store/outbox.js';
import type { Clock } from '../../time/clock.js';
import type { FunctionDefinition, FunctionRuntime, InvokeOutcome, LogSink } from '../runtime/function-runtime.js';
import { DurableStore, type WakeRow } from './durable-store.js';
import type { DurableSettings, ErrorObject, ExecutionRecord, InvocationOutput, OperationRecord } from './durable-types.js';
import { type ForkSeed, forkOf } from './fork-seed.js';
import { advance, eventOf, nextDue, replayedOperations } from './operations.js';
import { forEnvelope } from './wire.js';

/** Lambda's default `RetentionPeriodInDays` (DurableConfig). */
const DEFAULT_RETENTION_DAYS = 14;
/** How many operations an invocation's envelope carries; the SDK pages through the rest (GetDurableExecutionState). */
const ENVELOPE_OPERATIONS = 1000;
/**
 * Invocations in a row that may end in an error (the handler threw past the SDK, timed out,
 * crashed) before the execution fails; each is retried after a doubling delay from one
 * second. Lambda's own count is not documented: this is the local runtime's.
 */
const MAX_INVOCATION_ERRORS = 3;
/** How often closed executions past their retention are deleted. */
const RETENTION_SWEEP_MS = 600_000;

/** The function's `DurableConfig`, or undefined for a function that is not durable. */
export function durableSettings(definition: FunctionDefinition): DurableSettings | undefined {
  const config = definition.template?.DurableConfig as { ExecutionTimeout?: unknown; RetentionPeriodInDays?: unknown } | undefined;
  if (config === undefined || config === null || typeof config !== 'object') return undefined;
  return {
    executionTimeoutSeconds: Number(config.ExecutionTimeout ?? 31_622_400),
    retentionDays: Number(config.RetentionPeriodInDays ?? DEFAULT_RETENTION_DAYS),
  };
}

export interface DurableExecutionsOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly functions: ReadonlyMap<string, FunctionRuntime>;
  readonly log: LogSink;
  /** Runs again the chained invokes of a running execution that were running (chained-invokes.ts). */
  readonly resumeChainedInvokes: (arn: string) => void;
  /** The longest the wake-up timer sleeps (real milliseconds). @default 1000 */
  readonly pollIntervalMs?: number;
  /** Multiplies the delay between invocation retries (tests). @default 1 */
  readonly delayScale?: number;
}

/** What a start of an execution gave: a new execution, or the one of the same name and input (idempotent start). */
export interface Started {
  readonly arn: string;
  readonly existing: boolean;
}

/**
 * Lambda durable executions: starts them (idempotently by name), invokes the function with
 * the durable envelope the SDK's `withDurableExecution` reads, and owns the execution's
 * clock: a wait's end, a step's retry delay, a callback's timeout and the execution's
 * timeout are due times in the database, and the execution is invoked again when one
 * passes or a callback comes. The checkpoint API the SDK calls (`DurableCheckpoints`) and
 * the read and callback API (`durable-api.ts`) work on the same store.
 */
export class DurableExecutions {
  readonly store: DurableStore;
  readonly #outbox: DurableOutbox<WakeRow>;
  readonly #waiters = new Map<string, ((execution: ExecutionRecord) => void)[]>();
  /** Operations changed outside the running invocation since its last checkpoint answer, by execution. */
  readonly #external = new Map<string, Set<string>>();
  #sweep?: NodeJS.Timeout;
  #stopped = true;

  constructor(private readonly options: DurableExecutionsOptions) {
    this.store = new DurableStore(options.db);
    this.#outbox = new DurableOutbox<WakeRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'lambda_durable_wake', id: 'seq', dueAt: 'due_at', lane: 'function_name' },
      // An execution's invocation takes one of its function's execution environments.
      laneLimit: (name) => this.options.functions.get(name)?.maxConcurrency ?? 0,
      concurrency: Number.MAX_SAFE_INTEGER,
      maxSleepMs: options.pollIntervalMs ?? 1000,
      handle: (row) => this.#wake(row),
      onError: (error, row) =>
        this.options.log(row.function_name, `durable execution ${row.execution_arn}: ${error.stack ?? error.message}`),
    });
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** Takes up every running execution (after a restart: what was mid-invocation is invoked again, due timers fire). */
  start(): void {
    for (const name of this.store.runningFunctionNames()) {
      if (!this.options.functions.has(name)) this.options.log(name, 'durable executions of this function wait: it is no longer in the app');
    }
    this.store.deleteExpired(this.options.clock.now());
    this.store.resumeInterrupted(this.options.clock.now());
    this.#sweep = setInterval(() => this.store.deleteExpired(this.options.clock.now()), RETENTION_SWEEP_MS);
    this.#sweep.unref();
    this.#stopped = false;
    this.#outbox.start();
  }

  /** Whether the service runs (an answer that comes after it stopped is left for the restart). */
  get running(): boolean {
    return !this.#stopped;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweep);
    // Invocations in flight are abandoned, not waited for: their executions are invoked again after a restart.
    void this.#outbox.stop();
  }

  /** Resolves once no invocation is in flight and none is due now (tests). */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  /** The app's function of that name now, if it has one. */
  functionRuntime(name: string): FunctionRuntime | undefined {
    return this.options.functions.get(name);
  }

  /**
   * Starts an execution of a durable function, or answers the existing one of that name:
   * with the same input it is the same execution (an idempotent start); with another input,
   * DurableExecutionAlreadyStartedException. A fork (forks.ts) starts with its parent's
   * operations in its checkpoint, after its own EXECUTION operation, which the SDK reads first.
   */
  startExecution(
    fn: FunctionRuntime,
    invoked: { readonly arn: string; readonly version: string },
    input: string,
    name: string | undefined,
    traceHeader?: string,
    fork?: ForkSeed,
  ): Started {
    const settings = durableSettings(fn.definition);
    if (!settings) throw new Error(`function ${fn.definition.name} is not durable`);
    const executionName = name ?? randomUUID();
    const parent = forkOf(input, fork);
    return this.store.transaction(() => {
      const existing = this.store.byName(fn.definition.name, executionName);
      if (existing) {
        if (existing.input !== input) {
          throw new AwsError(
            'DurableExecutionAlreadyStartedException',
            `Durable execution with name ${executionName} already exists for function ${fn.definition.name} with a different input: ${existing.arn}`,
            409,
          );
        }
        return { arn: existing.arn, existing: true };
      }
      const now = this.options.clock.now();
      const functionArn = `${fn.definition.arn}:${invoked.version}`;
      const arn = `${functionArn}/durable-execution/${executionName}/${randomUUID()}`;
      this.store.insert({
        arn,
        functionName: fn.definition.name,
        name: executionName,
        functionArn,
        version: invoked.version,
        input,
        startedAt: now,
        timeoutAt: now + settings.executionTimeoutSeconds * 1000,
        retentionDays: settings.retentionDays,
        ...(traceHeader ? { traceHeader } : {}),
        ...(parent ? { fork: parent } : {}),
      });
      const op = { Id: randomUUID().replaceAll('-', ''), Type: 'EXECUTION', Status: 'STARTED', StartTimestamp: now } as const;
      this.store.putOperation(arn, { op: { ...op, ExecutionDetails: { InputPayload: input } } });
      for (const record of fork?.operations ?? []) this.store.putOperation(arn, record);
      this.store.addEvent(
        arn,
        eventOf('ExecutionStarted', { Id: op.Id, Name: executionName }, now, {
          ExecutionStartedDetails: { Input: { Payload: input }, ExecutionTimeout: settings.executionTimeoutSeconds },
        }),
      );
      this.#outbox.enqueue({ execution_arn: arn, function_name: fn.definition.name, due_at: now });
      return { arn, existing: false };
    });
  }

  /** Resolves once the execution has ended (at once for one that has). */
  ended(arn: string): Promise<ExecutionRecord> {
    const execution = this.store.get(arn);
    if (!execution) return Promise.reject(new AwsError('ResourceNotFoundException', `Durable execution not found: ${arn}`, 404));
    if (execution.status !== 'RUNNING') return Promise.resolve(execution);
    return new Promise((resolve) => this.#waiters.set(arn, [...(this.#waiters.get(arn) ?? []), resolve]));
  }

  /** The execution, or Lambda's 404. */
  execution(arn: string): ExecutionRecord {
    const execution = this.store.get(arn);
    if (!execution) throw new AwsError('ResourceNotFoundException', `Durable execution not found: ${arn}`, 404);
    return execution;
  }

  /** Ends an execution: its status, result or error, the history event, and whoever waits for it. */
  finish(arn: string, status: Exclude<DurableExecutionStatus, 'RUNNING'>, outcome: { result?: string; error?: ErrorObject }): void {
    const now = this.options.clock.now();
    const records = this.store.operations(arn);
    const execution = records.find((r) => r.op.Type === 'EXECUTION');
    this.store.transaction(() => {
      this.store.finish(arn, status, now, outcome);
      if (execution) {
        this.store.putOperation(arn, { op: { ...execution.op, Status: status === 'TIMED_OUT' ? 'TIMED_OUT' : status, EndTimestamp: now } });
      }
      const type = {
        SUCCEEDED: 'ExecutionSucceeded',
        FAILED: 'ExecutionFailed',
        TIMED_OUT: 'ExecutionTimedOut',
        STOPPED: 'ExecutionStopped',
      }[status];
      // The API reference requires Error in each closing event's details but a timeout's: present, if empty.
      const details =
        status === 'SUCCEEDED'
          ? { Result: { Payload: outcome.result } }
          : outcome.error
            ? { Error: { Payload: outcome.error } }
            : status === 'TIMED_OUT'
              ? {}
              : { Error: {} };
      this.store.addEvent(arn, eventOf(type, { Id: execution?.op.Id ?? '' }, now, { [`${type}Details`]: details }));
    });
    this.#external.delete(arn);
    const ended = this.store.get(arn);
    const waiters = this.#waiters.get(arn) ?? [];
    this.#waiters.delete(arn);
    if (ended) for (const resolve of waiters) resolve(ended);
  }

  /**
   * Records operations changed from outside the invocation (a callback, a chained invoke's
   * answer): the execution is invoked again now, or as soon as its running invocation ends.
   */
  changedOutside(arn: string, ids: readonly string[]): void {
    const now = this.options.clock.now();
    this.store.markUpdated(arn, ids, now);
    const external = this.#external.get(arn) ?? new Set<string>();
    for (const id of ids) external.add(id);
    this.#external.set(arn, external);
    if (this.store.wakeDue(arn) === undefined) {
      const execution = this.store.get(arn);
      if (execution?.status === 'RUNNING') this.#outbox.enqueue({ execution_arn: arn, function_name: execution.functionName, due_at: now });
    }
    this.#outbox.wake();
  }

  /** The operations changed outside the invocation since the last checkpoint answered them (then forgotten). */
  takeExternalChanges(arn: string): Set<string> {
    const changes = this.#external.get(arn) ?? new Set<string>();
    this.#external.delete(arn);
    return changes;
  }

  /** A new opaque callback id, in the form Lambda's API takes (`[A-Za-z0-9+/]+={0,2}`). */
  newCallbackId(): string {
    return randomBytes(36).toString('base64');
  }

  /** A new checkpoint token: opaque, and spent by the checkpoint that presents it. */
  newToken(): string {
    return randomBytes(24).toString('base64');
  }

  /** One look at a running execution: time passes over its operations, and it is invoked when something is ready. */
  async #wake(row: WakeRow): Promise<OutboxOutcome> {
    const fn = this.options.functions.get(row.function_name);
    if (!fn) return { kind: 'keep' };
    const now = this.options.clock.now();
    const execution = this.store.get(row.execution_arn);
    if (execution?.status !== 'RUNNING') return { kind: 'done' };
    if (now >= execution.timeoutAt) {
      this.finish(execution.arn, 'TIMED_OUT', {});
      return { kind: 'done' };
    }
    this.#advanceTime(execution.arn, now);
    this.options.resumeChainedInvokes(execution.arn);
    const current = this.store.get(execution.arn);
    if (!current) return { kind: 'done' };
    if (!current.ready) return { kind: 'retry', at: this.#nextDue(current) };
    return this.#invoke(fn, current);
  }

  /** Ends the waits, retry delays and callback timeouts that are due. */
  #advanceTime(arn: string, now: number): void {
    const changed: string[] = [];
    this.store.transaction(() => {
      for (const record of this.store.operations(arn)) {
        const applied = advance(record, now);
        if (!applied) continue;
        this.store.putOperation(arn, { ...record, ...applied.record });
        for (const event of applied.events) this.store.addEvent(arn, event);
        changed.push(record.op.Id);
      }
      if (changed.length > 0) this.store.markUpdated(arn, changed, now);
    });
    if (changed.length > 0) {
      const external = this.#external.get(arn) ?? new Set<string>();
      for (const id of changed) external.add(id);
      this.#external.set(arn, external);
    }
  }

  /** When the execution is next due: its earliest timer, at the latest its timeout. */
  #nextDue(execution: ExecutionRecord): number {
    const times = this.store
      .operations(execution.arn)
      .map((r: OperationRecord) => nextDue(r))
      .filter((t): t is number => t !== undefined);
    return Math.min(execution.timeoutAt, ...times);
  }

  async #invoke(fn: FunctionRuntime, execution: ExecutionRecord): Promise<OutboxOutcome> {
    const { arn } = execution;
    const token = this.newToken();
    const requestId = randomUUID();
    const startedAt = this.options.clock.now();
    this.store.update(arn, { checkpoint_token: token, ready: 0, invoking: 1, updated_ids: '[]' });
    this.#external.delete(arn);
    const operations = replayedOperations(this.store.operations(arn));
    const envelope = {
      DurableExecutionArn: arn,
      CheckpointToken: token,
      InitialExecutionState: {
        Operations: forEnvelope(operations.slice(0, ENVELOPE_OPERATIONS)),
        NextMarker: operations.length > ENVELOPE_OPERATIONS ? String(ENVELOPE_OPERATIONS) : '',
      },
      UpdatedOperationIds: execution.updatedIds,
    };
    let outcome: InvokeOutcome;
    try {
      outcome = await fn.invoke(envelope, {
        requestId,
        invokedFunctionArn: execution.functionArn,
        version: execution.version,
        ...(execution.traceHeader ? { traceHeader: execution.traceHeader } : {}),
      });
    } catch (error) {
      if (this.#stopped) return { kind: 'keep' };
      this.store.update(arn, { invoking: 0 });
      // Not run (throttled, or the runtime cannot run it): tried again, without counting as an invocation error.
      this.options.log(fn.definition.name, `durable execution ${arn} not invoked: ${(error as Error).message}`);
      this.store.update(arn, { ready: 1 });
      return { kind: 'retry', at: this.options.clock.now() + this.#scaled(1000) };
    }
    if (this.#stopped) return { kind: 'keep' };
    this.store.update(arn, { invoking: 0 });
    const after = this.store.get(arn);
    if (!after) return { kind: 'done' };
    // Ended meanwhile (by a checkpoint of the EXECUTION, a result too large to return, or
    // StopDurableExecution): its closing event stays the last of its history.
    if (after.status !== 'RUNNING') return { kind: 'done' };
    const output = invocationOutput(outcome);
    const invocationError = 'error' in output ? output.error : undefined;
    this.store.addEvent(
      arn,
      eventOf('InvocationCompleted', { Id: '' }, this.options.clock.now(), {
        Id: undefined,
        InvocationCompletedDetails: {
          StartTimestamp: startedAt,
          EndTimestamp: this.options.clock.now(),
          RequestId: requestId,
          ...(invocationError ? { Error: { Payload: invocationError } } : {}),
        },
      }),
    );
    if ('error' in output) return this.#invocationFailed(after, output.error);
    this.store.update(arn, { invocation_errors: 0 });
    if (output.Status === 'SUCCEEDED') {
      this.finish(arn, 'SUCCEEDED', { result: output.Result ?? '' });
      return { kind: 'done' };
    }
    if (output.Status === 'FAILED') {
      this.finish(arn, 'FAILED', { error: output.Error ?? {} });
      return { kind: 'done' };
    }
    if (after.ready) return { kind: 'retry', at: this.options.clock.now() };
    if (!this.#pending(arn)) {
      // As Lambda answers a handler that suspends with nothing left to wait for.
      this.finish(arn, 'FAILED', {
        error: { ErrorType: 'InvalidParameterValueException', ErrorMessage: 'Cannot return PENDING status with no pending operations.' },
      });
      return { kind: 'done' };
    }
    return { kind: 'retry', at: this.#nextDue(after) };
  }

  /** Whether anything can still change: a wait, a retry delay, a callback or a chained invoke outstanding. */
  #pending(arn: string): boolean {
    return this.store
      .operations(arn)
      .some(
        ({ op }) =>
          (op.Type === 'STEP' && (op.Status === 'PENDING' || op.Status === 'READY')) ||
          (op.Type !== 'STEP' && op.Type !== 'EXECUTION' && op.Type !== 'CONTEXT' && op.Status === 'STARTED'),
      );
  }

  #invocationFailed(execution: ExecutionRecord, error: ErrorObject): OutboxOutcome {
    const errors = execution.invocationErrors + 1;
    this.options.log(
      execution.functionName,
      `durable execution ${execution.arn}: invocation failed (${errors} of ${MAX_INVOCATION_ERRORS + 1}): ${error.ErrorType}: ${error.ErrorMessage}`,
    );
    if (errors > MAX_INVOCATION_ERRORS) {
      this.finish(execution.arn, 'FAILED', { error });
      return { kind: 'done' };
    }
    this.store.update(execution.arn, { invocation_errors: errors, ready: 1 });
    return { kind: 'retry', at: this.options.clock.now() + this.#scaled(1000 * 2 ** (errors - 1)) };
  }

  #scaled(ms: number): number {
    return Math.round(ms * (this.options.delayScale ?? 1));
  }
}

/** The handler's answer as `withDurableExecution` gives it, or the error that stands for an invocation that gave none. */
function invocationOutput(outcome: InvokeOutcome): InvocationOutput | { error: ErrorObject } {
  if (!outcome.ok) return { error: { ErrorType: outcome.error.errorType, ErrorMessage: outcome.error.errorMessage } };
  try {
    const output = JSON.parse(outcome.payload) as InvocationOutput;
    if (output && (output.Status === 'SUCCEEDED' || output.Status === 'FAILED' || output.Status === 'PENDING')) return output;
  } catch {
    // Not JSON: falls through to the error below.
  }
  return {
    error: {
      ErrorType: 'InvalidDurableExecutionOutput',
      ErrorMessage: 'The durable function returned no Status: is its handler wrapped in withDurableExecution?',
    },
  };
}
