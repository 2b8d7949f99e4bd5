import {
  type BusEventRecord,
  type BusEventsPage,
  type CustomBusesPage,
  type CustomBusSummary,
  type DiscardedBatch,
  type DiscardedBatchesPage,
  type DurableExecutionDetail,
  type DurableExecutionSummary,
  type DurableExecutionsPage,
  type ExpressExecutionSummary,
  type ExpressExecutionsPage,
  type FlowControlReport,
  type ForkAnswer,
  type ForkRequest,
  type ForkSummary,
  type ForksPage,
  type Lineage,
  type MailMessage,
  type MailPage,
  type MailSummary,
  type ModelCallSummary,
  type ModelCallsPage,
  mergeLineagePages,
  type OtlpTracesData,
  type PauseAnswer,
  type PausesPage,
  type PeekedMessage,
  type QueueConsumer,
  type QueueConsumersPage,
  type QueueMessagesPage,
  READ_API_PATHS,
  READ_API_PREFIX,
  type RetryingMessage,
  type RetryingMessagesPage,
  readAllPages,
  type ScheduleFailure,
  type ScheduleFailuresPage,
  STREAM_MESSAGE_KINDS,
  type StreamMessage,
} from '../../clients/read-api-contract.js';
import { SIGNATURE_ERRORS } from './credentials.js';
import { presignedUrl, signedHeaders } from './signer.js';

/**
 * The console's only access to the runtime's read API (docs/read-api.md): what AWS has no
 * API for. The runtime lets clients on this machine read it unsigned (an EventSource cannot
 * sign); when it asks for a signature (a console opened from another machine, with
 * --verify-signatures), reads are presigned from then on.
 */
let signReads = false;

async function readUrl(path: string, query: Record<string, string>, expiresInSeconds?: number): Promise<string> {
  if (signReads) return presignedUrl(path, query, expiresInSeconds);
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

export class ReadApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ReadApiError';
  }
}

async function get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const defined = Object.fromEntries(Object.entries(query).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])));
  const response = await fetch(await readUrl(`${READ_API_PREFIX}${path}`, defined), { credentials: 'omit', cache: 'no-store' });
  return answerOf<T>(response, path, () => get(path, query));
}

/**
 * POST `body` as JSON to an action of the read API (a fork): what it must be sent as (the
 * runtime refuses any other type), signed once the runtime has asked for signatures.
 */
async function post<T>(path: string, body: unknown): Promise<T> {
  const text = JSON.stringify(body);
  const url = `${READ_API_PREFIX}${path}`;
  const plain = { 'content-type': 'application/json' };
  const headers = signReads ? await signedHeaders('switchyard', plain, text, url) : plain;
  const response = await fetch(url, { method: 'POST', headers, body: text, credentials: 'omit', cache: 'no-store' });
  return answerOf<T>(response, path, () => post(path, body));
}

/** A read API answer's JSON; the runtime's refusal as a ReadApiError, or the request again, signed, when it asks for a signature. */
async function answerOf<T>(response: Response, path: string, again: () => Promise<T>): Promise<T> {
  const text = await response.text();
  if (!response.ok) {
    let reason = text;
    let code: string | undefined;
    try {
      const body = JSON.parse(text) as { message?: string; Message?: string; __type?: string };
      reason = body.message ?? body.Message ?? text;
      code = body.__type?.split('#').at(-1);
    } catch {
      // not JSON: the text as it is
    }
    if (code !== undefined && SIGNATURE_ERRORS.has(code) && !signReads) {
      signReads = true;
      return again();
    }
    throw new ReadApiError(response.status, `the runtime's read API answered ${response.status} for ${path}: ${reason}`);
  }
  return JSON.parse(text) as T;
}

/** The most items the read API answers in one page. */
const PAGE_SIZE = 1000;

/**
 * Up to `limit` items of a list (all of them when no limit is given), following its
 * `nextToken` page after page: the read API answers at most {@link PAGE_SIZE} at a time.
 */
async function collect<P extends { readonly nextToken?: string }, T>(
  path: string,
  query: Record<string, string | number | undefined>,
  items: (page: P) => readonly T[],
  limit?: number,
): Promise<T[]> {
  const out: T[] = [];
  let nextToken: string | undefined;
  do {
    const pageSize = Math.min(PAGE_SIZE, limit === undefined ? PAGE_SIZE : limit - out.length);
    const page = await get<P>(path, { ...query, limit: pageSize, nextToken });
    out.push(...items(page));
    // A server giving back the token it was asked with would keep this loop going.
    if (page.nextToken !== undefined && page.nextToken === nextToken)
      throw new ReadApiError(500, `the read API repeated a nextToken for ${path}`);
    nextToken = page.nextToken;
  } while (nextToken !== undefined && (limit === undefined || out.length < limit));
  return limit === undefined ? out : out.slice(0, limit);
}

