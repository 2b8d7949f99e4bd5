import type { LambdaErrorPayload } from '../core/function-definition.js';

/**
 * One invocation's timeout: the function's time budget, counted as Lambda counts it, from the
 * moment its runtime hands the event to the handler to the moment the handler's answer is ready.
 *
 * Lambda does not count the platform's own work (carrying the event in, the response out). A
 * host that runs the function in another process (Python's, python-environment.ts) moves the
 * event and the answer through a socket, which on a loaded machine can take a good part of a
 * second for a 5 MiB payload: it says when the handler starts (`started`) and when its answer is
 * ready (`returned`), and the budget runs only between the two, so a function's verdict does not
 * depend on how fast the machine moves its payload. A worker thread (Node.js) hands its payload
 * over in the same process: its budget runs from the invocation's posting, as it always has.
 */
export class InvocationTimeout {
  readonly #timeoutMs: number;
  readonly #onTimeout: () => void;
  #timer: NodeJS.Timeout | undefined;

  /** `startsWhenReported`: the host reports `started`, so nothing is counted before it does. */
  constructor(timeoutMs: number, onTimeout: () => void, startsWhenReported: boolean) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
    if (!startsWhenReported) this.start();
  }

  /** The handler started: its whole budget is ahead of it. */
  start(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onTimeout, this.#timeoutMs);
  }

  /** The handler's answer is ready (or the invocation ended): nothing more is counted. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Lambda's error for an invocation that ran past its timeout. */
  error(requestId: string): LambdaErrorPayload {
    return {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(this.#timeoutMs / 1000).toFixed(2)} seconds`,
    };
  }
}
