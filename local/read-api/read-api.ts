import type { DatabaseSync } from 'node:sqlite';
import { executionEndStatus } from '../../clients/execution-statuses.js';
import { type BusEventRecord, type Lineage, mergeLineagePages, type StreamMessage } from '../../clients/read-api-contract.js';
import { tryParseArn } from '../arn.js';
import type { AcceptedEventNote } from '../events/events-service.js';
import type { DeliveryNote } from '../events/target-outbox.js';
import type { InvocationNote } from '../lambda/runtime/function-runtime.js';
import type { MessageNote } from '../sqs/sqs-context.js';
import type { HistoryEvent } from '../states/engine/index.js';
import type { ExecutionRecord } from '../states/execution-store.js';
import {
  eventSegment,
  executionSegment,
  messageSegment,
  parseTraceHeader,
  ruleMatchSegment,
  segmentOf,
  stateSegment,
} from '../trace-header.js';
import { LineageBuilder } from './lineage.js';
import { LiveFeed } from './live-feed.js';
import { ReadApiRecords, type Retention, type StoredNode } from './records.js';
import { ReadApiRouter } from './router.js';
import { type LogReader, ReadApiRouteError, type ServiceReads } from './routes.js';

export interface ReadApiOptions {
  /** `read-api.sqlite` in the data folder. */
  readonly db: DatabaseSync;
  /**
   * The events database the bus accepts events in: the records of accepted events live
   * there, written by {@link ReadApi.recordAccepted} in the bus's own transaction.
   * @default db
   */
  readonly eventsDb?: DatabaseSync;
  readonly retention?: Retention;
  readonly now?: () => number;
  /** @default 15 s */
  readonly heartbeatMs?: number;
}

/**
 * The runtime's read API (docs/read-api.md): what AWS has no API for. The services tell it
 * what happens through their observer callbacks (the methods below); it keeps records in
 * its own database, feeds live subscribers, and answers GETs under the prefix: its own views
 * (the event records, lineage, the live stream) and what the services mount (`mount`).
 */
export class ReadApi {
  readonly feed: LiveFeed;
  readonly records: ReadApiRecords;
  readonly router: ReadApiRouter;
  readonly #lineage: LineageBuilder;
  /** Records written by recordAccepted whose commit eventAccepted has not heard of yet (gone with a rolled-back note). */
  readonly #recorded = new WeakMap<AcceptedEventNote, BusEventRecord>();
  /** What the services add (mount): their routes, lineage nodes and invocations' log lines. */
  #services: readonly ServiceReads[] = [];
  #invocationLogs: LogReader | undefined;

