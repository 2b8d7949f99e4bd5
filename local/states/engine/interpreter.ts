/**
 * One execution of a state machine: its history, its context object, the data flow
 * around every state (InputPath to OutputPath, JSONata Arguments/Output, Assign), and
 * Retry/Catch. Each state type runs in its own module (flow-states, task-state,
 * parallel-state, map-state), given the execution.
 */
import { tryParseArn } from '../../names/arn.js';
import type { Clock } from '../../time/clock.js';
import { enterState, exitState } from './abort-events.js';
import type { Assigner, DynamicNumber, Program, State } from './definition.js';
import { Errors, StateOutputTooLarge, StatesError } from './errors.js';
import {
  type ExecutionOptions,
  type ExecutionResult,
  type Frame,
  type Outcome,
  type ProgramResult,
  type ResumedState,
  realSleep,
  type Sleep,
  type StateRun,
  Variables,
} from './execution-types.js';
import { choiceState, failState, passState, succeedState, waitState } from './flow-states.js';
import type { HistoryEvent } from './history-events.js';
import type { Scope } from './intrinsics.js';
import { isPlainObject, overPayloadLimit, stringify, typeName } from './json.js';
import type { JsonataScope } from './jsonata.js';
import { mapState } from './map-state.js';
import { parallelState } from './parallel-state.js';
import { requirePath } from './payload.js';
import { withRetryAndCatch } from './retry-catch.js';
import type { StateHost } from './state-host.js';
import { taskState } from './task-state.js';
import { isoMillis } from './timestamp.js';

const systemClock: Clock = { now: () => Date.now() };

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

