import type { DatabaseSync } from 'node:sqlite';
import { otlpHeadersFromEnv, otlpTimeoutMsFromEnv, otlpTracesUrlFromEnv } from '../../contracts/otlp-env.js';
import { DurableOutbox, OutboxOwner } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';

/** A team's collector the runtime forwards every export it keeps to. */
export interface ForwardTarget {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** The runtime's own `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`, as an OpenTelemetry SDK reads it; undefined when it is not set. */
export function forwardTargetFromEnv(env: NodeJS.ProcessEnv = process.env): ForwardTarget | undefined {
  const url = otlpTracesUrlFromEnv(env);
  return url && { url, headers: otlpHeadersFromEnv(env), timeoutMs: otlpTimeoutMsFromEnv(env) };
}

interface ForwardRow {
  readonly id: number;
  readonly body: Uint8Array;
  readonly content_type: string;
  readonly attempts: number;
}

/** The statuses OTLP/HTTP says to retry (https://opentelemetry.io/docs/specs/otlp/#failures-1). */
const RETRYABLE = new Set([429, 502, 503, 504]);
/** Attempts before an export is given up on (about 17 minutes of backoff). */
const MAX_ATTEMPTS = 10;
/** Exports waiting at most: past it the oldest are dropped (and said so), so a collector that is down cannot fill the disk. */
const MAX_WAITING = 10_000;

/**
 * Forwards each export the receiver kept to a team's collector, unchanged (its encoding, its
 * spans), from a durable outbox in `traces.sqlite`: the row is written in the transaction that
 * keeps the spans, so a restart (or a SIGKILL) sends what was not sent yet. Retries what OTLP
 * says to retry (429, 502, 503, 504, a connection that failed) with exponential backoff; gives
 * up, saying so, on another refusal or after MAX_ATTEMPTS.
 */
export class SpanForwarder extends OutboxOwner<ForwardRow> {
  protected readonly outbox: DurableOutbox<ForwardRow>;
  readonly #db: DatabaseSync;

  constructor(
    db: DatabaseSync,
    private readonly clock: Clock,
    readonly target: ForwardTarget,
    private readonly log: (line: string) => void,
  ) {
    super();
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS span_forwards (
      id INTEGER PRIMARY KEY, body BLOB NOT NULL, content_type TEXT NOT NULL, due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0
    )`);
    this.outbox = new DurableOutbox<ForwardRow>({
      db,
      clock,
      table: { name: 'span_forwards', id: 'id', dueAt: 'due_at' },
      handle: (row) => this.#send(row),
      concurrency: 4,
      maxSleepMs: 5_000,
      onError: (error) => this.log(`[traces] forwarding to ${this.target.url.href} failed: ${error.message}`),
    });
  }

  /** Owes the collector this export; call it in the transaction that keeps the spans. */
  enqueue(body: Uint8Array, contentType: string): void {
    this.outbox.enqueue({ body, content_type: contentType, attempts: 0 });
    const { n } = this.#db.prepare('SELECT COUNT(*) AS n FROM span_forwards').get() as { n: number };
    if (n > MAX_WAITING) {
      this.#db.prepare('DELETE FROM span_forwards WHERE id IN (SELECT id FROM span_forwards ORDER BY id LIMIT ?)').run(n - MAX_WAITING);
      this.log(`[traces] ${n - MAX_WAITING} export(s) for ${this.target.url.href} dropped: more than ${MAX_WAITING} were waiting`);
    }
  }

  async #send(row: ForwardRow) {
    const attempts = row.attempts + 1;
    let status: number;
    let said = '';
    try {
      const response = await fetch(this.target.url, {
        method: 'POST',
        headers: { ...this.target.headers, 'content-type': row.content_type },
        body: Buffer.from(row.body),
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
      status = response.status;
      if (!response.ok) said = (await response.text()).slice(0, 500);
    } catch (error) {
      status = 0;
      said = (error as Error).message;
    }
    if (status >= 200 && status < 300) return { kind: 'done' as const };
    if ((status === 0 || RETRYABLE.has(status)) && attempts < MAX_ATTEMPTS) {
      return { kind: 'retry' as const, at: this.clock.now() + 1000 * 2 ** (attempts - 1), set: { attempts } };
    }
    this.log(
      `[traces] an export was not forwarded to ${this.target.url.href}: ${status === 0 ? said : `${status} ${said}`} (attempt ${attempts})`,
    );
    return { kind: 'done' as const };
  }
}
