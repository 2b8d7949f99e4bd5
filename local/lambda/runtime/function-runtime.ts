import { randomUUID } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import { childHeader, currentTraceHeader, newSegmentId } from '../../endpoint/trace-header.js';
import { beginWork, type Clock, systemClock } from '../../time/clock.js';
import { type FunctionDefinition, type LambdaErrorPayload, versionDefinition } from '../core/function-definition.js';
import { type Environment, EnvironmentPool, initErrorOf, runtimeExitReason } from './hosts/environment-pool.js';
import type { InvocationFaults } from './invocation-faults.js';
import { type LoggingConfig, loggingConfig, logStreamEvents } from './invocation-logs.js';
import { InvocationTimeout } from './invocation-timeout.js';
import { type FailedRecords, failedNote } from './record-errors.js';
import { type InvocationAnswer, RunConsole } from './run-console.js';
import { RUNTIME_ROOT, type RuntimeSdk } from './runtime-sdk.js';
import { runtimeSupport, unsupportedRuntimeError } from './runtimes.js';

export type { ApiRecord, AsyncInvokeConfig, FunctionAlias, FunctionDefinition, LambdaErrorPayload } from '../core/function-definition.js';
export { RUNTIME_ROOT } from './runtime-sdk.js';

/**
 * How many execution environments a function without reserved concurrency may have at
 * once here. Lambda would run far more, but on a 2-core machine more threads only
 * compete with the endpoint and the DynamoDB engine's thread for CPU (measured: 4 beat 8 by about a third).
 */
const DEFAULT_LOCAL_CONCURRENCY = Number(process.env.SWITCHYARD_LAMBDA_CONCURRENCY ?? 4);

export type InvokeOutcome = (
  | { readonly ok: true; readonly payload: string; readonly requestId: string }
  | {
      readonly ok: false;
      readonly error: LambdaErrorPayload;
      readonly requestId: string;
      /** The error as the runtime wrote it (Python's: its JSON encoder's `", "` and `": "`); else Lambda's, the error's JSON (errorPayload). */
      readonly payload?: string;
    }
) & {
  /** The invocation's log lines, from START to REPORT (what Invoke's `LogType: Tail` returns the end of). */
  readonly logLines?: readonly string[];
};

/** A failed invocation's response body: the error as its runtime wrote it, or as JSON where Lambda answers for it (a timeout, a crash). */
export const errorPayload = (outcome: Extract<InvokeOutcome, { ok: false }>): string => outcome.payload ?? JSON.stringify(outcome.error);

