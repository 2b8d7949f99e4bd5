import { AwsError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import { parseTaskToken, TaskFailure } from './engine/index.js';
import type { ActivityTaskInput, ExecutionStore, TaskRecord } from './execution-store.js';

interface Waiter {
  resolve(output: unknown): void;
  reject(error: unknown): void;
  heartbeat(): void;
}

const taskTimedOut = () => new AwsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");

/** A worker's claim of an activity task (GetActivityTask): what the ActivityStarted event records. */
export interface ActivityClaim {
  readonly workerName?: string;
}

/**
 * Task tokens and the tasks waiting on them: `.waitForTaskToken` tasks and activity tasks,
 * whose token a worker claims with GetActivityTask. A token's outcome is written to the
 * store before the waiting task hears of it, so a SendTaskSuccess acknowledged just before
 * a crash is what the resumed task returns.
 */
export class TaskCallbacks {
  readonly #waiters = new Map<string, Waiter>();
  /** The running activity tasks that hear of their worker's claim, by token. */
  readonly #claimed = new Map<string, (claim: ActivityClaim) => void>();
  /** Set while the service shuts down: aborts then are a restart, not an outcome to record. */
  closing = false;

  constructor(
    private readonly store: ExecutionStore,
    private readonly clock: Clock,
  ) {}

  /** The recorded task for a key, opening it (WAITING, not submitted) if it is new. */
  open(
    key: string,
    executionArn: string,
    kind: TaskRecord['kind'],
    activity?: ActivityTaskInput,
  ): { record: TaskRecord; existed: boolean } {
    const existing = this.store.task(key);
    // A task closed by an abort that the history never recorded (a crash came first) runs again.
    if (existing?.status === 'CLOSED' && !this.closing)
      return { record: this.store.reopenTask(key, this.clock.now()) ?? existing, existed: true };
    if (existing) return { record: existing, existed: true };
    return { record: this.store.openTask(key, executionArn, kind, this.clock.now(), activity), existed: false };
  }

  /**
   * Hands a worker the oldest unclaimed task of an activity (GetActivityTask), telling the
   * task that waits on it; undefined when there is none. The claim is stored first: a task
   * resumed after a restart finds it there.
   */
  claim(activityArn: string, claim: ActivityClaim): { taskToken: string; input: string } | undefined {
    const record = this.store.claimActivityTask(activityArn, claim, this.clock.now());
    if (!record?.activity) return undefined;
    this.#claimed.get(record.key)?.(claim);
    return { taskToken: record.key, input: record.activity.input };
  }

  /** Calls `claimed` when a worker claims the activity task `token` (at once if one has); returns what stops listening. */
  onClaimed(token: string, claimed: (claim: ActivityClaim) => void): () => void {
    const record = this.store.task(token);
    if (record?.submitted) claimed(JSON.parse(record.response ?? '{}') as ActivityClaim);
    else this.#claimed.set(token, claimed);
    return () => {
      if (this.#claimed.get(token) === claimed) this.#claimed.delete(token);
    };
  }

  markSubmitted(key: string, response: unknown): void {
    if (!this.closing) this.store.markSubmitted(key, response, this.clock.now());
  }

  /**
   * Waits for SendTaskSuccess/SendTaskFailure on `token`; settles at once when the store
   * already holds the outcome. Rejects with the signal's reason when the task is aborted.
   */
  wait(token: string, signal: AbortSignal, heartbeat: () => void): Promise<unknown> {
    const record = this.store.task(token);
    if (record?.status === 'SUCCEEDED') return Promise.resolve(JSON.parse(record.output ?? 'null'));
    if (record?.status === 'FAILED') return Promise.reject(new TaskFailure(record.error, record.cause));
    if (record?.status === 'TIMED_OUT') return Promise.reject(new TaskFailure('States.Timeout'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(token);
        if (!this.closing) {
          const timedOut = signal.reason instanceof TaskFailure;
          this.store.completeTask(token, timedOut ? 'TIMED_OUT' : 'CLOSED', {}, this.clock.now());
        }
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(token, {
        resolve: (output) => {
          signal.removeEventListener('abort', onAbort);
          resolve(output);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
        heartbeat,
      });
    });
  }

  /** SendTaskSuccess. */
  succeed(token: string, output: string): void {
    this.#settle(token, 'SUCCEEDED', { output }, (w) => w.resolve(JSON.parse(output)));
  }

  /** SendTaskFailure. */
  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.#settle(token, 'FAILED', { error, cause }, (w) => w.reject(new TaskFailure(error, cause)));
  }

  /** SendTaskHeartbeat. */
  heartbeat(token: string): void {
    const record = this.#record(token);
    if (record.status !== 'WAITING') throw taskTimedOut();
    this.#waiters.get(token)?.heartbeat();
  }

  /** Gives up waiting on a token (the request carrying it failed, or the task timed out here). */
  abandon(token: string, status: 'TIMED_OUT' | 'CLOSED'): void {
    this.#waiters.delete(token);
    if (!this.closing) this.store.completeTask(token, status, {}, this.clock.now());
  }

  /** Forgets the in-memory waiters of an execution (it finished or the service stopped). */
  drop(executionArn: string): void {
    for (const listeners of [this.#waiters, this.#claimed])
      for (const key of listeners.keys()) if (parseTaskToken(key)?.executionArn === executionArn) listeners.delete(key);
  }

  #settle(
    token: string,
    status: 'SUCCEEDED' | 'FAILED',
    outcome: { output?: string; error?: string; cause?: string },
    notify: (w: Waiter) => void,
  ) {
    const record = this.#record(token);
    if (record.status !== 'WAITING' || !this.store.completeTask(token, status, outcome, this.clock.now())) throw taskTimedOut();
    const waiter = this.#waiters.get(token);
    this.#waiters.delete(token);
    if (waiter) notify(waiter);
  }

  /** A token that is not one Step Functions issues: InvalidToken, which AWS answers before it reads the rest of the request. */
  checkReadable(token: string): void {
    if (!parseTaskToken(token)) throw new AwsError('InvalidToken', "Invalid Token: 'Invalid token'");
  }

  #record(token: string): TaskRecord {
    this.checkReadable(token);
    const record = this.store.task(token);
    if (record?.kind !== 'token' && record?.kind !== 'activity')
      throw new AwsError('TaskDoesNotExist', "Task Does Not Exist: 'Provided task does not exist'");
    return record;
  }
}
