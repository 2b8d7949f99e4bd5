import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AwsError } from '../aws-error.js';
import { childHeader, currentTraceHeader, newSegmentId } from '../trace-header.js';
import { runtimeSupport } from './runtimes.js';

const WORKER_SCRIPT = path.join(import.meta.dirname, 'worker.mjs');
/**
 * The folder whose node_modules stands in for the managed runtime's /var/runtime/node_modules:
 * the project's own, which holds the AWS SDK v3 clients functions may use without bundling them.
 */
export const RUNTIME_ROOT = path.resolve(import.meta.dirname, '..', '..');
/**
 * How many execution environments a function without reserved concurrency may have at
 * once here. Lambda would run far more, but on a 2-core machine more threads only
 * compete with the endpoint and dynalite for CPU (measured: 4 beat 8 by about a third).
 */
export const DEFAULT_LOCAL_CONCURRENCY = Number(process.env.SWITCHYARD_LAMBDA_CONCURRENCY ?? 4);

/** A function as the template defines it, with its bundle on disk. */
export interface FunctionDefinition {
  readonly name: string;
  readonly arn: string;
  /** `index.handler`: module file and export. */
  readonly handler: string;
  readonly runtime: string;
  readonly architecture: string;
  /** Absolute folder of the bundle (`cdk.out/asset.<hash>`). */
  readonly codePath: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  readonly description?: string;
  readonly logGroupName: string;
  /** The folders of the function's layers, in the order of its `Layers` (each has `nodejs/node_modules`). */
  readonly layers?: readonly string[];
  /** The function's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`, `DeadLetterConfig`). */
  readonly asyncConfig?: AsyncInvokeConfig;
  /** The function's resolved template properties: what the read API reports beyond the fields above (Role, TracingConfig, ...). */
  readonly template?: Readonly<Record<string, unknown>>;
  /** The versions the template publishes (`AWS::Lambda::Version`): each runs the same code as `$LATEST`. */
  readonly versions?: readonly string[];
  /** The template's aliases (`AWS::Lambda::Alias`) of the function. */
  readonly aliases?: readonly FunctionAlias[];
}

/** An `AWS::Lambda::Alias`: a name for one of the function's versions. */
export interface FunctionAlias {
  readonly name: string;
  readonly functionVersion: string;
  readonly description?: string;
  /** `RoutingConfig.AdditionalVersionWeights`, as the template gives it. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
}

/** How Lambda handles an asynchronous invocation of the function once it is queued. */
export interface AsyncInvokeConfig {
  /** 0-2; Lambda's default is 2. */
  readonly maximumRetryAttempts?: number;
  /** 60-21600 seconds; Lambda's default is 6 hours. */
  readonly maximumEventAgeSeconds?: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
  /** `DeadLetterConfig.TargetArn`: an SQS queue or SNS topic. */
  readonly deadLetterArn?: string;
}

export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export type InvokeOutcome = (
  | { readonly ok: true; readonly payload: string; readonly requestId: string }
  | { readonly ok: false; readonly error: LambdaErrorPayload; readonly requestId: string }
) & {
  /** The invocation's log lines, from START to REPORT (what Invoke's `LogType: Tail` returns the end of). */
  readonly logLines?: readonly string[];
};

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
  readonly messages?: readonly { readonly messageId: string; readonly queueArn: string }[];
}