/** The newest `limit` events (every event kept, without one), newest first. */
export async function busEvents(query: { bus?: string; detailType?: string; since?: string; limit?: number } = {}): Promise<BusEventsPage> {
  const { limit, ...filters } = query;
  return { events: await collect<BusEventsPage, BusEventRecord>(READ_API_PATHS.events, filters, (page) => page.events, limit) };
}

/** Keyed flow control now and the fair queues (one answer, not paged: one row per key in use). */
export async function flowControl(): Promise<FlowControlReport> {
  return get<FlowControlReport>(READ_API_PATHS.flowControl);
}

/** The model calls the runtime keeps, newest first (not paged: the read API keeps the last 10,000). */
export async function modelCalls(): Promise<readonly ModelCallSummary[]> {
  return (await get<ModelCallsPage>(READ_API_PATHS.modelCalls, { limit: '1000' })).calls;
}

/** The app's Custom Event Buses with their subscribers and counts (the service speaks CBOR, which the console does not). */
export async function customBuses(): Promise<readonly CustomBusSummary[]> {
  return (await get<CustomBusesPage>(READ_API_PATHS.customBuses)).buses;
}

/** The records consumers failed that their queues will deliver again (before any reaches a dead-letter queue). */
export async function retryingMessages(): Promise<readonly RetryingMessage[]> {
  return (await get<RetryingMessagesPage>(READ_API_PATHS.retryingMessages)).messages;
}

/** What reads a queue now (Lambda's mappings, pipes), each with whether it is paused. */
export async function queueConsumers(queueArn: string): Promise<readonly QueueConsumer[]> {
  return (await get<QueueConsumersPage>(`${READ_API_PATHS.queueConsumers}?queueArn=${encodeURIComponent(queueArn)}`)).consumers;
}

/** The schedules whose last firing failed (retrying, dead-lettered or dropped), latest failure first. */
export async function scheduleFailures(): Promise<readonly ScheduleFailure[]> {
  return (await get<ScheduleFailuresPage>(READ_API_PATHS.scheduleFailures)).failures;
}

/** The newest 100 batches of stream records mappings and pipes gave up on with no on-failure destination (skipped), latest first. */
export async function discardedBatches(): Promise<readonly DiscardedBatch[]> {
  return (await get<DiscardedBatchesPage>(READ_API_PATHS.discardedBatches, { limit: '100' })).batches;
}

/**
 * Up to `limit` visible messages of a queue, oldest first, read without being received: their
 * receive counts stay as they are (a ReceiveMessage, as the SQS console polls, counts as one).
 */
export async function queueMessages(queueUrl: string, limit = 10): Promise<readonly PeekedMessage[]> {
  return (await get<QueueMessagesPage>(READ_API_PATHS.queueMessages, { queueUrl, limit })).messages;
}

/** The newest `limit` messages of the local SES's mailbox, from or to addresses containing `address` when given. */
export async function mailbox(query: { address?: string; limit?: number } = {}): Promise<readonly MailSummary[]> {
  const { limit = 200, ...filters } = query;
  return collect<MailPage, MailSummary>(READ_API_PATHS.mail, filters, (page) => page.messages, limit);
}

/** One message of the mailbox, read: headers, text, HTML, attachments and links. */
export async function mailMessage(id: string): Promise<MailMessage> {
  return get<MailMessage>(`${READ_API_PATHS.mail}/${encodeURIComponent(id)}`);
}

