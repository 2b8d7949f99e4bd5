import type { DatabaseSync } from 'node:sqlite';
import { businessKeyOf } from '../../clients/execution-subject.js';
import {
  type BusEventRecord,
  type ExpressExecutionSummary,
  type IamReport,
  type Lineage,
  type ModelCallSummary,
  mergeLineagePages,
  type StreamMessage,
} from '../../clients/read-api-contract.js';
import { tryParseArn } from '../arn.js';
import type { AcceptedEventNote } from '../events/events-service.js';
import type { DeliveryNote } from '../events/target-outbox.js';
import type { InvocationNote } from '../lambda/function-runtime.js';
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
import { type DurableSources, durableLineage, durableRoutes } from './durable-executions.js';
import { type FlowControlSources, readFlowControl } from './flow-control.js';
import { LineageBuilder, type LogReader } from './lineage.js';
import { LiveFeed } from './live-feed.js';
import { modelCallLineage } from './model-calls.js';
import { ReadApiRecords, type Retention } from './records.js';
import { type ExpressPosition, type MailSource, ReadApiRouter, type ReadApiSources } from './router.js';
import { type TraceSource, tracesFor } from './traces.js';

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
  /** The EXPRESS executions the runtime keeps a summary of (Step Functions, once it exists). */
  readonly expressExecutions: () => readonly ExecutionRecord[];
  /** Whether a queue is some queue's or rule target's dead-letter queue (a message sent to it is a dead-letter). */
  readonly isDeadLetterQueue: (queueArn: string) => boolean;
  /** An invocation's log lines, from CloudWatch Logs. */
  readonly logs?: LogReader;
  /** What the flow control report reads (the app's functions, its tables, logs and queues). */
  readonly flowControl?: FlowControlSources;
  /** The Lambda service's durable executions and the app's durable functions. */
  readonly durable?: DurableSources;
  /** The local Bedrock's calls of this run (asked when a request asks: Bedrock is created after the read API). */
  readonly modelCalls?: (query: { since?: number; limit: number; before?: number }) => {
    readonly calls: readonly ModelCallSummary[];
    readonly last?: number;
  };
  /** The IAM report (local/iam): findings, and per role used and unused grants. */
  readonly iam?: () => IamReport;
  /** The local SES's mailbox. */
  readonly mail?: MailSource;
  /** A queue's messages read without being received (asked when a request asks: SQS is created after the read API). */
  readonly queueMessages?: ReadApiSources['queueMessages'];
  /** The spans the OTLP receiver kept (asked when a request asks: the traces service is created after the read API). */
  readonly traces?: () => TraceSource | undefined;
  readonly now?: () => number;
  /** @default 15 s */
  readonly heartbeatMs?: number;
}