/** An invocation starting or ending, for observers outside Lambda (the read API's lineage). */
export interface InvocationNote {
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
export const MAX_RESPONSE_BYTES = 6_291_556;

/** Where log lines go: the console prefixed by function name by default. */
export type LogSink = (functionName: string, line: string) => void;

/**
 * CloudWatch Logs as Lambda writes to it (the logs service's own `write`): each invocation's
 * lines go to the function's log group, in the stream of the execution environment that ran it.
 */
export interface FunctionLogs {
  write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<{ error?: LambdaErrorPayload; initDurationMs: number }>;
  busy: boolean;
  /** Whether an invocation ran here yet: the first one reports the Init Duration. */
  used: boolean;
  /** The init phase's own log lines (a failed init's error and INIT_REPORT): the first invocation's log starts with them. */
  readonly initLines: string[];
  /** Where the function's console lines go besides the console while an invocation runs here. */
  onLine?: (line: string) => void;
  /** `YYYY/MM/DD/[$LATEST]<32 hex>`, as Lambda names an environment's log stream. */
  readonly logStreamName: string;
  /** The function's generation it was started with: one of an older generation is retired when it is released (`update`). */
  readonly generation: number;
}

interface RunOutcome {
  readonly outcome: InvokeOutcome;
  readonly memoryUsedMb?: number;
  /** What the function wrote to stdout and stderr during the invocation, by line (none when it timed out or crashed). */
  readonly functionLines: readonly string[];
}

/**
 * The execution environments of one function: worker threads, each running the bundle
 * with the function's environment variables, one invocation at a time, reused while
 * warm. A timeout or a crash discards the environment, as Lambda does.
 */
export class FunctionRuntime {
  readonly #idle: Environment[] = [];
  readonly #waiting: ((env: Environment) => void)[] = [];
  #count = 0;
  #maxConcurrency: number;
  /** The function's LoggingConfig: JSON or text lines, and the levels it keeps. */
  #logging: { logFormat?: string; applicationLogLevel?: string; systemLogLevel?: string };
  /** Bumped by `update`: environments of an older generation run the old code and are never reused. */
  #generation = 0;

  constructor(
    // Not readonly: a reload of the app (`update`) points the function at its new code and settings.
    public definition: FunctionDefinition,
    private environment: Readonly<Record<string, string>>,
    private readonly log: LogSink,
    private readonly logs?: FunctionLogs,
    private readonly observe?: (note: InvocationNote) => void,
  ) {
    this.#maxConcurrency = definition.reservedConcurrency ?? DEFAULT_LOCAL_CONCURRENCY;
    this.#logging = loggingConfig(definition);
  }

  /**
   * Runs the function's new code and settings from the next invocation on (a reload of the
   * app): idle environments stop at once, busy ones finish their invocation with the old
   * code and then stop, so the next invocation cold-starts the new code. Invocations
   * waiting for an environment get one of the new generation.
   */
  update(definition: FunctionDefinition, environment: Readonly<Record<string, string>>): void {
    this.definition = definition;
    this.environment = environment;
    this.#maxConcurrency = definition.reservedConcurrency ?? DEFAULT_LOCAL_CONCURRENCY;
    this.#logging = loggingConfig(definition);
    this.#generation++;
    const retired = this.#idle.splice(0);
    this.#count -= retired.length;
    for (const env of retired) void env.worker.terminate();
  }

  get maxConcurrency(): number {
    return this.#maxConcurrency;
  }

  /**
   * Runs one invocation; resolves with the handler's result or its error, never rejects for
   * function errors. Rejects with InvalidRuntimeException for a function whose runtime does
   * not run here (Lambda's Invoke error for a runtime it cannot run), and with
   * TooManyRequestsException when `throttle` is set and the function is at its concurrency.
   */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeOutcome> {
    const logLines: string[] = [];
    const log = (line: string) => {
      logLines.push(line);
      this.log(this.definition.name, line);
    };
    const outcome = await this.#invoke(event, options, log, logLines);
    return { ...outcome, logLines };
  }

