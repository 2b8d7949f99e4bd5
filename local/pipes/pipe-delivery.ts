import { HttpIntegrationError } from '../apigateway/http-forward.js';
import { ConnectionAuthorizationError } from '../events/api-destination-call.js';
import { parseBatchItemFailures } from '../lambda/event-source-mappings/sqs-event-source.js';
import { parseArn } from '../names/arn.js';
import {
  type LambdaOutcome,
  type PutEventsAnswer,
  type PutEventsEntry,
  TargetDispatcher,
  type TargetServices,
} from '../targets/dispatcher.js';
import type { SqsQueues } from '../targets/queues.js';
import type { Clock } from '../time/clock.js';
import type { PipeDefinition } from './definitions.js';
import { dynamicParameter, renderPipeTemplate } from './input-template.js';
import { EnrichmentFailure, type EnrichmentServices, enrich } from './pipe-enrichment.js';
import { callHttp, type PipeHttpCall, type PipeHttpServices } from './pipe-http.js';
import { parsedView } from './record-filter.js';

/** The services a pipe's enrichment and target are, through their own operations. */
export interface PipeServices {
  readonly lambda: {
    invoke(functionName: string, event: unknown): Promise<LambdaOutcome>;
    /** A FIRE_AND_FORGET function target: resolves once the invocation is queued. */
    invokeAsync?(functionName: string, event: unknown): Promise<unknown>;
  };
  /** `entryKeys` (EventsService's PutEventsCall): the bus puts an event keyed by a record it already took once. */
  readonly events: {
    PutEvents(input: { Entries: PutEventsEntry[] }, options?: { entryKeys?: readonly (string | undefined)[] }): Promise<PutEventsAnswer>;
  };
  readonly sqs: { queueUrlOf(arn: string): string; SendMessage: SqsQueues['SendMessage'] };
  readonly states: EnrichmentServices['states'] & { StartExecution(input: { stateMachineArn: string; input: string }): Promise<unknown> };
  /** A topic target, or a stream mapping's on-failure destination (the local SNS). */
  readonly sns?: TargetServices['sns'];
  readonly kinesis?: { PutRecords(input: { StreamARN: string; Records: { Data: string; PartitionKey: string }[] }): Promise<unknown> };
  readonly logs?: TargetServices['logs'];
  /** A Firehose delivery stream target: its batch through PutRecordBatch. */
  readonly firehose?: TargetServices['firehose'];
  /** API destination and API Gateway enrichments and targets. */
  readonly http?: PipeHttpServices;
  /** A stream mapping's on-failure bucket (the local S3). */
  readonly s3?: { putObject(bucket: string, key: string, body: string): void };
}

/**
 * The most events each target takes at once (Pipes' batching and concurrency page): more fail
 * the batch, as Pipes does not invoke it. API destinations and API Gateway take no batches: one.
 */
const TARGET_BATCH_LIMITS: Readonly<Record<string, number>> = { events: 10, sqs: 10, sns: 10, kinesis: 500, firehose: 500, logs: 10_000 };

function targetBatchLimit(pipe: PipeDefinition): number | undefined {
  return pipe.targetHttp === undefined ? TARGET_BATCH_LIMITS[parseArn(pipe.targetArn).service] : 1;
}

/** A batch (or part of one) the enrichment or target did not take: retried, then dead-lettered, as the source says. */
export class PipeDeliveryFailure extends Error {
  constructor(
    message: string,
    /** What the mapped function answered, for the failure record (Lambda's `responseContext`). */
    readonly response?: MappingResponse,
  ) {
    super(message);
    this.name = 'PipeDeliveryFailure';
  }
}

/**
 * A Lambda event source mapping's `responseContext`: the last invocation's status, version and
 * error kind (null when the function answered but the batch failed: a partial batch response
 * naming failed records, or a malformed one).
 */
export interface MappingResponse {
  readonly statusCode: number;
  readonly executedVersion: string;
  readonly functionError: 'Unhandled' | null;
}

/** A function that reported batch item failures: the records from `index` on are retried (Lambda checkpoints before the first failure). */
export class PartialFailure extends PipeDeliveryFailure {
  constructor(
    readonly index: number,
    message: string,
    response?: MappingResponse,
  ) {
    super(message, response);
  }
}

/** One record of a batch as the pipe hands it on: `event` goes to the enrichment or target, `id` keys it. */
/**
 * What a pipe's role is asked for on a resource: to read its source, to deliver to a target,
 * or to run one and wait for its answer (the enrichment, a REQUEST_RESPONSE target: an
 * Express state machine through StartSyncExecution).
 */
