/**
 * How long Lambda recognizes a checkpoint sent again with the same `ClientToken`
 * (CheckpointDurableExecution: "detect and handle duplicate requests within a 15-minute window").
 */
export const CLIENT_TOKEN_WINDOW_MS = 15 * 60_000;

interface Answered {
  readonly clientToken: string;
  /** A digest of the request the answer was for: the checkpoint token it spent and its updates. */
  readonly request: string;
  readonly answer: unknown;
  readonly at: number;
}

/**
 * The answer to each durable execution's latest checkpoint, by its `ClientToken`, so a
 * checkpoint sent again (the SDK's retry after an answer was lost: the same request, with
 * the token it already spent) gets the first answer instead of "Invalid Checkpoint Token"
 * and is applied once.
 *
 * Only the latest checkpoint of an execution is kept: the SDK sends the next one only
 * after the answer to the last, so an older one is never sent again. A token reused with
 * another request is not a repeat; it is checked as a new checkpoint. Kept in memory: after
 * a restart the invocation that sent it is gone, and its execution is invoked again with a
 * new token.
 */
export class CheckpointAnswers {
  /** By execution ARN, oldest first (an execution's entry moves to the end when it changes). */
  readonly #latest = new Map<string, Answered>();

  constructor(private readonly now: () => number) {}

  /** The first answer to this request, when it was answered within the window. */
  repeat(arn: string, clientToken: string | undefined, request: string): unknown {
    if (clientToken === undefined) return undefined;
    const answered = this.#latest.get(arn);
    if (!answered || answered.clientToken !== clientToken || answered.request !== request) return undefined;
    return this.now() - answered.at <= CLIENT_TOKEN_WINDOW_MS ? answered.answer : undefined;
  }

  /** Keeps the answer to an execution's newest checkpoint, in place of its last. */
  remember(arn: string, clientToken: string | undefined, request: string, answer: unknown): void {
    this.#latest.delete(arn);
    const now = this.now();
    if (clientToken !== undefined) this.#latest.set(arn, { clientToken, request, answer, at: now });
    // Oldest first: drop those past the window, so ended executions' answers do not pile up.
    for (const [key, answered] of this.#latest) {
      if (now - answered.at <= CLIENT_TOKEN_WINDOW_MS) break;
      this.#latest.delete(key);
    }
  }
}
