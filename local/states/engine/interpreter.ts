import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Assigner, Catcher, Dynamic, Machine, Program, Retrier, State } from './definition.js';
import { Errors, StatesError, TaskFailure } from './errors.js';
import type { HistoryEvent, HistorySink } from './history.js';
import type { Scope } from './intrinsics.js';
import { byteLength, isPlainObject, PAYLOAD_LIMIT, stringify, typeName } from './json.js';
import type { JsonataScope, JsonataTemplate } from './jsonata.js';
import { compilePayload, compileReferencePath, requirePath } from './payload.js';
import { instantToMillis, isoMillis, parseTimestamp } from './timestamp.js';

/** What a Task state asks of the outside world. */
export interface TaskRequest {
  resource: string;
  /** The effective input (JSONPath Parameters) or the evaluated JSONata Arguments. */
  input: unknown;
  arguments?: unknown;
  /** Set when the resource ends in `.waitForTaskToken`; deterministic per state entry and attempt. */
  taskToken?: string;
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  credentials?: unknown;
  stateName: string;
  /** Aborted when the task times out, the execution stops or a sibling branch fails. */
  signal: AbortSignal;
  /** The context object the state saw. */
  context: Record<string, unknown>;
  /** Resets the heartbeat timer (SendTaskHeartbeat). */
  heartbeat(): void;
}