  constructor(private readonly options: ReadApiOptions) {
    this.feed = new LiveFeed(options.heartbeatMs);
    this.records = new ReadApiRecords(options.db, options.retention, options.now, options.eventsDb);
    this.#lineage = new LineageBuilder(this.records, {
      logs: () => this.#invocationLogs,
      from: (segment) => this.#services.flatMap((reads) => reads.lineage?.(segment) ?? []),
    });
    this.router = new ReadApiRouter({
      feed: this.feed,
      events: (query) => this.records.eventsPage(query),
      lineage: (id, depth, page) => this.#lineage.build(id, depth, page),
      wholeLineage: (id) => this.lineage(id),
    });
  }

  /**
   * What the services add to the read API, each module's `mounts.reads` (the registry hands
   * them over once every service exists): their routes are served from now on, their lineage
   * nodes and invocations' log lines join the lineage.
   */
  mount(reads: readonly ServiceReads[]): void {
    const logs = reads.flatMap((read) => (read.invocationLogs ? [read.invocationLogs] : []));
    if (logs.length > 1) throw new ReadApiRouteError("two services give the invocations' log lines");
    this.router.mount(reads.flatMap((read) => read.routes ?? []));
    this.#services = reads;
    this.#invocationLogs = logs[0];
  }

  /** The whole lineage of `id`: every page of roots, each root once. */
  async lineage(id: string, depth = 50): Promise<Lineage> {
    const pages: Lineage[] = [];
    let after: number | undefined;
    do {
      const page = await this.#lineage.build(id, depth, after === undefined ? {} : { after });
      pages.push({ roots: page.roots });
      after = page.last;
    } while (after !== undefined);
    return mergeLineagePages(pages);
  }

  /**
   * A bus accepted an event (or a replay sent one): called inside the bus's transaction on
   * the events database, so the record commits with the acceptance or not at all.
   */
  recordAccepted(note: AcceptedEventNote): void {
    const record = busEventRecord(note);
    this.records.addEvent(record);
    // The same note comes back to eventAccepted once the bus commits: the feed sends this record.
    this.#recorded.set(note, record);
  }

  /** A bus committed an event it accepted: the live feed hears of it. */
  eventAccepted(note: AcceptedEventNote): void {
    const record = this.#recorded.get(note);
    this.#recorded.delete(note);
    // Nobody listening is the usual case: building a record only to drop it was half the accept path's cost.
    if (this.feed.subscribers === 0) return;
    this.#publish({ kind: 'event', event: record ?? busEventRecord(note) });
  }

  /** A delivery to a rule target ended or will be retried. */
  delivery(note: DeliveryNote): void {
    this.records.setOutcome(note);
    this.#publish({
      kind: 'delivery',
      eventId: note.eventId,
      ...(note.replayName ? { replayName: note.replayName } : {}),
      rule: nameIn(note.ruleArn),
      ruleArn: note.ruleArn,
      targetId: note.targetId,
      targetArn: note.targetArn,
      outcome: note.outcome,
      ...(note.reason ? { reason: note.reason } : {}),
    });
    if (note.outcome === 'dead-lettered' && note.deadLetterMessageId !== undefined) {
      // The message was recorded (as a dead-letter) when SQS took it; this adds why.
      this.records.setStatus('dead-letter', note.deadLetterMessageId, 'dead-lettered', note.reason);
    }
    if (note.outcome === 'failed') {
      this.records.putNode(
        {
          kind: 'dead-letter',
          id: `${note.eventId}:${note.ruleArn}:${note.targetId}`,
          segment: segmentOf('dropped', note.eventId, note.ruleArn, note.targetId),
          label: `dropped by ${note.targetArn} after ${note.attempts} attempts (no dead-letter queue)`,
          time: this.#now(),
          status: 'dropped',
          ...(note.reason ? { reason: note.reason } : {}),
        },
        [ruleMatchSegment(note.eventId, note.replayName, note.ruleArn)],
      );
    }
  }

  /**
   * SQS stored a message, or moved one to a dead-letter queue. `toDeadLetterQueue`: the queue
   * it was sent to is a dead-letter queue (SQS knows, and the template's rule targets say).
   */
  message(note: MessageNote, toDeadLetterQueue = false): void {
    const queue = nameIn(note.queueArn);
    if (note.kind === 'dead-lettered') {
      const reason = `received ${note.receiveCount} times from ${nameIn(note.sourceQueueArn)} (maxReceiveCount)`;
      this.records.putNode(
        {
          kind: 'dead-letter',
          id: note.messageId,
          segment: messageSegment(note.messageId),
          label: `moved to ${queue}`,
          time: note.time,
          status: 'dead-lettered',
          reason,
          attributes: { queue, queueArn: note.queueArn, sourceQueueArn: note.sourceQueueArn },
        },
        [messageSegment(note.messageId)],
      );
      this.#publish({ kind: 'dead-letter', queueArn: note.queueArn, messageId: note.messageId, reason });
      return;
    }
    const parent = parseTraceHeader(note.traceHeader)?.parent;
    const deadLetter = toDeadLetterQueue;
    const reason = deadLetter ? reasonIn(note.attributes) : undefined;
    // A dead-letter sent by a consumer names the message it gave up on: it hangs under that message too.
    const named = originalMessageIn(note.attributes);
    const original = deadLetter ? named : undefined;
    // A message that names one a consumer gave up on, sent anywhere but a dead-letter queue, is
    // that dead letter sent back (a redrive copies its attributes): the journey goes on under it.
    const sentBack = !deadLetter && named !== undefined ? this.#deadLetterOf(named, note.time) : undefined;
    const from = sentBack?.attributes?.queue;
    this.records.putNode(
      {
        kind: deadLetter ? 'dead-letter' : 'message',
        id: note.messageId,
        segment: messageSegment(note.messageId),
        label: deadLetter ? `sent to dead-letter queue ${queue}` : `message to ${queue}${from ? `, sent back from ${from}` : ''}`,
        time: note.time,
        status: deadLetter ? 'dead-lettered' : 'sent',
        ...(reason ? { reason } : {}),
        attributes: { queue, queueArn: note.queueArn },
      },
      [...(parent ? [parent] : []), ...(original ? [messageSegment(original)] : []), ...(sentBack ? [messageSegment(sentBack.id)] : [])],
    );
    if (deadLetter) {
      this.#publish({ kind: 'dead-letter', queueArn: note.queueArn, messageId: note.messageId, ...(reason ? { reason } : {}) });
    }
  }

  /** The newest dead letter recorded for the message `original` by `time`. */
  #deadLetterOf(original: string, time: number): StoredNode | undefined {
    return this.records
      .children(messageSegment(original))
      .filter((node) => node.kind === 'dead-letter' && node.time <= time)
      .sort((a, b) => a.time - b.time)
      .at(-1);
  }

  /** Step Functions recorded a history event. */
  historyEvent(execution: ExecutionRecord, event: HistoryEvent): void {
    const final = executionEndStatus(event.type);
    const status = final ?? 'RUNNING';
    if (event.type === 'ExecutionStarted') {
      const parent = parseTraceHeader(execution.traceHeader)?.parent;
      this.records.putNode(
        {
          kind: 'execution',
          id: execution.arn,
          segment: executionSegment(execution.arn),
          label: `${execution.stateMachineName} execution ${execution.name}`,
          time: event.timestamp,
          status: 'RUNNING',
          attributes: {
            stateMachine: execution.stateMachineName,
            stateMachineArn: execution.stateMachineArn,
            name: execution.name,
            type: execution.arn.includes(':express:') ? 'EXPRESS' : 'STANDARD',
          },
        },
        parent ? [parent] : [],
      );
    } else if (event.type === 'TaskStateEntered') {
      // A task's calls carry its state's segment (local/states/task-runner.ts): they are the execution's.
      this.records.putInnerSegment(stateSegment(execution.arn, event.id), executionSegment(execution.arn), event.timestamp);
    } else if (final) {
      const details = Object.values(event).find((value) => value !== null && typeof value === 'object') as
        | { error?: string; cause?: string }
        | undefined;
      const reason = final === 'SUCCEEDED' ? undefined : [details?.error, details?.cause].filter(Boolean).join(': ') || undefined;
      this.records.setStatus('execution', execution.arn, final, reason);
    }
    this.#publish({
      kind: 'execution',
      executionArn: execution.arn,
      stateMachineArn: execution.stateMachineArn,
      status,
      historyEvent: { id: event.id, type: event.type, timestamp: new Date(event.timestamp).toISOString() },
    });
  }

  /** Lambda started or ended an invocation. */
  invocation(note: InvocationNote): void {
    const segment = parseTraceHeader(note.traceHeader)?.parent ?? segmentOf('invocation', note.requestId);
    if (note.phase === 'started') {
      // A batch's messages are its parents; otherwise whatever called (its header's parent).
      const parents = note.messages?.length
        ? note.messages.map((message) => messageSegment(message.messageId))
        : [parseTraceHeader(note.callerTraceHeader)?.parent].filter((p): p is string => p !== undefined);
      this.records.putNode(
        {
          kind: 'invocation',
          id: note.requestId,
          segment,
          label: `${note.functionName} invocation ${note.requestId}`,
          time: note.time,
          status: 'running',
          attributes: {
            function: note.functionName,
            logGroup: note.logGroupName,
            ...(note.logStreamName ? { logStream: note.logStreamName } : {}),
            startedAt: String(note.time),
          },
        },
        parents,
      );
      return;
    }
    const reason = note.error ? `${note.error.errorType}: ${note.error.errorMessage}` : failedRecordsReason(note);
    this.records.setStatus('invocation', note.requestId, note.error ? 'failed' : 'succeeded', reason);
    this.records.setAttribute('invocation', note.requestId, 'endedAt', String(note.time));
  }

  close(): void {
    this.feed.close();
    this.records.close();
  }

  #publish(message: StreamMessage): void {
    this.feed.publish(message);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** A rule's or a queue's name, from its ARN (the ARN itself when it is not one). */
