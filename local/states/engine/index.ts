/**
 * The Amazon States Language interpreter: parse a definition once, run executions of it,
 * resume an execution from its persisted history after a restart. No AWS API here; the
 * service layer supplies a TaskRunner and stores the history events it is handed.
 */
import { executionEndStatus, type TerminalExecutionStatus } from '../../../clients/execution-statuses.js';
import type { Machine, State } from './definition.js';
import { compileDefinition } from './definition.js';
import { parseDefinition, parseDefinitionJson } from './definition-text.js';
import { Errors } from './errors.js';
import { type ExecutionOptions, type ExecutionResult, type ResumedState, Variables } from './execution-types.js';
import { detailsOf, type HistoryEvent } from './history-events.js';
import { Execution } from './interpreter.js';

export type { Machine } from './definition.js';
export { InvalidDefinition, StatesError, TaskFailure } from './errors.js';
export type { ExecutionResult, MapRunCounts, MapRunReport, Sleep, TaskRequest, TaskRunner } from './execution-types.js';
export { realSleep } from './execution-types.js';
export type { HistoryEvent, HistorySink } from './history-events.js';
export { retryDelay } from './retry-policy.js';
export { executionOfTaskKey, parseTaskToken } from './task-tokens.js';
export { compileDefinition, parseDefinition, parseDefinitionJson };

export interface StartExecutionOptions extends Omit<ExecutionOptions, 'machine'> {
  /** A parsed machine, or the definition text (parsed here, once). */
  definition: Machine | string;
}

export interface ExecutionHandle {
  readonly executionArn: string;
  readonly result: Promise<ExecutionResult>;
  /** Every event so far (the sink also receives each one as it happens). */
  readonly events: readonly HistoryEvent[];
  /** StopExecution: the execution ends ABORTED with this error and cause. */
  stop(error?: string, cause?: string): void;
}

const machineOf = (d: Machine | string) => (typeof d === 'string' ? parseDefinition(d) : d);

export function startExecution(options: StartExecutionOptions): ExecutionHandle {
  const execution = new Execution({ ...options, machine: machineOf(options.definition) });
  return handle(execution, execution.run());
}

function handle(execution: Execution, result: Promise<ExecutionResult>): ExecutionHandle {
  return {
    executionArn: execution.options.executionArn,
    result,
    get events() {
      return execution.events;
    },
    stop: (error, cause) => execution.stop(error, cause),
  };
}

/**
 * Continues an execution from the history persisted before a restart. Completed states
 * are not run again (a Task whose TaskSucceeded is recorded is never re-invoked); the
 * state that was running when the process died continues without a second
 * `StateEntered` (a Map or Parallel state reruns its iterations).
 */
export function resumeExecution(history: readonly HistoryEvent[], options: Omit<StartExecutionOptions, 'input'>): ExecutionHandle {
  const machine = machineOf(options.definition);
  const events = [...history].sort((a, b) => a.id - b.id);
  const started = events.find((e) => e.type === 'ExecutionStarted');
  if (!started) throw new Error('The history has no ExecutionStarted event');
  const startedDetails = detailsOf(started);
  const input = (startedDetails.input as string | undefined) ?? '{}';
  const execution = new Execution({ ...options, machine, input, startTime: options.startTime ?? started.timestamp });
  execution.adoptHistory(events);

  const terminal = events.find((e) => executionEndStatus(e.type) !== undefined);
  const status = executionEndStatus(terminal?.type);
  if (terminal && status) return handle(execution, Promise.resolve(resultOf(terminal, status)));

  const fork = options.fork;
  const replay = replayTopLevel(events, machine, Variables.of(fork?.variables));
  // Nothing after ExecutionStarted yet: the first state's entry follows no event, as in run().
  const last = events[events.length - 1];
  const frame = { vars: replay.variables, last: last === started ? 0 : (last?.id ?? 0), signal: execution.signal };
  let result: Promise<ExecutionResult>;
  if (replay.open) {
    result = execution.drive(frame, replay.open.name, replay.open.input, undefined, replay.open.resumed);
  } else if (replay.completed) {
    const { state, input, output, stateEvents } = replay.completed;
    if (state.type === 'Choice') {
      // Choice rules are pure: evaluate again without recording a second exit.
      result = execution.drive(frame, state.name, input, undefined, {
        enteredId: replay.completed.enteredId,
        enteredTime: replay.completed.enteredTime,
        events: stateEvents,
        exited: true,
      });
    } else {
      const next = nextAfter(state, stateEvents);
      result = execution.drive(frame, next, output);
    }
  } else if (fork) {
    result = execution.drive(frame, fork.startAt, fork.input);
  } else {
    result = execution.drive(frame, machine.startAt, JSON.parse(input), input);
  }
  return handle(execution, result);
}