/** What one invocation carries besides its event. */
export interface InvokeOptions {
  /** Fail with TooManyRequestsException instead of waiting when the function is at its concurrency. */
  readonly throttle?: boolean;
  /**
   * The caller gave up (a Step Functions task timed out): an invocation still waiting for
   * room here is dropped, never run, and the call rejects with the signal's reason. Lambda
   * would have started it at once (it scales past the local cap); run after its caller left,
   * it would only take room from the callers still waiting, which under a burst turns every
   * retry into another timeout. One that started runs to its end, as in Lambda.
   */
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** The decoded `ClientContext` (Invoke's `X-Amz-Client-Context`): `context.clientContext`. */
  readonly clientContext?: unknown;
  /** The ARN the caller invoked, with its qualifier: `context.invokedFunctionArn`. */
  readonly invokedFunctionArn?: string;
  /** The version that runs (`$LATEST`, or the version a qualifier names): `context.functionVersion`, the START line's. */
  readonly version?: string;
  /** Collect the function's own log lines into the outcome's `logLines` (Invoke's `LogType: Tail`); the START to REPORT lines always are. */
  readonly captureLog?: boolean;
  /** The caller's X-Ray trace header. @default - the one of the call being served now (`X-Amzn-Trace-Id`), else a new trace */
  readonly traceHeader?: string;
  /** The SQS messages of an event source mapping's batch. */
  readonly messages?: readonly { readonly messageId: string; readonly queueArn: string; readonly traceHeader?: string }[];
  /** For a mapping that reads partial batch responses: the messages an answer names failed, or 'invalid' (all of them). */
  readonly failedMessages?: (payload: string) => ReadonlySet<string> | 'invalid';
}

/** An invocation starting or ending, for observers outside Lambda (the read API's lineage). */
export interface InvocationNote extends FailedRecords {
  readonly phase: 'started' | 'ended';
  readonly requestId: string;
  readonly functionName: string;
  /** The header the function runs with (`_X_AMZN_TRACE_ID`): its `Parent` is this invocation's segment. */
  readonly traceHeader: string;
  /** The caller's header, when there was one. */
  readonly callerTraceHeader?: string;
  readonly messages?: InvokeOptions['messages'];
  readonly logGroupName: string;
  readonly logStreamName?: string;
  readonly time: number;
  readonly error?: LambdaErrorPayload;
}

/** Lambda's limit on a synchronous invocation's response: 6 MB, and Lambda's own margin of 100 bytes. */
const MAX_RESPONSE_BYTES = 6_291_556;

/** Where log lines go: the console prefixed by function name by default. */
export type LogSink = (functionName: string, line: string) => void;

/**
 * CloudWatch Logs as Lambda writes to it (the logs service's own `write`): each invocation's
 * lines go to the function's log group, in the stream of the execution environment that ran it.
 */
export interface FunctionLogs {
  write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
}

interface RunOutcome {
  readonly outcome: InvokeOutcome;
  readonly memoryUsedMb?: number;
  /** What the function wrote to stdout and stderr during the invocation, by line (none when it timed out or crashed). */
  readonly functionLines: readonly string[];
  /** The environment logged the function's error itself, as Python's runtime does (Node.js's leaves it to the runtime here). */
  readonly errorLogged?: boolean;
}

/** One invocation in an environment: what its steps share, and what its end (REPORT, log stream, release) needs to know. */
interface Invocation {
  readonly env: Environment;
  readonly requestId: string;
  readonly log: (line: string) => void;
  readonly logLines: string[];
  readonly note: (phase: InvocationNote['phase'], error?: LambdaErrorPayload, failed?: FailedRecords) => void;
  ended?: LambdaErrorPayload;
  failedMessages?: InvocationNote['failedMessages'];
  started: number;
  discard: boolean;
  initDurationMs?: number;
  memoryUsedMb?: number;
  status: string;
  teeFrom?: number;
  startedAt: number;
}

/**
 * The execution environments of one function: worker threads, each running the bundle
 * with the function's environment variables, one invocation at a time, reused while
 * warm. A timeout or a crash discards the environment, as Lambda does. A published version
 * runs the code and settings it froze (versionDefinition).
 */
export class FunctionRuntime {
  readonly #pool: EnvironmentPool;
  /** The function's LoggingConfig: JSON or text lines, and the levels it keeps. */
  #logging: LoggingConfig;
  /** What its invocations run: `definition` once its code is ready; none while the function is being created (Pending). */
  #runs: FunctionDefinition | undefined;

  constructor(
    /**
     * The function as Lambda's API describes it; not readonly: a reload of the app (`update`)
     * points the function at its new code and settings, and a change Lambda's API accepted
     * (`describe`) is described before its code runs.
     */
    public definition: FunctionDefinition,
    /** A version's environment variables, from its definition (the runtime's, the function's, Lambda's reserved ones). */
    private readonly environmentOf: (definition: FunctionDefinition) => Readonly<Record<string, string>>,
    private readonly log: LogSink,
    private readonly logs?: FunctionLogs,
    private readonly observe?: (note: InvocationNote) => void,
    /** Failures the testing API injects (local/lambda/runtime/invocation-faults.ts). */
    private readonly faults?: InvocationFaults,
    /** The AWS SDK the runtime provides (what switchyard-cli carries and the cache). @default what switchyard-cli carries */
    private readonly sdk?: RuntimeSdk,
    /** The runtime's clock: each invocation is work in flight on it, which a test's clock never moves past (Clock.begin). */
    private readonly clock: Clock = systemClock,
  ) {
    this.#runs = definition.api?.change === 'creating' ? undefined : definition;
    this.#logging = loggingConfig(definition);
    this.#pool = new EnvironmentPool(definition.reservedConcurrency ?? DEFAULT_LOCAL_CONCURRENCY, (version) => {
      const running = versionDefinition(this.#running(version), version);
      return {
        definition: running,
        environment: this.environmentOf(running),
        logging: running === this.#runs ? this.#logging : loggingConfig(running),
        log: (line) => this.log(this.definition.name, line),
        sdk: this.sdk?.forWorker(running) ?? { roots: [RUNTIME_ROOT], unavailable: {} },
      };
    });
  }