const FINAL_STATUS: Record<string, ExpressExecutionSummary['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/**
 * The runtime's read API (docs/read-api.md): what AWS has no API for. The services tell it
 * what happens through their observer callbacks (the methods below); it keeps records in
 * its own database, feeds live subscribers, and answers GETs under the prefix.
 */
export class ReadApi {
  readonly feed: LiveFeed;
  readonly records: ReadApiRecords;
  readonly router: ReadApiRouter;
  readonly #lineage: LineageBuilder;
  /** Records written by recordAccepted whose commit eventAccepted has not heard of yet (gone with a rolled-back note). */
  readonly #recorded = new WeakMap<AcceptedEventNote, BusEventRecord>();

  constructor(private readonly options: ReadApiOptions) {
    this.feed = new LiveFeed(options.heartbeatMs);
    this.records = new ReadApiRecords(options.db, options.retention, options.now, options.eventsDb);
    const durable = options.durable;
    const modelCalls = options.modelCalls;
    this.#lineage = new LineageBuilder(
      this.records,
      options.logs,
      durable ? (segment) => durableLineage(durable, segment) : undefined,
      modelCalls ? (segment) => modelCallLineage(modelCalls({ limit: 10_000 }).calls, segment) : undefined,
    );
    this.router = new ReadApiRouter({
      feed: this.feed,
      expressExecutions: (filter) => expressSummaries(options.expressExecutions(), filter),
      events: (query) => this.records.eventsPage(query),
      lineage: (id, depth, page) => this.#lineage.build(id, depth, page),
      ...(options.flowControl ? { flowControl: () => readFlowControl(options.flowControl as FlowControlSources) } : {}),
      ...(options.durable ? durableRoutes(options.durable) : {}),
      ...(options.modelCalls ? { modelCalls: options.modelCalls } : {}),
      ...(options.iam ? { iam: options.iam } : {}),
      ...(options.mail ? { mail: options.mail } : {}),
      ...(options.queueMessages ? { queueMessages: options.queueMessages } : {}),
      ...(options.traces ? { traces: (id: string) => this.traces(id) } : {}),
    });
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

  /** The traces `id` names, as OTLP/JSON (docs/read-api.md, `/traces/<id>`); undefined when none is kept. */
  async traces(id: string): Promise<ReturnType<TraceSource['traces']> | undefined> {
    const source = this.options.traces?.();
    if (source === undefined) return undefined;
    return tracesFor(source, id, async (lineageId) => {
      const lineage = await this.lineage(lineageId);
      return lineage.roots.length === 0 ? undefined : lineage;
    });
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

  /** SQS stored a message, or moved one to a dead-letter queue. */
  message(note: MessageNote): void {
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
    const deadLetter = this.options.isDeadLetterQueue(note.queueArn);
    const reason = deadLetter ? reasonIn(note.attributes) : undefined;
    // A dead-letter sent by a consumer names the message it gave up on: it hangs under that message too.
    const original = deadLetter ? originalMessageIn(note.attributes) : undefined;
    this.records.putNode(
      {
        kind: deadLetter ? 'dead-letter' : 'message',
        id: note.messageId,
        segment: messageSegment(note.messageId),
        label: deadLetter ? `sent to dead-letter queue ${queue}` : `message to ${queue}`,
        time: note.time,
        status: deadLetter ? 'dead-lettered' : 'sent',
        ...(reason ? { reason } : {}),
        attributes: { queue, queueArn: note.queueArn },
      },
      [...(parent ? [parent] : []), ...(original ? [messageSegment(original)] : [])],
    );
    if (deadLetter) {
      this.#publish({ kind: 'dead-letter', queueArn: note.queueArn, messageId: note.messageId, ...(reason ? { reason } : {}) });
    }
  }

  /** Step Functions recorded a history event. */
  historyEvent(execution: ExecutionRecord, event: HistoryEvent): void {
    const final = FINAL_STATUS[event.type];
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
    const reason = note.error ? `${note.error.errorType}: ${note.error.errorMessage}` : undefined;
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
 * A page of Express executions, newest first, as ListExecutions answers: ordered by start
 * time then ARN (both descending), so that a page's last one is a position the next page
 * continues after, whatever started or was dropped in between.
 */
function expressSummaries(
  records: readonly ExecutionRecord[],
  filter: { stateMachineArn?: string; status?: string; limit: number; after?: ExpressPosition },
): { executions: ExpressExecutionSummary[]; last?: ExpressPosition } {
  const { after } = filter;
  const chosen = records
    .filter(
      (record) =>
        (filter.stateMachineArn === undefined || record.stateMachineArn === filter.stateMachineArn) &&
        (filter.status === undefined || record.status === filter.status) &&
        (after === undefined || record.startDate < after.startDate || (record.startDate === after.startDate && record.arn < after.arn)),
    )
    .sort((a, b) => b.startDate - a.startDate || (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0));
  const shown = chosen.slice(0, filter.limit);
  const lastShown = shown.at(-1);
  const out: ExpressExecutionSummary[] = [];
  for (const record of shown) {
    const businessKey = businessKeyOf(record.input);
    out.push({
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status as ExpressExecutionSummary['status'],
      startDate: new Date(record.startDate).toISOString(),
      ...(record.stopDate === undefined ? {} : { stopDate: new Date(record.stopDate).toISOString() }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
      ...(businessKey === undefined ? {} : { businessKey }),
    });
  }
  const more = chosen.length > shown.length && lastShown !== undefined;
  return { executions: out, ...(more ? { last: { startDate: lastShown.startDate, arn: lastShown.arn } } : {}) };
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

/** The id of the message a consumer dead-lettered, when it named it (`...OriginalMessageId`). */
function originalMessageIn(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attributes) return undefined;
  return Object.entries(attributes).find(([name]) => /original[._-]?message[._-]?id$/i.test(name))?.[1];
}

export { eventSegment };