export interface TaskRunner {
  /** Resolves with the task result, or throws a TaskFailure. */
  run(request: TaskRequest): Promise<unknown>;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionResult {
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionOptions {
  machine: Machine;
  /** The execution input as sent (JSON text); `{}` when absent. */
  input?: string;
  name: string;
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn?: string;
  /** Epoch ms; defaults to the clock's now. */
  startTime?: number;
  redriveCount?: number;
  taskRunner?: TaskRunner;
  clock?: Clock;
  /** Waits of Wait states and retry intervals; tests pass one that returns at once. */
  sleep?: Sleep;
  /** Deadlines (execution and task TimeoutSeconds, HeartbeatSeconds); real time unless given. */
  timer?: Sleep;
  onHistoryEvent?: HistorySink;
  /**
   * Resolves once every event handed to the sink so far is stored durably. Awaited before
   * a task runs and before the execution ends, so a sink may batch its writes in between
   * (what happens between tasks is pure and safe to run again after a crash).
   */
  flushHistory?: () => Promise<void>;
  signal?: AbortSignal;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * The longest delay setTimeout takes (about 24.8 days); a longer one fires at once. Wait
 * states and timeouts may last up to a year, so longer sleeps are chained.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (remaining: number) => {
      timer =
        remaining > MAX_TIMER_MS
          ? setTimeout(() => arm(remaining - MAX_TIMER_MS), MAX_TIMER_MS)
          : setTimeout(() => {
              signal.removeEventListener('abort', onAbort);
              resolve();
            }, remaining);
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm(ms);
  });

/** Why the execution's signal fired. */
class Halt extends Error {
  constructor(
    readonly status: 'ABORTED' | 'TIMED_OUT',
    readonly error?: string,
    override readonly cause?: string,
  ) {
    super(status);
  }
}

/**
 * The reason given when a finished execution cancels what is still pending (timers).
 * One shared object: `abort()` without a reason builds a DOMException with a stack trace,
 * which at thousands of executions a second was a tenth of the engine's CPU.
 */
const FINISHED = new Halt('ABORTED');
const TASK_DONE = Symbol('task done');

/** Workflow variables: a branch or iteration reads its parents, writes only its own. */
export class Variables {
  readonly values = new Map<string, unknown>();
  constructor(readonly parent?: Variables) {}
  get(name: string): { found: boolean; value?: unknown } {
    for (let s: Variables | undefined = this; s; s = s.parent) if (s.values.has(name)) return { found: true, value: s.values.get(name) };
    return { found: false };
  }
  all(): Record<string, unknown> {
    const out: Record<string, unknown> = this.parent ? this.parent.all() : {};
    for (const [k, v] of this.values) out[k] = v;
    return out;
  }
}

interface Frame {
  vars: Variables;
  /** Inside a distributed Map: the iterations are child executions with their own history. */
  silent?: boolean;
  map?: { Index: number; Value: unknown };
  /** The id of the last event on this thread of the history (previousEventId of the next). */
  last: number;
  signal: AbortSignal;
}

/** A state already entered before a restart, with what the history recorded inside it. */
export interface ResumedState {
  enteredId: number;
  enteredTime: number;
  events: HistoryEvent[];
  /** The state's exit is already recorded: work out the transition only. */
  exited?: boolean;
}

interface Outcome {
  output: unknown;
  next?: string;
  /** The output as recorded in StateExited: the next state's StateEntered input, not serialized twice. */
  outputText?: string;
}

const RESERVED_NOT_ALL = new Set<string>([Errors.Runtime, Errors.DataLimitExceeded]);

export class Execution {
  readonly events: HistoryEvent[] = [];
  private nextId = 1;
  private readonly clock: Clock;
  private readonly sleepFn: Sleep;
  private readonly timerFn: Sleep;
  private readonly controller = new AbortController();
  private readonly executionContext: Record<string, unknown>;
  private readonly stateMachineContext: Record<string, unknown>;
  private sinkQueue: Promise<void> = Promise.resolve();
  private sinkError: unknown;
  readonly region: string;
  readonly startTime: number;
  readonly inputText: string;

  constructor(readonly options: ExecutionOptions) {
    this.clock = options.clock ?? systemClock;
    this.sleepFn = options.sleep ?? realSleep;
    this.timerFn = options.timer ?? realSleep;
    this.startTime = options.startTime ?? this.clock.now();
    this.inputText = options.input ?? '{}';
    this.region = options.executionArn.split(':')[3] ?? 'us-east-1';
    const input = JSON.parse(this.inputText) as unknown;
    this.executionContext = {
      Id: options.executionArn,
      Input: input,
      StartTime: isoMillis(this.startTime),
      Name: options.name,
      RoleArn: options.roleArn ?? '',
      RedriveCount: options.redriveCount ?? 0,
    };
    this.stateMachineContext = { Id: options.stateMachineArn, Name: options.stateMachineName };
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(error?: string, cause?: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Halt('ABORTED', error, cause));
  }

  // ---- history ----

  emit(frame: { last: number } | undefined, type: string, detailsKey?: string, details?: Record<string, unknown>): number {
    if ((frame as Frame | undefined)?.silent) return (frame as Frame).last;
    const id = this.nextId++;
    const event: HistoryEvent = { id, previousEventId: frame ? frame.last : id - 1, timestamp: this.clock.now(), type };
    if (detailsKey) event[detailsKey] = details ?? {};
    this.events.push(event);
    if (frame) frame.last = id;
    const sink = this.options.onHistoryEvent;
    if (sink) {
      this.sinkQueue = this.sinkQueue.then(async () => {
        if (this.sinkError) return;
        try {
          await sink(event);
        } catch (e) {
          this.sinkError = e;
        }
      });
    }
    return id;
  }

  /** Waits until every emitted event is in the sink; rethrows the sink's failure. */
  async flush(): Promise<void> {
    await this.sinkQueue;
    if (this.sinkError) throw this.sinkError;
    await this.options.flushHistory?.();
  }

  /** Continues after a restart: ids carry on from the persisted history. */
  adoptHistory(events: HistoryEvent[]): void {
    this.events.push(...events);
    this.nextId = (events[events.length - 1]?.id ?? 0) + 1;
  }

  // ---- running ----

  async run(): Promise<ExecutionResult> {
    const frame: Frame = { vars: new Variables(), last: 0, signal: this.controller.signal };
    this.emit(frame, 'ExecutionStarted', 'executionStartedEventDetails', {
      input: this.inputText,
      inputDetails: { truncated: false },
      roleArn: this.options.roleArn ?? '',
    });
    return this.drive(frame, this.options.machine.startAt, this.executionContext.Input, this.inputText);
  }

  /** Runs the top level from `stateName`; used by run() and by resume. */
  async drive(
    frame: Frame,
    stateName: string | undefined,
    input: unknown,
    rawInput?: string,
    resumed?: ResumedState,
  ): Promise<ExecutionResult> {
    const machine = this.options.machine;
    const timeout = machine.timeoutSeconds;
    if (timeout !== undefined && timeout > 0) {
      const remaining = this.startTime + timeout * 1000 - this.clock.now();
      const onTimeout = () => {
        if (!this.controller.signal.aborted) this.controller.abort(new Halt('TIMED_OUT', Errors.Timeout));
      };
      if (remaining <= 0) onTimeout();
      else this.timerFn(remaining, this.controller.signal).then(onTimeout, () => {});
    }
    let result: ExecutionResult;
    try {
      const output = stateName === undefined ? input : await this.runProgram(machine, input, frame, stateName, rawInput, resumed);
      const text = stringify(output);
      this.emit(frame, 'ExecutionSucceeded', 'executionSucceededEventDetails', { output: text, outputDetails: { truncated: false } });
      result = { status: 'SUCCEEDED', output: text };
    } catch (e) {
      result = this.finishWithError(frame, e);
    }
    if (!this.controller.signal.aborted) this.controller.abort(FINISHED);
    await this.flush();
    return result;
  }

  private finishWithError(frame: Frame, e: unknown): ExecutionResult {
    const reason = this.controller.signal.aborted ? this.controller.signal.reason : undefined;
    if (reason instanceof Halt) {
      if (reason.status === 'TIMED_OUT') {
        this.emit(frame, 'ExecutionTimedOut', 'executionTimedOutEventDetails', {
          error: Errors.Timeout,
          cause: 'The execution timed out.',
        });
        return { status: 'TIMED_OUT', error: Errors.Timeout, cause: 'The execution timed out.' };
      }
      const details: Record<string, unknown> = {};
      if (reason.error !== undefined) details.error = reason.error;
      if (reason.cause !== undefined) details.cause = reason.cause;
      this.emit(frame, 'ExecutionAborted', 'executionAbortedEventDetails', details);
      return { status: 'ABORTED', error: reason.error, cause: reason.cause };
    }
    const err = e instanceof StatesError ? e : new StatesError(Errors.Runtime, e instanceof Error ? e.message : String(e));
    const details: Record<string, unknown> = {};
    if (err.error !== undefined) details.error = err.error;
    if (err.cause !== undefined) details.cause = err.cause;
    this.emit(frame, 'ExecutionFailed', 'executionFailedEventDetails', details);
    const result: ExecutionResult = { status: 'FAILED' };
    if (err.error !== undefined) result.error = err.error;
    if (err.cause !== undefined) result.cause = err.cause;
    return result;
  }

  async runProgram(
    program: Program,
    input: unknown,
    frame: Frame,
    startAt = program.startAt,
    rawInput?: string,
    resumed?: ResumedState,
  ): Promise<unknown> {
    let current: string | undefined = startAt;
    let value = input;
    let raw = rawInput;
    let resume = resumed;
    while (current !== undefined) {
      const state = program.states.get(current) as State;
      const outcome = await this.runState(state, value, frame, raw, resume);
      raw = outcome.outputText;
      resume = undefined;
      value = outcome.output;
      current = outcome.next;
    }
    return value;
  }

  private context(state: State, enteredTime: number, frame: Frame, retryCount?: number): Record<string, unknown> {
    const stateCtx: Record<string, unknown> = { Name: state.name, EnteredTime: isoMillis(enteredTime) };
    if (retryCount !== undefined) stateCtx.RetryCount = retryCount;
    const ctx: Record<string, unknown> = { Execution: this.executionContext, StateMachine: this.stateMachineContext, State: stateCtx };
    if (frame.map) ctx.Map = { Item: { Index: frame.map.Index, Value: frame.map.Value } };
    return ctx;
  }

  private scope(input: unknown, context: unknown, frame: Frame): Scope {
    return { input, context, variable: (name) => frame.vars.get(name) };
  }

  private jsonataScope(frame: Frame, states: Record<string, unknown>): JsonataScope {
    return { states, variables: frame.vars.all() };
  }

  async runState(state: State, input: unknown, frame: Frame, rawInput?: string, resumed?: ResumedState): Promise<Outcome> {
    frame.signal.throwIfAborted();
    let enteredId: number;
    let enteredTime: number;
    if (resumed) {
      enteredId = resumed.enteredId;
      enteredTime = resumed.enteredTime;
    } else {
      enteredId = this.emit(frame, `${state.type}StateEntered`, 'stateEnteredEventDetails', {
        input: rawInput ?? stringify(input),
        inputDetails: { truncated: false },
        name: state.name,
      });
      enteredTime = this.clock.now();
    }
    const run: StateRun = { state, input, frame, enteredId, enteredTime, resumed, assigned: undefined };
    try {
      let outcome: Outcome;
      switch (state.type) {
        case 'Pass':
          outcome = await this.withHandlers(run, () => this.pass(run));
          break;
        case 'Task':
          outcome = await this.withHandlers(run, (attempt) => this.task(run, attempt));
          break;
        case 'Choice':
          outcome = await this.choice(run);
          break;
        case 'Wait':
          outcome = await this.wait(run);
          break;
        case 'Succeed':
          outcome = await this.succeed(run);
          break;
        case 'Fail':
          return await this.fail(run);
        case 'Parallel':
          outcome = await this.withHandlers(run, (attempt) => this.parallel(run, attempt));
          break;
        case 'Map':
          outcome = await this.withHandlers(run, (attempt) => this.map(run, attempt));
          break;
      }
      return this.exit(run, outcome);
    } catch (e) {
      throw this.scopeError(run, e);
    }
  }

  /** Prefixes interpreter errors with the state and its entry event, as AWS does. */
  private scopeError(run: StateRun, e: unknown): unknown {
    if (this.controller.signal.aborted && this.controller.signal.reason instanceof Halt) return e;
    if (run.frame.signal.aborted && e === run.frame.signal.reason) return e;
    if (e instanceof StatesError) {
      if (!e.scoped) return e;
      const scoped = new StatesError(
        e.error,
        `An error occurred while executing the state '${run.state.name}' (entered at the event id #${run.enteredId}). ${e.cause ?? ''}`,
        e.location,
        false,
      );
      if (e.error === Errors.QueryEvaluationError && !run.evaluationFailedEmitted) this.evaluationFailed(run, scoped);
      return scoped;
    }
    if (e instanceof Error && e.name === 'AbortError') return e;
    return this.scopeError(run, new StatesError(Errors.Runtime, e instanceof Error ? e.message : String(e)));
  }

  private evaluationFailed(run: StateRun, err: StatesError): void {
    run.evaluationFailedEmitted = true;
    const details: Record<string, unknown> = { cause: err.cause, error: err.error };
    if (err.location) details.location = err.location;
    details.state = run.state.name;
    this.emit(run.frame, 'EvaluationFailed', 'evaluationFailedEventDetails', details);
  }

  private exit(run: StateRun, outcome: Outcome): Outcome {
    const text = stringify(outcome.output);
    if (byteLength(text) > PAYLOAD_LIMIT)
      throw new StatesError(
        Errors.DataLimitExceeded,
        `The state/task '${run.state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
        undefined,
        false,
      );
    const details: Record<string, unknown> = {};
    if (run.assigned && Object.keys(run.assigned).length > 0) {
      const shown: Record<string, string> = {};
      for (const [k, v] of Object.entries(run.assigned)) shown[k] = stringify(v);
      details.assignedVariables = shown;
      details.assignedVariablesDetails = { truncated: false };
    }
    details.name = run.state.name;
    details.output = text;
    details.outputDetails = { truncated: false };
    if (run.state.type !== 'Fail' && !run.resumed?.exited)
      this.emit(run.frame, `${run.state.type}StateExited`, 'stateExitedEventDetails', details);
    if (run.assigned) for (const [k, v] of Object.entries(run.assigned)) run.frame.vars.values.set(k, v);
    return { ...outcome, outputText: text };
  }

  // ---- data flow ----

  private effectiveInput(run: StateRun): unknown {
    const { state, input } = run;
    if (state.ql === 'JSONata') return input;
    if (state.inputPath === null) return {};
    if (state.inputPath === undefined) return input;
    return requirePath(state.inputPath, this.scope(input, this.ctx(run), run.frame));
  }

  private ctx(run: StateRun): Record<string, unknown> {
    run.context ??= this.context(run.state, run.enteredTime, run.frame, run.retryCount);
    return run.context;
  }

  private statesVar(run: StateRun, extra?: Record<string, unknown>): Record<string, unknown> {
    return { input: run.input, context: this.ctx(run), ...extra };
  }

  private async evalAssign(
    assign: Assigner | undefined,
    run: StateRun,
    dollar: unknown,
    states: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    if (!assign) return undefined;
    let value: unknown;
    if (assign.kind === 'JSONPath') value = assign.payload(this.scope(dollar, this.ctx(run), run.frame));
    else value = await assign.template(this.jsonataScope(run.frame, states));
    if (!isPlainObject(value))
      throw new StatesError(
        Errors.QueryEvaluationError,
        `The Assign field must evaluate to a JSON object but was ${typeName(value)}.`,
        'Assign',
      );
    return value;
  }

  /** ResultSelector → Assign → ResultPath → OutputPath (JSONPath); Assign and Output (JSONata). */
  private async finish(run: StateRun, result: unknown, effectiveInput: unknown, hasResultSelector = true): Promise<unknown> {
    const { state, frame } = run;
    if (state.ql === 'JSONata') {
      const states = this.statesVar(run, { result });
      const assigned = await this.evalAssign(state.assign, run, result, states);
      const output = state.output ? await state.output(this.jsonataScope(frame, states)) : result;
      run.assigned = assigned;
      return output;
    }
    let selected = result;
    if (hasResultSelector && state.resultSelector) selected = state.resultSelector(this.scope(result, this.ctx(run), frame));
    run.assigned = await this.evalAssign(state.assign, run, selected, {});
    const combined = state.resultPath(run.input, selected);
    void effectiveInput;
    return this.outputPath(run, combined);
  }

  private outputPath(run: StateRun, value: unknown): unknown {
    const { state } = run;
    if (state.outputPath === null) return {};
    if (state.outputPath === undefined) return value;
    return requirePath(state.outputPath, this.scope(value, this.ctx(run), run.frame));
  }

  // ---- retry and catch ----

  private async withHandlers(run: StateRun, body: (attempt: number) => Promise<unknown>): Promise<Outcome> {
    const { state } = run;
    const counts = state.retry.map(() => 0);
    for (let attempt = 0; ; attempt++) {
      if (state.type === 'Task') run.retryCount = attempt;
      run.context = undefined;
      try {
        const output = await body(attempt);
        return { output, next: state.next };
      } catch (e) {
        const halted = this.controller.signal.aborted || run.frame.signal.aborted;
        if (halted) throw e;
        const err = this.scopeError(run, toStatesError(e));
        if (!(err instanceof StatesError)) throw err;
        const retrierIndex = state.retry.findIndex((r) => matches(r.errorEquals, err.error, state.type));
        const retrier = state.retry[retrierIndex];
        if (retrier && (counts[retrierIndex] as number) < retrier.maxAttempts) {
          const delay = retryDelay(retrier, counts[retrierIndex] as number);
          counts[retrierIndex] = (counts[retrierIndex] as number) + 1;
          run.evaluationFailedEmitted = false;
          await this.sleepFn(delay, run.frame.signal);
          continue;
        }
        if (
          (state.type === 'Map' || state.type === 'Parallel') &&
          (failedBody.has(e as object) || err.error === Errors.QueryEvaluationError)
        )
          this.emit(run.frame, `${state.type}StateFailed`);
        const catcher = state.catch.find((c) => matches(c.errorEquals, err.error, state.type));
        if (catcher) return this.caught(run, catcher, err);
        throw err;
      }
    }
  }

  private async caught(run: StateRun, catcher: Catcher, err: StatesError): Promise<Outcome> {
    const errorOutput: Record<string, unknown> = {};
    if (err.error !== undefined) errorOutput.Error = err.error;
    if (err.cause !== undefined) errorOutput.Cause = err.cause;
    if (run.state.ql === 'JSONata') {
      const states = this.statesVar(run, { errorOutput });
      run.assigned = await this.evalAssign(catcher.assign, run, errorOutput, states);
      const output = catcher.output ? await catcher.output(this.jsonataScope(run.frame, states)) : errorOutput;
      return { output, next: catcher.next };
    }
    run.assigned = await this.evalAssign(catcher.assign, run, errorOutput, {});
    return { output: catcher.resultPath(run.input, errorOutput), next: catcher.next };
  }

  // ---- states ----

  private async pass(run: StateRun): Promise<unknown> {
    const { state } = run;
    if (state.ql === 'JSONata') return this.finish(run, run.input, run.input);
    const effective = this.effectiveInput(run);
    let result: unknown = effective;
    if (state.parameters) result = state.parameters(this.scope(effective, this.ctx(run), run.frame));
    if (state.hasResult) result = state.result;
    return this.finish(run, result, effective, false);
  }

  private async succeed(run: StateRun): Promise<Outcome> {
    if (run.state.ql === 'JSONata') {
      const output = run.state.output ? await run.state.output(this.jsonataScope(run.frame, this.statesVar(run))) : run.input;
      return { output };
    }
    return { output: this.outputPath(run, this.effectiveInput(run)) };
  }

  private async fail(run: StateRun): Promise<never> {
    const { state } = run;
    let error: string | undefined;
    let cause: string | undefined;
    if (state.ql === 'JSONata') {
      const scope = () => this.jsonataScope(run.frame, this.statesVar(run));
      error = await this.failText(state.error, scope, 'Error');
      cause = await this.failText(state.cause, scope, 'Cause');
    } else {
      const scope = this.scope(run.input, this.ctx(run), run.frame);
      error = state.error?.value ?? (state.error?.path ? stringOrJson(state.error.path.resolve(scope)) : undefined);
      cause = state.cause?.value ?? (state.cause?.path ? stringOrJson(state.cause.path.resolve(scope)) : undefined);
    }
    throw new StatesError(error as string, cause, undefined, false);
  }

  private async failText(field: Dynamic<string> | undefined, scope: () => JsonataScope, name: string): Promise<string | undefined> {
    if (!field) return undefined;
    if (field.value !== undefined) return field.value;
    if (!field.template) return undefined;
    const v = await field.template(scope());
    if (typeof v !== 'string')
      throw new StatesError(Errors.QueryEvaluationError, `The ${name} field must evaluate to a string but was ${typeName(v)}.`, name);
    return v;
  }

  private async choice(run: StateRun): Promise<Outcome> {
    const { state, frame } = run;
    if (state.ql === 'JSONata') {
      const states = this.statesVar(run);
      const jscope = this.jsonataScope(frame, states);
      for (const branch of state.choices ?? []) {
        const ok = await (branch.condition as JsonataTemplate)(jscope);
        if (typeof ok !== 'boolean')
          throw new StatesError(
            Errors.QueryEvaluationError,
            `The Condition field must evaluate to a boolean but was ${typeName(ok)}.`,
            'Condition',
          );
        if (ok) {
          run.assigned = await this.evalAssign(branch.assign, run, run.input, states);
          const output = branch.output ? await branch.output(jscope) : run.input;
          return { output, next: branch.next };
        }
      }
      if (state.default === undefined) throw new StatesError(Errors.NoChoiceMatched, 'No Matches!', undefined, false);
      run.assigned = await this.evalAssign(state.assign, run, run.input, states);
      const output = state.output ? await state.output(jscope) : run.input;
      return { output, next: state.default };
    }
    const effective = this.effectiveInput(run);
    const scope = this.scope(effective, this.ctx(run), frame);
    for (const branch of state.choices ?? []) {
      if (branch.rule?.(scope)) {
        run.assigned = await this.evalAssign(branch.assign, run, effective, {});
        return { output: this.outputPath(run, effective), next: branch.next };
      }
    }
    if (state.default === undefined) throw new StatesError(Errors.NoChoiceMatched, 'No Matches!', undefined, false);
    run.assigned = await this.evalAssign(state.assign, run, effective, {});
    return { output: this.outputPath(run, effective), next: state.default };
  }

  private async wait(run: StateRun): Promise<Outcome> {
    const { state, frame } = run;
    const jsonata = state.ql === 'JSONata';
    const effective = jsonata ? run.input : this.effectiveInput(run);
    const scope = this.scope(effective, this.ctx(run), frame);
    let until: number;
    if (state.seconds) {
      let seconds: unknown;
      if (state.seconds.value !== undefined) seconds = state.seconds.value;
      else if (state.seconds.template) {
        seconds = await state.seconds.template(this.jsonataScope(frame, this.statesVar(run)));
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
          throw new StatesError(
            Errors.QueryEvaluationError,
            `The Seconds field must evaluate to a non-negative integer but was ${stringify(seconds)}.`,
            'Seconds',
          );
      } else {
        const path = state.seconds.path as NonNullable<typeof state.seconds.path>;
        seconds = path.resolve(scope);
        if (seconds === undefined)
          throw new StatesError(Errors.Runtime, `The SecondsPath parameter does not reference an input value: ${path.source}`);
        if (typeof seconds !== 'number' || !Number.isInteger(seconds))
          throw new StatesError(
            Errors.Runtime,
            `The SecondsPath parameter cannot be parsed as a long value: ${path.source} == ${stringOrJson(seconds)}`,
          );
        if (seconds < 0)
          throw new StatesError(Errors.Runtime, `The SecondsPath parameter references a negative value: ${path.source} == ${seconds}`);
      }
      until = run.enteredTime + (seconds as number) * 1000;
    } else {
      const ts = state.timestamp as Dynamic<string>;
      let text: unknown;
      if (ts.value !== undefined) text = ts.value;
      else if (ts.template) {
        text = await ts.template(this.jsonataScope(frame, this.statesVar(run)));
        const parsed = typeof text === 'string' ? parseTimestamp(text) : undefined;
        if (!parsed)
          throw new StatesError(
            Errors.QueryEvaluationError,
            `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${stringOrJson(text)}`,
            'Timestamp',
          );
      } else {
        const path = ts.path as NonNullable<typeof ts.path>;
        text = path.resolve(scope);
        if (text === undefined)
          throw new StatesError(Errors.Runtime, `The TimestampPath parameter does not reference an input value: ${path.source}`);
        if (typeof text !== 'string' || !parseTimestamp(text))
          throw new StatesError(
            Errors.Runtime,
            `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path.source} == ${stringOrJson(text)}`,
          );
      }
      until = instantToMillis(parseTimestamp(text as string) as NonNullable<ReturnType<typeof parseTimestamp>>);
    }
    const remaining = until - this.clock.now();
    if (remaining > 0) await this.sleepFn(remaining, frame.signal);
    if (jsonata) {
      const states = this.statesVar(run);
      run.assigned = await this.evalAssign(state.assign, run, run.input, states);
      const output = state.output ? await state.output(this.jsonataScope(frame, states)) : run.input;
      return { output, next: state.next };
    }
    run.assigned = await this.evalAssign(state.assign, run, effective, {});
    return { output: this.outputPath(run, effective), next: state.next };
  }

  private async dynamicNumber(
    run: StateRun,
    field: Dynamic<number> | undefined,
    name: string,
    kind: 'integer' | 'float',
  ): Promise<number | undefined> {
    if (!field) return undefined;
    if (field.value !== undefined) return field.value;
    let v: unknown;
    if (field.template) {
      v = await field.template(this.jsonataScope(run.frame, this.statesVar(run)));
      if (typeof v !== 'number' || (kind === 'integer' && !Number.isInteger(v)))
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The ${name} field must evaluate to a${kind === 'integer' ? 'n integer' : ' number'} but was ${stringify(v)}.`,
          name,
        );
      return v;
    }
    const path = field.path as NonNullable<typeof field.path>;
    const input = run.state.ql === 'JSONPath' ? this.effectiveInputCached(run) : run.input;
    v = path.resolve(this.scope(input, this.ctx(run), run.frame));
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isNaN(n) || (kind === 'integer' && !Number.isInteger(n)))
      throw new StatesError(
        Errors.Runtime,
        `The ${name}Path field refers to value "${typeof v === 'string' ? v : stringify(v)}" which is not a valid ${kind}: ${path.source}`,
      );
    return n;
  }

  private effectiveInputCached(run: StateRun): unknown {
    if (!run.effectiveComputed) {
      run.effective = this.effectiveInput(run);
      run.effectiveComputed = true;
    }
    return run.effective;
  }

  private async task(run: StateRun, attempt: number): Promise<unknown> {
    const { state, frame } = run;
    const runner = this.options.taskRunner;
    const resource = state.resource as string;
    const taskToken = resource.endsWith('.waitForTaskToken') ? taskTokenFor(this.options.executionArn, run.enteredId, attempt) : undefined;
    if (taskToken) this.ctx(run).Task = { Token: taskToken };
    let taskInput: unknown;
    if (state.ql === 'JSONata') {
      taskInput = state.arguments ? await state.arguments(this.jsonataScope(frame, this.statesVar(run))) : run.input;
    } else {
      const effective = this.effectiveInputCached(run);
      taskInput = state.parameters ? state.parameters(this.scope(effective, this.ctx(run), frame)) : effective;
    }
    const timeoutSeconds = await this.dynamicNumber(run, state.timeoutSeconds, 'TimeoutSeconds', 'integer');
    const heartbeatSeconds = await this.dynamicNumber(run, state.heartbeatSeconds, 'HeartbeatSeconds', 'integer');
    const kind = describeResource(resource);
    const recorded = run.resumed ? recordedAttempt(run.resumed.events, attempt) : undefined;
    let result: unknown;
    if (recorded?.outcome === 'succeeded') {
      result = recorded.output;
    } else if (recorded?.outcome === 'failed') {
      throw new StatesError(recorded.error as string, recorded.cause, undefined, false);
    } else {
      if (!recorded) {
        const scheduled: Record<string, unknown> = kind.lambdaArn
          ? { resource, input: stringify(taskInput), inputDetails: { truncated: false } }
          : { resourceType: kind.type, resource: kind.name, region: this.region, parameters: stringify(taskInput) };
        if (timeoutSeconds !== undefined) scheduled.timeoutInSeconds = timeoutSeconds;
        if (heartbeatSeconds !== undefined) scheduled.heartbeatInSeconds = heartbeatSeconds;
        this.emit(
          frame,
          kind.lambdaArn ? 'LambdaFunctionScheduled' : 'TaskScheduled',
          kind.lambdaArn ? 'lambdaFunctionScheduledEventDetails' : 'taskScheduledEventDetails',
          scheduled,
        );
      }
      if (!recorded?.started) {
        if (kind.lambdaArn) this.emit(frame, 'LambdaFunctionStarted');
        else this.emit(frame, 'TaskStarted', 'taskStartedEventDetails', { resourceType: kind.type, resource: kind.name });
      }
      // A durable sink must hold TaskScheduled before the side effect starts.
      await this.flush();
      if (!runner)
        throw new StatesError(Errors.TaskFailed, `No task runner is configured for the resource '${resource}'.`, undefined, false);
      try {
        result = await this.callRunner(runner, {
          resource,
          input: taskInput,
          arguments: state.ql === 'JSONata' ? taskInput : undefined,
          taskToken,
          heartbeatSeconds,
          timeoutSeconds,
          credentials: state.credentials,
          stateName: state.name,
          signal: frame.signal,
          context: this.ctx(run),
          heartbeat: () => {},
        });
      } catch (e) {
        if (frame.signal.aborted) throw e;
        const err =
          e instanceof TaskFailure || e instanceof StatesError
            ? e
            : new TaskFailure(Errors.TaskFailed, e instanceof Error ? e.message : String(e));
        const timedOut = err.error === Errors.Timeout || err.error === Errors.HeartbeatTimeout;
        const details: Record<string, unknown> = kind.lambdaArn ? {} : { resourceType: kind.type, resource: kind.name };
        details.error = err.error;
        if (err.cause !== undefined) details.cause = err.cause;
        if (kind.lambdaArn)
          this.emit(
            frame,
            timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
            timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
            details,
          );
        else
          this.emit(
            frame,
            timedOut ? 'TaskTimedOut' : 'TaskFailed',
            timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails',
            details,
          );
        throw new StatesError(err.error, err.cause, undefined, false);
      }
      const text = stringify(result);
      if (kind.lambdaArn)
        this.emit(frame, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
          output: text,
          outputDetails: { truncated: false },
        });
      else
        this.emit(frame, 'TaskSucceeded', 'taskSucceededEventDetails', {
          resourceType: kind.type,
          resource: kind.name,
          output: text,
          outputDetails: { truncated: false },
        });
    }
    return this.finish(run, result, run.input);
  }

  /** Enforces TimeoutSeconds and HeartbeatSeconds around the runner. */
  private async callRunner(runner: TaskRunner, request: TaskRequest): Promise<unknown> {
    const timed = (request.timeoutSeconds ?? 0) > 0 || (request.heartbeatSeconds ?? 0) > 0;
    // Most tasks have no deadline: skip the timers and the combined signals entirely.
    if (!timed) return runner.run({ ...request });
    const expiry = new AbortController();
    const done = new AbortController();
    const signal = AbortSignal.any([request.signal, expiry.signal]);
    const expire = (error: string) => {
      if (!expiry.signal.aborted) expiry.abort(new TaskFailure(error));
    };
    const arm = (seconds: number, error: string, generation?: () => number) => {
      const mine = generation?.();
      this.timerFn(seconds * 1000, AbortSignal.any([done.signal, signal])).then(
        () => {
          if (!generation || generation() === mine) expire(error);
        },
        () => {},
      );
    };
    if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) arm(request.timeoutSeconds, Errors.Timeout);
    if (request.heartbeatSeconds !== undefined && request.heartbeatSeconds > 0) {
      let beats = 0;
      const seconds = request.heartbeatSeconds;
      const current = () => beats;
      request.heartbeat = () => {
        beats++;
        arm(seconds, Errors.HeartbeatTimeout, current);
      };
      arm(seconds, Errors.HeartbeatTimeout, current);
    }
    const expired = new Promise<never>((_, reject) => {
      expiry.signal.addEventListener('abort', () => reject(expiry.signal.reason), { once: true });
    });
    try {
      return await Promise.race([runner.run({ ...request, signal }), expired]);
    } catch (e) {
      if (expiry.signal.aborted) throw expiry.signal.reason;
      throw e;
    } finally {
      done.abort(TASK_DONE);
    }
  }

  private childFrame(frame: Frame, signal: AbortSignal, map?: Frame['map'], silent = frame.silent): Frame {
    return { vars: new Variables(frame.vars), last: frame.last, signal, map, silent };
  }

  private async parallel(run: StateRun, _attempt: number): Promise<unknown> {
    const { state, frame } = run;
    let branchInput: unknown;
    if (state.ql === 'JSONata') {
      branchInput = state.arguments ? await state.arguments(this.jsonataScope(frame, this.statesVar(run))) : run.input;
    } else {
      const effective = this.effectiveInput(run);
      branchInput = state.parameters ? state.parameters(this.scope(effective, this.ctx(run), frame)) : effective;
    }
    this.emit(frame, 'ParallelStateStarted');
    const abort = new AbortController();
    const signal = AbortSignal.any([frame.signal, abort.signal]);
    const branches = state.branches ?? [];
    let failure: unknown;
    let lastId = frame.last;
    const results = await Promise.all(
      branches.map(async (branch) => {
        const child = this.childFrame(frame, signal);
        try {
          const out = await this.runProgram(branch, branchInput, child);
          lastId = Math.max(lastId, child.last);
          return out;
        } catch (e) {
          lastId = Math.max(lastId, child.last);
          if (failure === undefined) {
            failure = e;
            abort.abort(new Error('branch failed'));
          }
          return undefined;
        }
      }),
    );
    frame.last = lastId;
    if (failure !== undefined) {
      if (this.controller.signal.aborted) throw failure;
      throw markFailed(failure);
    }
    return this.finish(run, results, run.input);
  }

  private async map(run: StateRun, attempt: number): Promise<unknown> {
    const { state, frame } = run;
    const jsonata = state.ql === 'JSONata';
    let items: unknown;
    let effective: unknown;
    if (jsonata) {
      effective = run.input;
      if (state.items) {
        items = await state.items(this.jsonataScope(frame, this.statesVar(run)));
        if (!Array.isArray(items)) {
          const text = state.raw.Items;
          throw new StatesError(
            Errors.QueryEvaluationError,
            `The JSONata expression '${typeof text === 'string' ? text.slice(2, -2).trim() : stringify(text)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${typeName(items)}' for value: ${stringify(items)}`,
            'Items',
          );
        }
      } else items = run.input;
    } else {
      effective = this.effectiveInputCached(run);
      items = state.itemsPath ? requirePath(state.itemsPath, this.scope(effective, this.ctx(run), frame)) : effective;
    }
    if (!Array.isArray(items))
      throw new StatesError(Errors.QueryEvaluationError, `Map state input must be an array but was: ${stringify(items)}`);
    const maxConcurrency = (await this.dynamicNumber(run, state.maxConcurrency, 'MaxConcurrency', 'integer')) ?? 0;
    this.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
    const percentage = await this.dynamicNumber(run, state.toleratedFailurePercentage, 'ToleratedFailurePercentage', 'float');
    const count = await this.dynamicNumber(run, state.toleratedFailureCount, 'ToleratedFailureCount', 'integer');
    if (percentage !== undefined && (percentage < 0 || percentage > 100))
      throw new StatesError(Errors.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
    if (count !== undefined && count < 0) throw new StatesError(Errors.Runtime, 'ToleratedFailureCount cannot be negative.');
    const distributed = state.distributed === true;
    if (distributed) {
      const mapRunArn = `${this.options.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${(state.raw.Label as string | undefined) ?? state.name}:${randomUUID()}`;
      this.emit(frame, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn });
    }
    void attempt;
    const batches = state.itemBatcher ? await this.batch(run, items, effective) : undefined;
    const units = batches ?? items;
    const processor = state.processor as Program;
    const abort = new AbortController();
    const signal = AbortSignal.any([frame.signal, abort.signal]);
    const results: unknown[] = new Array(units.length);
    const tolerance = percentage !== undefined || count !== undefined;
    let failures = 0;
    let failure: unknown;
    let lastId = frame.last;
    let nextIndex = 0;
    const limit = maxConcurrency > 0 ? maxConcurrency : units.length;
    const worker = async () => {
      while (failure === undefined && nextIndex < units.length) {
        const index = nextIndex++;
        const value = batches ? units[index] : items[index];
        const iterFrame = this.childFrame(frame, signal, batches ? undefined : { Index: index, Value: value }, distributed || frame.silent);
        iterFrame.last = Math.max(iterFrame.last, lastId);
        let itemInput: unknown = value;
        try {
          if (!batches && state.itemSelector) {
            const ctx = { ...this.ctx(run), Map: { Item: { Index: index, Value: value } } };
            if (state.itemSelectorIsJsonata)
              itemInput = await (state.itemSelector as JsonataTemplate)(this.jsonataScope(frame, { input: run.input, context: ctx }));
            else itemInput = (state.itemSelector as (s: Scope) => unknown)(this.scope(effective, ctx, frame));
          }
        } catch (e) {
          failure = e;
          abort.abort(new Error('selector failed'));
          return;
        }
        if (!distributed) this.emit(iterFrame, 'MapIterationStarted', 'mapIterationStartedEventDetails', { index, name: state.name });
        try {
          results[index] = await this.runProgram(processor, itemInput, iterFrame);
          lastId = Math.max(lastId, iterFrame.last);
          if (!distributed) this.emit(iterFrame, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', { index, name: state.name });
        } catch (e) {
          if (this.controller.signal.aborted || (signal.aborted && failure !== undefined)) {
            if (!distributed && !this.controller.signal.aborted)
              this.emit(iterFrame, 'MapIterationAborted', 'mapIterationAbortedEventDetails', { index, name: state.name });
            lastId = Math.max(lastId, iterFrame.last);
            return;
          }
          if (!distributed) this.emit(iterFrame, 'MapIterationFailed', 'mapIterationFailedEventDetails', { index, name: state.name });
          lastId = Math.max(lastId, iterFrame.last);
          failures++;
          const err = e instanceof StatesError ? e : toStatesError(e);
          results[index] = { Error: err.error, Cause: err.cause };
          const tolerated = tolerance && failures <= toleratedCount(units.length, percentage, count);
          if (!tolerated && failure === undefined) {
            failure =
              tolerance || distributed
                ? new StatesError(
                    Errors.ExceedToleratedFailureThreshold,
                    'The specified tolerance threshold was exceeded',
                    undefined,
                    false,
                  )
                : e;
            abort.abort(new Error('iteration failed'));
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(units.length, 1)) }, worker));
    frame.last = Math.max(frame.last, lastId);
    if (failure !== undefined) {
      if (this.controller.signal.aborted) throw failure;
      if (distributed) this.emit(frame, 'MapRunFailed', 'mapRunFailedEventDetails', {});
      throw markFailed(failure);
    }
    if (distributed) this.emit(frame, 'MapRunSucceeded');
    this.emit(frame, 'MapStateSucceeded');
    return this.finish(run, results, effective);
  }

  private async batch(run: StateRun, items: unknown[], effective: unknown): Promise<unknown[]> {
    const cfg = run.state.itemBatcher as Record<string, unknown>;
    const scope = this.scope(effective, this.ctx(run), run.frame);
    let maxItems = items.length;
    if (typeof cfg.MaxItemsPerBatch === 'number') maxItems = cfg.MaxItemsPerBatch;
    else if (typeof cfg.MaxItemsPerBatchPath === 'string')
      maxItems = Number(requirePath(compileReferencePath(cfg.MaxItemsPerBatchPath), scope));
    const size = Math.max(1, Number.isFinite(maxItems) ? maxItems : items.length);
    const batchInput = cfg.BatchInput !== undefined ? compilePayload(cfg.BatchInput)(scope) : undefined;
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i += size) {
      const b: Record<string, unknown> = {};
      if (batchInput !== undefined) b.BatchInput = batchInput;
      b.Items = items.slice(i, i + size);
      out.push(b);
    }
    return out;
  }
}

