import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import type { Clock } from '../time/clock.js';
import type { PipeDefinition } from './definitions.js';
import { DiscardedBatches, type DiscardedBatchPage } from './discarded-batches.js';
import { type StreamMapping, StreamMappingStates } from './mapping-states.js';
import type { PipeResourceUse, PipeServices } from './pipe-delivery.js';
import { PipeRunner, type PipeRunnerOptions } from './pipe-runner.js';
import { type PipeQueueSource, SqsPipeRunner } from './sqs-source.js';
import type { PipeLine } from './startup-lines.js';
import { isKinesisStreamArn } from './stream-arns.js';
import { dynamoDbShard, type KinesisSource, kinesisShards, type StreamSource } from './stream-shards.js';

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
  /** The batches given up on with no on-failure destination (the read API's `/discarded-batches`). */
  readonly #discarded: DiscardedBatches;
  /** What each shard's reader is given: the service's options and where it records a batch it skips. */
  readonly #runnerOptions: PipeRunnerOptions;
  /** Readers stop and start one mapping change at a time, in the order they came. */
  #changes: Promise<void> = Promise.resolve();

  constructor(private readonly options: PipesServiceOptions) {
    options.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (pipe TEXT NOT NULL, stream_arn TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (pipe, stream_arn))',
    );
    this.#mappings = new StreamMappingStates(options.db, options.clock);
    this.#discarded = new DiscardedBatches(options.db);
    this.#runnerOptions = { ...options, discarded: this.#discarded };
    this.#pipes = this.#mappings.reconcile(options.pipes);
    for (const pipe of this.#pipes) if (pipe.running) this.#runners.set(pipe.name, this.#runnersOf(pipe));
  }

  /** A pipe's readers: one per shard of its stream (each shard is read in order, the shards side by side), or its queue's poller. */
  #runnersOf(pipe: PipeDefinition): Runner[] {
    const { queues, kinesis, log } = this.options;
    if (isQueueArn(pipe.sourceArn)) return queues ? [new SqsPipeRunner(pipe, { ...this.options, queues })] : [];
    const report = (result: string) => this.#mappings.processed(pipe, result);
    if (!isKinesisStreamArn(pipe.sourceArn))
      return [new PipeRunner(pipe, this.#runnerOptions, dynamoDbShard(pipe, this.options.source), report)];
    const shards = kinesis === undefined ? undefined : kinesisShards(pipe, kinesis);
    if (shards === undefined) log?.(`${pipe.name}: does not run: its source ${pipe.sourceArn} is no stream of the local Kinesis`);
    return (shards ?? []).map((shard) => new PipeRunner(pipe, this.#runnerOptions, shard, report));
  }

  start(): void {
    this.#started = true;
    for (const runner of [...this.#runners.values()].flat()) runner.start();
  }

  /** The running pipes, for the start-up report: the table whose stream each reads (the Kinesis stream, the queue it polls), and its target. */
  describe(): PipeLine[] {
    return this.#pipes
      .filter((pipe) => pipe.running)
      .map((pipe) => ({
        kind: pipe.mapping ? ('event source mapping' as const) : ('pipe' as const),
        name: pipe.mapping ? pipe.arn : pipe.name,
        ...sourceOf(pipe.sourceArn),
        target: pipe.targetArn,
        ...(pipe.maximumBatchingWindowSeconds > 0
          ? { batching: { size: pipe.batchSize, windowSeconds: pipe.maximumBatchingWindowSeconds } }
          : {}),
      }));
  }

  /** The stream batches given up on with no on-failure destination, latest first (DiscardedBatches.page). */
  discardedBatches(options: Parameters<DiscardedBatches['page']>[0]): DiscardedBatchPage {
    return this.#discarded.page(options);
  }

  /** The pipes (not Lambda's stream mappings) whose source is `sourceArn`, and whether each runs: the read API's `/queue-consumers`. */
  pipesReading(sourceArn: string): { name: string; running: boolean }[] {
    return this.#pipes
      .filter((pipe) => !pipe.mapping && pipe.sourceArn === sourceArn)
      .map((pipe) => ({ name: pipe.name, running: pipe.running }));
  }

  /** Lambda's event source mappings of streams as they run, with their states (Lambda's API lists them). */
  streamMappings(): StreamMapping[] {
    return this.#pipes.filter((pipe) => pipe.mapping).map((pipe) => this.#mappings.of(pipe));
  }

  /**
   * UpdateEventSourceMapping of a stream mapping (its UUID): it takes `change(current)` and keeps
   * it across restarts (template-changes.ts; Lambda keeps a mapping its API made). Answers at
   * once with the transition Lambda reports (`Disabling`, `Enabling`, `Updating`); behind it the
   * mapping's readers finish their batch in flight (its position committed) and stop, then read
   * again from their positions if enabled.
   * @throws AwsError ResourceNotFoundException for a mapping the service does not run
   */
  updateStreamMapping(uuid: string, change: (current: PipeDefinition) => PipeDefinition): StreamMapping {
    const index = this.#pipes.findIndex((pipe) => pipe.mapping && pipe.arn === uuid);
    const before = this.#pipes[index];
    if (before === undefined) throw mappingNotFound();
    const next = change(before);
    this.#pipes[index] = next;
    const update = this.#mappings.update(before, next);
    if (update !== undefined) this.#restart(next, update);
    return this.#mappings.of(next);
  }

  /** Whether a mapping's stream exists: a Kinesis stream of the local Kinesis, a DynamoDB stream of the local DynamoDB. */
  hasStream(arn: string): boolean {
    if (isKinesisStreamArn(arn)) return this.options.kinesis?.shardIds(arn) !== undefined;
    return this.options.source.exists?.(arn) ?? true;
  }

  /**
   * A stream mapping CreateEventSourceMapping made (`created` now, or before a restart: Lambda
   * keeps it): read from its starting position like the template's, `Creating` until its readers start.
   */
  addStreamMapping(pipe: PipeDefinition, created: { readonly now: boolean; readonly lastModified: number }): StreamMapping {
    this.#pipes.push(pipe);
    const answer = this.#mappings.of(pipe);
    this.#restart(pipe, this.#mappings.add(pipe, created.now, created.lastModified));
    return created.now ? this.#mappings.of(pipe) : answer;
  }

  /**
   * DeleteEventSourceMapping of a mapping the API made: answered `Deleting`; its readers finish
   * their batch in flight and stop, then it and its positions are gone.
   * @throws AwsError ResourceNotFoundException for a mapping the service does not run
   */
  deleteStreamMapping(uuid: string): StreamMapping {
    const pipe = this.#pipes.find((p) => p.mapping && p.arn === uuid);
    if (pipe === undefined) throw mappingNotFound();
    this.#mappings.deleting(pipe);
    const answer = this.#mappings.of(pipe);
    this.#change(async () => {
      await Promise.all((this.#runners.get(pipe.name) ?? []).map((runner) => runner.stop()));
      this.#runners.delete(pipe.name);
      this.#pipes.splice(this.#pipes.indexOf(pipe), 1);
      this.options.db.prepare('DELETE FROM checkpoints WHERE pipe = ?').run(pipe.name);
      this.#mappings.forget(pipe);
    }, pipe);
    return answer;
  }

  /** A mapping's readers follow its definition (stopped, then started if it runs); it then rests in its state (`update`). */
  #restart(pipe: PipeDefinition, update: number): void {
    this.#change(async () => {
      await Promise.all((this.#runners.get(pipe.name) ?? []).map((runner) => runner.stop()));
      this.#runners.delete(pipe.name);
      if (pipe.running) {
        const runners = this.#runnersOf(pipe);
        this.#runners.set(pipe.name, runners);
        if (this.#started) for (const runner of runners) runner.start();
      }
      this.#mappings.settled(pipe, update);
    }, pipe);
  }

  /** Runs a mapping's change after those before it (readers stop and start one change at a time). */
  #change(work: () => Promise<void>, pipe: PipeDefinition): void {
    const done = this.#changes.then(work);
    this.#changes = done.catch((error: unknown) =>
      this.options.log?.(`${pipe.name}: event source mapping change failed: ${(error as Error).stack ?? String(error)}`),
    );
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

const mappingNotFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);

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
