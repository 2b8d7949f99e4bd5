import { AsyncLocalStorage } from 'node:async_hooks';
import { hash } from 'node:crypto';
import { randomHex } from '../random/random-id.js';

/**
 * X-Ray trace headers as AWS services pass them on (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0`):
 * the endpoint takes one from a request's `X-Amzn-Trace-Id`, and a service that acts for a
 * caller (EventBridge delivering to a target, Step Functions running a task, the Lambda
 * event source polling a queue) runs the call inside the header it carries, so that the
 * service called records it as AWS would (SQS's `AWSTraceHeader`, an execution's
 * `traceHeader`, a function's `_X_AMZN_TRACE_ID`). The `Parent` of a header is the segment
 * of whatever made the call: the read API links what happened through it.
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
 */
export interface TraceHeader {
  readonly root: string;
  readonly parent?: string;
  readonly sampled?: string;
}

const context = new AsyncLocalStorage<string | undefined>();

const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT = /^[0-9a-f]{16}$/;

/** Reads a header; X-Ray drops one that is not valid (and the request goes on without it). */
export function parseTraceHeader(text: string | undefined): TraceHeader | undefined {
  if (typeof text !== 'string' || text.length > 512) return undefined;
  // Fields are read in place, the last of a name winning (no Map, no array of parts: each
  // hop of an event parses a few headers, and these were most of what the parse cost).
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: string | undefined;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf(';', start);
    if (end < 0) end = text.length;
    const eq = text.indexOf('=', start);
    if (eq > start && eq < end) {
      const name = text.slice(start, eq).trim();
      if (name === 'Root') root = text.slice(eq + 1, end).trim();
      else if (name === 'Parent') parent = text.slice(eq + 1, end).trim();
      else if (name === 'Sampled') sampled = text.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  if (root === undefined || !ROOT.test(root)) return undefined;
  const header: { root: string; parent?: string; sampled?: string } = { root };
  if (parent !== undefined && SEGMENT.test(parent)) header.parent = parent;
  if (sampled !== undefined) header.sampled = sampled;
  return header;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * A W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header) as the X-Ray
 * header it stands for, as X-Ray's OpenTelemetry support maps them (the trace id's first 8 hex
 * digits are the X-Ray id's time part): `Root=1-<8>-<24>;Parent=<span id>;Sampled=<flag>`.
 * Undefined for one the specification says to ignore: version `ff`, ids of zeros, a version-00
 * header of another length, upper-case hex (the header then starts a new trace, never an error).
 */
export function traceHeaderFromTraceparent(text: string | undefined): string | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = text.trim();
  const match = TRACEPARENT.exec(trimmed);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  const sampled = (Number.parseInt(flags, 16) & 1) === 1 ? '1' : '0';
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled}`;
}

/**
 * A trace the runtime starts is sampled (`Sampled=1`), as an X-Ray sampling rule with a fixed
 * rate of 100% would have it: every local journey is traced, and the OpenTelemetry SDKs (and the
 * kit) under a function's `_X_AMZN_TRACE_ID` record their spans. A decision a caller sent
 * (`Sampled=0` on its header) is kept, as AWS keeps it.
 */
const LOCAL_SAMPLING_DECISION = '1';

function formatTraceHeader(header: TraceHeader): string {
  return `Root=${header.root}${header.parent ? `;Parent=${header.parent}` : ''};Sampled=${header.sampled ?? LOCAL_SAMPLING_DECISION}`;
}

/** A new trace id: the epoch seconds in hex, then 96 random bits. */
function newTraceRoot(now = Date.now()): string {
  return `1-${Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0')}-${randomHex(12)}`;
}

/** A trace id derived from something's own id, for a thing that starts a trace again after a restart (the same id each time). */
export function derivedTraceRoot(timeMs: number, ...ids: readonly string[]): string {
  const hex = hash('sha256', ids.join('\u0000'), 'hex');
  const seconds = Number.isFinite(timeMs) ? Math.floor(timeMs / 1000) : 0;
  return `1-${seconds.toString(16).padStart(8, '0').slice(-8)}-${hex.slice(0, 24)}`;
}

export function newSegmentId(): string {
  return randomHex(8);
}

/**
 * The segment id of a thing that has an id of its own (an event, a rule match, a message,
 * an execution): derived from it, so that anyone who knows the id knows the segment.
 */
export function segmentOf(...ids: readonly string[]): string {
  // crypto.hash: one call, no Hash object (half the time of createHash for ids this short; every hop derives a few).
  return hash('sha256', ids.join('\u0000'), 'hex').slice(0, 16);
}

/** The header a call made by `segment` carries: the trace of `incoming` (or a new one), with `segment` as its parent. */
export function childHeader(incoming: string | TraceHeader | undefined, segment: string): string {
  const parsed = typeof incoming === 'string' ? parseTraceHeader(incoming) : incoming;
  return formatTraceHeader({ root: parsed?.root ?? newTraceRoot(), parent: segment, sampled: parsed?.sampled ?? LOCAL_SAMPLING_DECISION });
}

/** The header of a trace that begins here, with no parent (an asynchronous Invoke that came without one: Lambda traces the event from its acceptance). */
export function rootHeader(): string {
  return formatTraceHeader({ root: newTraceRoot() });
}

/** The header of the request or task being served now, if it has one. */
export function currentTraceHeader(): string | undefined {
  return context.getStore();
}

/** Runs `fn` (and everything it starts) as a call carrying `header`. */
export function withTraceHeader<T>(header: string | undefined, fn: () => T): T {
  return context.run(header, fn);
}

/** The segment of an event's match by a rule: the parent of every call the rule's targets get for that event. */
export function ruleMatchSegment(eventId: string, replayName: string | undefined, ruleArn: string): string {
  return segmentOf('rule', eventId, replayName ?? '', ruleArn);
}

/** The segment of an accepted event (a replayed one is a new one). */
export function eventSegment(eventId: string, replayName: string | undefined): string {
  return segmentOf('event', eventId, replayName ?? '');
}

/** The segment of an execution: the parent of every call its tasks make. */
export function executionSegment(executionArn: string): string {
  return segmentOf('execution', executionArn);
}

/**
 * The segment of one entry into a state of an execution (`enteredEventId`: its StateEntered
 * history event): the parent of every call the state's task makes, as Step Functions records
 * each state as a subsegment of the execution and calls a task's service under it.
 */
export function stateSegment(executionArn: string, enteredEventId: number): string {
  return segmentOf('state', executionArn, String(enteredEventId));
}

/** The segment of an SQS message: the parent of the invocation that receives it. */
export function messageSegment(messageId: string): string {
  return segmentOf('message', messageId);
}

/** The segment of an SNS notification (a published message): what each subscription's delivery made hangs under it. */
export function notificationSegment(messageId: string): string {
  return segmentOf('notification', messageId);
}

/** The segment of one SNS notification's delivery to one subscription: what its dead-letter queue got hangs under it. */
export function subscriptionDeliverySegment(messageId: string, subscriptionArn: string): string {
  return segmentOf('subscription-delivery', messageId, subscriptionArn);
}
