import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * What an in-process caller may add to a request to a local service: the key of a request
 * that may be sent again after a crash (a Step Functions task resumed after a restart,
 * keyed by its execution, state entry and attempt). A service that honours it answers a
 * repeat with the first answer instead of doing the thing again. Not part of any AWS API:
 * requests from the endpoint never carry it.
 */
export interface IdempotentCall {
  readonly idempotencyKey?: string;
}

/**
 * How an in-process caller sends its key over HTTP to a service's own port (DynamoDB's engine
 * thread): this header, valued `<token> <key>`, the token a secret the service made at start-up
 * and handed only to the runtime. The endpoint forwards its clients' headers as they come, so a
 * key without the token is ignored: the key is never accepted from a client.
 */
export const IDEMPOTENCY_HEADER = 'x-switchyard-idempotency-key';

/** The header's value for a key. */
export function idempotencyHeader(token: string, key: string): string {
  return `${token} ${key}`;
}

/** The key a request's header carries, if it carries the service's token; else undefined. */
export function idempotencyKeyOf(header: string | string[] | undefined, token: string): string | undefined {
  return typeof header === 'string' && header.startsWith(`${token} `) ? header.slice(token.length + 1) : undefined;
}

/**
 * How long a key is kept: a STANDARD execution lasts at most a year, and a task may be
 * resumed at any point of it.
 */
const KEEP_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * The answers a service gave to keyed requests, in the service's own database. `recall`
 * and `remember` run inside the transaction that does the request's effect, so the
 * effect and the record of it are one claim: a crash leaves both or neither.
 */
export class IdempotentRequests {
  readonly #get: StatementSync;
  readonly #put: StatementSync;

  constructor(db: DatabaseSync, now: number) {
    db.exec(`CREATE TABLE IF NOT EXISTS idempotent_requests (
      key TEXT PRIMARY KEY, response TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID`);
    // Swept at start-up only: a restart is rare, and a key is small.
    db.prepare('DELETE FROM idempotent_requests WHERE created_at < ?').run(now - KEEP_MS);
    this.#get = db.prepare('SELECT response FROM idempotent_requests WHERE key = ?');
    this.#put = db.prepare('INSERT INTO idempotent_requests (key, response, created_at) VALUES (?, ?, ?)');
  }

  /** The answer given to the request with this key, if one was given. */
  recall<T>(key: string | undefined): T | undefined {
    if (key === undefined) return undefined;
    const row = this.#get.get(key) as { response: string } | undefined;
    return row ? (JSON.parse(row.response) as T) : undefined;
  }

  /** Records the answer to a keyed request; call it in the transaction of the request's effect. */
  remember(key: string | undefined, response: unknown, now: number): void {
    if (key !== undefined) this.#put.run(key, JSON.stringify(response), now);
  }

  /**
   * Does `work` and records its answer, or answers a repeat of the key with the first answer
   * without doing it again; without a key, just does it. Call it inside the transaction of the
   * work's effect. A request that fails is not recorded: its effect was rolled back with it.
   */
  once<T>(key: string | undefined, now: () => number, work: () => T): T {
    const answered = this.recall<T>(key);
    if (answered !== undefined) return answered;
    const answer = work();
    this.remember(key, answer, now());
    return answer;
  }
}
