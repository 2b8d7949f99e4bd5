import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Clock } from '../time/clock.js';
import { DurableOutbox, OutboxHandlerError } from './outbox.js';

/**
 * How an asynchronous job of a local service ended, or that it has not. Each service words
 * these its own way (Textract's `SUCCEEDED`, Bedrock's `Completed`, a batch job's
 * `Submitted`/`InProgress`); `phase` helps it tell a job waiting its turn from one working.
 */
export type AsyncJobStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

/** One job as its service reads it back: what was asked, and what came of it so far. */
export interface AsyncJob<Input, Output> {
  readonly id: string;
  /** The service's own kind of job (`text-detection`, `async-invoke`, ...): one table can hold several. */
  readonly kind: string;
  readonly status: AsyncJobStatus;
  readonly input: Input;
  /** Set once the job SUCCEEDED (or a service kept a partial result of a FAILED one). */
  readonly output?: Output;
  /** The job's failure message, in the service's words, once it FAILED. */
  readonly failure?: string;
  /** The client's idempotency token (ClientRequestToken, clientRequestToken), if it gave one. */
  readonly token?: string;
  /** Clock milliseconds. */
  readonly submittedAt: number;
  /** When the job's work starts on the clock (the end of its time queued). */
  readonly startsAt: number;
  /** When the job's work runs on the clock; its result is written when it has run. */
  readonly dueAt: number;
  readonly endedAt?: number;
}

/**
 * Thrown by a job's work for a failure the service reports in the job (an input it cannot
 * read, a document too large): the job ends FAILED with this message. Anything else thrown
 * is the runtime's own fault: it is reported and the work tried again, at most
 * `maxAttempts` times, before the job fails with an internal error.
 */
export class AsyncJobFailed extends Error {
  override readonly name = 'AsyncJobFailed';
}

/** A job asked for by an id no job of this kind has. */
export class AsyncJobNotFound extends Error {
  override readonly name = 'AsyncJobNotFound';
}

export interface AsyncJobsOptions<Input, Output> {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  /** The table the jobs are kept in: the owner's name, written into SQL as it is. */
  readonly table: string;
  /** Does a job's work once it is due; its answer is the job's output. */
  readonly run: (job: AsyncJob<Input, Output>) => Promise<Output>;
  /** Told of a job's work that threw something other than {@link AsyncJobFailed}. */
  readonly onError: (error: OutboxHandlerError) => void;
  /**
   * Told of a job once its end is written (a service's completion notice: Textract's SNS
   * message). Called once per job at most: a crash between the write and the call skips it.
   * What it throws goes to `onError`. @default none
   */
  readonly onSettled?: (job: AsyncJob<Input, Output>) => Promise<void> | void;
  /** Jobs worked on at once. @default 2 */
  readonly concurrency?: number;
  /** Attempts at a job's work before an unexpected error fails it. @default 3 */
  readonly maxAttempts?: number;
}

interface JobRow {
  rowid: number;
  id: string;
  kind: string;
  status: AsyncJobStatus;
  input: string;
  output: string | null;
  failure: string | null;
  token: string | null;
  submitted_at: number;
  starts_at: number;
  due_at: number;
  ended_at: number | null;
  attempts: number;
}

/**
 * A service's asynchronous jobs (Textract's document analyses, Bedrock's asynchronous and
 * batch invocations, a knowledge base's ingestions), kept in a table of the service's
 * database and worked on through a {@link DurableOutbox}: accepting a job is one insert, so
 * an accepted job survives a crash and is taken up at the next start. A job moves on the
 * runtime's clock (the testing API's virtual time moves it too): it waits `queuedMs`, then
 * its work runs once `runMs` more have passed, and its result or failure is written with its
 * status in one update. A finished job stays readable (Get/List) until the service deletes it.
 */
export class AsyncJobs<Input, Output> {
  readonly #outbox: DurableOutbox<JobRow>;
  readonly #statements: Record<'insert' | 'byId' | 'byToken' | 'list' | 'finish' | 'retry' | 'stop' | 'delete', StatementSync>;

