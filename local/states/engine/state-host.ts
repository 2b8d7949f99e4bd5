/**
 * What a state type's module (flow-states, task-state, parallel-state, map-state) may ask of
 * the execution running it: the data flow around a state, history events, child frames for
 * branches and iterations, and the execution's clock and signal. The interpreter's
 * `Execution` implements it; the state modules depend on this interface, not on the
 * interpreter, so the interpreter can import them without an import circle.
 */
import type { Clock } from '../../time/clock.js';
import type { Assigner, DynamicNumber, Program } from './definition.js';
import type { ExecutionOptions, Frame, ProgramResult, ResumedState, Sleep, StateRun } from './execution-types.js';
import type { Scope } from './intrinsics.js';
import type { JsonataScope } from './jsonata.js';

export interface StateHost {
  readonly options: ExecutionOptions;
  readonly clock: Clock;
  readonly sleepFn: Sleep;
  readonly timerFn: Sleep;
  readonly region: string;
  /** Fires when the execution stops, times out or finishes. */
  readonly signal: AbortSignal;
  /** Appends a history event; returns its id. */
  emit(frame: { last: number } | undefined, type: string, detailsKey?: string, details?: Record<string, unknown>): number;
  /** Commits the history written so far. */
  flush(): Promise<void>;
  /** Runs a branch or an iteration's states from `startAt`. */
  runProgram(
    program: Program,
    input: unknown,
    frame: Frame,
    startAt?: string,
    rawInput?: string,
    resumed?: ResumedState,
  ): Promise<ProgramResult>;
  scope(input: unknown, context: unknown, frame: Frame): Scope;
  jsonataScope(frame: Frame, states: Record<string, unknown>): JsonataScope;
  effectiveInput(run: StateRun): unknown;
  effectiveInputCached(run: StateRun): unknown;
  /** The context object (`$$`) of a state run. */
  ctx(run: StateRun): Record<string, unknown>;
  /** The `$states` variable of a JSONata state. */
  statesVar(run: StateRun, extra?: Record<string, unknown>): Record<string, unknown>;
  evalAssign(
    assign: Assigner | undefined,
    run: StateRun,
    dollar: unknown,
    states: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined>;
  /** A state's result through ResultSelector, ResultPath/Output, Assign and OutputPath. */
  finish(run: StateRun, result: unknown, effectiveInput: unknown, hasResultSelector?: boolean): Promise<unknown>;
  outputPath(run: StateRun, value: unknown): unknown;
  dynamicNumber(run: StateRun, field: DynamicNumber | undefined, name: string, kind: 'integer' | 'float'): Promise<number | undefined>;
  childFrame(frame: Frame, signal: AbortSignal, map?: Frame['map'], silent?: boolean): Frame;
}
