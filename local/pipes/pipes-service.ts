import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { tryParseArn } from '../arn.js';
import { AwsError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import { compilePattern, matchesPattern } from '../events/pattern.js';
import { parseBatchItemFailures } from '../lambda/sqs-event-source.js';
import type { PipeDefinition } from './definitions.js';
import { type StreamMapping, StreamMappingStates } from './mapping-states.js';
import {
  type MappingResponse,
  PartialFailure,
  PipeDelivery,
  PipeDeliveryFailure,
  type PipeResourceUse,
  type PipeServices,
} from './pipe-delivery.js';
import { type PipeQueueSource, SqsPipeRunner } from './sqs-source.js';
import { isKinesisStreamArn } from './stream-arns.js';
import {
  dynamoDbShard,
  type KinesisSource,
  kinesisShards,
  type ShardReader,
  type ShardRecord,
  type StreamSource,
} from './stream-shards.js';

export type { StreamMapping } from './mapping-states.js';
export type { PipeServices } from './pipe-delivery.js';
export type { KinesisSource, StreamSource } from './stream-shards.js';

export interface PipesServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly pipes: readonly PipeDefinition[];
  readonly source: StreamSource;
  /** Where a pipe or mapping with a Kinesis source reads its stream (the local Kinesis). Without it such pipes do not run. */
  readonly kinesis?: KinesisSource;
  /** Where a pipe with an SQS source polls its queue (the local SQS). Without it such pipes do not run. */
  readonly queues?: PipeQueueSource;
  readonly services: PipeServices;
  /** The first retry of a failed batch waits this long, doubling up to a minute. @default 1000 */
  readonly retryBaseMs?: number;
  /**
   * IAM for what a pipe does as its role: `read` its source stream (checked once, as AWS does
   * when it creates the pipe), `deliver` to its enrichment or target. AWS's message when the
   * role may not (and IAM enforces), else undefined. @default none
   */
  readonly authorize?: (pipe: PipeDefinition, resourceArn: string, use: PipeResourceUse) => Promise<string | undefined>;
  readonly log?: (line: string) => void;
}

/** What the service needs of a pipe's reader, whatever its source. */
interface Runner {
  start(): void;
  stop(): Promise<void>;
  idle(): Promise<void>;
}

/**
 * EventBridge Pipes with an SQS source are run by SqsPipeRunner (sqs-source.ts); with a
 * DynamoDB or Kinesis stream source (and Lambda's mappings of those): each pipe reads each
 * shard of its stream in order (stream-shards.ts: a DynamoDB stream has one, a Kinesis stream
 * its own; one batch at a time per shard, so the records of an item or partition key reach
 * the target in the order they were written), drops what its filters do not match, calls
 * its enrichment with the batch and hands each result to the target. A failed batch is retried with backoff (and bisected, if
 * asked) until `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds`, then described in the
 * dead-letter queue. The position in each shard is committed only after the target accepted
 * the batch (or it was dead-lettered), so a restart loses nothing; a crash in the middle
 * of a batch delivers that batch again, as Pipes may. To a bus, though, each event goes
 * with a key naming the pipe and the stream record it came from, which the bus keeps in
 * the transaction that accepts the event: a batch sent again after the bus accepted it and
 * before the checkpoint moved (a SIGKILL, a lost answer) is answered from the first answer
 * and put once. AWS Pipes is at least once there; the local runtime is not.
 */
export class PipesService {
  /** The pipes as they run: the template's, each mapping with what UpdateEventSourceMapping changed of it. */
  readonly #pipes: PipeDefinition[];
  /** Each running pipe's readers, by its name. */
  readonly #runners = new Map<string, Runner[]>();
  readonly #mappings: StreamMappingStates;
  #started = false;
  /** Readers stop and start one mapping change at a time, in the order they came. */
  #changes: Promise<void> = Promise.resolve();

  constructor(private readonly options: PipesServiceOptions) {
    options.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (pipe TEXT NOT NULL, stream_arn TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (pipe, stream_arn))',
    );
    this.#mappings = new StreamMappingStates(options.db, options.clock);
    this.#pipes = this.#mappings.reconcile(options.pipes);
    for (const pipe of this.#pipes) if (pipe.running) this.#runners.set(pipe.name, this.#runnersOf(pipe));
  }