function nameIn(arn: string): string {
  return tryParseArn(arn)?.resourceId ?? arn;
}

function busEventRecord(note: AcceptedEventNote): BusEventRecord {
  const { event, bus } = note;
  return {
    id: event.id,
    bus: bus.name,
    source: event.source,
    detailType: event['detail-type'],
    time: event.time,
    acceptedAt: new Date(note.acceptedAt).toISOString(),
    ...(event['replay-name'] ? { replayName: event['replay-name'] } : {}),
    detail: event.detail,
    matched: note.matched.map((rule) => ({
      rule: rule.name,
      ruleArn: rule.arn,
      targets: rule.targets.map((target) => ({ id: target.id, arn: target.arn, outcome: 'pending' as const })),
    })),
    ...(note.traceHeader ? { traceHeader: note.traceHeader } : {}),
  };
}

/**
 * Why a message was dead-lettered, from its attributes: EventBridge's `ERROR_CODE` and
 * `ERROR_MESSAGE`, or any `...ErrorName` / `...ErrorMessage` pair a consumer set.
 */
function reasonIn(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attributes) return undefined;
  const find = (pattern: RegExp) => Object.entries(attributes).find(([name]) => pattern.test(name))?.[1];
  const code = find(/error[._-]?(code|name|type)$/i);
  const message = find(/error[._-]?message$/i);
  return [code, message].filter(Boolean).join(': ') || undefined;
}

/**
 * What an invocation Lambda calls a success did to its batch when it reported records failed
 * (a consumer that will retry one answers so): without it, the record's retries all read "succeeded".
 */
function failedRecordsReason({ failedMessages, messages }: InvocationNote): string | undefined {
  if (failedMessages === undefined) return undefined;
  if (failedMessages === 'invalid') return 'its partial batch response is invalid: Lambda treats the whole batch as failed';
  const n = failedMessages.size;
  return `reported ${n} of its ${messages?.length ?? n} records failed (batchItemFailures): SQS delivers ${n === 1 ? 'it' : 'them'} again`;
}

/** The id of the message a consumer dead-lettered, when it named it (`...OriginalMessageId`). */
function originalMessageIn(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attributes) return undefined;
  return Object.entries(attributes).find(([name]) => /original[._-]?message[._-]?id$/i.test(name))?.[1];
}

export { eventSegment };
