import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../aws-error.js';
import { type Clock, systemClock } from '../clock.js';
import { assertStatusFilter, executionInput, notForExpress, taskOutput, taskToken } from './api-input.js';
import { apiOperations, SdkIntegrations, sdkResourceError } from './aws-sdk-integrations.js';
import { DefinitionCompiler } from './definition-compiler.js';
import {
  type ExecutionHandle,
  type ExecutionResult,
  type HistoryEvent,
  type Machine,
  resumeExecution,
  type Sleep,
  startExecution,
} from './engine/index.js';
import { apiEvent, engineView } from './execution-history.js';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore, type StateMachineType } from './execution-store.js';
import { assertValidName, decodeToken, encodeToken, pageSize, parseExecutionArn, required, seconds } from './names.js';
import { dynamoDbOperations, lambdaOperations } from './sdk-service-adapters.js';
import {
  type CreateStateMachineInput,
  describeMachine,
  type StateMachineDefinition,
  StateMachineRegistry,
  type UpdateStateMachineInput,
  type ValidateStateMachineDefinitionInput,
} from './state-machine-registry.js';
import { StatusChangeEvents, type StatusEventPublisher } from './status-change-events.js';
import { TaskCallbacks } from './task-callbacks.js';
import { unsupportedResourceWarnings } from './task-resources.js';
import {
  type DynamoDbForTasks,
  type EventsForTasks,
  type ExecutionOutcome,
  type LambdaForTasks,
  LocalTaskRunner,
  redriveStatus,
  type SnsForTasks,
  type SqsForTasks,
} from './task-runner.js';
import { type TestStateInput, testState } from './test-state.js';

export { engineView } from './execution-history.js';
export type { StateMachineDefinition } from './state-machine-registry.js';
export type { StatusEventPublisher } from './status-change-events.js';

export interface StatesServiceOptions {
  /** Where state machines, STANDARD executions, their histories and task tokens persist. */
  readonly db: DatabaseSync;
  readonly accountId: string;
  readonly region: string;
  readonly clock?: Clock;
  /** The template's state machines, (re)registered at every start as a deployment would. */
  readonly stateMachines?: readonly StateMachineDefinition[];
  /** Lambda for `lambda:invoke`, function ARNs and `aws-sdk:lambda:invoke`. */
  readonly lambda?: LambdaForTasks;
  /** SQS for `sqs:sendMessage`; every PascalCase operation of the object also serves `aws-sdk:sqs`. */
  readonly sqs?: SqsForTasks;
  /** EventBridge for `events:putEvents`; its operations also serve `aws-sdk:eventbridge`. */
  readonly events?: EventsForTasks;
  /** DynamoDB for the `dynamodb:` integrations and every operation of `aws-sdk:dynamodb`. */
  readonly dynamodb?: DynamoDbForTasks;
  /** SNS for `sns:publish`; every PascalCase operation of the object also serves `aws-sdk:sns`. */
  readonly sns?: SnsForTasks;
  /**
   * More services for AWS SDK integrations, by their name in the ARN (`sns`, `ssm`): service
   * objects whose PascalCase methods (or `operations`) are the API operations in the API's shapes.
   */
  readonly sdkServices?: Readonly<Record<string, object>>;
  /** STANDARD executions' status changes go to its default bus. */
  readonly statusEvents?: StatusEventPublisher;
  /** Wait states and retry intervals; tests pass one that returns at once. */
  readonly sleep?: Sleep;
  /** Task and execution timeouts and heartbeats. */
  readonly timer?: Sleep;
  readonly log?: (line: string) => void;
}

interface Live {
  readonly handle: ExecutionHandle;
  readonly type: StateMachineType;
  /** Settles once the outcome is recorded and announced. */
  readonly ended: Promise<void>;
}

/** Express summaries kept for DescribeExecution; the oldest finished ones go first. */
const EXPRESS_SUMMARIES = 10_000;

/**
 * Step Functions on the local endpoint (`AWSStepFunctions`, JSON 1.0): the API around
 * the ASL engine, with STANDARD executions durable in SQLite (every history event is
 * committed as it is emitted, and `start()` resumes what was running before a restart)
 * and EXPRESS executions in memory, as AWS documents them (at least once, not durable).
 */
