import type { Clock } from '../time/clock.js';
import type { ExecutionHandle, ExecutionResult, Machine, Sleep } from './engine/index.js';
import type { ExecutionRecord, StateMachineType } from './execution-store.js';
import type { StatusChangeEvents } from './status-change-events.js';
import type { TaskCallbacks } from './task-callbacks.js';
import type { LocalTaskRunner } from './task-runner.js';

/** What runs an execution of either type: its tasks' runner and its clock. */
export interface ExecutionRunners {
  readonly runner: LocalTaskRunner;
  readonly clock: Clock;
  readonly sleep?: Sleep;
  readonly timer?: Sleep;
}

/** The engine's options both types start (or resume) an execution with: the record's names and ARNs, the machine, the runners. */
export function engineOptionsOf(record: ExecutionRecord, machine: Machine, runners: ExecutionRunners) {
  return {
    definition: machine,
    name: record.name,
    executionArn: record.arn,
    stateMachineArn: record.stateMachineArn,
    stateMachineName: record.stateMachineName,
    stateMachineVersionArn: record.stateMachineVersionArn,
    stateMachineAliasArn: record.stateMachineAliasArn,
    roleArn: record.roleArn,
    taskRunner: runners.runner,
    clock: runners.clock,
    sleep: runners.sleep,
    timer: runners.timer,
  };
}

export interface LiveExecution {
  readonly handle: ExecutionHandle;
  readonly type: StateMachineType;
  /** Settles once the outcome is recorded and announced. */
  readonly ended: Promise<void>;
}

/**
 * The executions of both types running in this process, and the callers waiting for one
 * to end (a `.sync` task waiting on the execution it started).
 */
export class LiveExecutions {
  readonly #live = new Map<string, LiveExecution>();
  readonly #waiters = new Map<string, Set<(ended: ExecutionRecord | undefined) => void>>();
  #closed = false;

  constructor(
    private readonly deps: {
      readonly callbacks: TaskCallbacks;
      readonly status: StatusChangeEvents;
      readonly log?: (line: string) => void;
    },
  ) {}

  /** Once closing, nothing that ends is recorded: a restart resumes it instead. */
  get closed(): boolean {
    return this.#closed;
  }

  get(arn: string): LiveExecution | undefined {
    return this.#live.get(arn);
  }

  has(arn: string): boolean {
    return this.#live.has(arn);
  }

  /**
   * Follows an execution until it ends; `record` stores the outcome of one the store does
   * not keep (EXPRESS), `current` reads the execution as it ended.
   */
  track(
    arn: string,
    handle: ExecutionHandle,
    type: StateMachineType,
    current: () => ExecutionRecord | undefined,
    record?: (result: ExecutionResult) => void,
  ): LiveExecution {
    const { callbacks, status } = this.deps;
    const ended = handle.result.then(
      (result) => {
        if (this.#closed) return;
        record?.(result);
        this.#live.delete(arn);
        callbacks.drop(arn);
        const done = current();
        if (done && type === 'STANDARD') status.publish(done);
        for (const check of [...(this.#waiters.get(arn) ?? [])]) check(done);
        this.#waiters.delete(arn);
      },
      (error: unknown) => {
        // The history could not be written: the execution stays RUNNING and resumes at the next start.
        this.#live.delete(arn);
        this.deps.log?.(`execution ${arn} stopped: ${(error as Error).stack ?? String(error)}`);
      },
    );
    const live: LiveExecution = { handle, type, ended };
    this.#live.set(arn, live);
    return live;
  }

  /**
   * Resolves with `outcome()` once it has one (at once if it has), checking again each
   * time the execution ends, given the execution as it ended (read once for the status
   * change and every waiter); rejects when `signal` aborts.
   */
  whenEnded<T>(executionArn: string, outcome: (ended?: ExecutionRecord) => T | undefined, signal: AbortSignal): Promise<T> {
    const now = outcome();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(executionArn) ?? new Set();
      this.#waiters.set(executionArn, waiters);
      const onAbort = () => {
        waiters.delete(check);
        reject(signal.reason);
      };
      const check = (ended: ExecutionRecord | undefined) => {
        const done = outcome(ended);
        if (!done) return;
        waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(done);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(check);
    });
  }

  /**
   * Stops every execution without recording anything: what a restart finds is what a
   * SIGKILL would have left, so STANDARD executions resume where their history ends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.deps.callbacks.closing = true;
    const live = [...this.#live.values()];
    for (const execution of live) execution.handle.stop();
    await Promise.allSettled(live.map((execution) => execution.handle.result));
    this.#live.clear();
  }
}
