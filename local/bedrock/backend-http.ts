import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Connections to model backends are kept open between calls, as a client of a model server keeps them. */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** The error a call fails with when its deadline passes: named as `AbortSignal.timeout` names it. */
export class BackendTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * One JSON POST to a model backend, with a deadline that covers reading its answer to the end.
 * node:http, not fetch: fetch's Request, Headers and web streams, and the finalizer undici
 * registers for every signal, were most of what a relayed call allocated, and the local
 * Bedrock's collections (its p99) grew with them. The deadline is one timer, cleared as soon
 * as the answer has been read, failed or abandoned.
 */
export class BackendCall {
  readonly #response: IncomingMessage;
  readonly #timer: NodeJS.Timeout;

  private constructor(response: IncomingMessage, timer: NodeJS.Timeout) {
    this.#response = response;
    this.#timer = timer;
  }

  /** Posts `payload` to `url`; resolves with the answer's head, fails if it cannot connect or the deadline passes first. */
  static post(url: string, payload: string, timeoutMs: number): Promise<BackendCall> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(target, {
        method: 'POST',
        agent: target.protocol === 'https:' ? agents['https:'] : agents['http:'],
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      let answer: IncomingMessage | undefined;
      // Past the deadline, whoever reads fails with the timeout: the request before the head came, the answer after.
      const timer = setTimeout(() => {
        const error = new BackendTimeoutError(`no answer within ${timeoutMs} ms`);
        if (answer === undefined) req.destroy(error);
        else answer.destroy(error);
      }, timeoutMs);
      timer.unref();
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.once('response', (response) => {
        answer = response;
        response.once('end', () => clearTimeout(timer));
        response.once('close', () => clearTimeout(timer));
        resolve(new BackendCall(response, timer));
      });
      req.end(payload);
    });
  }

  get status(): number {
    return this.#response.statusCode ?? 0;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The whole answer as text. */
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.#response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The answer's bytes as they come; one left unread is closed and its deadline cleared. */
  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.#response) yield chunk as Buffer;
    } finally {
      this.close();
    }
  }

  /** Clears the deadline and lets go of an answer not read to the end. */
  close(): void {
    clearTimeout(this.#timer);
    if (!this.#response.complete) this.#response.destroy();
  }
}
