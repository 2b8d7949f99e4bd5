/**
 * The local runtime's read API: what AWS has no API for (which rules an event matched, the
 * lineage of one event, a live feed), served on the endpoint's port under
 * {@link READ_API_PREFIX} as JSON (GET) and server-sent events. The CLI, the local console
 * and the testing API are its clients; they reach everything else through AWS APIs.
 * Documented in docs/read-api.md. Shapes here, and the two pure functions every client needs
 * to read pages (no Node or browser API): the server (local/read-api/ and the modules that
 * mount read-API routes) and the clients import it from here, so that no client imports
 * anything of local/ (architecture rule 4).
 */

import type { DurableHistoryEvent } from './durable-timeline.js';
import type { DurableExecutionStatus, LocalExecutionStatus } from './execution-statuses.js';

export type { PauseAnswer, PausedConsumer, PauseOutcomeView, PauseRequest, PausesPage, PauseTargetView } from './pauses-contract.js';

/** Every read API path starts with this; nothing of AWS's lives under it. */
export const READ_API_PREFIX = '/_switchyard/v1';

/**
 * The paths, relative to nothing: `${READ_API_PREFIX}${READ_API_PATHS.events}`. Every list
 * pages: an answer with a `nextToken` has more; ask again with `nextToken=<it>` and the same
 * filters (`limit` may change) until an answer has none. A token holds a position in the
 * list, not an offset: what is added while a client pages shifts nothing it has still to read.
 */