export class StatesService {
  readonly #store: ExecutionStore;
  readonly #callbacks: TaskCallbacks;
  readonly #runner: LocalTaskRunner;
  readonly #status: StatusChangeEvents;
  readonly #clock: Clock;
  readonly #compiler = new DefinitionCompiler();
  readonly #machines: StateMachineRegistry;
  readonly #live = new Map<string, Live>();
  /** Executions running on from a history persisted by an earlier process. */
  readonly #resumed = new Set<string>();
  readonly #express = new Map<string, ExecutionRecord>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;
  /** Every Task resource of the declared state machines that this runtime cannot run, by state machine and state. */
  readonly warnings: readonly string[];

  constructor(private readonly options: StatesServiceOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#store = new ExecutionStore(options.db);
    this.#callbacks = new TaskCallbacks(this.#store, this.#clock);
    this.#status = new StatusChangeEvents({
      publisher: options.statusEvents,
      clock: this.#clock,
      closed: () => this.#closed,
      log: options.log,
    });
    const sdk = new SdkIntegrations(
      {
        sfn: this.operations,
        sqs: options.sqs && apiOperations(options.sqs),
        eventbridge: options.events && apiOperations(options.events),
        lambda: options.lambda && lambdaOperations(options.lambda, options.log),
        dynamodb: options.dynamodb && dynamoDbOperations(options.dynamodb),
        sns: options.sns && apiOperations(options.sns),
        ...Object.fromEntries(Object.entries(options.sdkServices ?? {}).map(([name, service]) => [name, apiOperations(service)])),
      },
      options.log,
    );
    this.#runner = new LocalTaskRunner({
      sdk,
      lambda: options.lambda,
      sqs: options.sqs,
      events: options.events,
      dynamodb: options.dynamodb,
      sns: options.sns,
      states: this,
      callbacks: this.#callbacks,
      clock: this.#clock,
      timer: options.timer,
      durable: (arn) => !arn.includes(':express:'),
      resumed: (arn) => this.#resumed.has(arn),
      log: options.log,
    });
    this.#machines = new StateMachineRegistry({
      store: this.#store,
      compiler: this.#compiler,
      clock: this.#clock,
      region: options.region,
      accountId: options.accountId,
      log: options.log,
    });
    for (const declared of options.stateMachines ?? []) this.#machines.registerDeclared(declared);
    this.warnings = unsupportedResourceWarnings(
      options.stateMachines ?? [],
      (resource) => sdkResourceError(resource) ?? this.#runner.unsupported(resource),
    );
  }

  /** The JSON-protocol operations the endpoint serves as `AWSStepFunctions.<name>`. */
  get operations(): Record<string, (input: never) => Promise<unknown>> {
    const names = Object.getOwnPropertyNames(StatesService.prototype).filter((name) => /^[A-Z]/.test(name));
    const api = this as unknown as Record<string, (input: unknown) => Promise<unknown>>;
    return Object.fromEntries(
      names.map((name) => [name, (input: never) => (api[name] as (input: unknown) => Promise<unknown>).call(this, input ?? {})]),
    );
  }

  /** Resumes every STANDARD execution that was running when the process stopped. */
  async start(): Promise<void> {
    for (const record of this.#store.runningExecutions()) {
      if (this.#live.has(record.arn)) continue;
      try {
        await this.#launch(record, this.#store.history(record.arn));
      } catch (error) {
        this.#failDormant(record, error);
      }
    }
  }

  /**
   * Stops every execution without recording anything: what a restart finds is what a
   * SIGKILL would have left, so STANDARD executions resume where their history ends.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#callbacks.closing = true;
    const live = [...this.#live.values()];
    for (const execution of live) execution.handle.stop();
    await Promise.allSettled(live.map((execution) => execution.handle.result));
    this.#live.clear();
  }

  // ---- state machines ----

  CreateStateMachine(input: CreateStateMachineInput) {
    return this.#machines.CreateStateMachine(input);
  }

  DescribeStateMachine(input: { stateMachineArn?: string; includedData?: string }) {
    return this.#machines.DescribeStateMachine(input);
  }

  async DescribeStateMachineForExecution(input: { executionArn?: string }) {
    const execution = this.#execution(required(input.executionArn, 'executionArn'));
    const machine = this.#machines.find(execution.stateMachineArn);
    return {
      stateMachineArn: execution.stateMachineArn,
      name: execution.stateMachineName,
      definition: execution.definition,
      roleArn: execution.roleArn,
      updateDate: seconds(machine?.updateDate ?? machine?.creationDate ?? execution.startDate),
      loggingConfiguration: machine ? describeMachine(machine).loggingConfiguration : { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: machine ? describeMachine(machine).tracingConfiguration : { enabled: false },
      revisionId: machine?.revisionId,
    };
  }

  ListStateMachines(input: { maxResults?: number; nextToken?: string }) {
    return this.#machines.ListStateMachines(input);
  }

  UpdateStateMachine(input: UpdateStateMachineInput) {
    return this.#machines.UpdateStateMachine(input);
  }

  DeleteStateMachine(input: { stateMachineArn?: string }) {
    return this.#machines.DeleteStateMachine(input);
  }

  ValidateStateMachineDefinition(input: ValidateStateMachineDefinitionInput) {
    return this.#machines.ValidateStateMachineDefinition(input);
  }

  // ---- executions ----

  async StartExecution(input: { stateMachineArn?: string; name?: string; input?: string; traceHeader?: string }) {
    const record = await this.#newExecution(input);
    if (record.arn.includes(':express:')) {
      this.#launchExpress(record, this.#compiler.compile(record.definition, 'EXPRESS'));
      return { executionArn: record.arn, startDate: seconds(record.startDate) };
    }
    this.#compiler.compile(record.definition, 'STANDARD');
    const existing = this.#store.execution(record.arn);
    if (existing || !this.#store.insertExecution(record)) {
      const current = existing ?? (this.#store.execution(record.arn) as ExecutionRecord);
      // StartExecution is idempotent for a running STANDARD execution started with the same input.
      if (current.status === 'RUNNING' && current.input === record.input) {
        return { executionArn: current.arn, startDate: seconds(current.startDate) };
      }
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${record.arn}'`);
    }
    try {
      await this.#launch(record);
    } catch (error) {
      this.#failDormant(record, error);
      throw error;
    }
    return { executionArn: record.arn, startDate: seconds(record.startDate) };
  }

  async StartSyncExecution(input: { stateMachineArn?: string; name?: string; input?: string; traceHeader?: string }) {
    const machine = this.#machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    if (machine.type !== 'EXPRESS') {
      throw new AwsError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    }
    const record = await this.#newExecution(input);
    const live = this.#launchExpress(record, this.#compiler.compile(record.definition, 'EXPRESS'));
    await live.ended;
    const done = this.#express.get(record.arn) ?? record;
    const duration = (done.stopDate ?? this.#clock.now()) - done.startDate;
    return {
      executionArn: done.arn,
      stateMachineArn: done.stateMachineArn,
      name: done.name,
      startDate: seconds(done.startDate),
      stopDate: seconds(done.stopDate ?? this.#clock.now()),
      status: done.status,
      error: done.error,
      cause: done.cause,
      input: done.input,
      inputDetails: { included: true },
      output: done.output,
      outputDetails: done.output === undefined ? undefined : { included: true },
      traceHeader: done.traceHeader,
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil(duration / 100) * 100) },
    };
  }

  async StopExecution(input: { executionArn?: string; error?: string; cause?: string }) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') throw notForExpress();
    const record = this.#execution(arn);
    if (record.status === 'RUNNING') {
      const live = this.#live.get(arn);
      if (live) {
        live.handle.stop(input.error, input.cause);
        await live.ended;
      } else {
        this.#abortDormant(record, input.error, input.cause);
      }
    }
    const stopped = this.#store.execution(arn) ?? record;
    return { stopDate: seconds(stopped.stopDate ?? this.#clock.now()) };
  }

  async DescribeExecution(input: { executionArn?: string; includedData?: string }) {
    const record = this.#execution(required(input.executionArn, 'executionArn'));
    const redrive = redriveStatus(record.status);
    return {
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: seconds(record.startDate),
      stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
      input: record.input,
      inputDetails: { included: true },
      output: record.output,
      outputDetails: record.output === undefined ? undefined : { included: true },
      error: record.error,
      cause: record.cause,
      traceHeader: record.traceHeader,
      redriveCount: record.redriveCount,
      redriveDate: record.redriveDate === undefined ? undefined : seconds(record.redriveDate),
      redriveStatus: record.arn.includes(':express:') ? 'NOT_REDRIVABLE' : redrive.status,
      redriveStatusReason: record.arn.includes(':express:') ? 'Execution is Express and cannot be redriven' : redrive.reason,
    };
  }

  async ListExecutions(input: {
    stateMachineArn?: string;
    statusFilter?: string;
    maxResults?: number;
    nextToken?: string;
    redriveFilter?: string;
  }) {
    const machineArn = required(input.stateMachineArn, 'stateMachineArn');
    const machine = this.#machines.get(machineArn);
    if (machine.type === 'EXPRESS')
      throw new AwsError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    assertStatusFilter(input.statusFilter);
    const limit = pageSize(input.maxResults);
    const scope = `executions|${machine.arn}|${input.statusFilter ?? ''}|${input.redriveFilter ?? ''}`;
    const after = decodeToken<{ startDate: number; arn: string }>(input.nextToken, scope);
    const redriven = input.redriveFilter === 'REDRIVEN' ? true : input.redriveFilter === 'NOT_REDRIVEN' ? false : undefined;
    const rows = this.#store.listExecutions(machine.arn, { status: input.statusFilter, redriven, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      executions: page.map((r) => ({
        executionArn: r.arn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: seconds(r.startDate),
        stopDate: r.stopDate === undefined ? undefined : seconds(r.stopDate),
        redriveCount: r.redriveCount,
        redriveDate: r.redriveDate === undefined ? undefined : seconds(r.redriveDate),
      })),
      nextToken: rows.length > limit && last ? encodeToken(scope, { startDate: last.startDate, arn: last.arn }) : undefined,
    };
  }

  async GetExecutionHistory(input: {
    executionArn?: string;
    maxResults?: number;
    reverseOrder?: boolean;
    nextToken?: string;
    includeExecutionData?: boolean;
  }) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') throw notForExpress();
    this.#execution(arn);
    const limit = pageSize(input.maxResults);
    const reverse = input.reverseOrder === true;
    const scope = `history|${arn}|${reverse}`;
    const from = decodeToken<number>(input.nextToken, scope) ?? 0;
    const events = this.#store.history(arn);
    if (reverse) events.reverse();
    const page = events.slice(from, from + limit);
    const includeData = input.includeExecutionData !== false;
    return {
      events: page.map((event) => apiEvent(event, includeData)),
      nextToken: from + limit < events.length ? encodeToken(scope, from + limit) : undefined,
    };
  }

  async RedriveExecution(input: { executionArn?: string; clientToken?: string }) {
    const arn = required(input.executionArn, 'executionArn');
    if (parseExecutionArn(arn).kind === 'express') {
      throw new AwsError('ExecutionNotRedrivable', `Execution with arn '${arn}' is an Express execution and cannot be redriven`);
    }
    const record = this.#execution(arn);
    if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
      throw new AwsError('ExecutionNotRedrivable', `Execution is ${record.status} and cannot be redriven`);
    }
    const last = this.#store.lastEventId(arn);
    const now = this.#clock.now();
    const redriven: HistoryEvent = {
      id: last + 1,
      previousEventId: last,
      timestamp: now,
      type: 'ExecutionRedriven',
      executionRedrivenEventDetails: { redriveCount: record.redriveCount + 1 },
    };
    this.#store.redrive(arn, redriven);
    const reopened = this.#store.execution(arn) as ExecutionRecord;
    this.#status.publish(reopened);
    try {
      await this.#launch(reopened, this.#store.history(arn));
    } catch (error) {
      this.#failDormant(reopened, error);
      throw error;
    }
    return { redriveDate: seconds(now) };
  }

  // ---- task tokens ----

  async SendTaskSuccess(input: { taskToken?: string; output?: string }) {
    const token = taskToken(input.taskToken);
    const output = taskOutput(input.output);
    this.#callbacks.succeed(token, output);
    return {};
  }

  async SendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }) {
    this.#callbacks.fail(taskToken(input.taskToken), input.error, input.cause);
    return {};
  }

  async SendTaskHeartbeat(input: { taskToken?: string }) {
    this.#callbacks.heartbeat(taskToken(input.taskToken));
    return {};
  }

  /** Runs one state, as AWS's TestState: Pass, Choice, Wait, Succeed, Fail and Task states (tasks call the local services). */
  async TestState(input: TestStateInput) {
    return testState(input, {
      runner: this.#runner,
      clock: this.#clock,
      timer: this.options.timer,
      region: this.options.region,
      accountId: this.options.accountId,
      compile: (definition) => this.#compiler.compileObject(definition, 'STANDARD'),
    });
  }

  // ---- for tasks that start executions ----

  /** Resolves once the execution has ended (at once if it has); rejects when `signal` aborts. */
  executionOutcome(executionArn: string, signal: AbortSignal): Promise<ExecutionOutcome> {
    const outcome = () => {
      const record = this.#execution(executionArn);
      return record.status === 'RUNNING' ? undefined : outcomeOf(record);
    };
    const now = outcome();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(executionArn) ?? new Set();
      this.#waiters.set(executionArn, waiters);
      const onAbort = () => {
        waiters.delete(check);
        reject(signal.reason);
      };
      const check = () => {
        const done = outcome();
        if (!done) return;
        waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(done);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(check);
    });
  }

  // ---- running ----

  async #newExecution(input: { stateMachineArn?: string; name?: string; input?: string; traceHeader?: string }): Promise<ExecutionRecord> {
    const machine = this.#machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    const name = input.name ?? randomUUID();
    assertValidName(name);
    const text = executionInput(input.input);
    const express = machine.type === 'EXPRESS';
    const arn = express
      ? `${machine.arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`
      : `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    return {
      arn,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      name,
      status: 'RUNNING',
      definition: machine.definition,
      roleArn: machine.roleArn,
      input: text,
      startDate: this.#clock.now(),
      redriveCount: 0,
      traceHeader: input.traceHeader,
    };
  }

  /**
   * Runs a STANDARD execution: from the start, or on from its persisted history. Every
   * event is committed before the engine goes on; the first one before this returns.
   */
  async #launch(record: ExecutionRecord, history: HistoryEvent[] = []): Promise<void> {
    const machine = this.#compiler.compile(record.definition, 'STANDARD');
    let started: () => void = () => {};
    const startedEvent = new Promise<void>((resolve) => {
      started = resolve;
    });
    const sink = (event: HistoryEvent) => {
      if (this.#closed) return;
      // Group commit: the engine awaits flushHistory before every task and at the end,
      // so side effects and outcomes are never ahead of the stored history.
      this.#store.queueEvent(record.arn, event);
      if (event.type === 'ExecutionStarted') {
        void this.#store.committed().then(() => {
          this.#status.publish(record);
          started();
        });
      }
    };
    const options = {
      definition: machine,
      name: record.name,
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      stateMachineName: record.stateMachineName,
      roleArn: record.roleArn,
      redriveCount: record.redriveCount,
      taskRunner: this.#runner,
      clock: this.#clock,
      sleep: this.options.sleep,
      timer: this.options.timer,
      onHistoryEvent: sink,
      flushHistory: () => this.#store.committed(),
    };
    const resuming = history.some((e) => e.type === 'ExecutionStarted');
    if (resuming) this.#resumed.add(record.arn);
    const handle = resuming
      ? resumeExecution(engineView(history), options)
      : startExecution({ ...options, input: record.input, startTime: record.startDate });
    if (resuming) started();
    // An execution that ends before its first event is stored (the service is closing) must not hang the caller.
    handle.result.then(started, started);
    this.#track(record.arn, handle, 'STANDARD', () => this.#store.execution(record.arn));
    await startedEvent;
  }

  #launchExpress(record: ExecutionRecord, machine: Machine): Live {
    this.#express.set(record.arn, record);
    this.#trimExpress();
    const handle = startExecution({
      definition: machine,
      input: record.input,
      name: record.name,
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      stateMachineName: record.stateMachineName,
      roleArn: record.roleArn,
      startTime: record.startDate,
      taskRunner: this.#runner,
      clock: this.#clock,
      sleep: this.options.sleep,
      timer: this.options.timer,
    });
    return this.#track(
      record.arn,
      handle,
      'EXPRESS',
      () => this.#express.get(record.arn),
      (result) => {
        this.#express.set(record.arn, { ...record, ...finalFields(result), stopDate: this.#clock.now() });
      },
    );
  }

  #track(
    arn: string,
    handle: ExecutionHandle,
    type: StateMachineType,
    current: () => ExecutionRecord | undefined,
    record?: (result: ExecutionResult) => void,
  ): Live {
    const ended = handle.result.then(
      (result) => {
        if (this.#closed) return;
        record?.(result);
        this.#live.delete(arn);
        this.#resumed.delete(arn);
        this.#callbacks.drop(arn);
        if (type === 'STANDARD') this.#store.closeTasks(arn, this.#clock.now());
        const done = current();
        if (done && type === 'STANDARD') this.#status.publish(done);
        for (const check of [...(this.#waiters.get(arn) ?? [])]) check();
        this.#waiters.delete(arn);
      },
      (error: unknown) => {
        // The history could not be written: the execution stays RUNNING and resumes at the next start.
        this.#live.delete(arn);
        this.options.log?.(`execution ${arn} stopped: ${(error as Error).stack ?? String(error)}`);
      },
    );
    const live: Live = { handle, type, ended };
    this.#live.set(arn, live);
    return live;
  }

  /** Records the end of an execution that cannot run (its definition no longer compiles). */
  #failDormant(record: ExecutionRecord, error: unknown): void {
    this.options.log?.(`execution ${record.arn} cannot run: ${(error as Error).message ?? String(error)}`);
    this.#endDormant(record, 'ExecutionFailed', 'executionFailedEventDetails', {
      error: 'States.Runtime',
      cause: (error as Error).message ?? String(error),
    });
  }

  #abortDormant(record: ExecutionRecord, error: string | undefined, cause: string | undefined): void {
    const details: Record<string, unknown> = {};
    if (error !== undefined) details.error = error;
    if (cause !== undefined) details.cause = cause;
    this.#endDormant(record, 'ExecutionAborted', 'executionAbortedEventDetails', details);
  }

  #endDormant(record: ExecutionRecord, type: string, key: string, details: Record<string, unknown>): void {
    const last = this.#store.lastEventId(record.arn);
    this.#store.appendEvent(record.arn, { id: last + 1, previousEventId: last, timestamp: this.#clock.now(), type, [key]: details });
    this.#store.closeTasks(record.arn, this.#clock.now());
    const done = this.#store.execution(record.arn);
    if (done) this.#status.publish(done);
  }

  #execution(arn: string): ExecutionRecord {
    const kind = parseExecutionArn(arn).kind;
    const record = kind === 'express' ? this.#express.get(arn) : this.#store.execution(arn);
    if (!record) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return record;
  }

  #trimExpress(): void {
    // In bulk: a Map iterated from the front walks over the slots of earlier deletions,
    // so trimming one entry per execution made every start slower.
    if (this.#express.size <= EXPRESS_SUMMARIES + EXPRESS_SUMMARIES / 10) return;
    for (const [arn, record] of this.#express) {
      if (this.#express.size <= EXPRESS_SUMMARIES) return;
      if (record.status !== 'RUNNING') this.#express.delete(arn);
    }
  }
}

function finalFields(result: ExecutionResult): Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'> {
  return { status: result.status as ExecutionStatus, output: result.output, error: result.error, cause: result.cause };
}

function outcomeOf(r: ExecutionRecord): ExecutionOutcome {
  return {
    executionArn: r.arn,
    stateMachineArn: r.stateMachineArn,
    name: r.name,
    status: r.status,
    startDate: r.startDate,
    stopDate: r.stopDate,
    input: r.input,
    output: r.output,
    error: r.error,
    cause: r.cause,
    redriveCount: r.redriveCount,
  };
}