interface StateRun {
  state: State;
  input: unknown;
  frame: Frame;
  enteredId: number;
  enteredTime: number;
  resumed?: ResumedState;
  assigned: Record<string, unknown> | undefined;
  context?: Record<string, unknown>;
  retryCount?: number;
  effective?: unknown;
  effectiveComputed?: boolean;
  evaluationFailedEmitted?: boolean;
}

/** Errors after which a Map or Parallel state records its `StateFailed` event. */
const failedBody = new WeakSet<object>();
function markFailed(e: unknown): unknown {
  if (typeof e === 'object' && e !== null) failedBody.add(e);
  return e;
}

function toStatesError(e: unknown): StatesError {
  if (e instanceof StatesError) return e;
  if (e instanceof TaskFailure) return new StatesError(e.error, e.cause, undefined, false);
  return new StatesError(Errors.Runtime, e instanceof Error ? e.message : String(e));
}

function matches(errorEquals: string[], error: string | undefined, type: State['type']): boolean {
  if (error === undefined) return false;
  if (errorEquals.includes(error)) return true;
  if (RESERVED_NOT_ALL.has(error)) return false;
  if (errorEquals.includes(Errors.ALL)) return true;
  // States.TaskFailed is a wildcard for any error of a Task except States.Timeout
  return type === 'Task' && errorEquals.includes(Errors.TaskFailed) && error !== Errors.Timeout;
}

