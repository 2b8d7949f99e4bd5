import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { Message } from '@aws-sdk/client-sqs';
import type { IamReport, MailMessage } from '../clients/read-api-contract.js';
import type { AnyEventContract, Detail } from '../contracts/index.js';
import type { FailedExecution } from '../inspect/failed-executions.js';
import type { StoppedExecution, StopReason } from '../inspect/stop.js';
import type { AdvanceableClock } from '../local/time/clock.js';
import {
  type DeadLetterExpectation,
  type EffectLedger,
  expectEachEffectOnce,
  expectNoDeadLetters,
  expectNoFailedExecutions,
} from './assertions.js';
import type { TestClients } from './clients.js';
import { type ForkOptions, forkExecution, stopExecution } from './control.js';
import { type Failures, failures } from './failures.js';
import {
  type DuplicateOptions,
  type FailFunctionOptions,
  type FunctionFaultHandle,
  failFunction,
  sendDuplicates,
  sendLate,
} from './faults.js';
import { type MailSelector, waitForMail } from './mail.js';
import { type ConsumerPause, setPaused } from './pauses.js';
import { DEFAULT_WAIT_MS, TestAppError, type WaitOptions } from './poll.js';
import { type SendOptions, type Sent, send } from './send.js';
import { type AppSource, RunningApp, type StartOptions } from './start.js';
import { type SpanNode, type SpanSelector, traces, waitForSpan } from './traces.js';
import { advanceBy, durationMs, type MoveOptions, runUntilIdle } from './virtual-time.js';
import {
  type BusEvent,
  type ExecutionSelector,
  type ExecutionWaitOptions,
  waitForDeadLetter,
  waitForEvent,
  waitForExecution,
  waitForItem,
} from './waits.js';

/**
 * An app running on a local runtime owned by a test: its endpoint and SDK clients, a
 * checked `send`, waits that say on a timeout what they saw instead, the app's failures,
 * a restart on the same data and a `stop()` that frees the port and the data folder.
 */
export class TestApp {
  readonly #running: RunningApp;

  private constructor(running: RunningApp) {
    this.#running = running;
  }

  /** @internal use {@link startApp} */
  static async start(source: AppSource, options?: StartOptions): Promise<TestApp> {
    return new TestApp(await RunningApp.start(source, options));
  }

  /** The runtime's endpoint (`http://127.0.0.1:<port>`): every service's, as AWS_ENDPOINT_URL takes it. */
  get endpoint(): string {
    return this.#running.endpoint;
  }

  /** AWS SDK v3 clients set up for the endpoint (one attempt per call). */
  get clients(): TestClients {
    return this.#running.clients;
  }

  /**
   * Where an API of the app is reached: a REST API's stage (`.../_aws/execute-api/<id>/<stage>`)
   * or an HTTP API's, by the API's name (a RestApi's or HttpApi's name); the stage may be
   * left out when the API has one.
   * @throws Error naming the APIs and stages the app has, when none matches
   */
  apiUrl(name: string, stage?: string): string {
    const urls = this.#running.runtime.httpApiUrls;
    const matching = urls.filter((u) => u.name === name && (stage === undefined || u.stage === stage));
    const only = matching.length === 1 ? matching[0] : undefined;
    if (only !== undefined) return only.url;
    const known = urls.map((u) => `${u.name} (${u.stage})`).join(', ') || 'none';
    const wanted = stage === undefined ? `an API named ${name}` : `stage ${stage} of an API named ${name}`;
    throw new Error(`${matching.length > 1 ? `${wanted} has several stages: name one` : `the app has no ${wanted}`}; its APIs: ${known}`);
  }

  /** The cloud assembly running. */
  get cdkOut(): string {
    return this.#running.cdkOut;
  }

  /** The runtime's data folder (removed by `stop()`). */
  get dataDir(): string {
    return this.#running.dataDir;
  }

  /** What the runtime printed so far (functions' logs, deliveries). */
  logs(): readonly string[] {
    return this.#running.logs();
  }

  /**
   * IAM in this run: the requests AWS would refuse (each with its principal, action,
   * resource, AWS's message and the grant that fixes it) and, per role, what it used against
   * what it is granted. `expect(app.iamReport().findings).toEqual([])` keeps a flow's grants honest.
   */
  iamReport(): IamReport {
    return this.#running.inProcess('iamReport()').iam.report();
  }

