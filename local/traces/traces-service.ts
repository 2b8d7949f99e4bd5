import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';
import type { Clock } from '../time/clock.js';
import type { SpanForwarder } from './forwarder.js';
import type { TracesData } from './otlp-model.js';
import { OtlpTracesReceiver } from './otlp-receiver.js';
import { type ModelCallPricer, NoRuntimeSpans, RuntimeSpans } from './runtime-spans.js';
import { type SpanRetention, SpanStore, type StoredOutcome } from './span-store.js';
import { type RuntimeSpanBatch, SpanWriter } from './span-writer.js';

export interface TracesServiceOptions {
  /** `traces.sqlite` in the data folder. */
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly retention?: SpanRetention;
  /** Where every kept export goes on to (the runtime's OTEL_EXPORTER_OTLP_ENDPOINT), if anywhere. */
  readonly forwarder?: SpanForwarder;
  /** The region the runtime's own spans name (`cloud.region`). @default us-east-1 */
  readonly region?: string;
  /** Where a span of the runtime's own that cannot be kept is reported. @default console.error */
  readonly log?: (line: string) => void;
  /** Prices a model call for its GenAI span (`switchyard.cost.usd`), when the runtime was given a price table. */
  readonly pricer?: () => ModelCallPricer | undefined;
  /** Whether the runtime's services record the spans AWS's would (RuntimeOptions.runtimeSpans). @default true */
  readonly runtimeSpans?: boolean;
}

/**
 * The local runtime's OTLP receiver and its spans: what functions (the kit's exporter) and a
 * team's own OpenTelemetry SDKs send to `/v1/traces` is kept in `traces.sqlite` before it is
 * answered, forwarded to a collector of the team's when the runtime has one, and served by the
 * read API (`/traces/<id>`).
 */
export class TracesService {
  readonly store: SpanStore;
  readonly receiver: OtlpTracesReceiver;
  /** The spans the runtime's services make (what AWS's would record): each service's module hands it its notes. */
  readonly spans: RuntimeSpans;
  readonly #writer: SpanWriter;

  constructor(private readonly options: TracesServiceOptions) {
    this.store = new SpanStore(options.db, {
      now: () => options.clock.now(),
      ...(options.retention ? { retention: options.retention } : {}),
    });
    this.receiver = new OtlpTracesReceiver((request, raw) => this.accept(request, raw));
    this.#writer = new SpanWriter(
      (batch) => this.#acceptRuntime(batch),
      options.region ?? 'us-east-1',
      options.log ?? ((line) => console.error(line)),
    );
    this.spans = options.runtimeSpans === false ? new NoRuntimeSpans() : new RuntimeSpans(this.#writer, options.pricer);
  }

  /** The store, with every span the runtime's services made so far in it (what the read API reads). */
  readable(): SpanStore {
    this.#writer.flush();
    return this.store;
  }

  /** Keeps a decoded export, and owes it to the forwarder in the same transaction. */
  accept(request: TracesData, raw?: { readonly body: Uint8Array; readonly contentType: string }): StoredOutcome {
    return inTransaction(this.options.db, () => {
      const outcome = this.store.add(request);
      if (raw && outcome.accepted > 0) this.options.forwarder?.enqueue(raw.body, raw.contentType);
      return outcome;
    });
  }

  /** Keeps a batch of the runtime's own spans as they were written, and owes their OTLP/JSON to the forwarder in the same transaction. */
  #acceptRuntime(batch: RuntimeSpanBatch): StoredOutcome {
    return inTransaction(this.options.db, () => {
      const outcome = this.store.addRuntime(batch);
      if (outcome.accepted > 0) this.options.forwarder?.enqueue(batch.body(), 'application/json');
      return outcome;
    });
  }

  start(): void {
    this.options.forwarder?.start();
  }

  async stop(): Promise<void> {
    this.#writer.flush();
    await this.options.forwarder?.stop();
  }
}
