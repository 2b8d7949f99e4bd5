/**
 * A Lambda function's error as the clients show it. Lambda reports a Node.js function's error
 * as the JSON its runtime interface client writes, `{"errorType","errorMessage","trace"}`, the
 * trace being the error's stack line by line: Invoke's payload when `FunctionError` is set,
 * and the `cause` Step Functions gives a failed Lambda task (with the errorType as its
 * `error`). Shown whole it is a screenful; the CLI and the console show its type and
 * message on a line and, under it, the frames of the function's code. Pure: the console
 * runs it in the browser.
 */

/** The error payload of a Node.js function (Lambda's runtime interface client's `toRapidResponse`). */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** An error and its cause as a reader takes them in. */
export interface ShownError {
  /** `Error: no stock for FAIL-1`: the error (the name Retry and Catch match) and the message, or the cause as it is. */
  readonly summary: string;
  /** The trace's frames of the function's code (`at reserve (file:///var/task/index.mjs:3:9)`), trimmed; empty when the cause has none. */
  readonly frames: readonly string[];
}

/** The Lambda error payload `text` is, or undefined for any other text (a Fail state's cause, a service's message). */
export function lambdaErrorOf(text: string | undefined): LambdaErrorPayload | undefined {
  if (text === undefined || !text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { errorType, errorMessage, trace } = value as Record<string, unknown>;
  if (typeof errorMessage !== 'string') return undefined;
  return {
    errorType: typeof errorType === 'string' ? errorType : 'Error',
    errorMessage,
    ...(Array.isArray(trace) ? { trace: trace.filter((line): line is string => typeof line === 'string') } : {}),
  };
}

/**
 * An error and its cause as one line and the function's frames: a cause that is a Lambda
 * error payload gives its message and trace, any other cause is shown as it is.
 */
export function shownError(error: string | undefined, cause: string | undefined): ShownError {
  const payload = lambdaErrorOf(cause);
  if (payload === undefined) {
    return { summary: [error, cause].filter((part) => part !== undefined && part !== '').join(': '), frames: [] };
  }
  const name = error ?? payload.errorType;
  return { summary: payload.errorMessage === '' ? name : `${name}: ${payload.errorMessage}`, frames: functionFrames(payload.trace ?? []) };
}

/**
 * Where Lambda's Node.js runtime interface client lives: the frame of it that called the
 * handler ends every trace Lambda reports (`at Runtime.handleOnceNonStreaming
 * (file:///var/runtime/index.mjs:1173:29)`), and says nothing about the function.
 */
const LAMBDA_RUNTIME = /[( ](file:\/\/)?\/var\/runtime\//;

/**
 * A trace's frames of the function's code: the `at ...` lines (the first line repeats the
 * type and message, a multi-line message goes on after it), up to the first frame of
 * Lambda's runtime, which called the handler (what follows it are its own callers).
 */
export function functionFrames(trace: readonly string[]): string[] {
  const frames = trace.map((line) => line.trim()).filter((line) => /^at /.test(line));
  const runtimeAt = frames.findIndex((frame) => LAMBDA_RUNTIME.test(frame));
  return runtimeAt === -1 ? frames : frames.slice(0, runtimeAt);
}