  /**
   * Runs the function's new code and settings. At once (`prestart` false: a change through
   * Lambda's API): idle environments stop, busy ones when released, and the next invocation
   * cold-starts the new code. With `prestart` (a reload, a handler `switchyard dev` rebuilt):
   * the new code's first environment starts now, events meanwhile run on the old code, and once
   * it is ready the function switches to it, so the first event on the new code is a warm call
   * (EnvironmentPool.renew). Resolves at the switch: from then on no event runs the old code.
   */
  update(definition: FunctionDefinition, prestart = false): Promise<void> {
    this.definition = definition;
    this.#runs = definition;
    this.#logging = loggingConfig(definition);
    const concurrency = definition.reservedConcurrency ?? DEFAULT_LOCAL_CONCURRENCY;
    return this.#pool.renew(concurrency, prestart && runtimeSupport(definition.runtime) !== 'unsupported');
  }

  /**
   * Describes a change Lambda's API accepted whose code is not ready yet: reads answer it
   * (Pending, InProgress), invocations go on running what ran before (`update` runs it).
   */
  describe(definition: FunctionDefinition): void {
    this.definition = definition;
  }

  /** What invocations run now: the code and settings before a change in progress; none while the function is being created. */
  get running(): FunctionDefinition | undefined {
    return this.#runs;
  }

  /**
   * What an invocation of `version` runs, as Lambda answers one it cannot run yet: a function
   * being created (or that failed to be), or a version being published, is refused with
   * ResourceConflictException naming its state.
   * @throws AwsError ResourceConflictException
   */
  #running(version: string): FunctionDefinition {
    const described = versionDefinition(this.definition, version);
    const pending = described.api?.change === 'creating' ? 'Pending' : described.api?.failure?.of === 'creating' ? 'Failed' : undefined;
    if (pending === undefined && this.#runs) return this.#runs;
    throw new AwsError(
      'ResourceConflictException',
      `The operation cannot be performed at this time. The function is currently in the following state: ${pending ?? 'Pending'}`,
      409,
    );
  }

  get maxConcurrency(): number {
    return this.#pool.maxConcurrency;
  }

  /**
   * Starts an execution environment ahead of the next invocation, unless one is idle (EnvironmentPool.prepare); none for a
   * function whose every invocation is refused (a layer nobody can provide), whose init's errors would be for code never run.
   */
  prepare(): Promise<void> {
    const refused = this.#runs !== undefined && this.sdk?.layers?.error(this.#runs) !== undefined;
    return !this.#runs || runtimeSupport(this.#runs.runtime) === 'unsupported' || refused ? Promise.resolve() : this.#pool.prepare();
  }

