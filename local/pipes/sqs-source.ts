import {
  collectSqsBatch,
  deleteSqsMessages,
  type SqsForPoller,
  type SqsMessage,
  sqsRecord,
} from '../lambda/event-source-mappings/sqs-event-source.js';
import { tryParseArn } from '../names/arn.js';
import { HeldWork } from '../time/clock.js';
import type { PipeDefinition } from './definitions.js';
import { PipeDelivery, type PipeDeliveryOptions, type PipeRecord } from './pipe-delivery.js';
import { sqsRecordFilter } from './record-filter.js';

/** The local SQS as a pipe polls it. */
export interface PipeQueueSource extends SqsForPoller {
  readonly region: string;
  /** The number of messages that can be received now (ApproximateNumberOfMessages), for `idle`. */
  visibleMessages(queueUrl: string): Promise<number>;
}

export interface SqsPipeOptions extends PipeDeliveryOptions {
  readonly queues: PipeQueueSource;
  readonly log?: (line: string) => void;
}

/**
 * A pipe with an SQS source (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-sqs.html):
 * long-polls the queue, gathers up to `BatchSize` messages (default 10) within
 * `MaximumBatchingWindowInSeconds`, and hands the batch to the enrichment and target.
 * Messages its filters do not match are deleted without being delivered; a batch the target
 * takes is deleted. A failed batch is left on the queue, so it comes back after the
 * visibility timeout and, past the queue's maxReceiveCount, goes to the queue's own
 * dead-letter queue (Pipes retries customer errors up to the source queue's maximum receive
 * count; a pipe with an SQS source has no dead-letter configuration of its own). A target
 * function may answer `{ batchItemFailures: [{ itemIdentifier }] }` with message ids: only
 * those are left on the queue. Filters, input templates and dynamic parameters see the body
 * parsed when it is JSON (implicit body data parsing).
 */
export class SqsPipeRunner {
  readonly #matches: (record: object) => boolean;
  readonly #delivery: PipeDelivery;
  readonly #abort = new AbortController();
  #stopped = true;
  #inFlight = false;
  #loop?: Promise<void>;
  #queueUrl?: string;

  constructor(
    private readonly pipe: PipeDefinition,
    private readonly options: SqsPipeOptions,
  ) {
    this.#matches = sqsRecordFilter(pipe.filters);
    this.#delivery = new PipeDelivery(pipe, options);
  }

  start(): void {
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#loop;
  }

  /** Resolves once no batch is in flight and the queue has no message to receive now. */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const url = this.#queueUrl;
      if (url !== undefined && !this.#inFlight && (await this.options.queues.visibleMessages(url)) === 0 && !this.#inFlight) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async #run(): Promise<void> {
    const queueName = tryParseArn(this.pipe.sourceArn)?.resourceId ?? '';
    try {
      this.#queueUrl = (await this.options.queues.GetQueueUrl({ QueueName: queueName })).QueueUrl;
    } catch (error) {
      this.options.log?.(`${this.pipe.name}: does not run: its source queue ${this.pipe.sourceArn}: ${(error as Error).message}`);
      this.#stopped = true;
      return;
    }
    // AWS refuses to create a pipe (CREATE_FAILED) whose role cannot read the queue: it never runs.
    const unreadable = await this.options.authorize?.(this.pipe, this.pipe.sourceArn, 'read');
    if (unreadable !== undefined) {
      this.options.log?.(
        `${this.pipe.name}: does not run: its role may not read ${this.pipe.sourceArn} (AWS: CREATE_FAILED): ${unreadable}`,
      );
      this.#stopped = true;
      return;
    }
    const url = this.#queueUrl as string;
    while (!this.#stopped) {
      // A batch is work in flight from its first receive to its delete: a test's clock waits for
      // it rather than pass the visibility timeout of messages being delivered (Clock.begin).
      const work = new HeldWork(this.options.clock, () => `a batch of pipe ${this.pipe.name} (${this.pipe.sourceArn})`);
      try {
        const batch = await this.#collect(url, work);
        if (batch.length === 0 || this.#stopped) continue;
        this.#inFlight = true;
        await this.#handle(url, batch);
      } catch (error) {
        if (this.#stopped) return;
        this.options.log?.(`${this.pipe.name}: ${(error as Error).message}`);
        work.release();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        this.#inFlight = false;
        work.release();
      }
    }
  }

  #collect(url: string, work: HeldWork): Promise<SqsMessage[]> {
    return collectSqsBatch(this.options.queues, url, this.pipe, {
      signal: this.#abort.signal,
      stopped: () => this.#stopped,
      clock: this.options.clock,
      work,
    });
  }

  /** Filters, delivers and deletes what is done with; what failed stays for the queue to redeliver. */
  async #handle(url: string, messages: readonly SqsMessage[]): Promise<void> {
    const records = messages.map((message) => ({ message, record: sqsRecord(message, this.pipe.sourceArn, this.options.queues.region) }));
    const kept = records.filter(({ record }) => this.#matches(record));
    let failed: ReadonlySet<string> = new Set();
    if (kept.length > 0) {
      try {
        failed = await this.#delivery.deliver(kept.map(({ record }): PipeRecord => ({ event: record, id: record.messageId ?? '' })));
      } catch (error) {
        // Left on the queue: received again after its visibility timeout, up to the queue's maxReceiveCount.
        this.options.log?.(`${this.pipe.name}: batch of ${kept.length} failed (${(error as Error).message}); left on the queue`);
        await this.#delete(
          url,
          records.filter((r) => !kept.includes(r)).map((r) => r.message),
        );
        return;
      }
    }
    if (failed.size > 0) this.options.log?.(`${this.pipe.name}: the target reported ${failed.size} failed message(s); left on the queue`);
    await this.#delete(
      url,
      messages.filter((m) => !failed.has(m.MessageId ?? '')),
    );
  }

  #delete(url: string, messages: readonly SqsMessage[]): Promise<void> {
    return deleteSqsMessages(this.options.queues, url, messages);
  }
}