/** The wait before retry number `count` (0-based), in ms. */
export function retryDelay(retrier: Retrier, count: number, random: () => number = Math.random): number {
  let seconds = retrier.intervalSeconds * retrier.backoffRate ** count;
  if (retrier.maxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.maxDelaySeconds);
  if (retrier.jitter === 'FULL') seconds = random() * seconds;
  return Math.round(seconds * 1000);
}

function toleratedCount(total: number, percentage: number | undefined, count: number | undefined): number {
  let tolerated = Number.POSITIVE_INFINITY;
  if (count !== undefined) tolerated = count;
  if (percentage !== undefined) tolerated = Math.min(tolerated, Math.floor((percentage / 100) * total));
  return tolerated === Number.POSITIVE_INFINITY ? 0 : tolerated;
}

const stringOrJson = (v: unknown) => (typeof v === 'string' ? v : stringify(v));

/** `arn:aws:states:::lambda:invoke.waitForTaskToken` → type `lambda`, name `invoke.waitForTaskToken`. */
export function describeResource(resource: string): { type: string; name: string; lambdaArn: boolean } {
  if (/^arn:[^:]+:lambda:/.test(resource)) return { type: 'lambda', name: resource, lambdaArn: true };
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(resource);
  if (m) {
    const rest = m[1] as string;
    // `startExecution.sync:2`: the version after `.sync` belongs to the name, not the type.
    const versioned = /^(.+):([^:]+\.sync:\d+)$/.exec(rest);
    if (versioned) return { type: versioned[1] as string, name: versioned[2] as string, lambdaArn: false };
    const i = rest.lastIndexOf(':');
    if (i > 0) return { type: rest.slice(0, i), name: rest.slice(i + 1), lambdaArn: false };
  }
  return { type: 'activity', name: resource, lambdaArn: false };
}