  /**
   * Runs one invocation; resolves with the handler's result or its error, never rejects for
   * function errors. Rejects with InvalidRuntimeException for a function whose runtime does
   * not run here (Lambda's Invoke error for a runtime it cannot run), and with
   * TooManyRequestsException when `throttle` is set and the function is at its concurrency.
   */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    // From its call, waiting for room included, to its answer: the handler's code runs in real
    // time, so a test's clock waits for it rather than jump past its timeout, or past the
    // visibility timeout of the message it handles, while it runs.
    const end = beginWork(this.clock, () => `an invocation of ${this.definition.name} (its timeout ${this.definition.timeoutSeconds} s)`);
    try {
      return await this.#invokeWithFaults(event, options);
    } finally {
      end();
    }
  }

  async #invokeWithFaults(event: unknown, options: InvokeOptions): Promise<InvokeOutcome> {
    const logLines: string[] = [];
    const log = (line: string) => {
      logLines.push(line);
      this.log(this.definition.name, line);
    };
    const fault = this.faults?.take(this.definition.name);
    if (fault?.when === 'before') {
      log(`injected fault: ${fault.error.errorType}: ${fault.error.errorMessage} (the handler did not run)`);
      return { ok: false, error: fault.error, requestId: options.requestId ?? randomUUID(), logLines };
    }
    const outcome = await this.#invoke(event, options, log, logLines);
    if (fault?.when === 'after') {
      log(`injected fault: ${fault.error.errorType}: ${fault.error.errorMessage} (after the handler ran)`);
      return { ok: false, error: fault.error, requestId: outcome.requestId, logLines };
    }
    return { ...outcome, logLines };
  }

  async #invoke(event: unknown, options: InvokeOptions, log: (line: string) => void, logLines: string[]): Promise<InvokeOutcome> {
    const version = options.version ?? '$LATEST';
    const running = versionDefinition(this.#running(version), version);
    this.#checkRuntime(running);
    // A layer nobody can provide: Lambda would not have created the function; its error is the answer.
    const layerError = this.sdk?.layers?.error(running);
    if (layerError) throw layerError;
    const requestId = options.requestId ?? randomUUID();
    // As Lambda does for every invocation (tracing PassThrough): the caller's trace, this invocation as parent;
    // a new trace when the call carries none.
    const callerTraceHeader = options.traceHeader ?? currentTraceHeader();
    const traceHeader = childHeader(callerTraceHeader, newSegmentId());
    const env = await this.#pool.acquire(options.throttle ?? false, options.signal, options.version ?? '$LATEST');
    const note = this.#notes(env, requestId, traceHeader, callerTraceHeader, options.messages);
    const invocation: Invocation = {
      env,
      requestId,
      log,
      logLines,
      note,
      started: performance.now(),
      discard: false,
      status: '',
      startedAt: 0,
    };
    try {
      const init = await env.ready;
      this.#start(invocation, init.initDurationMs, options.version);
      if (init.error) {
        const error = initErrorOf(init.error, requestId);
        invocation.discard = true;
        invocation.status = `\tStatus: error\tError Type: ${error.errorType}`;
        invocation.ended = error;
        return { ok: false, error, payload: init.payload, requestId };
      }
      return await this.#runHandler(invocation, event, { ...options, traceHeader });
    } finally {
      this.#end(invocation);
    }
  }

  #checkRuntime(running: FunctionDefinition): void {
    if (runtimeSupport(running.runtime) === 'unsupported') throw unsupportedRuntimeError(running);
  }

  /** Tells the observer that the invocation started or ended. */
  #notes(
    env: Environment,
    requestId: string,
    traceHeader: string,
    callerTraceHeader: string | undefined,
    messages: InvokeOptions['messages'],
  ): Invocation['note'] {
    return (phase, error, failed) =>
      this.observe?.({
        phase,
        requestId,
        functionName: this.definition.name,
        traceHeader,
        ...(callerTraceHeader ? { callerTraceHeader } : {}),
        ...(messages ? { messages } : {}),
        logGroupName: (this.#runs ?? this.definition).logGroupName,
        logStreamName: env.logStreamName,
        time: Date.now(),
        ...(error ? { error } : {}),
        ...failed,
      });
  }

  /** The invocation's START, once its environment is ready: a cold start's init lines come first. */
  #start(invocation: Invocation, initDurationMs: number, version: string | undefined): void {
    const { env, logLines } = invocation;
    // As in Lambda, Duration is the invocation's own time; a cold start's init is reported apart.
    invocation.started = performance.now();
    if (!env.used) {
      invocation.initDurationMs = initDurationMs;
      logLines.push(...env.initLines);
    }
    env.used = true;
    invocation.teeFrom = logLines.length;
    invocation.log(`START RequestId: ${invocation.requestId} Version: ${version ?? '$LATEST'}`);
    invocation.note('started');
    // START goes out at once, so that a running invocation shows; its other lines when it ends, in the order the worker wrote them.
    invocation.startedAt = Date.now();
    this.#tee(env, logLines.slice(0, invocation.teeFrom + 1), invocation.startedAt, invocation.startedAt);
    invocation.teeFrom++;
  }

  /** Runs the handler; an error that ends the environment (a timeout, a crash) discards it. */
  async #runHandler(invocation: Invocation, event: unknown, options: InvokeOptions): Promise<InvokeOutcome> {
    const { requestId } = invocation;
    // The function's own lines are kept for its log stream, not only for Invoke's `LogType: Tail`.
    const run = await this.#run(invocation.env, event, requestId, {
      ...options,
      captureLog: options.captureLog === true || this.logs !== undefined,
    });
    invocation.memoryUsedMb = run.memoryUsedMb;
    invocation.logLines.push(...run.functionLines);
    const outcome = withinResponseLimit(run.outcome);
    if (outcome.ok) invocation.failedMessages = options.failedMessages?.(outcome.payload);
    if (!outcome.ok) {
      invocation.ended = outcome.error;
      invocation.discard = outcome.error.errorType === 'Sandbox.Timedout' || outcome.error.errorType === 'Runtime.ExitError';
      if (outcome.error.errorType === 'Sandbox.Timedout') invocation.status = '\tStatus: timeout';
      else if (invocation.discard) invocation.status = `\tStatus: error\tError Type: ${outcome.error.errorType}`;
      else if (!run.errorLogged)
        invocation.log(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(outcome.error)}`);
    }
    return outcome;
  }

  /** END and REPORT, the rest of the invocation's lines to its log stream, and its environment back to the pool. */
  #end(invocation: Invocation): void {
    const { env, requestId, log, logLines, teeFrom, initDurationMs } = invocation;
    const duration = performance.now() - invocation.started;
    log(`END RequestId: ${requestId}`);
    // Each field ends with a tab, the last one too, as AWS's recorded REPORT lines show.
    log(
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\t` +
        `Memory Size: ${(this.#runs ?? this.definition).memorySize} MB\tMax Memory Used: ${invocation.memoryUsedMb ?? 0} MB` +
        `${initDurationMs === undefined ? '' : `\tInit Duration: ${initDurationMs.toFixed(2)} ms`}${invocation.status}\t`,
    );
    // One copy of the invocation's own lines: its log stream's, and the errors it logged for records it failed.
    const lines = teeFrom === undefined ? undefined : logLines.slice(teeFrom);
    if (lines !== undefined) this.#tee(env, lines, invocation.startedAt, Date.now());
    if (lines !== undefined) invocation.note('ended', invocation.ended, failedNote(invocation.failedMessages, lines));
    this.#pool.release(env, invocation.discard);
  }

  /** Writes lines to the environment's log stream (see logStreamEvents for the time each line takes). */
  #tee(env: Environment, lines: readonly string[], since: number, at: number): void {
    if (!this.logs || lines.length === 0) return;
    this.logs.write((this.#runs ?? this.definition).logGroupName, env.logStreamName, logStreamEvents(lines, since, at, this.#logging));
  }

  /** Stops every execution environment. */
  stop(): Promise<void> {
    return this.#pool.stop();
  }

  #run(env: Environment, event: unknown, requestId: string, options: InvokeOptions): Promise<RunOutcome> {
    const timeoutMs = versionDefinition(this.#runs ?? this.definition, env.version).timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const id = randomUUID();
    return new Promise<RunOutcome>((resolve) => {
      let memoryUsedMb: number | undefined;
      // What the worker reports is exact; when it cannot report (a timeout, a crash), the lines the console got stand in.
      let functionLines: readonly string[] = [];
      let reported = false;
      let errorLogged = false;
      const printed = new RunConsole();
      if (options.captureLog) env.onLine = (line) => printed.take(line);
      let finished = false;
      const finish = (outcome: InvokeOutcome) => {
        if (finished) return;
        finished = true;
        env.onLine = undefined;
        if (!reported) functionLines = printed.lines;
        timeout.stop();
        env.host.off('message', onMessage);
        env.host.off('exit', onExit);
        env.host.off('error', onError);
        resolve({ outcome, memoryUsedMb, functionLines, errorLogged });
      };
      const onMessage = (message: InvocationAnswer) => {
        if (message.id !== id) return;
        if (message.type === 'started') return timeout.start();
        if (message.type === 'returned') return timeout.stop();
        memoryUsedMb = message.memoryUsedMb;
        reported = true;
        errorLogged = message.logged === true;
        functionLines = message.logLines ?? [];
        // END and REPORT wait for the function's lines to be printed (RunConsole).
        const answer = (outcome: InvokeOutcome) =>
          printed.after(options.captureLog ? message.consoleLines : undefined, () => finish(outcome));
        if (message.type === 'result') answer({ ok: true, payload: message.payload ?? 'null', requestId });
        else if (message.type === 'error' && message.error)
          answer({ ok: false, error: message.error, payload: message.payload, requestId });
      };
      const onExit = (exit: number | string) =>
        finish({
          ok: false,
          requestId,
          error: initErrorOf({ errorType: 'Runtime.ExitError', errorMessage: runtimeExitReason(exit) }, requestId),
        });
      const onError = (error: Error) =>
        finish({
          ok: false,
          requestId,
          error: { errorType: error.name || 'Error', errorMessage: error.message, trace: error.stack?.split('\n') },
        });
      const timeout = new InvocationTimeout(
        timeoutMs,
        () => finish({ ok: false, requestId, error: timeout.error(requestId) }),
        env.host.reportsHandlerTime === true,
      );
      env.host.on('message', onMessage);
      env.host.once('exit', onExit);
      env.host.once('error', onError);
      env.host.postMessage({
        type: 'invoke',
        id,
        event,
        requestId,
        deadline,
        timeoutMs,
        clientContext: options.clientContext,
        invokedFunctionArn: options.invokedFunctionArn,
        functionVersion: options.version,
        captureLog: options.captureLog === true,
        traceHeader: options.traceHeader,
      });
    });
  }
}

/**
 * A result larger than Lambda's response limit is the function's error, as Lambda reports
 * it to the caller (and counts it for retries and destinations).
 */
function withinResponseLimit(outcome: InvokeOutcome): InvokeOutcome {
  if (!outcome.ok || Buffer.byteLength(outcome.payload) <= MAX_RESPONSE_BYTES) return outcome;
  return {
    ok: false,
    requestId: outcome.requestId,
    error: {
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
    },
  };
}