  /** A pipe's readers: one per shard of its stream (each shard is read in order, the shards side by side), or its queue's poller. */
  #runnersOf(pipe: PipeDefinition): Runner[] {
    const { queues, kinesis, log } = this.options;
    if (isQueueArn(pipe.sourceArn)) return queues ? [new SqsPipeRunner(pipe, { ...this.options, queues })] : [];
    const report = (result: string) => this.#mappings.processed(pipe, result);
    if (!isKinesisStreamArn(pipe.sourceArn)) return [new PipeRunner(pipe, this.options, dynamoDbShard(pipe, this.options.source), report)];
    const shards = kinesis === undefined ? undefined : kinesisShards(pipe, kinesis);
    if (shards === undefined) log?.(`${pipe.name}: does not run: its source ${pipe.sourceArn} is no stream of the local Kinesis`);
    return (shards ?? []).map((shard) => new PipeRunner(pipe, this.options, shard, report));
  }

  start(): void {
    this.#started = true;
    for (const runner of [...this.#runners.values()].flat()) runner.start();
  }

  /** The running pipes, for the start-up report: the table whose stream each reads (the Kinesis stream, the queue it polls), and its target. */
  describe(): { kind: 'pipe' | 'event source mapping'; name: string; table?: string; queue?: string; stream?: string; target: string }[] {
    return this.#pipes
      .filter((pipe) => pipe.running)
      .map((pipe) => ({
        kind: pipe.mapping ? ('event source mapping' as const) : ('pipe' as const),
        name: pipe.mapping ? pipe.arn : pipe.name,
        ...sourceOf(pipe.sourceArn),
        target: pipe.targetArn,
      }));
  }

  /** Lambda's event source mappings of streams as they run, with their states (Lambda's API lists them). */
  streamMappings(): StreamMapping[] {
    return this.#pipes.filter((pipe) => pipe.mapping).map((pipe) => this.#mappings.of(pipe));
  }

  /**
   * UpdateEventSourceMapping of a stream mapping (its UUID): it takes `change(current)` and keeps
   * it across restarts (template-changes.ts). Answers at once with the transition Lambda reports
   * (`Disabling`, `Enabling`, `Updating`); behind it the mapping's readers finish their batch in
   * flight (its position committed) and stop, then read again from their positions if enabled.
   * @throws AwsError ResourceNotFoundException for a mapping the app does not have
   */
  updateStreamMapping(uuid: string, change: (current: PipeDefinition) => PipeDefinition): StreamMapping {
    const index = this.#pipes.findIndex((pipe) => pipe.mapping && pipe.arn === uuid);
    const before = this.#pipes[index];
    if (before === undefined) throw new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
    const next = change(before);
    this.#pipes[index] = next;
    const update = this.#mappings.update(before, next);
    if (update !== undefined) {
      const work = this.#changes.then(async () => {
        await Promise.all((this.#runners.get(next.name) ?? []).map((runner) => runner.stop()));
        this.#runners.delete(next.name);
        if (next.running) {
          const runners = this.#runnersOf(next);
          this.#runners.set(next.name, runners);
          if (this.#started) for (const runner of runners) runner.start();
        }
        this.#mappings.settled(next, update);
      });
      this.#changes = work.catch((error: unknown) =>
        this.options.log?.(`${next.name}: event source mapping change failed: ${(error as Error).stack ?? String(error)}`),
      );
    }
    return this.#mappings.of(next);
  }

  /** Stops reading; a batch in flight is finished (and its position committed) first. */
  async stop(): Promise<void> {
    this.#started = false;
    await this.#changes;
    await Promise.all([...this.#runners.values()].flat().map((runner) => runner.stop()));
  }

  /** Resolves once every pipe has handled every record its stream has now (for tests and the CLI). */
  async idle(): Promise<void> {
    await this.#changes;
    await Promise.all([...this.#runners.values()].flat().map((runner) => runner.idle()));
  }
}

class PipeRunner {
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
    private readonly options: PipesServiceOptions,
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
        `${this.pipe.name}: does not run: its role may not read ${this.pipe.sourceArn} (AWS: CREATE_FAILED): ${unreadable}`,
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
        this.options.log?.(`${this.pipe.name}: ${(error as Error).message}`);
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
    for (;;) {
      const tooOld = this.#expired(batch);
      if (tooOld) {
        return this.#deadLetter(batch, 'RecordAgeExceeded', attempts, 'the record is older than MaximumRecordAgeInSeconds', response);
      }
      try {
        await this.#deliver(batch);
        return;
      } catch (error) {
        const message = (error as Error).message;
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
        this.options.log?.(`${this.pipe.name}: batch of ${batch.length} failed (${message}); retry ${attempts}`);
        await this.#backoff(Math.min(60_000, (this.options.retryBaseMs ?? 1000) * 2 ** (attempts - 1)));
      }
    }
  }

  #expired(batch: readonly ShardRecord[]): boolean {
    const maxAge = this.pipe.maximumRecordAgeSeconds;
    if (maxAge < 0) return false;
    const oldest = Math.min(...batch.map((b) => b.createdMs));
    return this.options.clock.now() - oldest > maxAge * 1000;
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
    });
  }

  /**
   * The description of a batch given up on (the records stay in the stream until it drops
   * them). A Lambda event source mapping's says what the function last answered
   * (`responseContext`: status code, executed version, function error), as Lambda's on-failure
   * record does; the reason is logged. A pipe's carries the reason.
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
    this.options.log?.(`${this.pipe.name}: ${batch.length} record(s) not delivered (${condition}: ${reason})`);
    if (!this.pipe.deadLetterArn || !first || !last) return;
    const message = {
      requestContext: {
        requestId: randomUUID(),
        ...(this.pipe.mapping ? { functionArn: this.pipe.targetArn } : { pipeArn: this.pipe.arn }),
        condition,
        approximateInvokeCount: attempts,
      },
      ...(this.pipe.mapping ? (response ? { responseContext: response } : {}) : { responseContext: { errorMessage: reason } }),
      version: '1.0',
      timestamp: new Date(this.options.clock.now()).toISOString(),
      [this.shard.batchInfo]: {
        shardId: this.shard.shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.createdMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.createdMs).toISOString(),
        batchSize: batch.length,
        streamArn: this.pipe.sourceArn,
      },
    };
    await this.#delivery.deadLetter(JSON.stringify(message));
  }
}

/** Lambda's LastProcessingResult for a batch whose function failed. */
const PROBLEM = 'PROBLEM: Function call failed';

/** What a pipe reads, for the start-up report: a queue, a Kinesis stream, or the table a DynamoDB stream (`table/<name>/stream/<label>`) belongs to. */
function sourceOf(arn: string): { queue: string } | { stream: string } | { table: string } {
  const parsed = tryParseArn(arn);
  const name = parsed?.resourceId ?? arn;
  if (parsed?.service === 'sqs') return { queue: name };
  if (parsed?.service === 'kinesis') return { stream: name };
  return { table: parsed?.resourceType === 'table' ? name : arn };
}

function isQueueArn(arn: string): boolean {
  return tryParseArn(arn)?.service === 'sqs';
}