/** Task tokens name the execution, the state entry and the attempt, so a resumed run reissues the same one. */
export function taskTokenFor(executionArn: string, enteredId: number, attempt: number): string {
  return Buffer.from(JSON.stringify({ e: executionArn, s: enteredId, a: attempt })).toString('base64url');
}

export function parseTaskToken(token: string): { executionArn: string; enteredId: number; attempt: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { e: string; s: number; a: number };
    if (typeof v.e !== 'string' || typeof v.s !== 'number') return undefined;
    return { executionArn: v.e, enteredId: v.s, attempt: v.a };
  } catch {
    return undefined;
  }
}

interface RecordedAttempt {
  started: boolean;
  outcome?: 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
  cause?: string;
}

/** What the history says about attempt `n` of a Task state that was running at the restart. */
function recordedAttempt(events: HistoryEvent[], n: number): RecordedAttempt | undefined {
  let attempt = -1;
  let current: RecordedAttempt | undefined;
  for (const e of events) {
    if (e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') {
      attempt++;
      current = attempt === n ? { started: false } : undefined;
      continue;
    }
    if (!current) continue;
    const d = (e[Object.keys(e).find((k) => k.endsWith('EventDetails')) ?? ''] ?? {}) as Record<string, unknown>;
    if (e.type === 'TaskStarted' || e.type === 'LambdaFunctionStarted') current.started = true;
    else if (e.type === 'TaskSucceeded' || e.type === 'LambdaFunctionSucceeded') {
      current.outcome = 'succeeded';
      current.output = JSON.parse((d.output as string | undefined) ?? 'null');
    } else if (/^(Task|LambdaFunction)(Failed|TimedOut|StartFailed)$/.test(e.type)) {
      current.outcome = 'failed';
      current.error = d.error as string | undefined;
      current.cause = d.cause as string | undefined;
    }
  }
  return attempt >= n ? current : undefined;
}
