import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { DiscardedBatch } from '../../clients/read-api-contract.js';
import { compilePattern, matchesPattern } from '../events/pattern.js';
import { parseBatchItemFailures } from '../lambda/event-source-mappings/sqs-event-source.js';
import { tryParseArn } from '../names/arn.js';
import type { PipeDefinition } from './definitions.js';
import type { DiscardedBatches } from './discarded-batches.js';
import {
  isBucketArn,
  type MappingResponse,
  PartialFailure,
  PipeDelivery,
  PipeDeliveryFailure,
  type PipeDeliveryOptions,
} from './pipe-delivery.js';
import { streamLabel, streamName } from './stream-arns.js';
import type { ShardReader, ShardRecord } from './stream-shards.js';

/** What a shard's reader needs: where its checkpoints are kept, and how it delivers. */
export interface PipeRunnerOptions extends PipeDeliveryOptions {
  /** Holds the `checkpoints` table (PipesService creates it). */
  readonly db: DatabaseSync;
  /** The first retry of a failed batch waits this long, doubling up to a minute. @default 1000 */
  readonly retryBaseMs?: number;
  readonly log?: (line: string) => void;
  /** Where a batch given up on with no on-failure destination is recorded (`switchyard failures` lists it). */
  readonly discarded?: DiscardedBatches;
}

/**
 * Reads one shard of a pipe's (or a Lambda event source mapping's) stream in order: batches
 * from its checkpoint, filtered, delivered with retries, bisection and the dead-letter queue,
 * the checkpoint committed after each (pipes-service.ts runs one per shard).
 */
export class PipeRunner {
  readonly #filters: ReturnType<typeof compilePattern>[];
  #stopped = true;
  #wake?: () => void;
  #loop?: Promise<void>;
  #unsubscribe?: () => void;
  #idleWaiters: (() => void)[] = [];

  readonly #delivery: PipeDelivery;
  /** Set when part of the batch in hand was given up on (dead-lettered): it ends as a problem. */
  #gaveUp = false;

  constructor(
    private readonly pipe: PipeDefinition,
    private readonly options: PipeRunnerOptions,
    private readonly shard: ShardReader,
    /** Told how each batch ended, as a mapping's LastProcessingResult says it. */
    private readonly report: (result: string) => void,
  ) {
    this.#filters = pipe.filters.map((pattern) => compilePattern(pattern));
    this.#delivery = new PipeDelivery(pipe, options);
  }