export const READ_API_PATHS = {
  /** GET ?bus=&detailType=&replayName=&since=<ISO>&limit=<1..1000, default 100>&nextToken= -> {@link BusEventsPage}, newest first. */
  events: '/events',
  /**
   * GET /lineage/<id>?depth=<1..50>&limit=<1..50, default 50>&nextToken= -> {@link Lineage} (404 when nothing matches); the id is
   * an event id, message id, execution arn or name, or any value in an event's detail (a ticket id: `limit` such events a page).
   */
  lineage: '/lineage/',
  /** GET -> text/event-stream of {@link StreamMessage}, one `event:` name per kind. */
  stream: '/stream',
  /** GET ?stateMachineArn=&status=&limit=&nextToken= -> {@link ExpressExecutionsPage}: Express executions the runtime ran (AWS keeps none). */
  expressExecutions: '/express-executions',
  /**
   * GET -> {@link FlowControlReport}: keyed flow control now (each flow control table's items
   * read with Scan, held-back records counted from the consumers' logs of the last hour) and
   * the fair-queue metrics of the app's standard queues, which AWS keeps in CloudWatch only.
   */
  flowControl: '/flow-control',
  /**
   * GET ?function=&status=&limit=&nextToken= -> {@link DurableExecutionsPage}: the executions of every durable function
   * of the app, newest first (Lambda lists them one function at a time: ListDurableExecutionsByFunction).
   * GET /durable-executions/<arn> -> {@link DurableExecutionDetail} (404 when there is none).
   */
  durableExecutions: '/durable-executions',
  /**
   * GET -> {@link PausesPage}: what `switchyard pause` can pause (the app's flows, functions and
   * queues) and each one's consumers as they are now, paused or taking messages, since when.
   * POST {@link PauseRequest} -> {@link PauseAnswer}: pauses or resumes one, as `switchyard
   * pause|resume <name> --json` does and answers; 400 `InvalidParameter` names what can be paused.
   */
  pauses: '/pauses',
  /** POST {@link ForkRequest} -> {@link ForkAnswer}: a fork of a durable execution at an operation of its handler (docs/durable-forks.md), answered as `/forks`. */
  durableForks: '/durable-forks',
  /**
   * GET ?since=<ISO>&limit=<1..1000, default 100>&nextToken= -> {@link ModelCallsPage}: the model calls the local Bedrock answered (or
   * failed), the newest 10,000 kept in the data folder across restarts, newest first, with the usage it reported: what
   * `switchyard cost --local` prices.
   */
  modelCalls: '/model-calls',
  /**
   * GET -> {@link IamReport}: the IAM mode, every request AWS would refuse (or, under enforce,
   * did refuse) in this run, and per role what its sessions used against what it is granted.
   */
  iam: '/iam',
  /**
   * GET ?address=&limit=<1..1000, default 100>&nextToken= -> {@link MailPage}: the mail the local SES accepted (its
   * mailbox: AWS keeps no copy of sent mail), newest first; `address` keeps mail from or to an address that contains it.
   * GET /mail/<message id> -> {@link MailMessage} (404 when there is none); GET /mail/<message id>/raw -> the MIME
   * message as sent (`message/rfc822`).
   */
  mail: '/mail',
  /**
   * GET ?queueUrl=<url>&limit=<1..1000, default 100>&nextToken= -> {@link QueueMessagesPage}: a queue's visible messages, oldest
   * first, as ReceiveMessage shows them with every attribute, read without receiving them: their ApproximateReceiveCount
   * stays as it is and nothing becomes invisible (a dead-letter queue shown by `switchyard failures` or the console; AWS has
   * no such read, and a ReceiveMessage counts as a receive). 404 when there is no such queue.
   */
  queueMessages: '/queue-messages',
  /**
   * GET -> {@link RetryingMessagesPage}: the SQS records a consumer failed (its function threw, or
   * named them in batchItemFailures) that are still in their queue, to be delivered again: what
   * fails now but is not dead-lettered yet, latest failure first. Remembered from the failure
   * until the record succeeds or leaves its queue, in memory (since the runtime started). AWS has
   * no such list.
   */
  retryingMessages: '/retrying-messages',
  /**
   * GET ?queueArn=<arn> -> {@link QueueConsumersPage}: what reads a queue now, the event source
   * mappings of Lambda and the pipes whose source it is, each with whether it is paused (a
   * mapping disabled, a pipe stopped). Empty when nothing does: a message sent there waits. A
   * redrive says so rather than wait for a consumer that will not come.
   */
  queueConsumers: '/queue-consumers',
  /**
   * GET ?since=<ISO>&limit=<1..1000, default 100>&nextToken= -> {@link DiscardedBatchesPage}: the batches of stream records
   * a Lambda event source mapping or a pipe of a Kinesis or DynamoDB stream gave up on (MaximumRetryAttempts,
   * MaximumRecordAgeInSeconds) with no on-failure destination, so skipped: latest first, the newest 10,000 kept in the
   * data folder across restarts. AWS says so only in its metrics.
   */
  discardedBatches: '/discarded-batches',
  /**
   * GET ?source=<schedule name, group/name or ARN> -> {@link ScheduleFailuresPage}: the Scheduler schedules whose last firing
   * failed, with AWS's error, the attempts and what follows (the next retry, or dead-lettered, or dropped). Latest first, kept
   * in the data folder until a later firing of that schedule succeeds. AWS says so only in its metrics.
   */
  scheduleFailures: '/schedule-failures',
  /**
   * GET -> {@link CustomBusesPage}: the app's Custom Event Buses (EventBridge's `eventbridgev2`) with their
   * subscribers, each one's settings and what it did with the events it selected, counted since the data folder
   * began. The console reads it: the service speaks Smithy RPC v2 CBOR, which a browser's AWS clients do not.
   */
  customBuses: '/custom-buses',
  /**
   * GET /traces/<id> -> {@link OtlpTracesData}, OTLP/JSON (an `ExportTraceServiceRequest`): the spans
   * the runtime's OTLP receiver kept. For a trace id (32 hex digits, or X-Ray's `1-<8>-<24>`), that
   * trace; for any id `/lineage/<id>` takes, every trace of that journey; and with either, the
   * traces linked to or from them (a consumer's and its producers'). 404 when none is kept.
   */
  traces: '/traces/',
  /**
   * POST {@link ForkRequest} -> {@link ForkAnswer}: starts a fork of a Standard execution at one of
   * its top-level states (docs/rerun-stop-pause.md). 400 `ForkNotPossible` names what a fork can
   * begin at; 404 `NotFound` for an execution that does not exist. The same fork asked twice
   * answers the execution the first one started.
   *
   * GET ?parent=<execution ARN>&limit=<1..1000, default 100>&nextToken= -> {@link ForksPage}: the
   * forks of an execution, oldest first (Step Functions keeps no such list).
   */
  forks: '/forks',
  /**
   * GET /function-code/<digest>.zip -> the deployment package of a function Lambda's API
   * created (`application/zip`), by the hex SHA-256 of the zip: GetFunction's `Code.Location`,
   * where Lambda answers a presigned S3 URL. 404 when no function runs that package.
   */
  functionCode: '/function-code/',
} as const;