  async #invoke(event: unknown, options: InvokeOptions, log: (line: string) => void, logLines: string[]): Promise<InvokeOutcome> {
    if (runtimeSupport(this.definition.runtime) === 'unsupported') {
      throw new AwsError(
        'InvalidRuntimeException',
        `The runtime ${this.definition.runtime} of function ${this.definition.name} is not supported by the local runtime: only Node.js functions run locally`,
        502,
      );
    }
    const requestId = options.requestId ?? randomUUID();
    // As Lambda does for every invocation (tracing PassThrough): the caller's trace, this invocation as parent;
    // a new trace when the call carries none.
    const callerTraceHeader = options.traceHeader ?? currentTraceHeader();
    const traceHeader = childHeader(callerTraceHeader, newSegmentId());
    const env = await this.#acquire(options.throttle ?? false, options.signal);
    const note = (phase: InvocationNote['phase'], error?: LambdaErrorPayload) =>
      this.observe?.({
        phase,
        requestId,
        functionName: this.definition.name,
        traceHeader,
        ...(callerTraceHeader ? { callerTraceHeader } : {}),
        ...(options.messages ? { messages: options.messages } : {}),
        logGroupName: this.definition.logGroupName,
        logStreamName: env.logStreamName,
        time: Date.now(),
        ...(error ? { error } : {}),
      });
    let ended: LambdaErrorPayload | undefined;
    let started = performance.now();
    let discard = false;
    let initDurationMs: number | undefined;
    let memoryUsedMb: number | undefined;
    let status = '';
    let teeFrom: number | undefined;
    let startedAt = 0;
    try {
      const init = await env.ready;
      // As in Lambda, Duration is the invocation's own time; a cold start's init is reported apart.
      started = performance.now();
      if (!env.used) {
        initDurationMs = init.initDurationMs;
        logLines.push(...env.initLines);
      }
      env.used = true;
      teeFrom = logLines.length;
      log(`START RequestId: ${requestId} Version: ${options.version ?? '$LATEST'}`);
      note('started');
      // START goes out at once, so that a running invocation shows; its other lines when it ends, in the order the worker wrote them.
      startedAt = Date.now();
      this.#tee(env, logLines.slice(0, teeFrom + 1), startedAt, startedAt);
      teeFrom++;
      if (init.error) {
        discard = true;
        status = `\tStatus: error\tError Type: ${init.error.errorType}`;
        ended = init.error;
        return { ok: false, error: init.error, requestId };
      }
      // The function's own lines are kept for its log stream, not only for Invoke's `LogType: Tail`.
      const run = await this.#run(env, event, requestId, {
        ...options,
        traceHeader,
        captureLog: options.captureLog === true || this.logs !== undefined,
      });
      memoryUsedMb = run.memoryUsedMb;
      logLines.push(...run.functionLines);
      const outcome = withinResponseLimit(run.outcome);
      if (!outcome.ok) {
        ended = outcome.error;
        discard = outcome.error.errorType === 'Sandbox.Timedout' || outcome.error.errorType === 'Runtime.ExitError';
        if (outcome.error.errorType === 'Sandbox.Timedout') status = '\tStatus: timeout';
        else if (discard) status = `\tStatus: error\tError Type: ${outcome.error.errorType}`;
        else log(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(outcome.error)}`);
      }
      return outcome;
    } finally {
      const duration = performance.now() - started;
      log(`END RequestId: ${requestId}`);
      log(
        `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\t` +
          `Memory Size: ${this.definition.memorySize} MB\tMax Memory Used: ${memoryUsedMb ?? 0} MB` +
          `${initDurationMs === undefined ? '' : `\tInit Duration: ${initDurationMs.toFixed(2)} ms`}${status}`,
      );
      if (teeFrom !== undefined) this.#tee(env, logLines.slice(teeFrom), startedAt, Date.now());
      if (teeFrom !== undefined) note('ended', ended);
      this.#release(env, discard);
    }
  }

  /**
   * Writes lines to the environment's log stream. A line in Lambda's text format carries the
   * time it was written; START, END and REPORT are written `at`; any other line takes the
   * time of the line before it (from `since` on).
   */
  #tee(env: Environment, lines: readonly string[], since: number, at: number): void {
    if (!this.logs || lines.length === 0) return;
    let time = since;
    const events = lines.map((message) => {
      if (/^(START|END|REPORT) RequestId: /.test(message)) return { timestamp: at, message };
      const written = /^(?:\{"timestamp":")?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)["\t]/.exec(message)?.[1];
      if (written !== undefined) time = Math.min(Math.max(time, Date.parse(written)), at);
      return { timestamp: time, message };
    });
    const kept = this.#logging.logFormat === 'JSON' ? events.flatMap((event) => jsonLogEvent(event, this.#logging.systemLogLevel)) : events;
    this.logs.write(this.definition.logGroupName, env.logStreamName, kept);
  }

  /** Stops every execution environment. */
  async stop(): Promise<void> {
    const all = this.#idle.splice(0);
    await Promise.all(all.map((env) => env.worker.terminate()));
  }

  #run(env: Environment, event: unknown, requestId: string, options: InvokeOptions): Promise<RunOutcome> {
    const timeoutMs = this.definition.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const id = randomUUID();
    return new Promise<RunOutcome>((resolve) => {
      let memoryUsedMb: number | undefined;
      // What the worker reports is exact; when it cannot report (a timeout, a crash), the lines the console got stand in.
      let functionLines: readonly string[] = [];
      let reported = false;
      const consoleLines: string[] = [];
      if (options.captureLog) env.onLine = (line) => consoleLines.push(line);
      const finish = (outcome: InvokeOutcome) => {
        env.onLine = undefined;
        if (!reported) functionLines = consoleLines;
        clearTimeout(timer);
        env.worker.off('message', onMessage);
        env.worker.off('exit', onExit);
        env.worker.off('error', onError);
        resolve({ outcome, memoryUsedMb, functionLines });
      };
      const onMessage = (message: {
        type: string;
        id?: string;
        payload?: string;
        error?: LambdaErrorPayload;
        memoryUsedMb?: number;
        logLines?: string[];
      }) => {
        if (message.id !== id) return;
        memoryUsedMb = message.memoryUsedMb;
        reported = true;
        functionLines = message.logLines ?? [];
        if (message.type === 'result') finish({ ok: true, payload: message.payload ?? 'null', requestId });
        else if (message.type === 'error' && message.error) finish({ ok: false, error: message.error, requestId });
      };
      const onExit = (code: number) =>
        finish({
          ok: false,
          requestId,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`,
          },
        });
      const onError = (error: Error) =>
        finish({
          ok: false,
          requestId,
          error: { errorType: error.name || 'Error', errorMessage: error.message, trace: error.stack?.split('\n') },
        });
      const timer = setTimeout(() => {
        finish({
          ok: false,
          requestId,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
          },
        });
      }, timeoutMs);
      env.worker.on('message', onMessage);
      env.worker.once('exit', onExit);
      env.worker.once('error', onError);
      env.worker.postMessage({
        type: 'invoke',
        id,
        event,
        requestId,
        deadline,
        clientContext: options.clientContext,
        invokedFunctionArn: options.invokedFunctionArn,
        functionVersion: options.version,
        captureLog: options.captureLog === true,
        traceHeader: options.traceHeader,
      });
    });
  }

  async #acquire(throttle: boolean, signal?: AbortSignal): Promise<Environment> {
    signal?.throwIfAborted();
    const idle = this.#idle.pop();
    if (idle) {
      idle.busy = true;
      return idle;
    }
    if (this.#count < this.#maxConcurrency) {
      this.#count++;
      const env = this.#spawn();
      env.busy = true;
      return env;
    }
    if (throttle) {
      throw new AwsError(
        'TooManyRequestsException',
        `Rate Exceeded. (${this.definition.name} is at its concurrency of ${this.#maxConcurrency})`,
        429,
      );
    }
    return new Promise((resolve, reject) => {
      const abandon = () => {
        const at = this.#waiting.indexOf(take);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const take = (env: Environment) => {
        signal?.removeEventListener('abort', abandon);
        resolve(env);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.#waiting.push(take);
    });
  }

  #release(env: Environment, discard: boolean): void {
    if (discard || env.generation !== this.#generation) {
      void env.worker.terminate();
      this.#count--;
      const next = this.#waiting.shift();
      if (next) {
        this.#count++;
        const fresh = this.#spawn();
        fresh.busy = true;
        next(fresh);
      }
      return;
    }
    const next = this.#waiting.shift();
    if (next) {
      next(env);
      return;
    }
    env.busy = false;
    this.#idle.push(env);
  }

  #spawn(): Environment {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomUUID().replaceAll('-', '')}`;
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: {
        taskRoot: this.definition.codePath,
        handlerString: this.definition.handler,
        runtime: this.definition.runtime,
        layerRoots: this.definition.layers ?? [],
        runtimeRoot: RUNTIME_ROOT,
        functionName: this.definition.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.definition.arn,
        memoryLimitInMB: String(this.definition.memorySize),
        logGroupName: this.definition.logGroupName,
        logStreamName,
        logging: this.#logging,
      },
      env: { ...this.environment, AWS_LAMBDA_LOG_STREAM_NAME: logStreamName },
      stdout: true,
      stderr: true,
      execArgv: this.definition.environment.NODE_OPTIONS?.includes('--enable-source-maps') ? ['--enable-source-maps'] : [],
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.definition.memorySize) },
    });
    worker.unref();
    const initLines: string[] = [];
    // Assigned below; the console listeners only run once the worker writes.
    let environment: Environment | undefined;
    for (const stream of [worker.stdout, worker.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          this.log(this.definition.name, line);
          environment?.onLine?.(line);
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
        }
      });
    }
    const spawned = performance.now();
    const ready = new Promise<{ error?: LambdaErrorPayload; initDurationMs: number }>((resolve) => {
      const onMessage = (message: { type: string; error?: LambdaErrorPayload; initDurationMs?: number }) => {
        const initDurationMs = message.initDurationMs ?? performance.now() - spawned;
        if (message.type === 'ready') resolve({ initDurationMs });
        else if (message.type === 'init-error' && message.error) {
          // Lambda logs the init failure before the invocation that reports it.
          initLines.push(
            `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(message.error)}`,
            `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${message.error.errorType}`,
          );
          for (const line of initLines) this.log(this.definition.name, line);
          resolve({ error: message.error, initDurationMs });
        } else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', (error) =>
        resolve({
          error: { errorType: 'Runtime.ImportModuleError', errorMessage: error.message },
          initDurationMs: performance.now() - spawned,
        }),
      );
    });
    environment = { worker, ready, busy: false, used: false, initLines, logStreamName, generation: this.#generation };
    return environment;
  }
}

