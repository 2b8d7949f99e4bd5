import type { ServerResponse } from 'node:http';
import type { StreamMessage } from '../../clients/read-api-contract.js';

/** A comment line every this often keeps proxies and EventSource from calling an idle stream dead. */
const HEARTBEAT_MS = 15_000;
/**
 * A client that stops reading gets this much buffered before it is dropped: a stuck
 * browser tab must not grow the runtime's memory without limit.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * The read API's live feed: every subscriber gets each message as a server-sent event
 * (`event: <kind>`, `data: <json>`). Subscribers leave when their connection closes; the
 * endpoint closing its connections ends them all.
 */
export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  #heartbeat?: NodeJS.Timeout;

  constructor(private readonly heartbeatMs = HEARTBEAT_MS) {}

  get subscribers(): number {
    return this.#clients.size;
  }

  /** Takes over a response as an event stream until the client goes away. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The first line flushes the headers, so that the client's EventSource opens at once.
    res.write(': switchyard read API live feed\nretry: 2000\n\n');
    this.#clients.add(res);
    const leave = () => this.#drop(res);
    res.on('close', leave);
    res.on('error', leave);
    this.#heartbeat ??= setInterval(() => this.#broadcast(`: heartbeat ${new Date().toISOString()}\n\n`), this.heartbeatMs);
    this.#heartbeat.unref();
  }

  publish(message: StreamMessage): void {
    if (this.#clients.size === 0) return;
    this.#broadcast(`event: ${message.kind}\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Ends every stream (the runtime stopping). */
  close(): void {
    for (const res of [...this.#clients]) {
      res.end();
      this.#drop(res);
    }
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) {
      if (res.destroyed || res.writableEnded) {
        this.#drop(res);
        continue;
      }
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        this.#drop(res);
        continue;
      }
      res.write(text);
    }
  }

  #drop(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0 && this.#heartbeat) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}