export type { CustomBusesPage, CustomBusSubscriber, CustomBusSubscriberCounts, CustomBusSummary } from './custom-buses.js';
export type { DiscardedBatch, DiscardedBatchesPage } from './discarded-batches.js';
export type { IamFindingSummary, IamGrantSummary, IamReport, IamRoleReport } from './iam-report.js';
export type { ModelCallSummary, ModelCallsPage } from './model-calls.js';
export type { TracesData as OtlpTracesData } from './otlp-traces.js';
export type { QueueConsumer, QueueConsumersPage } from './queue-consumers.js';
export type { RetryingMessage, RetryingMessagesPage } from './retrying-messages.js';
export type { ScheduleFailure, ScheduleFailuresPage } from './schedule-failures.js';

/** A message the local SES accepted, as the mailbox lists it. */
export interface MailSummary {
  /** SES's message id (what the send answered). */
  readonly id: string;
  /** When SES accepted it (ISO-8601). */
  readonly sentAt: string;
  /** The sender, as the request gave it (`Jane <jane@example.com>`). */
  readonly from: string;
  /** Every recipient it went to (To, Cc and Bcc, or a raw message's destinations). */
  readonly to: readonly string[];
  readonly subject?: string;
  /** The operation that sent it (`SendEmail`, `SendTemplatedEmail`, ...; `VerifyEmailIdentity` for SES's own verification mail). */
  readonly operation: string;
  readonly configurationSet?: string;
  /** `delivered`: in the mailbox as a person would have received it; `rendering-failure`: accepted, never delivered (`failure` says why). */
  readonly status: 'delivered' | 'rendering-failure';
  readonly failure?: string;
  /** The message tags of the send. */
  readonly tags: Readonly<Record<string, string>>;
  /** The MIME message's size in bytes. */
  readonly size: number;
}

/** A queue's message as ReceiveMessage shows it with every attribute, less the receipt handle (it was not received). */
export interface PeekedMessage {
  readonly MessageId: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  /** SQS's system attributes: SentTimestamp, ApproximateReceiveCount, DeadLetterQueueSourceArn... */
  readonly Attributes?: Readonly<Record<string, string>>;
  readonly MD5OfMessageAttributes?: string;
  readonly MessageAttributes?: Readonly<
    Record<string, { readonly DataType: string; readonly StringValue?: string; readonly BinaryValue?: string }>
  >;
}