function resultOf(e: HistoryEvent, status: TerminalExecutionStatus): ExecutionResult {
  const d = detailsOf(e);
  const r: ExecutionResult = { status };
  if (d.output !== undefined) r.output = d.output as string;
  if (d.error !== undefined) r.error = d.error as string;
  if (d.cause !== undefined) r.cause = d.cause as string;
  return r;
}

interface Replay {
  variables: Variables;
  open?: { name: string; input: unknown; resumed: ResumedState };
  completed?: { state: State; input: unknown; output: unknown; enteredId: number; enteredTime: number; stateEvents: HistoryEvent[] };
}

/** Walks the persisted history: top-level states, their outputs and the variables they assigned. */
function replayTopLevel(events: HistoryEvent[], machine: Machine, variables: Variables): Replay {
  const replay: Replay = { variables };
  let open: { state: State; input: unknown; enteredId: number; enteredTime: number; events: HistoryEvent[] } | undefined;
  for (const e of events) {
    if (!open) {
      const m = /^(\w+)StateEntered$/.exec(e.type);
      if (!m) continue;
      const d = detailsOf(e);
      const state = machine.states.get(d.name as string);
      if (!state) throw new Error(`The history names a state the definition lacks: ${String(d.name)}`);
      open = { state, input: JSON.parse(d.input as string), enteredId: e.id, enteredTime: e.timestamp, events: [] };
      replay.completed = undefined;
      continue;
    }
    const d = detailsOf(e);
    if (e.type === `${open.state.type}StateExited` && d.name === open.state.name) {
      const assigned = d.assignedVariables as Record<string, string> | undefined;
      if (assigned) for (const [k, v] of Object.entries(assigned)) variables.values.set(k, JSON.parse(v));
      replay.completed = {
        state: open.state,
        input: open.input,
        output: JSON.parse(d.output as string),
        enteredId: open.enteredId,
        enteredTime: open.enteredTime,
        stateEvents: open.events,
      };
      open = undefined;
      continue;
    }
    open.events.push(e);
  }
  if (open)
    replay.open = {
      name: open.state.name,
      input: open.input,
      resumed: { enteredId: open.enteredId, enteredTime: open.enteredTime, events: open.events },
    };
  return replay;
}

/** The transition taken after a state that exited right before the restart. */
function nextAfter(state: State, stateEvents: HistoryEvent[]): string | undefined {
  if (state.catch.length === 0) return state.next;
  let lastError: string | undefined;
  let failed = false;
  for (const e of stateEvents) {
    if (/Failed$|TimedOut$/.test(e.type)) {
      failed = true;
      const err = detailsOf(e).error;
      if (typeof err === 'string') lastError = err;
    } else if (/Succeeded$/.test(e.type) && !/^MapIteration/.test(e.type)) failed = false;
  }
  if (!failed) return state.next;
  const catcher =
    state.catch.find((c) => lastError !== undefined && c.errorEquals.includes(lastError)) ??
    state.catch.find((c) => c.errorEquals.includes(Errors.ALL)) ??
    state.catch[0];
  return catcher?.next;
}
