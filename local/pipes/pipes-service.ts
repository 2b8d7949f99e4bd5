import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { parseArn, tryParseArn } from '../arn.js';
import type { Clock } from '../clock.js';
import { type StoredRecord, shardIdOf } from '../dynamodb/streams/stream-store.js';
import { compilePattern, matchesPattern } from '../events/pattern.js';
import { type LambdaOutcome, type PutEventsAnswer, type PutEventsEntry, TargetDispatcher } from '../targets/dispatcher.js';
import type { SqsQueues } from '../targets/queues.js';
import type { PipeDefinition } from './definitions.js';
import { dynamicParameter, renderPipeTemplate } from './input-template.js';

/** Where a pipe reads its records (the local DynamoDB Streams, in process). */
export interface StreamSource {
  readAfter(streamArn: string, after: number, limit: number): StoredRecord[];
  latestPosition(streamArn: string): number;
  onRecords(listener: (streamArn: string) => void): () => void;
}

/** The services a pipe's enrichment and target are, through their own operations. */
export interface PipeServices {
  readonly lambda: { invoke(functionName: string, event: unknown): Promise<LambdaOutcome> };
  /** `entryKeys` (EventsService's PutEventsCall): the bus puts an event keyed by a record it already took once. */
  readonly events: {
    PutEvents(input: { Entries: PutEventsEntry[] }, options?: { entryKeys?: readonly (string | undefined)[] }): Promise<PutEventsAnswer>;
  };
  readonly sqs: { queueUrlOf(arn: string): string; SendMessage: SqsQueues['SendMessage'] };
  readonly states: { StartExecution(input: { stateMachineArn: string; input: string }): Promise<unknown> };
}

export interface PipesServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly pipes: readonly PipeDefinition[];
  readonly source: StreamSource;
  readonly services: PipeServices;
  /** The first retry of a failed batch waits this long, doubling up to a minute. @default 1000 */
  readonly retryBaseMs?: number;
  /**
   * IAM for what a pipe does as its role: `read` its source stream (checked once, as AWS does
   * when it creates the pipe), `deliver` to its enrichment or target. AWS's message when the
   * role may not (and IAM enforces), else undefined. @default none
   */
  readonly authorize?: (pipe: PipeDefinition, resourceArn: string, use: 'read' | 'deliver') => Promise<string | undefined>;
  readonly log?: (line: string) => void;
}

class DeliveryFailure extends Error {
  constructor(
    message: string,
    /** What the mapped function answered, for the failure record (Lambda's `responseContext`). */
    readonly response?: MappingResponse,
  ) {
    super(message);
  }
}

/** A Lambda event source mapping's `responseContext`: the last invocation's status, version and error kind. */
interface MappingResponse {
  readonly statusCode: number;
  readonly executedVersion: string;
  readonly functionError?: 'Unhandled';
}

/** A function that reported batch item failures: the records from `index` on are retried (Lambda checkpoints before the first failure). */
class PartialFailure extends DeliveryFailure {
  constructor(
    readonly index: number,
    message: string,
    response?: MappingResponse,
  ) {
    super(message, response);
  }
}

/**
 * EventBridge Pipes with a DynamoDB stream source: each pipe reads its stream in order
 * (one batch at a time, so the records of an item reach the target in the order they were
 * written), drops what its filters do not match, calls its enrichment with the batch and
 * hands each result to the target. A failed batch is retried with backoff (and bisected, if
 * asked) until `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds`, then described in the
 * dead-letter queue. The position in the stream is committed only after the target accepted
 * the batch (or it was dead-lettered), so a restart loses nothing; a crash in the middle
 * of a batch delivers that batch again, as Pipes may. To a bus, though, each event goes
 * with a key naming the pipe and the stream record it came from, which the bus keeps in
 * the transaction that accepts the event: a batch sent again after the bus accepted it and
 * before the checkpoint moved (a SIGKILL, a lost answer) is answered from the first answer
 * and put once. AWS Pipes is at least once there; the local runtime is not.
 */
export class PipesService {
  readonly #runners: PipeRunner[];