export interface QueueMessagesPage {
  readonly messages: readonly PeekedMessage[];
  /** Set when more messages follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

export interface MailPage {
  readonly messages: readonly MailSummary[];
  /** Set when older mail follows: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

/** One message, read: its headers, text and HTML parts, attachments and the links it holds. */
export interface MailMessage extends MailSummary {
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** The To and Cc headers, as the message shows them (Bcc recipients are in `to` only). */
  readonly toHeader: readonly string[];
  readonly ccHeader: readonly string[];
  readonly text?: string;
  /** The HTML part as sent: a client shows it in a sandboxed frame, never in its own page. */
  readonly html?: string;
  readonly attachments: readonly { readonly filename: string | null; readonly mimeType: string; readonly size: number }[];
  /** The http(s) links of the HTML part (with their text) and of the text part, in order, once each. */
  readonly links: readonly { readonly href: string; readonly text: string }[];
}

export type { FairQueueState, FlowControlReport, FlowKeyState, TokenWindowState } from './flow-control.js';
export type { DurableHistoryEvent };

/** One event a bus accepted (a replayed one too), with where it went. */
export interface BusEventRecord {
  readonly id: string;
  /** The bus's name. */
  readonly bus: string;
  readonly source: string;
  readonly detailType: string;
  /** The event's own `time`. */
  readonly time: string;
  /** When the bus accepted it (ISO 8601). */
  readonly acceptedAt: string;
  /** Set on events an archive replay sent. */
  readonly replayName?: string;
  readonly detail: unknown;
  /** The rules it matched and what each target did with it. */
  readonly matched: readonly RuleMatch[];
  /** The X-Ray style trace header the event travelled with, when its sender had one. */
  readonly traceHeader?: string;
}

export interface RuleMatch {
  /** The rule's name. */
  readonly rule: string;
  readonly ruleArn?: string;
  readonly targets: readonly {
    readonly id: string;
    readonly arn: string;
    /** `delivered`, `failed` (with the reason), `dead-lettered` (to `deadLetterArn`) or `pending` (still retrying). */
    readonly outcome: 'delivered' | 'failed' | 'dead-lettered' | 'pending';
    readonly reason?: string;
  }[];
}

export interface BusEventsPage {
  readonly events: readonly BusEventRecord[];
  /** Set when more events follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

/** A node of one event's lineage: what happened because of it, as a tree. */
export interface LineageNode {
  /**
   * `flow-control`: what keyed flow control did with a record in an invocation (held back, superseded, its key paused).
   * `model-call`: a call the invocation made to the local Bedrock (model, tokens, latency, stop reason).
   * `notification`: a message published to an SNS topic (its id is SNS's MessageId); what each subscription's
   * delivery made (a queue message, an invocation) hangs under it.
   * `delivery`: an SNS delivery to a subscription that made nothing (yet): retrying, failed, dead-lettered,
   * turned away by the subscriptions' filter policies, or not delivered locally (its protocol).
   */
  readonly kind:
    | 'event'
    | 'rule'
    | 'message'
    | 'invocation'
    | 'execution'
    | 'dead-letter'
    | 'flow-control'
    | 'model-call'
    | 'notification'
    | 'delivery';
  /** The event id, rule name, message id, request id or execution arn. */
  readonly id: string;
  /** One line for a terminal or a page (`TicketCreated from switchyard.tickets`). */
  readonly label: string;
  /** ISO 8601. */
  readonly time: string;
  /** `succeeded`, `failed`, `running`, `dead-lettered`, `skipped (duplicate)`, ... */
  readonly status?: string;
  /** Why it failed or was skipped, when it did. */
  readonly reason?: string;
  /** Kind-specific fields (queue, function, state machine, log group and stream, ...). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** An invocation's log lines, in order. */
  readonly logs?: readonly string[];
  readonly children: readonly LineageNode[];
}

export interface Lineage {
  /** What the id named, or the events whose detail holds it (a page of them). Empty when nothing did. */
  readonly roots: readonly LineageNode[];
  /** Set when more events whose detail holds the id follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

export interface ExpressExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: LocalExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
  /** How a failed, timed-out or aborted execution ended, as DescribeExecution gives a Standard one's. */
  readonly error?: string;
  readonly cause?: string;
  /** What it is about: the idempotency key its name is a digest of, from the input a workflow starter gave it (absent otherwise). */
  readonly businessKey?: string;
}

export interface ExpressExecutionsPage {
  readonly executions: readonly ExpressExecutionSummary[];
  /** Set when more executions follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

/** A Lambda durable execution, as ListDurableExecutionsByFunction lists it, with the function's name. */
export interface DurableExecutionSummary {
  readonly durableExecutionArn: string;
  readonly name: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly status: DurableExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
}

export interface DurableExecutionsPage {
  readonly executions: readonly DurableExecutionSummary[];
  /** Set when more executions follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

/** One durable execution: GetDurableExecution's fields and its history (GetDurableExecutionHistory's events, times in epoch seconds). */
export interface DurableExecutionDetail {
  readonly execution: DurableExecutionSummary & {
    readonly input?: string;
    readonly result?: string;
    readonly error?: { readonly ErrorType?: string; readonly ErrorMessage?: string };
    /** For a fork: its parent's ARN, the operation it began at and its effects (the local runtime keeps them; AWS has no such field). */
    readonly fork?: { readonly parent: string; readonly from: string; readonly effects: 'skip' | 'rerun' };
  };
  readonly events: readonly DurableHistoryEvent[];
  /** The executions forked from this one, oldest first, each with the operation it began at and its effects. */
  readonly forks: readonly (DurableExecutionSummary & { readonly from: string; readonly effects: 'skip' | 'rerun' })[];
}

/** What POST /forks (and POST /durable-forks) asks. */
export interface ForkRequest {
  readonly executionArn: string;
  /** The top-level state the fork begins at; of a durable execution, the operation of its handler, by name. */
  readonly from: string;
  /** The state's input instead of the recorded one; of a durable execution, the handler's event (a durable step has no input of its own). */
  readonly input?: unknown;
  /** An RFC 7396 merge patch of the recorded input (of a durable execution: of the parent's event). */
  readonly patch?: unknown;
  /** `skip` (default): steps meet their parent's idempotency claims; `rerun`: they apply their effects again. */
  readonly effects?: 'skip' | 'rerun';
}

/** A fork started (or, asked again, the one started before). */
export interface ForkAnswer {
  readonly executionArn: string;
  readonly name: string;
  /** The parent execution's ARN. */
  readonly parent: string;
  readonly from: string;
  /** Whether the flow's own fork support started it (a Workflow's fork entry, a DurableFlow's kit), else the runtime began it at its start. */
  readonly entry: boolean;
  /**
   * Present when the same fork was asked before: the answer is that execution (running or
   * ended), and nothing started now. What says "started" must not say it then.
   */
  readonly existing?: true;
}

/** A fork of an execution, as GET /forks lists it. */
export interface ForkSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** The top-level state it began at. */
  readonly from: string;
  readonly effects: 'skip' | 'rerun';
  readonly status: LocalExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
}

export interface ForksPage {
  /** Oldest first. */
  readonly forks: readonly ForkSummary[];
  /** Set when more forks follow: pass it back as `nextToken`. */
  readonly nextToken?: string;
}

/** Every error answer (400 bad parameter, 404 unknown path or id, 405 not GET, 500 a bug of ours). */
export interface ReadApiError {
  /** `InvalidParameter`, `NotFound`, `MethodNotAllowed`, `InternalError`. */
  readonly error: string;
  readonly message: string;
}

/** The live feed's messages; `kind` is also the SSE `event:` name. */
export type StreamMessage =
  | { readonly kind: 'event'; readonly event: BusEventRecord }
  | {
      readonly kind: 'execution';
      readonly executionArn: string;
      readonly stateMachineArn: string;
      readonly status: ExpressExecutionSummary['status'];
      /** The history event just recorded (Standard and Express alike). */
      readonly historyEvent?: { readonly id: number; readonly type: string; readonly timestamp: string };
    }
  | {
      /** A rule target's outcome for an event changed (the `event` message had it `pending`). */
      readonly kind: 'delivery';
      readonly eventId: string;
      readonly replayName?: string;
      readonly rule: string;
      readonly ruleArn: string;
      readonly targetId: string;
      readonly targetArn: string;
      readonly outcome: RuleMatch['targets'][number]['outcome'];
      readonly reason?: string;
    }
  | {
      readonly kind: 'dead-letter';
      readonly queueArn: string;
      readonly messageId: string;
      readonly reason?: string;
    };

/** Every kind of live feed message, the SSE `event:` names a client listens for (one per kind: an `EventSource` hears only the names it asks for). */
export const STREAM_MESSAGE_KINDS = {
  event: 'event',
  execution: 'execution',
  delivery: 'delivery',
  'dead-letter': 'dead-letter',
} as const satisfies { readonly [K in StreamMessage['kind']]: K };

// ---- reading pages (clients) ----

/** A list page: its items under whatever name, and `nextToken` when more follow. */
export interface Paged {
  readonly nextToken?: string;
}

/** The most pages followed: a runaway loop (a server answering the same token forever) ends. */
const MAX_PAGES = 10_000;

/**
 * Reads every page of a list: `read(undefined)` first, then `read(nextToken)` until a page
 * has none. Throws if a page gives back the token it was asked with (it would loop).
 */
export async function readAllPages<P extends Paged>(read: (nextToken: string | undefined) => Promise<P>): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    pages.push(page);
    if (page.nextToken !== undefined && page.nextToken === token) throw new Error('the read API gave back the same nextToken');
    token = page.nextToken;
  } while (token !== undefined && pages.length < MAX_PAGES);
  return pages;
}

/**
 * One lineage out of its pages: their roots in order, less every root that is already in
 * another root's tree (an event an earlier event led to, found by its detail on a later
 * page; the server leaves such roots out only within one page).
 */
export function mergeLineagePages(pages: readonly Lineage[]): Lineage {
  const roots = pages.flatMap((page) => page.roots);
  const inside = new Set<string>();
  const collect = (node: LineageNode) => {
    for (const child of node.children) {
      inside.add(nodeKey(child));
      collect(child);
    }
  };
  for (const root of roots) collect(root);
  const kept: LineageNode[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const key = nodeKey(root);
    if (inside.has(key) || seen.has(key)) continue;
    seen.add(key);
    kept.push(root);
  }
  return { roots: kept };
}

function nodeKey(node: LineageNode): string {
  return `${node.kind}:${node.id}:${node.attributes?.replayName ?? ''}`;
}