export type PipeResourceUse = 'read' | 'deliver' | 'run';

export interface PipeRecord {
  readonly event: object;
  /** What identifies the record in its source: a stream record's sequence number, an SQS message's id. */
  readonly id: string;
}

export interface PipeDeliveryOptions {
  readonly clock: Clock;
  readonly services: PipeServices;
  readonly authorize?: (pipe: PipeDefinition, resourceArn: string, use: PipeResourceUse) => Promise<string | undefined>;
}

/**
 * A pipe's enrichment and target, whatever its source: the batch goes to the enrichment (if
 * any, through its input template), then each result to the target through the target's
 * input template. Input templates and dynamic parameters see an SQS record's `body` parsed
 * when it is JSON (Pipes' implicit body data parsing); what is sent without a template is the
 * record as the source gave it. Throws PipeDeliveryFailure when the enrichment or target fails.
 */
export class PipeDelivery {
  readonly #dispatcher: TargetDispatcher;

  constructor(
    private readonly pipe: PipeDefinition,
    private readonly options: PipeDeliveryOptions,
  ) {
    const { lambda, events, sqs, states, sns, logs, firehose } = options.services;
    const invokeAsync = lambda.invokeAsync?.bind(lambda);
    this.#dispatcher = new TargetDispatcher({
      ...(sns === undefined ? {} : { sns }),
      ...(logs === undefined ? {} : { logs }),
      ...(firehose === undefined ? {} : { firehose }),
      sqs: { queueUrl: (arn) => sqs.queueUrlOf(arn), SendMessage: (input) => sqs.SendMessage(input) },
      lambda: {
        invoke: (fn, event) => lambda.invoke(fn, event),
        ...(invokeAsync ? { invokeAsync } : {}),
      },
      events: { PutEvents: (input, keys) => events.PutEvents(input, keys) },
      states: { StartExecution: (input) => states.StartExecution(input) },
    });
  }

  /**
   * Sends a message to the pipe's dead-letter queue (or a mapping's on-failure queue or topic),
   * or puts it in a mapping's on-failure bucket under `objectKey`.
   */
  async deadLetter(body: string, objectKey: () => string): Promise<void> {
    const arn = this.pipe.deadLetterArn;
    if (!arn) return;
    if (isBucketArn(arn)) {
      const s3 = this.options.services.s3;
      if (s3 === undefined) throw new Error(`no S3 runs here to take the failure record for ${arn}`);
      s3.putObject(arn.slice(arn.indexOf(':::') + 3), objectKey(), body);
      return;
    }
    await this.#dispatcher.send(arn, { body });
  }

  /**
   * Delivers the records; resolves with the ids of the records the target function reported
   * as failed (`batchItemFailures`), which are then to be retried, or none.
   */
  async deliver(records: readonly PipeRecord[]): Promise<ReadonlySet<string>> {
    const variables = {
      'pipe-arn': this.pipe.arn,
      'pipe-name': this.pipe.name,
      'source-arn': this.pipe.sourceArn,
      'enrichment-arn': this.pipe.enrichmentArn ?? '',
      'target-arn': this.pipe.targetArn,
      event: { 'ingestion-time': new Date(this.options.clock.now()).toISOString() },
    };
    let payloads: unknown[] = records.map((r) => r.event);
    if (this.pipe.enrichmentArn) {
      await this.#mayDeliverTo(this.pipe.enrichmentArn, 'run');
      const template = this.pipe.enrichmentInputTemplate;
      // Each record parsed once (a body's JSON, a Kinesis record's data) for both the template and the event.
      const input = payloads.map((p) => {
        const view = parsedView(p);
        return { text: template === undefined ? JSON.stringify(p) : renderPipeTemplate(template, view, variables as never), event: view };
      });
      try {
        payloads = await enrich(this.options.services, this.pipe.enrichmentArn, input, this.pipe.enrichmentHttp);
      } catch (error) {
        if (error instanceof EnrichmentFailure) throw new PipeDeliveryFailure(error.message);
        throw error;
      }
    }
    if (payloads.length === 0) return new Set();
    const limit = targetBatchLimit(this.pipe);
    if (limit !== undefined && payloads.length > limit) {
      throw new PipeDeliveryFailure(`the batch has ${payloads.length} events, more than the ${limit} its target takes at once`);
    }
    await this.#mayDeliverTo(this.pipe.targetArn, this.pipe.invocationType === 'REQUEST_RESPONSE' ? 'run' : 'deliver');
    const template = this.pipe.targetInputTemplate;
    const views = payloads.map(parsedView);
    const rendered = payloads.map((p, index) =>
      template === undefined ? JSON.stringify(p) : renderPipeTemplate(template, views[index], variables as never),
    );
    return this.#target(views, rendered, this.#eventKeys(records, payloads.length), new Set(records.map((r) => r.id)));
  }

  /** A role that may not invoke the enrichment or target is a customer invocation error: retried, then dead-lettered, as on AWS. */
  async #mayDeliverTo(arn: string, use: 'deliver' | 'run'): Promise<void> {
    const refusal = await this.options.authorize?.(this.pipe, arn, use);
    if (refusal !== undefined) throw new PipeDeliveryFailure(`the pipe's role may not invoke ${arn}: ${refusal}`);
  }

  /**
   * The key of each event the batch becomes, the same however the records are batched again:
   * the record it came from, when there is one event per record (no enrichment, or one that
   * answers one per record, as the outbox's does); otherwise the batch's first and last
   * record and the event's place (the same only if the batch is read again whole).
   */
  #eventKeys(records: readonly PipeRecord[], count: number): string[] {
    const base = `pipe ${this.pipe.arn} ${this.pipe.sourceArn}`;
    if (count === records.length) return records.map((record) => `${base} ${record.id}`);
    const range = `${records[0]?.id}-${records.at(-1)?.id}`;
    return Array.from({ length: count }, (_, index) => `${base} ${range}#${index}`);
  }

  /**
   * Hands the batch to the target as Pipes does: a bus gets PutEvents of up to 10 entries, a
   * queue one message per event, a delivery stream PutRecordBatch, a function (synchronously) and a state machine the batch as
   * an array. `payloads` are the events as dynamic parameters read them; `ids` the batch's
   * records, which a function's `batchItemFailures` name.
   */
  async #target(
    payloads: readonly unknown[],
    rendered: readonly string[],
    keys: readonly string[],
    ids: ReadonlySet<string>,
  ): Promise<ReadonlySet<string>> {
    const arn = this.pipe.targetArn;
    const service = parseArn(arn).service;
    if (this.pipe.targetHttp !== undefined) {
      for (const [index, body] of rendered.entries()) await this.#toHttp(this.pipe.targetHttp, payloads[index], body);
    } else if (service === 'events') {
      await this.#toBus(arn, payloads, rendered, keys);
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
    } else if (service === 'sns') {
      for (const body of rendered) await this.#dispatcher.send(arn, { body });
    } else if (service === 'kinesis') {
      await this.#toStream(arn, payloads, rendered);
    } else if (service === 'firehose') {
      await this.#toDeliveryStream(arn, rendered);
    } else if (service === 'logs') {
      const p = this.pipe.logsParameters ?? {};
      for (const [index, body] of rendered.entries()) {
        const time = Number(dynamicParameter(p.Timestamp, payloads[index]));
        await this.#dispatcher.send(arn, {
          body,
          logs: {
            streamName: dynamicParameter(p.LogStreamName, payloads[index]) ?? this.pipe.name,
            timestamp: Number.isFinite(time) && time > 0 ? time : this.options.clock.now(),
          },
        });
      }
    } else if (this.pipe.invocationType === 'REQUEST_RESPONSE' || (service === 'lambda' && this.pipe.invocationType === undefined)) {
      return this.#synchronously(arn, service, rendered, ids);
    } else if (service === 'lambda') {
      await this.#dispatcher.send(arn, { body: '', lambda: { invocationType: 'Event', event: rendered.map((text) => JSON.parse(text)) } });
    } else {
      await this.#dispatcher.send(arn, { body: `[${rendered.join(',')}]` });
    }
    return new Set();
  }

  /**
   * A function or Express state machine target invoked REQUEST_RESPONSE with the batch: its
   * failure fails the batch; its answer may name the records that failed (`batchItemFailures`),
   * read as Lambda reads a partial batch response (malformed, or naming no record of the
   * batch, fails it whole).
   */
  async #synchronously(arn: string, service: string, rendered: readonly string[], ids: ReadonlySet<string>): Promise<ReadonlySet<string>> {
    const batch = rendered.map((text) => JSON.parse(text) as unknown);
    let answer: string;
    if (service === 'lambda') {
      const sent = await this.#dispatcher.send(arn, { body: '', lambda: { invocationType: 'RequestResponse', event: batch } });
      const outcome = sent.service === 'lambda' ? sent.outcome : undefined;
      if (outcome && !outcome.ok) {
        throw new PipeDeliveryFailure(`the target function failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      }
      if (!outcome?.ok) return new Set();
      answer = outcome.payload;
    } else {
      const states = this.options.services.states;
      if (states.StartSyncExecution === undefined) throw new PipeDeliveryFailure(`state machine ${arn} cannot be run synchronously here`);
      const execution = await states.StartSyncExecution({ stateMachineArn: arn, input: JSON.stringify(batch) });
      if (execution.status !== 'SUCCEEDED') {
        throw new PipeDeliveryFailure(`the target execution ${execution.status}: ${execution.error ?? ''}: ${execution.cause ?? ''}`);
      }
      answer = execution.output ?? '';
    }
    const failed = parseBatchItemFailures(answer || 'null', ids);
    return failed === 'invalid' ? ids : failed;
  }

  /** An API destination or API Gateway target: one request per event; an answer other than 2xx fails the batch. */
  async #toHttp(call: PipeHttpCall, payload: unknown, body: string): Promise<void> {
    const http = this.options.services.http;
    if (http === undefined) throw new PipeDeliveryFailure(`the HTTP target ${this.pipe.targetArn} cannot be reached here`);
    let answer: Awaited<ReturnType<typeof callHttp>>;
    try {
      answer = await callHttp(http, call, payload, body);
    } catch (error) {
      if (error instanceof HttpIntegrationError || error instanceof ConnectionAuthorizationError)
        throw new PipeDeliveryFailure(`the target failed: ${error.message}`);
      throw error;
    }
    if (answer.status < 200 || answer.status > 299)
      throw new PipeDeliveryFailure(`the target ${this.pipe.targetArn} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  }

  /** A Kinesis stream target: the batch in one PutRecords, each record keyed by the partition key parameter. */
  async #toStream(arn: string, payloads: readonly unknown[], rendered: readonly string[]): Promise<void> {
    const kinesis = this.options.services.kinesis;
    if (kinesis === undefined) throw new PipeDeliveryFailure(`Kinesis stream ${arn} cannot be reached here`);
    const key = this.pipe.kinesisPartitionKey;
    const records = rendered.map((body, index) => ({
      Data: Buffer.from(body).toString('base64'),
      PartitionKey: dynamicParameter(key, payloads[index]) ?? this.pipe.name,
    }));
    const answer = (await kinesis.PutRecords({ StreamARN: arn, Records: records })) as { FailedRecordCount?: number };
    if ((answer.FailedRecordCount ?? 0) > 0) throw new PipeDeliveryFailure(`the stream refused ${answer.FailedRecordCount} records`);
  }

  /** A Firehose delivery stream target: the batch in one PutRecordBatch, a record per event; a record refused fails the batch. */
  async #toDeliveryStream(arn: string, rendered: readonly string[]): Promise<void> {
    const results = await this.#dispatcher.sendBatch(
      arn,
      rendered.map((body) => ({ body })),
    );
    const refused = results.flatMap((result) => (result.ok ? [] : [result.error]));
    if (refused.length > 0)
      throw new PipeDeliveryFailure(`the delivery stream refused ${refused.length} records: ${refused[0]?.message ?? ''}`);
  }

  async #toBus(arn: string, payloads: readonly unknown[], rendered: readonly string[], keys: readonly string[]): Promise<void> {
    const p = this.pipe.eventBusParameters ?? {};
    const entries = payloads.map((payload, index) => {
      const time = dynamicParameter(p.Time, payload);
      // Pipes' defaults: `Pipe <name>`, and `Event from aws:<the source's service>` (aws:sqs, aws:dynamodb).
      return {
        Source: dynamicParameter(p.Source, payload) ?? `Pipe ${this.pipe.name}`,
        DetailType: dynamicParameter(p.DetailType, payload) ?? `Event from aws:${parseArn(this.pipe.sourceArn).service}`,
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
        throw new PipeDeliveryFailure(`the event bus refused an event: ${failed?.ErrorCode}: ${failed?.ErrorMessage}`);
      }
    }
  }
}

/** Whether an on-failure destination is an S3 bucket (`arn:aws:s3:::<bucket>`). */
export const isBucketArn = (arn: string): boolean => /^arn:[^:]+:s3:::[^/]+$/.test(arn);