  constructor(private readonly options: PipesServiceOptions) {
    options.db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (pipe TEXT NOT NULL, stream_arn TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (pipe, stream_arn))',
    );
    this.#runners = options.pipes.filter((pipe) => pipe.running).map((pipe) => new PipeRunner(pipe, options));
  }

  start(): void {
    for (const runner of this.#runners) runner.start();
  }

  /** The running pipes, for the start-up report: the table whose stream each reads, and its target. */
  describe(): { kind: 'pipe' | 'event source mapping'; name: string; table: string; target: string }[] {
    return this.options.pipes
      .filter((pipe) => pipe.running)
      .map((pipe) => ({
        kind: pipe.mapping ? ('event source mapping' as const) : ('pipe' as const),
        name: pipe.mapping ? pipe.arn : pipe.name,
        table: tableOf(pipe.sourceArn),
        target: pipe.targetArn,
      }));
  }

  /** Stops reading; a batch in flight is finished (and its position committed) first. */
  async stop(): Promise<void> {
    await Promise.all(this.#runners.map((runner) => runner.stop()));
  }

  /** Resolves once every pipe has handled every record its stream has now (for tests and the CLI). */
  async idle(): Promise<void> {
    await Promise.all(this.#runners.map((runner) => runner.idle()));
  }
}

class PipeRunner {
  readonly #filters: ReturnType<typeof compilePattern>[];
  #stopped = true;
  #wake?: () => void;
  #loop?: Promise<void>;
  #unsubscribe?: () => void;
  #idleWaiters: (() => void)[] = [];

  readonly #dispatcher: TargetDispatcher;

  constructor(
    private readonly pipe: PipeDefinition,
    private readonly options: PipesServiceOptions,
  ) {
    this.#filters = pipe.filters.map((pattern) => compilePattern(pattern));
    const { lambda, events, sqs, states } = options.services;
    this.#dispatcher = new TargetDispatcher({
      sqs: { queueUrl: (arn) => sqs.queueUrlOf(arn), SendMessage: (input) => sqs.SendMessage(input) },
      lambda: { invoke: (fn, event) => lambda.invoke(fn, event) },
      events: { PutEvents: (input, keys) => events.PutEvents(input, keys) },
      states: { StartExecution: (input) => states.StartExecution(input) },
    });
  }

  start(): void {
    this.#stopped = false;
    this.#ensureCheckpoint();
    this.#unsubscribe = this.options.source.onRecords((arn) => {
      if (arn === this.pipe.sourceArn) this.#wake?.();
    });
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
    return this.options.source.readAfter(this.pipe.sourceArn, this.#checkpoint(), 1).length;
  }

  #ensureCheckpoint(): void {
    const db = this.options.db;
    const row = db.prepare('SELECT position FROM checkpoints WHERE pipe = ? AND stream_arn = ?').get(this.pipe.name, this.pipe.sourceArn);
    if (row) return;
    // A new pipe starts at the oldest record kept (TRIM_HORIZON) or after the newest (LATEST).
    const start = this.pipe.startingPosition === 'LATEST' ? this.options.source.latestPosition(this.pipe.sourceArn) : 0;
    this.#commit(start);
  }

  #checkpoint(): number {
    const row = this.options.db
      .prepare('SELECT position FROM checkpoints WHERE pipe = ? AND stream_arn = ?')
      .get(this.pipe.name, this.pipe.sourceArn) as { position: number } | undefined;
    return Number(row?.position ?? 0);
  }

  #commit(position: number): void {
    this.options.db
      .prepare(
        'INSERT INTO checkpoints (pipe, stream_arn, position) VALUES (?, ?, ?) ON CONFLICT (pipe, stream_arn) DO UPDATE SET position = excluded.position',
      )
      .run(this.pipe.name, this.pipe.sourceArn, position);
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
      let batch = this.options.source.readAfter(this.pipe.sourceArn, this.#checkpoint(), this.pipe.batchSize);
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
        batch = this.options.source.readAfter(this.pipe.sourceArn, this.#checkpoint(), this.pipe.batchSize);
      }
      if (this.#stopped) break;
      try {
        await this.#handle(batch);
      } catch (error) {
        // Not committed: the batch is read again (after a restart, if the pipe is stopping).
        this.options.log?.(`${this.pipe.name}: ${(error as Error).message}`);
        if (!this.#stopped) await this.#sleep(this.options.retryBaseMs ?? 1000);
        continue;
      }
      this.#commit(batch.at(-1)?.position ?? this.#checkpoint());
      firstSeenAt = undefined;
    }
  }

  /** One batch: filtered, then delivered with retries, bisection and the dead-letter queue. */
  async #handle(batch: readonly StoredRecord[]): Promise<void> {
    const events = batch.map((stored) => ({ stored, event: { ...stored.record, eventSourceARN: this.pipe.sourceArn } }));
    const kept = this.#filters.length === 0 ? events : events.filter(({ event }) => this.#filters.some((f) => matchesPattern(f, event)));
    if (kept.length > 0) await this.#deliverWithRetries(kept, 0);
  }

  async #deliverWithRetries(records: readonly { stored: StoredRecord; event: object }[], attemptsSoFar: number): Promise<void> {
    let batch = records;
    let attempts = attemptsSoFar;
    let response: MappingResponse | undefined;
    for (;;) {
      const tooOld = this.#expired(batch);
      if (tooOld) {
        return this.#deadLetter(batch, 'RecordAgeExceeded', attempts, 'the record is older than MaximumRecordAgeInSeconds', response);
      }
      try {
        await this.#deliver(batch.map((b) => b.event));
        return;
      } catch (error) {
        const message = (error as Error).message;
        if (error instanceof DeliveryFailure && error.response) response = error.response;
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

  #expired(batch: readonly { stored: StoredRecord }[]): boolean {
    const maxAge = this.pipe.maximumRecordAgeSeconds;
    if (maxAge < 0) return false;
    const oldest = Math.min(...batch.map((b) => b.stored.createdMs));
    return this.options.clock.now() - oldest > maxAge * 1000;
  }

  async #deliver(records: readonly object[]): Promise<void> {
    if (this.pipe.mapping) return this.#invokeMapped(records, this.pipe.mapping);
    const variables = {
      'pipe-arn': this.pipe.arn,
      'pipe-name': this.pipe.name,
      'source-arn': this.pipe.sourceArn,
      'enrichment-arn': this.pipe.enrichmentArn ?? '',
      'target-arn': this.pipe.targetArn,
      event: { 'ingestion-time': new Date(this.options.clock.now()).toISOString() },
    };
    let payloads: unknown[] = [...records];
    if (this.pipe.enrichmentArn) {
      await this.#mayDeliverTo(this.pipe.enrichmentArn);
      const template = this.pipe.enrichmentInputTemplate;
      const input =
        template === undefined ? payloads : payloads.map((p) => JSON.parse(renderPipeTemplate(template, p, variables as never)));
      const outcome = await this.options.services.lambda.invoke(this.pipe.enrichmentArn, input);
      if (!outcome.ok) throw new DeliveryFailure(`enrichment failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      const answer = outcome.payload === '' ? null : (JSON.parse(outcome.payload) as unknown);
      // An enrichment that answers nothing drops the batch; an object is one event.
      payloads = answer === null ? [] : Array.isArray(answer) ? answer : [answer];
    }
    if (payloads.length === 0) return;
    await this.#mayDeliverTo(this.pipe.targetArn);
    const template = this.pipe.targetInputTemplate;
    const rendered = payloads.map((p) =>
      template === undefined ? JSON.stringify(p) : renderPipeTemplate(template, p, variables as never),
    );
    await this.#target(payloads, rendered, this.#eventKeys(records, payloads.length));
  }

  /** A role that may not invoke the enrichment or target is a customer invocation error: retried, then dead-lettered, as on AWS. */
  async #mayDeliverTo(arn: string): Promise<void> {
    const refusal = await this.options.authorize?.(this.pipe, arn, 'deliver');
    if (refusal !== undefined) throw new DeliveryFailure(`the pipe's role may not invoke ${arn}: ${refusal}`);
  }

  /**
   * The key of each event the batch becomes, the same however the records are batched again:
   * the record it came from, when there is one event per record (no enrichment, or one that
   * answers one per record, as the outbox's does); otherwise the batch's first and last
   * record and the event's place (the same only if the batch is read again whole).
   */
  #eventKeys(records: readonly object[], count: number): string[] {
    const sequenceNumber = (record: object | undefined) =>
      (record as { dynamodb?: { SequenceNumber?: string } } | undefined)?.dynamodb?.SequenceNumber;
    const base = `pipe ${this.pipe.arn} ${this.pipe.sourceArn}`;
    if (count === records.length) return records.map((record) => `${base} ${sequenceNumber(record)}`);
    const range = `${sequenceNumber(records[0])}-${sequenceNumber(records.at(-1))}`;
    return Array.from({ length: count }, (_, index) => `${base} ${range}#${index}`);
  }

  /**
   * Hands the batch to the target as Pipes does: a bus gets PutEvents of up to 10 entries, a
   * queue one message per event, a function (synchronously) and a state machine the batch as an array.
   */
  async #target(payloads: readonly unknown[], rendered: readonly string[], keys: readonly string[]): Promise<void> {
    const arn = this.pipe.targetArn;
    const service = parseArn(arn).service;
    if (service === 'events') {
      const p = this.pipe.eventBusParameters ?? {};
      const entries = payloads.map((payload, index) => {
        const time = dynamicParameter(p.Time, payload);
        return {
          Source: dynamicParameter(p.Source, payload) ?? `Pipe ${this.pipe.name}`,
          DetailType: dynamicParameter(p.DetailType, payload) ?? 'Event from aws:dynamodb',
          Detail: rendered[index] as string,
          ...(p.Resources ? { Resources: [...p.Resources] } : {}),
          ...(time && Number.isFinite(Date.parse(time)) ? { Time: Date.parse(time) / 1000 } : {}),
        };
      });
      for (let at = 0; at < entries.length; at += 10) {
        const sent = await this.#dispatcher.send(arn, {
          body: '',
          events: { entries: entries.slice(at, at + 10), entryKeys: keys.slice(at, at + 10) },
        });
        const answer = (sent.service === 'events' && sent.answer) || {};
        if ((answer.FailedEntryCount ?? 0) > 0) {
          const failed = answer.Entries?.find((e) => 'ErrorCode' in e);
          throw new DeliveryFailure(`the event bus refused an event: ${failed?.ErrorCode}: ${failed?.ErrorMessage}`);
        }
      }
    } else if (service === 'sqs') {
      const p = this.pipe.sqsParameters ?? {};
      for (const [index, body] of rendered.entries()) {
        const payload = payloads[index];
        const group = dynamicParameter(p.MessageGroupId, payload);
        const dedup = dynamicParameter(p.MessageDeduplicationId, payload);
        await this.#dispatcher.send(arn, {
          body,
          sqs: { ...(group ? { MessageGroupId: group } : {}), ...(dedup ? { MessageDeduplicationId: dedup } : {}) },
        });
      }
    } else if (service === 'lambda') {
      const sent = await this.#dispatcher.send(arn, {
        body: '',
        lambda: { invocationType: 'RequestResponse', event: rendered.map((text) => JSON.parse(text)) },
      });
      const outcome = sent.service === 'lambda' ? sent.outcome : undefined;
      if (outcome && !outcome.ok) {
        throw new DeliveryFailure(`the target function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      }
    } else {
      await this.#dispatcher.send(arn, { body: `[${rendered.join(',')}]` });
    }
  }

  /** A Lambda event source mapping: the function gets `{ Records }`; with ReportBatchItemFailures it may name the records it failed. */
  async #invokeMapped(records: readonly object[], mapping: NonNullable<PipeDefinition['mapping']>): Promise<void> {
    const outcome = await this.options.services.lambda.invoke(this.pipe.targetArn, { Records: records });
    // Only the unqualified function runs here, so what ran is $LATEST (as the runtime's asynchronous invocations record it).
    if (!outcome.ok) {
      throw new DeliveryFailure(`the function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`, {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
      });
    }
    if (!mapping.reportBatchItemFailures) return;
    type Response = { batchItemFailures?: { itemIdentifier?: unknown }[] } | null;
    let answer: Response = null;
    try {
      answer = JSON.parse(outcome.payload || 'null') as Response;
    } catch {
      return;
    }
    const failed: unknown[] = (answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
    if (failed.length === 0) return;
    const sequenceNumbers = records.map((r) => (r as { dynamodb: { SequenceNumber: string } }).dynamodb.SequenceNumber);
    const indexes = failed.map((id) => sequenceNumbers.indexOf(String(id)));
    // An identifier that names no record of the batch fails the whole batch, as Lambda treats it.
    const first = indexes.some((i) => i < 0) ? 0 : Math.min(...indexes);
    throw new PartialFailure(
      first,
      `the function reported ${failed.length} failed record(s), from sequence number ${sequenceNumbers[first]}`,
      { statusCode: 200, executedVersion: '$LATEST' },
    );
  }

  /**
   * The description of a batch given up on (the records stay in the stream until it drops
   * them). A Lambda event source mapping's says what the function last answered
   * (`responseContext`: status code, executed version, function error), as Lambda's on-failure
   * record does; the reason is logged. A pipe's carries the reason.
   */
  async #deadLetter(
    batch: readonly { stored: StoredRecord }[],
    condition: string,
    attempts: number,
    reason: string,
    response: MappingResponse | undefined,
  ): Promise<void> {
    const first = batch[0]?.stored;
    const last = batch.at(-1)?.stored;
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
      DDBStreamBatchInfo: {
        shardId: shardIdOf(this.pipe.sourceArn),
        startSequenceNumber: first.record.dynamodb.SequenceNumber,
        endSequenceNumber: last.record.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.createdMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.createdMs).toISOString(),
        batchSize: batch.length,
        streamArn: this.pipe.sourceArn,
      },
    };
    await this.#dispatcher.send(this.pipe.deadLetterArn, { body: JSON.stringify(message) });
  }
}

/** The table a stream ARN (`table/<name>/stream/<label>`) belongs to. */
function tableOf(streamArn: string): string {
  const parsed = tryParseArn(streamArn);
  return parsed?.resourceType === 'table' ? parsed.resourceId : streamArn;
}