/** The spans of the traces `id` names, as OTLP/JSON; undefined when none is kept (the read API's 404). */
export async function traces(id: string): Promise<OtlpTracesData | undefined> {
  try {
    return await get<OtlpTracesData>(`${READ_API_PATHS.traces}${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ReadApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The whole lineage of `id`: every page of roots, each root once. */
export async function lineage(id: string): Promise<Lineage> {
  const path = `${READ_API_PATHS.lineage}${encodeURIComponent(id)}`;
  return mergeLineagePages(await readAllPages<Lineage>((nextToken) => get(path, { nextToken })));
}

/** The newest `limit` Express executions (every one kept, without one), newest first. */
export async function expressExecutions(
  query: { stateMachineArn?: string; status?: string; limit?: number } = {},
): Promise<ExpressExecutionsPage> {
  const { limit, ...filters } = query;
  const executions = await collect<ExpressExecutionsPage, ExpressExecutionSummary>(
    READ_API_PATHS.expressExecutions,
    filters,
    (page) => page.executions,
    limit,
  );
  return { executions };
}

/** The newest `limit` durable executions of every durable function, newest first. */
export async function durableExecutions(
  query: { function?: string; status?: string; limit?: number } = {},
): Promise<DurableExecutionsPage> {
  const { limit, ...filters } = query;
  const path = READ_API_PATHS.durableExecutions;
  return { executions: await collect<DurableExecutionsPage, DurableExecutionSummary>(path, filters, (page) => page.executions, limit) };
}

/** One durable execution and its history. */
export async function durableExecution(arn: string): Promise<DurableExecutionDetail> {
  return get<DurableExecutionDetail>(`${READ_API_PATHS.durableExecutions}/${encodeURIComponent(arn)}`);
}

/** Starts a fork of a Standard execution at one of its top-level states (or answers the one the same fork started). */
export async function fork(request: ForkRequest): Promise<ForkAnswer> {
  return post<ForkAnswer>(READ_API_PATHS.forks, request);
}

/** Starts a fork of a durable execution at an operation of its handler (or answers the one the same fork started). */
export async function durableFork(request: ForkRequest): Promise<ForkAnswer> {
  return post<ForkAnswer>(READ_API_PATHS.durableForks, request);
}

/** What can be paused, and each one's consumers now. */
export async function pauses(): Promise<PausesPage> {
  return get<PausesPage>(READ_API_PATHS.pauses);
}

/** Pauses or resumes a flow, function or queue, as `switchyard pause|resume` does. */
export async function setPaused(target: string, action: 'pause' | 'resume'): Promise<PauseAnswer> {
  return post<PauseAnswer>(READ_API_PATHS.pauses, { target, action });
}

/** The forks of an execution, oldest first. */
export async function forksOf(parent: string): Promise<ForkSummary[]> {
  return collect<ForksPage, ForkSummary>(READ_API_PATHS.forks, { parent }, (page) => page.forks);
}

export type FeedStatus = 'connecting' | 'live' | 'unavailable';

type Listener = (message: StreamMessage) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<(status: FeedStatus) => void>();
let source: EventSource | undefined;
let status: FeedStatus = 'connecting';
let retry: ReturnType<typeof setTimeout> | undefined;
/** Set while a connection's URL is being made (signing is asynchronous), so that only one is opened. */
let connecting = false;

function setStatus(next: FeedStatus): void {
  if (next === status) return;
  status = next;
  for (const listener of statusListeners) listener(next);
}

async function connect(): Promise<void> {
  if (connecting || source !== undefined) return;
  connecting = true;
  retry = undefined;
  setStatus('connecting');
  // One hour: a reconnect after that signs a new URL.
  let url: string;
  try {
    url = await readUrl(`${READ_API_PREFIX}${READ_API_PATHS.stream}`, {}, 3600);
  } catch {
    connecting = false;
    setStatus('unavailable');
    retry ??= setTimeout(() => void connect(), 3000);
    return;
  }
  const stream = new EventSource(url);
  source = stream;
  connecting = false;
  stream.onopen = () => setStatus('live');
  for (const kind of Object.values(STREAM_MESSAGE_KINDS)) {
    stream.addEventListener(kind, (event) => {
      let parsed: StreamMessage;
      try {
        parsed = JSON.parse((event as MessageEvent<string>).data) as StreamMessage;
      } catch {
        return;
      }
      for (const listener of listeners) listener(parsed);
    });
  }
  stream.onerror = () => {
    // Closed for good (a 4xx, no stream yet) or dropped: a fresh connection, freshly signed, in a while.
    stream.close();
    if (source === stream) source = undefined;
    setStatus('unavailable');
    retry ??= setTimeout(() => void connect(), 3000);
  };
}

/**
 * A browser keeps six connections per host, and each open tab's stream holds one: a hidden tab
 * lets its stream go and reconnects when shown again (its pages then read afresh).
 */
function onVisibility(): void {
  if (document.visibilityState === 'hidden') {
    clearTimeout(retry);
    retry = undefined;
    source?.close();
    source = undefined;
    setStatus('unavailable');
  } else if (source === undefined && retry === undefined && listeners.size > 0) {
    void connect();
  }
}
document.addEventListener('visibilitychange', onVisibility);

/** Calls `listener` with every message of the live feed until the returned function is called. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  if (source === undefined && retry === undefined) void connect();
  return () => listeners.delete(listener);
}

/** The feed's state now and on every change (for the page's live indicator and polling fallback). */
export function onFeedStatus(listener: (status: FeedStatus) => void): () => void {
  statusListeners.add(listener);
  listener(status);
  return () => statusListeners.delete(listener);
}

export function feedStatus(): FeedStatus {
  return status;
}