  start(): void {
    this.#stopped = false;
    this.#ensureCheckpoint();
    this.#unsubscribe = this.shard.onRecords(() => this.#wake?.());
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#wake?.();
    for (const cut of this.#backoffs.splice(0)) cut();
    await this.#loop;
  }

  readonly #backoffs: (() => void)[] = [];

  /** Waits before a retry; stopping the pipe cuts it short (the batch is then read again after the restart). */
  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#backoffs.push(done);
    });
  }

  idle(): Promise<void> {
    if (this.#stopped || this.#pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pending(): number {
    return this.shard.read(this.#checkpoint(), 1).length;
  }

  #ensureCheckpoint(): void {
    const db = this.options.db;
    const row = db
      .prepare('SELECT position FROM checkpoints WHERE pipe = ? AND stream_arn = ?')
      .get(this.pipe.name, this.shard.checkpointKey);
    if (row) return;
    this.#commit(this.#startingPosition());
  }

  /** Where a new pipe starts: at the oldest record kept (TRIM_HORIZON), after the newest (LATEST), or at the first since a time (AT_TIMESTAMP). */
  #startingPosition(): number {
    const { startingPosition, startingPositionTimestampMs } = this.pipe;
    if (startingPosition === 'LATEST') return this.shard.latestPosition();
    if (startingPosition === 'AT_TIMESTAMP' && startingPositionTimestampMs !== undefined && this.shard.positionBefore) {
      return this.shard.positionBefore(startingPositionTimestampMs);
    }
    return 0;
  }

  #checkpoint(): number {
    const row = this.options.db
      .prepare('SELECT position FROM checkpoints WHERE pipe = ? AND stream_arn = ?')
      .get(this.pipe.name, this.shard.checkpointKey) as { position: number } | undefined;
    return Number(row?.position ?? 0);
  }

  #commit(position: number): void {
    this.options.db
      .prepare(
        'INSERT INTO checkpoints (pipe, stream_arn, position) VALUES (?, ?, ?) ON CONFLICT (pipe, stream_arn) DO UPDATE SET position = excluded.position',
      )
      .run(this.pipe.name, this.shard.checkpointKey, position);
  }

  /** Waits for a new record or `ms`, whichever comes first (stop wakes it too). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    // AWS refuses to create a pipe (CREATE_FAILED) or a mapping whose role cannot read the stream: it never runs.
    const unreadable = await this.options.authorize?.(this.pipe, this.pipe.sourceArn, 'read');
    if (unreadable !== undefined) {
      this.options.log?.(
        `${consumerLabel(this.pipe)}: does not run: its role may not read ${this.pipe.sourceArn} (AWS: CREATE_FAILED): ${unreadable}`,
      );
      this.#stopped = true;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
      return;
    }
    let firstSeenAt: number | undefined;
    while (!this.#stopped) {
      let batch = this.shard.read(this.#checkpoint(), this.pipe.batchSize);
      if (batch.length === 0) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
        await this.#sleep(1000);
        continue;
      }
      // A partial batch waits for the batching window, counted from when its first record was seen, to fill.
      firstSeenAt ??= Date.now();
      const windowMs = this.pipe.maximumBatchingWindowSeconds * 1000;
      while (!this.#stopped && batch.length < this.pipe.batchSize && Date.now() - firstSeenAt < windowMs) {
        await this.#sleep(windowMs - (Date.now() - firstSeenAt));
        batch = this.shard.read(this.#checkpoint(), this.pipe.batchSize);
      }
      if (this.#stopped) break;
      try {
        await this.#handle(batch);
      } catch (error) {
        // Not committed: the batch is read again (after a restart, if the pipe is stopping).
        this.report(PROBLEM);
        this.options.log?.(`${consumerLabel(this.pipe)}: ${(error as Error).message}`);
        if (!this.#stopped) await this.#sleep(this.options.retryBaseMs ?? 1000);
        continue;
      }
      this.#commit(batch.at(-1)?.position ?? this.#checkpoint());
      this.report(this.#gaveUp ? PROBLEM : 'OK');
      this.#gaveUp = false;
      firstSeenAt = undefined;
    }
  }

  /** One batch: filtered, then delivered with retries, bisection and the dead-letter queue. */
  async #handle(batch: readonly ShardRecord[]): Promise<void> {
    const kept =
      this.#filters.length === 0 ? batch : batch.filter(({ filtered }) => this.#filters.some((f) => matchesPattern(f, filtered)));
    if (kept.length > 0) await this.#deliverWithRetries(kept, 0);
  }

  async #deliverWithRetries(records: readonly ShardRecord[], attemptsSoFar: number): Promise<void> {
    let batch = records;
    let attempts = attemptsSoFar;
    let response: MappingResponse | undefined;
    /** The last error of the batch, which records that expire while it is retried were given up on after. */
    let lastError: string | undefined;
    for (;;) {
      // A shard's records come oldest first: those past MaximumRecordAgeInSeconds are set apart
      // as a batch of their own, and the rest delivered (as Lambda discards an expired record
      // from a batch). Their record counts the attempt that was to come, and carries no
      // response: the function never answered for it (as AWS's RecordAgeExceeded records show).
      const expired = this.#expiredCount(batch);
      if (expired > 0) {
        await this.#deadLetter(
          batch.slice(0, expired),
          'RecordAgeExceeded',
          attempts + 1,
          `the record is older than MaximumRecordAgeInSeconds${lastError === undefined ? '' : `; the last attempt: ${lastError}`}`,
          undefined,
        );
        batch = batch.slice(expired);
        if (batch.length === 0) return;
      }
      try {
        await this.#deliver(batch);
        return;
      } catch (error) {
        const message = (error as Error).message;
        lastError = message;
        if (error instanceof PipeDeliveryFailure && error.response) response = error.response;
        if (error instanceof PartialFailure && error.index > 0) batch = batch.slice(error.index);
        if (this.pipe.bisectOnFailure && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await this.#deliverWithRetries(batch.slice(0, half), attempts);
          await this.#deliverWithRetries(batch.slice(half), attempts);
          return;
        }
        attempts++;
        const limit = this.pipe.maximumRetryAttempts;
        if (limit >= 0 && attempts > limit) return this.#deadLetter(batch, 'RetryAttemptsExhausted', attempts, message, response);
        if (this.#stopped) throw new Error(`stopped while retrying a batch (${message}); it is read again after a restart`);
        this.options.log?.(`${consumerLabel(this.pipe)}: batch of ${batch.length} failed (${message}); retry ${attempts}`);
        await this.#backoff(Math.min(60_000, (this.options.retryBaseMs ?? 1000) * 2 ** (attempts - 1)));
      }
    }
  }

  /** How many of the batch's first records are older than MaximumRecordAgeInSeconds. */
  #expiredCount(batch: readonly ShardRecord[]): number {
    const maxAge = this.pipe.maximumRecordAgeSeconds;
    if (maxAge < 0) return 0;
    const now = this.options.clock.now();
    const fresh = batch.findIndex((record) => now - record.createdMs <= maxAge * 1000);
    return fresh === -1 ? batch.length : fresh;
  }

  async #deliver(records: readonly ShardRecord[]): Promise<void> {
    if (this.pipe.mapping) return this.#invokeMapped(records, this.pipe.mapping);
    // A target function's batchItemFailures are not read for a stream source (the SQS source reads them).
    await this.#delivery.deliver(records.map(({ event, sequenceNumber }) => ({ event, id: sequenceNumber })));
  }

  /** A Lambda event source mapping: the function gets `{ Records }`; with ReportBatchItemFailures it may name the records it failed. */
  async #invokeMapped(records: readonly ShardRecord[], mapping: NonNullable<PipeDefinition['mapping']>): Promise<void> {
    const outcome = await this.options.services.lambda.invoke(this.pipe.targetArn, { Records: records.map((r) => r.event) });
    // Only the unqualified function runs here, so what ran is $LATEST (as the runtime's asynchronous invocations record it).
    if (!outcome.ok) {
      throw new PipeDeliveryFailure(`the function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`, {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
      });
    }
    if (!mapping.reportBatchItemFailures) return;
    const sequenceNumbers = records.map((r) => r.sequenceNumber);
    // Read as Lambda reads a partial batch response: a malformed one, or an identifier that
    // names no record of the batch, fails the whole batch; otherwise the lowest failed record is
    // where the stream is retried from.
    const failed = parseBatchItemFailures(outcome.payload || 'null', new Set(sequenceNumbers));
    if (failed !== 'invalid' && failed.size === 0) return;
    const first = failed === 'invalid' ? 0 : Math.min(...[...failed].map((id) => sequenceNumbers.indexOf(id)));
    const reported = failed === 'invalid' ? 'a malformed partial batch response' : `${failed.size} failed record(s)`;
    throw new PartialFailure(first, `the function reported ${reported}, from sequence number ${sequenceNumbers[first]}`, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: null,
    });
  }

  /**
   * The description of a batch given up on (the records stay in the stream until it drops
   * them). A Lambda event source mapping's says what the function last answered
   * (`responseContext`: status code, executed version, function error), as Lambda's on-failure
   * record does; the reason is logged. A pipe's carries the reason. One put in an S3 bucket
   * carries the batch too (`payload`, the function's event), keyed as Lambda keys it.
   */
  async #deadLetter(
    batch: readonly ShardRecord[],
    condition: string,
    attempts: number,
    reason: string,
    response: MappingResponse | undefined,
  ): Promise<void> {
    const first = batch[0];
    const last = batch.at(-1);
    this.#gaveUp = true;
    if (!first || !last) return;
    const range = `shard ${this.shard.shardId}, sequence numbers ${first.sequenceNumber} to ${last.sequenceNumber}`;
    const why = `${condition}, ${this.#limit(condition)}: ${reason}`;
    if (!this.pipe.deadLetterArn) {
      // Nothing else describes them: they are recorded before the checkpoint moves past them.
      this.options.discarded?.record(this.#discardedBatch(batch, condition, attempts, reason));
      const unsent = this.pipe.mapping?.onFailureDestination;
      const nowhere = unsent
        ? `its on-failure destination ${unsent} is not sent to locally`
        : `no ${this.pipe.mapping ? 'on-failure destination' : 'dead-letter queue'}`;
      this.options.log?.(
        `${consumerLabel(this.pipe)}: ${batch.length} record(s) skipped (${range}; ${why}): ${nowhere}; switchyard failures lists them`,
      );
      return;
    }
    this.options.log?.(
      `${consumerLabel(this.pipe)}: ${batch.length} record(s) not delivered (${range}; ${why}); described in ${this.pipe.deadLetterArn}`,
    );
    const now = new Date(this.options.clock.now());
    const toBucket = isBucketArn(this.pipe.deadLetterArn);
    const message = {
      requestContext: {
        requestId: randomUUID(),
        ...(this.pipe.mapping ? { functionArn: this.pipe.targetArn } : { pipeArn: this.pipe.arn }),
        condition,
        approximateInvokeCount: attempts,
      },
      ...(this.pipe.mapping ? (response ? { responseContext: response } : {}) : { responseContext: { errorMessage: reason } }),
      version: '1.0',
      timestamp: now.toISOString(),
      [this.shard.batchInfo]: {
        shardId: this.shard.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.createdMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.createdMs).toISOString(),
        batchSize: batch.length,
        streamArn: this.pipe.sourceArn,
      },
      ...(toBucket ? { payload: { Records: batch.map((r) => r.event) } } : {}),
    };
    await this.#delivery.deadLetter(JSON.stringify(message), () => failureObjectKey(this.pipe.arn, this.shard.shardId, now));
  }

  /** The limit a condition names, as the mapping or pipe sets it. */
  #limit(condition: string): string {
    return condition === 'RecordAgeExceeded'
      ? `MaximumRecordAgeInSeconds ${this.pipe.maximumRecordAgeSeconds}`
      : `MaximumRetryAttempts ${this.pipe.maximumRetryAttempts}`;
  }

  /** A batch given up on with no on-failure destination, as `switchyard failures` lists it. */
  #discardedBatch(batch: readonly ShardRecord[], condition: string, attempts: number, reason: string): DiscardedBatch {
    const { pipe } = this;
    const unsent = pipe.mapping?.onFailureDestination;
    return {
      consumerKind: pipe.mapping ? 'event source mapping' : 'pipe',
      consumer: pipe.mapping ? pipe.arn : pipe.name,
      ...(pipe.mapping ? { functionName: functionNameOf(pipe.targetArn) } : {}),
      targetArn: pipe.targetArn,
      streamArn: pipe.sourceArn,
      source: streamName(pipe.sourceArn),
      shardId: this.shard.shardId,
      startSequenceNumber: batch[0]?.sequenceNumber ?? '',
      endSequenceNumber: batch.at(-1)?.sequenceNumber ?? '',
      batchSize: batch.length,
      condition,
      limit: this.#limit(condition),
      attempts,
      reason,
      discardedAt: new Date(this.options.clock.now()).toISOString(),
      ...(unsent === undefined ? {} : { unsentDestination: unsent }),
    };
  }
}

/** How the log names a pipe, or a mapping by its function and stream (its internal name, `esm-<UUID>`, says neither). */
function consumerLabel(pipe: PipeDefinition): string {
  if (!pipe.mapping) return `pipe ${pipe.name}`;
  return `event source mapping ${pipe.arn} (function ${functionNameOf(pipe.targetArn)}, ${streamLabel(pipe.sourceArn)})`;
}

/** A function's name from its ARN (a mapping's FunctionName may already be one). */
function functionNameOf(arn: string): string {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'lambda' ? parsed.resourceId : arn;
}

/**
 * Where Lambda puts a stream mapping's failure record in its on-failure bucket:
 * `aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`.
 */
function failureObjectKey(uuid: string, shardId: string, at: Date): string {
  const time = at.toISOString().slice(0, 19);
  return `aws/lambda/${uuid}/${shardId}/${time.slice(0, 10).replace(/-/g, '/')}/${time.replace(/:/g, '.')}-${randomUUID()}`;
}

/** Lambda's LastProcessingResult for a batch whose function failed. */
const PROBLEM = 'PROBLEM: Function call failed';