  /** Checks `detail` against `contract` (naming each field at fault) and puts it on the app's bus; each call is a new event. */
  send<C extends AnyEventContract>(contract: C, detail: Detail<C>, options?: SendOptions): Promise<Sent> {
    return send(this.#running, contract, detail as object, options);
  }

  /**
   * Waits for an execution to end: by name or ARN, or what it is about (the business key
   * `switchyard executions` shows, `OrderPlaced#orderId="O-1"`, or the id alone), by the event
   * that started it (`{ contract, detail, eventId }`), or by a predicate.
   */
  waitForExecution(selector: ExecutionSelector, options?: ExecutionWaitOptions): Promise<DescribeExecutionCommandOutput> {
    return waitForExecution(this.#running, selector, options);
  }

  /**
   * Reruns a Step Functions execution (its name or ARN, its business key or the id alone) from
   * one of its top-level states, as `switchyard fork` does: a new execution of the same state machine that begins at `from`
   * with the input and variables the state had in the parent (or `input` instead, or the
   * recorded input with `patch` merged in, RFC 7396); the states before it do not run.
   * Resolves with the fork's ARN, which `waitForExecution` takes. The same fork asked twice
   * answers the execution the first one started. Fails for a state that cannot begin a fork,
   * naming those that can.
   */
  fork(execution: string, options: ForkOptions): Promise<string> {
    return forkExecution(this.#running, execution, options);
  }

  /**
   * Stops a running execution (its name or ARN, its business key or the id alone) as
   * `switchyard stop` does: a Step Functions one ends ABORTED (StopExecution), a Lambda durable one STOPPED (StopDurableExecution), with the
   * error and cause given. One that has ended is left as it is (`stopped: false`). Named
   * `stopExecution` because `stop()` stops the app.
   */
  stopExecution(execution: string, reason: StopReason = {}): Promise<StoppedExecution> {
    return stopExecution(this.#running, execution, reason);
  }

  /** Waits for an item of a table (its name, or a unique part of it) by key, and resolves with it unmarshalled. */
  waitForItem(table: string, key: Record<string, unknown>, options?: WaitOptions): Promise<Record<string, unknown>> {
    return waitForItem(this.#running, table, key, options);
  }

  /** Waits for an event on a bus matching an EventBridge event pattern (events before the wait count). */
  waitForEvent(bus: string, pattern: object, options?: WaitOptions): Promise<BusEvent> {
    return waitForEvent(this.#running, bus, pattern, options);
  }

  /**
   * Waits for a message the app sent through SES (the local mailbox), by recipient and subject
   * or by a test of each message, and resolves with it read: text, HTML and links.
   */
  waitForMail(selector: MailSelector, options?: WaitOptions): Promise<MailMessage> {
    return waitForMail(this.#running, selector, options);
  }

  /**
   * The OpenTelemetry spans of the traces `id` names (a trace id, or an event, message,
   * invocation, execution or business key): the runtime's services' spans (bus, rule, queue,
   * invocation, execution, state, model call), the functions' and the test's own, flat, in start order.
   */
  traces(id: string): Promise<SpanNode[]> {
    return traces(this.#running, id);
  }

  /** Waits until the traces `id` names hold a span with this name and attributes (or that a test accepts), and resolves with it. */
  waitForSpan(id: string, selector: SpanSelector, options?: WaitOptions): Promise<SpanNode> {
    return waitForSpan(this.#running, id, selector, options);
  }

  /** Waits until a queue (a dead-letter queue) holds messages, and resolves with them, left in place. */
  waitForDeadLetter(queue: string, options?: WaitOptions): Promise<Message[]> {
    return waitForDeadLetter(this.#running, queue, options);
  }

  /** The messages in the app's dead-letter queues and its failed executions, as `switchyard failures` lists them. */
  failures(): Promise<Failures> {
    return failures(this.#running);
  }

  /**
   * Makes a function of the app fail `times` times or with a `probability` (seeded: startApp's
   * `seed`), before or after its handler runs. Fails at once naming the functions the app has.
   */
  failFunction(name: string, options: FailFunctionOptions): FunctionFaultHandle {
    return failFunction(this.#running, name, options);
  }

  /** Sends the same detail `copies` times (default 2), each its own event, at once or `apartMs` apart. */
  sendDuplicates<C extends AnyEventContract>(contract: C, detail: Detail<C>, options?: DuplicateOptions): Promise<Sent[]> {
    return sendDuplicates(this.#running, contract, detail as object, options);
  }

  /** Sends the event once `after` has settled and `delayMs` more have passed. */
  sendLate<C extends AnyEventContract>(
    contract: C,
    detail: Detail<C>,
    options?: SendOptions & {
      /** What the event waits for (settled, either way). @default - nothing */
      readonly after?: Promise<unknown>;
      /** Milliseconds more to wait. @default 0 */
      readonly delayMs?: number;
    },
  ): Promise<Sent> {
    return sendLate(this.#running, contract, detail as object, options);
  }

  /**
   * Pauses a flow, function or queue of the app as `switchyard pause` does (its SQS event
   * source mappings, schedules and scheduled rules disabled through their APIs) and resolves
   * once each mapping is Disabled: its batches in flight have ended and it receives nothing
   * more, so events sent now wait in their queues, their receive counts unchanged. Pausing
   * what is paused changes nothing. Fails at once for a name the app does not have, listing
   * what can be paused.
   */
  pause(name: string, options?: WaitOptions): Promise<ConsumerPause[]> {
    return setPaused(this.#running, name, true, options);
  }

  /** Undoes `pause`: resolves once each mapping is Enabled again; what waited is then handled. */
  resume(name: string, options?: WaitOptions): Promise<ConsumerPause[]> {
    return setPaused(this.#running, name, false, options);
  }

  /** Fails unless the dead-letter queues are empty but for the expected poison (`except`), which must be there. */
  expectNoDeadLetters(options?: {
    /** The letters the test expects (its poison): each must be there. @default - none: every dead letter fails */
    except?: readonly DeadLetterExpectation[];
  }): Promise<void> {
    return expectNoDeadLetters(this.#running, options);
  }

  /** Fails if an execution of the app's flows failed, timed out or was aborted, listing each with its error. */
  expectNoFailedExecutions(options?: {
    /** The executions expected to fail. @default - none: every failed execution fails */
    except?: (execution: FailedExecution) => boolean;
  }): Promise<void> {
    return expectNoFailedExecutions(this.#running, options);
  }

  /** Fails unless each effect in a ledger table was applied exactly once, and each expected one is there. */
  expectEachEffectOnce(ledger: EffectLedger): Promise<void> {
    return expectEachEffectOnce(this.#running, ledger);
  }

  /**
   * Moves the runtime's clock on (`'24h'`, `'30m'`, `'90s'`, or milliseconds): every Wait
   * state, task timeout, heartbeat and Retry backoff, SQS delay and visibility timeout,
   * scheduled rule and schedule, delivery retry and durable wait that falls due in that time
   * runs, in due order, without the test waiting for it. Needs `startApp(app, { virtualTime: true })`.
   *
   * A function's code runs in real time, and the clock never moves past it: before each move
   * `advance` waits for the invocations in flight (and the queue messages a poller has
   * received and not yet deleted) to end, at most `timeoutMs` each time (10 s unless given),
   * then fails naming what still runs. So a message whose handler is still running is never
   * redelivered because the clock jumped, and a handler that succeeds deletes its message,
   * as on AWS, where a function's timeout ends its call before its queue's visibility timeout.
   * Resolves once what the last wakes started has ended.
   */
  async advance(
    duration: string | number,
    options: {
      /** How long to wait for the work in flight before each move, in milliseconds. @default 10000 */
      readonly timeoutMs?: number;
    } = {},
  ): Promise<void> {
    const ms = durationMs(duration);
    await advanceBy(this.#clock('advance'), ms, this.#moving(`advance(${JSON.stringify(duration)})`, options));
  }

  /**
   * Runs everything that waits on the runtime's clock (but scheduled rules and schedules, which
   * never end), in due order, until nothing does and no work is in flight (at most `limit` of
   * virtual time, default a year). A message a consumer failed comes back after its visibility
   * timeout and runs again, until it is handled or goes to its dead-letter queue (one without
   * a dead-letter queue that always fails waits until its retention ends: give `limit`).
   * Waits for work in flight as `advance` does.
   */
  async runUntilIdle(
    options: {
      /** The most virtual time to run (`'30d'`, or milliseconds). @default '366d' */
      readonly limit?: string | number;
      /** How long to wait for the work in flight before each move, in milliseconds. @default 10000 */
      readonly timeoutMs?: number;
    } = {},
  ): Promise<void> {
    const limit = durationMs(options.limit ?? '366d');
    await runUntilIdle(this.#clock('runUntilIdle'), limit, this.#moving('runUntilIdle()', options));
  }

  #moving(call: string, { timeoutMs = DEFAULT_WAIT_MS }: { readonly timeoutMs?: number }): MoveOptions {
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new TestAppError(`${call} takes a timeoutMs of 0 or more, not ${timeoutMs}`);
    return { settle, timeoutMs, call };
  }

  #clock(method: string): AdvanceableClock {
    const clock = this.#running.clock;
    if (clock === undefined)
      throw new TestAppError(`${method} moves virtual time: start the app with startApp(app, { virtualTime: true })`);
    return clock;
  }

  /** Stops the runtime and starts it again on the same data folder and port: what was accepted is kept and carries on. */
  restart(): Promise<void> {
    return this.#running.restart();
  }

  /**
   * Kills the runtime's process with SIGKILL now, wherever it is, and starts it again on the
   * same data folder and port, as a machine that crashed and came back: what it accepted
   * carries on, each effect must still happen once. Needs `startApp(app, { ownProcess: true })`.
   */
  crash(): Promise<void> {
    return this.#running.crash();
  }

  /** Stops the runtime and frees its port and data folder; safe to call twice. */
  stop(): Promise<void> {
    return this.#running.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Starts an app on a local runtime of the test's own, on a temporary data folder and a free
 * port: a synthesized cloud assembly (`{ cdkOut }`) or a CDK `App` synthesized here
 * (`{ app }`). Stop it with `stop()` (in `afterAll`/`afterEach`, or `await using`).
 */
export function startApp(source: AppSource, options?: StartOptions): Promise<TestApp> {
  return TestApp.start(source, options);
}

/** What a wake started gets to run (an invocation, a state's task) before the clock moves again. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 25));
}