  constructor(private readonly options: AsyncJobsOptions<Input, Output>) {
    const { db, table } = options;
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, status TEXT NOT NULL,
      input TEXT NOT NULL, output TEXT, failure TEXT, token TEXT,
      submitted_at INTEGER NOT NULL, starts_at INTEGER NOT NULL, due_at INTEGER NOT NULL, ended_at INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0, UNIQUE (kind, token))`);
    this.#statements = {
      // The token's uniqueness makes a repeated request with the same token one job: the insert does nothing.
      insert: db.prepare(`INSERT INTO ${table} (id, kind, status, input, token, submitted_at, starts_at, due_at)
        VALUES (?, ?, 'IN_PROGRESS', ?, ?, ?, ?, ?) ON CONFLICT (kind, token) DO NOTHING`),
      byId: db.prepare(`SELECT * FROM ${table} WHERE id = ?`),
      byToken: db.prepare(`SELECT * FROM ${table} WHERE kind = ? AND token = ?`),
      list: db.prepare(`SELECT * FROM ${table} WHERE kind = ? ORDER BY submitted_at DESC, rowid DESC`),
      finish: db.prepare(
        `UPDATE ${table} SET status = ?, output = ?, failure = ?, ended_at = ? WHERE rowid = ? AND status = 'IN_PROGRESS'`,
      ),
      retry: db.prepare(`UPDATE ${table} SET attempts = attempts + 1 WHERE rowid = ?`),
      stop: db.prepare(`UPDATE ${table} SET status = 'STOPPED', ended_at = ? WHERE id = ? AND status = 'IN_PROGRESS'`),
      delete: db.prepare(`DELETE FROM ${table} WHERE id = ?`),
    };
    this.#outbox = new DurableOutbox<JobRow>({
      db,
      clock: options.clock,
      table: { name: table, id: 'rowid', dueAt: 'due_at', dueWhere: "row.status = 'IN_PROGRESS'" },
      handle: (row) => this.#work(row),
      concurrency: options.concurrency ?? 2,
      maxSleepMs: 1000,
      failureDelayMs: 1000,
      onError: (error) => options.onError(error),
    });
  }

  start(): void {
    this.#outbox.start();
  }

  stop(): Promise<void> {
    return this.#outbox.stop();
  }

  /** Resolves once no job's work is running and none is due now. */
  idle(): Promise<void> {
    return this.#outbox.idle();
  }

  /**
   * Accepts a job: it is queued for `queuedMs`, then works for `runMs`, on the clock. With a
   * token a job of the same kind already has, nothing is added and that job is answered
   * (`created` false): the caller compares its input if the API refuses a changed one.
   */
  submit(
    job: { readonly id: string; readonly kind: string; readonly input: Input; readonly token?: string },
    timing: { readonly queuedMs: number; readonly runMs: number },
  ): { readonly job: AsyncJob<Input, Output>; readonly created: boolean } {
    const now = this.options.clock.now();
    const startsAt = now + timing.queuedMs;
    const { changes } = this.#statements.insert.run(
      job.id,
      job.kind,
      JSON.stringify(job.input),
      job.token ?? null,
      now,
      startsAt,
      startsAt + timing.runMs,
    );
    if (changes === 1) this.#outbox.wake();
    const row = (changes === 1
      ? this.#statements.byId.get(job.id)
      : this.#statements.byToken.get(job.kind, job.token ?? null)) as unknown as JobRow;
    return { job: toJob(row), created: changes === 1 };
  }

  /** The job, or undefined. */
  find(id: string): AsyncJob<Input, Output> | undefined {
    const row = this.#statements.byId.get(id) as unknown as JobRow | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  /** The job of that kind; else AsyncJobNotFound (the service answers it in its own words). */
  get(kind: string, id: string): AsyncJob<Input, Output> {
    const job = this.find(id);
    if (job === undefined || job.kind !== kind) throw new AsyncJobNotFound(`no ${kind} job ${id}`);
    return job;
  }

  /** The jobs of a kind, newest first. */
  list(kind: string): AsyncJob<Input, Output>[] {
    return (this.#statements.list.all(kind) as unknown as JobRow[]).map((row) => toJob(row));
  }

  /** Where the job is: waiting its turn, working, or ended. */
  phase(job: AsyncJob<Input, Output>): 'queued' | 'running' | 'ended' {
    if (job.status !== 'IN_PROGRESS') return 'ended';
    return this.options.clock.now() < job.startsAt ? 'queued' : 'running';
  }

  /** Stops a job still in progress (true), or does nothing to one that has ended (false). */
  stopJob(id: string): boolean {
    return this.#statements.stop.run(this.options.clock.now(), id).changes === 1;
  }

  /** Forgets a job, whatever its status. */
  delete(id: string): void {
    this.#statements.delete.run(id);
  }

  async #work(row: JobRow): Promise<{ kind: 'keep' }> {
    const job = toJob<Input, Output>(row);
    let settled: { status: AsyncJobStatus; output?: Output; failure?: string };
    try {
      settled = { status: 'SUCCEEDED', output: await this.options.run(job) };
    } catch (error) {
      if (!(error instanceof AsyncJobFailed) && row.attempts + 1 < (this.options.maxAttempts ?? 3)) {
        this.#statements.retry.run(row.rowid);
        throw error; // the outbox reports it and makes the job due again after its failure delay
      }
      settled = { status: 'FAILED', failure: error instanceof AsyncJobFailed ? error.message : internalFailure(error) };
      if (!(error instanceof AsyncJobFailed)) this.options.onError(new OutboxHandlerError(this.options.table, row.rowid, error));
    }
    // A job stopped while its work ran stays STOPPED: the update only moves a job in progress.
    const { changes } = this.#statements.finish.run(
      settled.status,
      settled.output === undefined ? null : JSON.stringify(settled.output),
      settled.failure ?? null,
      this.options.clock.now(),
      row.rowid,
    );
    if (changes === 1 && this.options.onSettled) {
      try {
        await this.options.onSettled(toJob(this.#statements.byId.get(row.id) as unknown as JobRow));
      } catch (error) {
        this.options.onError(new OutboxHandlerError(this.options.table, row.rowid, error));
      }
    }
    return { kind: 'keep' };
  }
}

function toJob<Input, Output>(row: JobRow): AsyncJob<Input, Output> {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    input: JSON.parse(row.input) as Input,
    ...(row.output === null ? {} : { output: JSON.parse(row.output) as Output }),
    ...(row.failure === null ? {} : { failure: row.failure }),
    ...(row.token === null ? {} : { token: row.token }),
    submittedAt: row.submitted_at,
    startsAt: row.starts_at,
    dueAt: row.due_at,
    ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
  };
}

function internalFailure(error: unknown): string {
  return `An internal error occurred: ${(error as Error)?.message ?? String(error)}`;
}
