import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { SpanContext } from './trace-context.js';

/** A span attribute's value as OTLP carries it (homogeneous arrays only). */
export type SpanAttributeValue = string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];
/** A span's attributes by name (the semantic conventions' names); an undefined value is left out. */
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;

/** What a span is to its trace (OTLP's `Span.SpanKind`): a server answering, a client calling, a producer sending, a consumer processing, or internal work. */
export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** OTLP's `Span.SpanKind` numbers. */
export const SPAN_KIND: Readonly<Record<SpanKind, number>> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

/** OTLP's `Status.StatusCode`. */
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

/** A link to another trace's span: a consumer's record to the trace that sent it (X-Ray links them the same way). */
export interface SpanLink {
  /** The span linked to, in its own trace. */
  readonly context: SpanContext;
  /** What the link is (the kit's say which header it came from: `switchyard.link`). */
  readonly attributes?: SpanAttributes;
}

/** A span once it has ended, as the exporter encodes it (times in Unix nanoseconds, as decimal strings). */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  /** Whether the parent is another process's (Lambda's segment, a caller's header): OTLP's `flags` say so. */
  readonly parentRemote: boolean;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
  readonly links: readonly SpanLink[];
  readonly events: readonly {
    readonly name: string;
    readonly timeUnixNano: string;
    readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
  }[];
  readonly status: { readonly code: (typeof STATUS_CODE)[keyof typeof STATUS_CODE]; readonly message?: string };
}

/** What handler code can do with the span it runs in (the kit's `tracer.withSpan`). */
export interface TraceSpan {
  /** Whether the span is recorded: false outside a sampled, traced invocation (every call is then a no-op). */
  readonly recording: boolean;
  /** The span's context, when it is recorded. */
  readonly context: SpanContext | undefined;
  /** Renames the span (a record's span is named after its event once the event is parsed). */
  updateName(name: string): void;
  /** Sets an attribute (the semantic conventions' name where there is one); undefined leaves it out. */
  setAttribute(name: string, value: SpanAttributeValue | undefined): void;
  /** Sets several attributes at once. */
  setAttributes(attributes: SpanAttributes): void;
  /** Links the span to a span of another trace (once per span linked to). */
  addLink(link: SpanLink): void;
  /** Marks the span failed with the error's name and message, and records it as an `exception` event. */
  recordError(error: unknown): void;
}

/** Where ended spans go until the invocation exports them; bounded, so a runaway loop cannot exhaust the memory. */
export class SpanBuffer {
  readonly #spans: FinishedSpan[] = [];
  dropped = 0;

  constructor(readonly limit = 2000) {}

  add(span: FinishedSpan): void {
    if (this.#spans.length >= this.limit) this.dropped++;
    else this.#spans.push(span);
  }

  /** Everything buffered, emptied. */
  take(): FinishedSpan[] {
    return this.#spans.splice(0);
  }

  get size(): number {
    return this.#spans.length;
  }
}

/** The current time in Unix nanoseconds (microsecond precision, from the monotonic clock anchored at the process start). */
export function nowUnixNano(): string {
  return (BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n).toString();
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** A recorded span: it goes into its buffer when it ends (once; later calls change nothing). */
export class Span implements TraceSpan {
  readonly recording = true;
  readonly context: SpanContext;
  readonly #attributes: Record<string, SpanAttributeValue> = {};
  readonly #links: SpanLink[] = [];
  readonly #events: FinishedSpan['events'][number][] = [];
  readonly #start = nowUnixNano();
  #status: FinishedSpan['status'] = { code: STATUS_CODE.unset };
  #ended = false;

  constructor(
    public name: string,
    readonly kind: SpanKind,
    parent: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly buffer: SpanBuffer,
    attributes: SpanAttributes = {},
    private readonly parentRemote = false,
  ) {
    this.context = { traceId: parent.traceId, spanId: newSpanId(), sampled: true };
    this.setAttributes(attributes);
  }

  updateName(name: string): void {
    if (!this.#ended) this.name = name;
  }

  setAttribute(name: string, value: SpanAttributeValue | undefined): void {
    if (value === undefined || this.#ended) return;
    if (typeof value === 'number' && !Number.isFinite(value)) return;
    this.#attributes[name] = value;
  }

  setAttributes(attributes: SpanAttributes): void {
    for (const [name, value] of Object.entries(attributes)) this.setAttribute(name, value);
  }

  addLink(link: SpanLink): void {
    const known = this.#links.some((l) => l.context.traceId === link.context.traceId && l.context.spanId === link.context.spanId);
    if (!known && !this.#ended) this.#links.push(link);
  }

  recordError(error: unknown): void {
    const { name, message } = error instanceof Error ? error : { name: 'NonErrorThrown', message: String(error) };
    this.#status = { code: STATUS_CODE.error, message: `${name}: ${message}`.slice(0, 1024) };
    this.setAttribute('error.type', name);
    this.#events.push({
      name: 'exception',
      timeUnixNano: nowUnixNano(),
      attributes: { 'exception.type': name, 'exception.message': message.slice(0, 1024) },
    });
  }

  /** Sets the status explicitly (OK is final: OTel's rule that a later error does not override it is not needed here). */
  setStatus(code: FinishedSpan['status']['code'], message?: string): void {
    this.#status = message === undefined ? { code } : { code, message };
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.buffer.add({
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      ...(this.parentSpanId === undefined ? {} : { parentSpanId: this.parentSpanId }),
      parentRemote: this.parentRemote,
      name: this.name,
      kind: this.kind,
      startTimeUnixNano: this.#start,
      endTimeUnixNano: nowUnixNano(),
      attributes: { ...this.#attributes },
      links: [...this.#links],
      events: [...this.#events],
      status: this.#status,
    });
  }

  /** A child of this span, in the same buffer. */
  child(name: string, kind: SpanKind, attributes?: SpanAttributes): Span {
    return new Span(name, kind, this.context, this.context.spanId, this.buffer, attributes);
  }
}

/** The span of a call that is not traced: every method does nothing. */
export const NO_SPAN: TraceSpan = {
  recording: false,
  context: undefined,
  updateName() {},
  setAttribute() {},
  setAttributes() {},
  addLink() {},
  recordError() {},
};

/** The span the code running now belongs to (across awaits), if a traced invocation is recording. */
export const activeSpan = /* @__PURE__ */ new AsyncLocalStorage<Span>();