export class Execution implements StateHost {
  readonly events: HistoryEvent[] = [];
  private nextId = 1;
  readonly clock: Clock;
  readonly sleepFn: Sleep;
  readonly timerFn: Sleep;
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
    this.region = tryParseArn(options.executionArn)?.region ?? 'us-east-1';
    const input = JSON.parse(this.inputText) as unknown;
    this.executionContext = {
      Id: options.executionArn,
      Input: input,
      StartTime: isoMillis(this.startTime),
      Name: options.name,
      RoleArn: options.roleArn ?? (options.testState ? null : ''),
      ...(options.testState || options.noRedriveCount ? {} : { RedriveCount: options.redriveCount ?? 0 }),
    };
    this.stateMachineContext = { Id: options.stateMachineArn, Name: options.stateMachineName };
    if (options.fork && !options.machine.states.has(options.fork.startAt))
      throw new Error(`A fork cannot begin at ${options.fork.startAt}: the definition has no top-level state of that name`);
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  stop(error?: string, cause?: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Halt('ABORTED', error, cause));
  }

  // ---- history ----

  emit(
    frame: { last: number } | undefined,
    type: string,
    detailsKey?: string,
    details?: Record<string, unknown>,
    timestamp = this.clock.now(),
  ): number {
    if ((frame as Frame | undefined)?.silent) return (frame as Frame).last;
    const id = this.nextId++;
    const event: HistoryEvent = { id, previousEventId: frame ? frame.last : id - 1, timestamp, type };
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
    const fork = this.options.fork;
    const frame: Frame = { vars: Variables.of(fork?.variables), last: 0, signal: this.controller.signal };
    // Stamped with the execution's start (DescribeExecution's startDate), as in AWS, however
    // long the engine took to pick the execution up.
    this.emit(
      frame,
      'ExecutionStarted',
      'executionStartedEventDetails',
      {
        input: this.inputText,
        inputDetails: { truncated: false },
        roleArn: this.options.roleArn ?? '',
        ...(this.options.stateMachineAliasArn ? { stateMachineAliasArn: this.options.stateMachineAliasArn } : {}),
        ...(this.options.stateMachineVersionArn ? { stateMachineVersionArn: this.options.stateMachineVersionArn } : {}),
      },
      this.startTime,
    );
    // AWS records the first state's entry as following no event (previousEventId 0), in every history it answers.
    frame.last = 0;
    if (fork) return this.drive(frame, fork.startAt, fork.input);
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
      const ran = stateName === undefined ? { output: input } : await this.runProgram(machine, input, frame, stateName, rawInput, resumed);
      const text = ran.text ?? stringify(ran.output);
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
        // DescribeExecution of a timed-out execution has no error nor cause (AWS's recorded answers): only its event says why.
        return { status: 'TIMED_OUT' };
      }
      const details: Record<string, unknown> = {};
      if (reason.error !== undefined) details.error = reason.error;
      if (reason.cause !== undefined) details.cause = reason.cause;
      // StopExecution, not an event of the execution, caused it: AWS's recorded ExecutionAborted follows event 0.
      frame.last = 0;
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
  ): Promise<ProgramResult> {
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
    return { output: value, text: raw };
  }

  context(state: State, enteredTime: number, frame: Frame, retryCount?: number): Record<string, unknown> {
    const stateCtx: Record<string, unknown> = {
      Name: this.options.testState ? 'StateName' : state.name,
      EnteredTime: isoMillis(enteredTime),
    };
    if (retryCount !== undefined) stateCtx.RetryCount = retryCount;
    // TestState's given Context object is the whole of it (a copy: a callback task adds its Task).
    if (this.options.context !== undefined) return { ...this.options.context };
    const ctx: Record<string, unknown> = { Execution: this.executionContext, StateMachine: this.stateMachineContext, State: stateCtx };
    if (frame.map) ctx.Map = { Item: { Index: frame.map.Index, Value: frame.map.Value } };
    return ctx;
  }

  scope(input: unknown, context: unknown, frame: Frame): Scope {
    return { input, context, variable: (name) => frame.vars.get(name) };
  }

  jsonataScope(frame: Frame, states: Record<string, unknown>): JsonataScope {
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
    enterState(frame, state.type);
    const run: StateRun = { state, input, frame, enteredId, enteredTime, resumed, assigned: undefined };
    try {
      let outcome: Outcome;
      switch (state.type) {
        case 'Pass':
          outcome = await this.withRetryAndCatch(run, () => passState(this, run));
          break;
        case 'Task':
          outcome = await this.withRetryAndCatch(run, (attempt) => taskState(this, run, attempt));
          break;
        case 'Choice':
          outcome = await choiceState(this, run);
          break;
        case 'Wait':
          outcome = await waitState(this, run);
          break;
        case 'Succeed':
          outcome = await succeedState(this, run);
          break;
        case 'Fail':
          return await failState(this, run);
        case 'Parallel':
          outcome = await this.withRetryAndCatch(run, (attempt) => parallelState(this, run, attempt));
          break;
        case 'Map':
          outcome = await this.withRetryAndCatch(run, (attempt) => mapState(this, run, attempt));
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

  /** A recorded event by its id (ids count the history from 1). */
  private eventById(id: number): HistoryEvent | undefined {
    const at = this.events[id - 1];
    return at?.id === id ? at : this.events.find((e) => e.id === id);
  }

  private evaluationFailed(run: StateRun, err: StatesError): void {
    run.evaluationFailedEmitted = true;
    // AWS's EvaluationFailed of a state that recorded nothing since its entry follows the event
    // before that entry, but a Wait's (evaluated as it waits) its entry: AWS's recorded ids.
    const entered = run.frame.last === run.enteredId && run.state.type !== 'Wait' ? this.eventById(run.enteredId) : undefined;
    if (entered && !run.frame.silent) run.frame.last = entered.previousEventId;
    const details: Record<string, unknown> = { cause: err.cause, error: err.error };
    if (err.location) details.location = err.location;
    details.state = run.state.name;
    this.emit(run.frame, 'EvaluationFailed', 'evaluationFailedEventDetails', details);
  }

  private exit(run: StateRun, outcome: Outcome): Outcome {
    const text = stringify(outcome.output);
    if (overPayloadLimit(text)) throw new StateOutputTooLarge(run.state.name);
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
    exitState(run.frame);
    if (run.assigned) for (const [k, v] of Object.entries(run.assigned)) run.frame.vars.values.set(k, v);
    return { ...outcome, outputText: text };
  }

  // ---- data flow ----

  effectiveInput(run: StateRun): unknown {
    const { state, input } = run;
    if (state.ql === 'JSONata') return input;
    let effective: unknown = {};
    if (state.inputPath === undefined) effective = input;
    else if (state.inputPath !== null) effective = requirePath(state.inputPath, this.scope(input, this.ctx(run), run.frame));
    this.options.inspect?.(state.name, 'afterInputPath', effective);
    return effective;
  }

  ctx(run: StateRun): Record<string, unknown> {
    run.context ??= this.context(run.state, run.enteredTime, run.frame, run.retryCount);
    return run.context;
  }

  statesVar(run: StateRun, extra?: Record<string, unknown>): Record<string, unknown> {
    return { input: run.input, context: this.ctx(run), ...extra };
  }

  async evalAssign(
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
  async finish(run: StateRun, result: unknown, effectiveInput: unknown, hasResultSelector = true): Promise<unknown> {
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
    this.options.inspect?.(state.name, 'afterResultSelector', selected);
    run.assigned = await this.evalAssign(state.assign, run, selected, {});
    const combined = state.resultPath(run.input, selected);
    void effectiveInput;
    return this.outputPath(run, combined);
  }

  outputPath(run: StateRun, value: unknown): unknown {
    const { state } = run;
    if (state.outputPath === null) return {};
    if (state.outputPath === undefined) return value;
    return requirePath(state.outputPath, this.scope(value, this.ctx(run), run.frame));
  }

  // ---- retry and catch ----

  private withRetryAndCatch(run: StateRun, body: (attempt: number) => Promise<unknown>): Promise<Outcome> {
    return withRetryAndCatch(this, run, body, (e) => this.scopeError(run, e));
  }

  // ---- states ----

  async dynamicNumber(
    run: StateRun,
    field: DynamicNumber | undefined,
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
    // A path that finds nothing is AWS's `Invalid path` (States.Runtime), not a value of null.
    v = requirePath(path, this.scope(input, this.ctx(run), run.frame));
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isNaN(n) || (kind === 'integer' && !Number.isInteger(n)))
      throw new StatesError(
        Errors.Runtime,
        `The ${name}Path field refers to value "${typeof v === 'string' ? v : stringify(v)}" which is not a valid ${kind}: ${path.source}`,
      );
    return n;
  }

  effectiveInputCached(run: StateRun): unknown {
    if (!run.effectiveComputed) {
      run.effective = this.effectiveInput(run);
      run.effectiveComputed = true;
    }
    return run.effective;
  }

  childFrame(frame: Frame, signal: AbortSignal, map?: Frame['map'], silent = frame.silent): Frame {
    return { vars: new Variables(frame.vars), last: frame.last, signal, map, silent };
  }
}