/** The function's LoggingConfig: JSON or text lines, and the levels it keeps. */
function loggingConfig(definition: FunctionDefinition): { logFormat?: string; applicationLogLevel?: string; systemLogLevel?: string } {
  const config = (definition.template?.LoggingConfig ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof config[key] === 'string' ? (config[key] as string) : undefined);
  return { logFormat: text('LogFormat'), applicationLogLevel: text('ApplicationLogLevel'), systemLogLevel: text('SystemLogLevel') };
}

/**
 * A line in Lambda's JSON log format (LoggingConfig.LogFormat JSON): START and REPORT become
 * `platform.start` and `platform.report` records (kept at a SystemLogLevel of INFO or DEBUG),
 * END has none, a line the runtime wrote in the text format becomes an application record,
 * and the function's own lines are already JSON or stay as they were written.
 */
function jsonLogEvent(event: { timestamp: number; message: string }, systemLogLevel = 'INFO'): { timestamp: number; message: string }[] {
  const time = new Date(event.timestamp).toISOString();
  const line = event.message;
  const platform = (type: string, record: Record<string, unknown>) =>
    systemLogLevel === 'WARN' ? [] : [{ timestamp: event.timestamp, message: JSON.stringify({ time, type, record }) }];
  const start = /^START RequestId: (\S+) Version: (\S+)$/.exec(line);
  if (start) return platform('platform.start', { requestId: start[1], version: start[2] });
  if (line.startsWith('END RequestId: ')) return [];
  const report = /^REPORT RequestId: (\S+)\t(.*)$/.exec(line);
  if (report) {
    const field = (name: string) => new RegExp(`${name}: ([\\d.]+)`).exec(report[2] as string)?.[1];
    const initDuration = field('Init Duration');
    const status = /Status: (\w+)/.exec(report[2] as string)?.[1] ?? 'success';
    return platform('platform.report', {
      requestId: report[1],
      metrics: {
        durationMs: Number(field('Duration')),
        billedDurationMs: Number(field('Billed Duration')),
        memorySizeMB: Number(field('Memory Size')),
        maxMemoryUsedMB: Number(field('Max Memory Used')),
        ...(initDuration === undefined ? {} : { initDurationMs: Number(initDuration) }),
      },
      status,
    });
  }
  const text = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\t(\S+)\t([A-Z]+)\t([\s\S]*)$/.exec(line);
  if (text) {
    return [
      { timestamp: event.timestamp, message: JSON.stringify({ timestamp: text[1], level: text[3], requestId: text[2], message: text[4] }) },
    ];
  }
  return [event];
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
