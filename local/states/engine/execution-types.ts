/**
 * The shapes the interpreter and its state modules share: what a Task asks of the outside
 * world, how an execution is configured and ends, and the per-thread frame a state runs in.
 */
import type { TerminalExecutionStatus } from '../../../clients/execution-statuses.js';
import type { Clock } from '../../time/clock.js';
import type { Machine, State } from './definition.js';
import type { HistoryEvent, HistorySink } from './history-events.js';

/** What a Task state asks of the outside world. */
export interface TaskRequest {
  resource: string;
  /** The effective input (JSONPath Parameters) or the evaluated JSONata Arguments. */
  input: unknown;
  arguments?: unknown;
  /** Set when the resource ends in `.waitForTaskToken` or names an activity; deterministic per state entry and attempt. */
  taskToken?: string;
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  credentials?: unknown;
  stateName: string;
  /**
   * Names this attempt of this state entry, the same in a run resumed after a restart
   * (`taskKeyFor`); absent where no resume can find the attempt again (a distributed Map's iterations).
   */
  taskKey?: string;
  /**
   * The entry of the state that runs the task: its execution and StateEntered event. Absent in
   * a distributed Map's iterations, which record no history. The runner makes the task's calls
   * as that state (Step Functions calls a task's service under the state's trace segment).
   */
  stateEntry?: { readonly executionArn: string; readonly enteredEventId: number };
  /** Aborted when the task times out, the execution stops or a sibling branch fails. */
  signal: AbortSignal;
  /** The context object the state saw. */
  context: Record<string, unknown>;
  /** Resets the heartbeat timer (SendTaskHeartbeat). */
  heartbeat(): void;
  /**
   * Records that the task was handed to the service that finishes it (the request carrying a
   * task token answered, a `.sync` job started): the TaskSubmitted event, with that answer.
   * An activity's worker claiming it is its ActivityStarted event, with `{ workerName }`.
   */
  submitted?(response: unknown): void;
}

export interface TaskRunner {
  /** Resolves with the task result, or throws a TaskFailure. */
  run(request: TaskRequest): Promise<unknown>;
  /**
   * Why a Task naming `resource` with this effective input fails before it is scheduled (an
   * activity that does not exist, parameters its integration refuses): the state fails with
   * States.Runtime and this cause, and nothing is scheduled. Undefined when it can be scheduled.
   */
  unschedulable?(resource: string, input: unknown): string | undefined;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface ExecutionResult {
  /** How the execution ended. */
  status: TerminalExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

/** A Map Run's counts of its items or of its child executions, as DescribeMapRun answers them. */
export interface MapRunCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
  readonly resultsWritten: number;
}

/** A distributed Map's Map Run, reported when it starts and when it ends. */
export interface MapRunReport {
  readonly mapRunArn: string;
  readonly executionArn: string;
  /** The Map Run's own state machine: `<machine ARN>/<label>`. */
  readonly stateMachineArn: string;
  /** Epoch ms. */
  readonly startDate: number;
  readonly stopDate?: number;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly maxConcurrency: number;
  readonly toleratedFailureCount: number;
  readonly toleratedFailurePercentage: number;
  readonly itemCounts: MapRunCounts;
  readonly executionCounts: MapRunCounts;
}

export interface ExecutionOptions {
  machine: Machine;
  /** The execution input as sent (JSON text); `{}` when absent. */
  input?: string;
  name: string;
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  /** The version it runs and the alias it was started with, if any: its ExecutionStarted event names them. */
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  roleArn?: string;
  /** Epoch ms; defaults to the clock's now. */
  startTime?: number;
  redriveCount?: number;
  /**
   * The context object's `Execution` names no `RedriveCount`: AWS's StartSyncExecution gives
   * its executions none (an Express execution StartExecution starts has `RedriveCount: 0`).
   */
  noRedriveCount?: boolean;
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
  /** Hears each distributed Map's Map Run as it starts and ends (ListMapRuns, DescribeMapRun). */
  onMapRun?: (run: MapRunReport) => void;
  signal?: AbortSignal;
  /**
   * A fork (contracts/fork.ts): the execution begins at this top-level state with this input
   * and these variables, as its parent had them; the states before it do not run.
   */
  fork?: ForkStartOptions;
  /**
   * TestState's `context`: the Context object each state sees, as given (AWS's answers show only
   * the fields given: `$$` of `{}` is `{}`).
   */
  context?: Record<string, unknown>;
  /**
   * TestState's inspection: each JSONPath state's value after its InputPath and after its
   * ResultSelector, as it is computed (nothing is recorded in the history).
   */
  inspect?: (state: string, step: InspectedStep, value: unknown) => void;
  /**
   * A run of TestState, whose Context object is TestState's as AWS answers it: no
   * `Execution.RedriveCount` (nothing it runs can be redriven), `State.Name` always
   * `StateName`, and `Execution.RoleArn` null when the request names no role.
   */
  testState?: boolean;
}

/** The steps of a JSONPath state's data flow that TestState's inspection shows. */
export type InspectedStep = 'afterInputPath' | 'afterParameters' | 'afterResultSelector';

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

/** Where a forked execution begins. */
export interface ForkStartOptions {
  readonly startAt: string;
  readonly input: unknown;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Workflow variables: a branch or iteration reads its parents, writes only its own. */
export class Variables {
  readonly values = new Map<string, unknown>();
  constructor(readonly parent?: Variables) {}
  /** Top-level variables holding `values` (a fork's, from its parent). */
  static of(values: Readonly<Record<string, unknown>> = {}): Variables {
    const variables = new Variables();
    for (const [name, value] of Object.entries(values)) variables.values.set(name, value);
    return variables;
  }
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

export interface Frame {
  vars: Variables;
  /** Inside a distributed Map: the iterations are child executions with their own history. */
  silent?: boolean;
  map?: { Index: number; Value: unknown };
  /** The id of the last event on this thread of the history (previousEventId of the next). */
  last: number;
  signal: AbortSignal;
  /** The state this thread is in, while it is one whose abort the history records: see abort-events.ts. */
  current?: OpenState;
}

/** A Task, Parallel, Map or Wait state entered and not exited, and the branches or iterations it runs. */
export interface OpenState {
  readonly type: string;
  threads: Thread[];
}

/** A branch of a Parallel state or an iteration of a Map state. */
export interface Thread {
  readonly frame: Frame;
  /** A Map iteration's index and the Map state's name (its events' details). */
  readonly iteration?: { readonly index: number; readonly name: string };
  /** Its end is recorded (a Map iteration's MapIterationSucceeded, Failed or Aborted) or it needs none. */
  ended?: boolean;
}

/** A state already entered before a restart, with what the history recorded inside it. */
export interface ResumedState {
  enteredId: number;
  enteredTime: number;
  events: HistoryEvent[];
  /** The state's exit is already recorded: work out the transition only. */
  exited?: boolean;
}

export interface Outcome {
  output: unknown;
  next?: string;
  /** The output as recorded in StateExited: the next state's StateEntered input, not serialized twice. */
  outputText?: string;
}

/**
 * What a program's run ends with: its last state's output, and that output's text as its exit
 * recorded it (the execution's end writes that text, not a second JSON.stringify of the output).
 */
export interface ProgramResult {
  output: unknown;
  text?: string;
}

/** One entry into a state: what it was given and what it has worked out so far. */
export interface StateRun {
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
