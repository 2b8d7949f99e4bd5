import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../clock.js';
import { inTransaction } from '../store/transaction.js';
import type { SpanForwarder } from './forwarder.js';
import type { TracesData } from './otlp-model.js';
import { OtlpTracesReceiver } from './otlp-receiver.js';
import { type SpanRetention, SpanStore, type StoredOutcome } from './span-store.js';

export interface TracesServiceOptions {
  /** `traces.sqlite` in the data folder. */
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly retention?: SpanRetention;
  /** Where every kept export goes on to (the runtime's OTEL_EXPORTER_OTLP_ENDPOINT), if anywhere. */
  readonly forwarder?: SpanForwarder;
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

  constructor(private readonly options: TracesServiceOptions) {
    this.store = new SpanStore(options.db, {
      now: () => options.clock.now(),
      ...(options.retention ? { retention: options.retention } : {}),
    });
    this.receiver = new OtlpTracesReceiver((request, raw) => this.accept(request, raw));
  }

  /** Keeps a decoded export, and owes it to the forwarder in the same transaction. */
  accept(request: TracesData, raw?: { readonly body: Uint8Array; readonly contentType: string }): StoredOutcome {
    return inTransaction(this.options.db, () => {
      const outcome = this.store.add(request);
      if (raw && outcome.accepted > 0) this.options.forwarder?.enqueue(raw.body, raw.contentType);
      return outcome;
    });
  }

  start(): void {
    this.options.forwarder?.start();
  }

  async stop(): Promise<void> {
    await this.options.forwarder?.stop();
  }
}
