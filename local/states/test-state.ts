import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import { assertExecutionInputJson } from './api-input.js';
import { parseDefinition } from './definition-compiler.js';
import { invalidDefinition, NOT_AN_OBJECT } from './engine/errors.js';
import type { InspectedStep } from './engine/execution-types.js';
import {
  type ExecutionResult,
  type HistoryEvent,
  type Machine,
  type Sleep,
  startExecution,
  TaskFailure,
  type TaskRunner,
} from './engine/index.js';
import { matches } from './engine/retry-policy.js';
import { required } from './names.js';
import { contextObject } from './test-state-context.js';
import type { TestStateInput } from './test-state-input.js';
import { GivenJson } from './test-state-json.js';
import { MockedMapItems, mapSettings } from './test-state-map.js';
import { assertTestRequest, withMapFailures } from './test-state-mock.js';

export type { TestStateInput } from './test-state-input.js';

export interface TestStateDependencies {
  readonly runner: TaskRunner;
  /** The botocore model whose output a Task's result is, by its resource's service (TaskIntegrations.outputModel). */
  outputModel(service: string, sdk: boolean): string | undefined;
  readonly clock: Clock;
  readonly timer?: Sleep;
  readonly region: string;
  readonly accountId: string;
  compile(definition: unknown): Machine;
}

type Status = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

const FAILURE_EVENTS = /^(Task|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed)$/;

/**
 * TestState: runs one state once, as AWS does, and reports its output, the state it
 * would go to next, and whether it failed, would be retried or was caught. The state
 * runs in a one-state machine whose transitions end in Succeed states named after where
 * they lead, so the engine's own Choice, Catch and data flow decide.
 */
export async function testState(request: TestStateInput, deps: TestStateDependencies) {
  const definition = parseTestDefinition(required(request.definition, 'definition'));
  const { state, name, queryLanguage } = stateToTest(definition, request);
  const inputText = request.input ?? '{}';
  assertExecutionInputJson(inputText);
  assertTestRequest(request, state, deps.outputModel);
  const context = request.context === undefined ? undefined : contextObject(request.context, state);
  // The state as given is checked as a definition (a Parallel without branches is refused) before a mock stands in for it.
  deps.compile(testMachine(state, name, queryLanguage, request).machineDefinition);
  const variables = request.variables === undefined ? {} : parseObject(request.variables, 'variables');
  const items = state.Type === 'Map' ? new MockedMapItems(state, queryLanguage !== 'JSONata', variables) : undefined;
  const run = await runState(request, { state, name, queryLanguage, inputText, context, items }, deps);
  const inspected = request.inspectionLevel === 'DEBUG' || request.inspectionLevel === 'TRACE';
  const { mock, stateConfiguration: configuration } = request;
  const given = new GivenJson([inputText, request.context, request.variables, mock?.result, configuration?.mapItemReaderData]);

  // Items that are not an array fail the Map before anything else it does (States.Runtime: no Retry or Catch takes it).
  if (items?.failure) {
    const { error = '', cause } = items.failure;
    const data = {
      input: inputText,
      ...(run.steps.afterInputPath !== undefined ? { afterInputPath: given.as(run.steps.afterInputPath) } : {}),
    };
    return { status: 'FAILED', error, ...(cause !== undefined ? { cause } : {}), ...(inspected ? { inspectionData: data } : {}) };
  }
  const { events, tested, retry, targets } = run;
  const entered = events.findIndex((e) => e.type === `${String(tested.Type)}StateEntered` && detailsOf(e).name === name);
  const after = events.slice(entered + 1);
  const exited = after.find((e) => e.type === `${String(tested.Type)}StateExited` && detailsOf(e).name === name);
  const nextEvent = after.find((e) => /StateEntered$/.test(e.type) && targets.has(String(detailsOf(e).name)));
  const synthetic = nextEvent ? String(detailsOf(nextEvent).name) : undefined;
  const retryCount = request.stateConfiguration?.retrierRetryCount ?? 0;
  const outcome = outcomeOf(run.result, after, exited, synthetic, retry, state.Type === 'Task', retryCount);
  const { status, output, error, cause, errorDetails } = outcome;

  const response: Record<string, unknown> = { status };
  if (output !== undefined) response.output = given.as(output);
  if (error !== undefined) response.error = error;
  if (cause !== undefined) response.cause = cause;
  if (status !== 'FAILED' && status !== 'RETRIABLE' && synthetic) response.nextState = targets.get(synthetic);
  if (inspected) {
    const tests = { ...state, QueryLanguage: queryLanguage };
    const data = await inspection(inputText, after, exited, run.steps, tests, variables, items?.items);
    for (const [step, value] of Object.entries(data)) if (typeof value === 'string' && step !== 'input') data[step] = given.as(value);
    response.inspectionData = { ...data, ...(errorDetails ? { errorDetails } : {}) };
  }
  return response;
}

/** What testState knows of the state before it runs it. */
interface TestedState {
  readonly state: Record<string, unknown>;
  readonly name: string;
  readonly queryLanguage: unknown;
  readonly inputText: string;
  readonly context: Record<string, unknown> | undefined;
  readonly items: MockedMapItems | undefined;
}

/** Runs the state in its test machine (a mocked Map or Parallel as a task the mock answers): its run's result, events and steps. */
async function runState(request: TestStateInput, tested: TestedState, deps: TestStateDependencies) {
  const { state, name, queryLanguage, inputText, context, items } = tested;
  const runnable = state.Type === 'Map' || state.Type === 'Parallel' ? mockedWhole(state) : state;
  const test = testMachine(runnable, name, queryLanguage, request);
  const machine = deps.compile(test.machineDefinition);
  // An express-style ARN: nothing the test runs is recorded for a restart. Each test runs in a
  // machine of its own name, as AWS's context objects show.
  const id = randomUUID();
  const machineName = `TestState-${randomUUID()}`;
  const steps: Steps = {};
  const handle = startExecution({
    definition: machine,
    input: inputText,
    name: id,
    executionArn: `arn:aws:states:${deps.region}:${deps.accountId}:express:${machineName}:${id}:${id}`,
    stateMachineArn: `arn:aws:states:${deps.region}:${deps.accountId}:stateMachine:${machineName}`,
    stateMachineName: machineName,
    roleArn: request.roleArn,
    testState: true,
    taskRunner: taskRunnerFor(withMapFailures(request, state), deps, items),
    clock: deps.clock,
    sleep: async () => {},
    timer: deps.timer,
    ...(context !== undefined ? { context } : {}),
    inspect: (stateName, step, value) => {
      if (stateName === name) steps[step] = JSON.stringify(value);
    },
  });
  const result = await handle.result;
  return { result, events: handle.events, steps, ...test };
}

function parseTestDefinition(text: string): Record<string, unknown> {
  const definition = parseDefinition(text);
  if (!isObject(definition)) throw new AwsError('InvalidDefinition', invalidDefinition(NOT_AN_OBJECT).message);
  return definition;
}

/** The state the request tests: one of a whole machine's (by stateName), or the definition itself. */
function stateToTest(
  definition: Record<string, unknown>,
  request: TestStateInput,
): { state: Record<string, unknown>; name: string; queryLanguage: unknown } {
  let state: Record<string, unknown>;
  let name: string;
  let queryLanguage = definition.QueryLanguage;
  if (isObject(definition.States)) {
    name = required(request.stateName, 'stateName');
    const found = findState(definition, name);
    if (!isObject(found)) throw validationError('State not found in definition');
    state = found;
  } else {
    if (request.stateName !== undefined) throw validationError('stateName can only be given with a whole state machine definition');
    state = definition;
    // AWS's name for a state given alone: its definition errors are located at /States/StateName.
    name = 'StateName';
    queryLanguage = undefined;
  }
  queryLanguage = state.QueryLanguage ?? queryLanguage;
  return { state, name, queryLanguage };
}

/**
 * A state of the machine by name: one of its States, or one inside a Map's ItemProcessor
 * (Iterator) or a Parallel's Branches, as AWS's sample tests a Map's item state by its name
 * (aws-samples/sample-stepfunctions-testing-with-testStateAPI, tests/unit_test.py).
 */
function findState(machine: Record<string, unknown>, name: string): unknown {
  if (!isObject(machine.States)) return undefined;
  if (isObject(machine.States[name])) return machine.States[name];
  for (const state of Object.values(machine.States)) {
    if (!isObject(state)) continue;
    const inner = [state.ItemProcessor, state.Iterator, ...(Array.isArray(state.Branches) ? state.Branches : [])];
    for (const nested of inner) {
      const found = isObject(nested) ? findState(nested, name) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The one-state machine the test runs: the state without its Retry, its transitions led
 * to synthetic Succeed states (`targets` maps each back to where it leads), and the
 * request's variables assigned by a Pass state first.
 */
function testMachine(state: Record<string, unknown>, name: string, queryLanguage: unknown, request: TestStateInput) {
  // Each transition leads to a Succeed state named after it: the one entered tells which was taken.
  const targets = new Map<string, string>();
  const lead = (next: unknown, label: string) => {
    const synthetic = `__test_state_${label}`;
    targets.set(synthetic, String(next));
    return synthetic;
  };
  const { Retry: retry, ...tested } = structuredClone(state);
  if (typeof tested.Next === 'string') tested.Next = lead(tested.Next, 'next');
  else if (tested.Type !== 'Choice' && tested.Type !== 'Succeed' && tested.Type !== 'Fail') tested.End = true;
  if (Array.isArray(tested.Choices))
    tested.Choices = tested.Choices.map((c, i) => (isObject(c) ? { ...c, Next: lead(c.Next, `choice_${i}`) } : c));
  if (tested.Default !== undefined) tested.Default = lead(tested.Default, 'default');
  if (Array.isArray(tested.Catch))
    tested.Catch = tested.Catch.map((c, i) => (isObject(c) ? { ...c, Next: lead(c.Next, `catch_${i}`) } : c));

  const states: Record<string, unknown> = { [name]: tested };
  for (const synthetic of targets.keys()) states[synthetic] = { Type: 'Succeed' };
  let startAt = name;
  if (request.variables !== undefined) {
    const variables = parseObject(request.variables, 'variables');
    // A Pass state that assigns them first: the engine takes no variables from outside.
    states.__test_state_variables = { Type: 'Pass', Assign: variables, Next: name };
    startAt = '__test_state_variables';
  }
  const machineDefinition: Record<string, unknown> = { StartAt: startAt, States: states };
  if (queryLanguage !== undefined) machineDefinition.QueryLanguage = queryLanguage;
  return { tested, retry, targets, machineDefinition };
}

/** The fields of a Map or Parallel state that work on its result (kept when the mock stands in for the whole state). */
const RESULT_FIELDS = [
  'Comment',
  'QueryLanguage',
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Output',
  'Assign',
  'Retry',
  'Catch',
  'Next',
  'End',
];

/**
 * A Map or Parallel state whose result is the mock: a Task that the mock answers, with the
 * state's own input and result processing, Retry, Catch and transition. Its iterations or
 * branches do not run.
 */
function mockedWhole(state: Record<string, unknown>): Record<string, unknown> {
  const task: Record<string, unknown> = { Type: 'Task', Resource: MOCKED_RESOURCE };
  for (const field of RESULT_FIELDS) if (state[field] !== undefined) task[field] = state[field];
  return task;
}

/** What the mocked Map or Parallel runs as: any resource the compiler takes, since the mock answers it. */
const MOCKED_RESOURCE = 'arn:aws:states:::aws-sdk:sts:getCallerIdentity';

function taskRunnerFor(mock: TestStateInput['mock'], deps: TestStateDependencies, items: MockedMapItems | undefined): TaskRunner {
  return mock
    ? {
        run: async (request) => {
          items?.select(request);
          if (mock.errorOutput) throw new TaskFailure(mock.errorOutput.error ?? '', mock.errorOutput.cause);
          return JSON.parse(mock.result ?? 'null') as unknown;
        },
      }
    : deps.runner;
}

/** The tested state's status, output and error, from the run's result and the events after the state was entered. */
function outcomeOf(
  result: ExecutionResult,
  after: HistoryEvent[],
  exited: HistoryEvent | undefined,
  synthetic: string | undefined,
  retry: unknown,
  isTask: boolean,
  retryCount: number,
): { status: Status; output?: string; error?: string; cause?: string; errorDetails?: Record<string, number> } {
  const failure = after.find((e) => FAILURE_EVENTS.test(e.type));
  let error = failure ? (detailsOf(failure).error as string | undefined) : undefined;
  let cause = failure ? (detailsOf(failure).cause as string | undefined) : undefined;
  let output = exited ? (detailsOf(exited).output as string | undefined) : result.output;
  let status: Status = 'SUCCEEDED';
  if (result.status !== 'SUCCEEDED') {
    status = 'FAILED';
    error = result.error;
    cause = result.cause;
    output = undefined;
  } else if (synthetic?.startsWith('__test_state_catch_')) {
    status = 'CAUGHT_ERROR';
    if (error === undefined && output !== undefined) {
      const caught = JSON.parse(output) as { Error?: string; Cause?: string };
      error = caught.Error;
      cause = caught.Cause;
    }
  }
  const retrier = status !== 'SUCCEEDED' && error !== undefined ? retrierFor(retry, error, isTask) : undefined;
  if (retrier !== undefined && retryCount < (retrier.MaxAttempts ?? 3)) {
    return {
      status: 'RETRIABLE',
      error,
      cause,
      errorDetails: { retryIndex: retrier.index, retryBackoffIntervalSeconds: backoff(retrier, retryCount) },
    };
  }
  const catchIndex = synthetic?.startsWith('__test_state_catch_') ? Number(synthetic.slice('__test_state_catch_'.length)) : undefined;
  // A retrier with no attempt left still names itself (recorded: `{ retryIndex: 0 }` once retrierRetryCount reaches MaxAttempts).
  const errorDetails = {
    ...(retrier !== undefined ? { retryIndex: retrier.index } : {}),
    ...(status === 'CAUGHT_ERROR' && catchIndex !== undefined ? { catchIndex } : {}),
  };
  return { status, output, error, cause, ...(Object.keys(errorDetails).length > 0 ? { errorDetails } : {}) };
}

interface Retrier {
  readonly index: number;
  readonly MaxAttempts?: number;
  readonly IntervalSeconds?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
}

/**
 * The retrier that applies to the error: the first whose ErrorEquals matches it, as in an
 * execution (a later one is never tried, even when the first allows no attempt).
 */
function retrierFor(retry: unknown, error: string, isTask: boolean): Retrier | undefined {
  if (!Array.isArray(retry)) return undefined;
  // The engine's own matching (`States.ALL`, the reserved errors, `States.TaskFailed`), so a
  // TestState answer and an execution never disagree on which retrier an error meets.
  const index = retry.findIndex(
    (r) => isObject(r) && Array.isArray(r.ErrorEquals) && matches(r.ErrorEquals as string[], error, isTask ? 'Task' : 'Pass'),
  );
  return index < 0 ? undefined : { ...(retry[index] as Omit<Retrier, 'index'>), index };
}

/** The wait before retry number `retryCount + 1`: IntervalSeconds x BackoffRate^retryCount, at most MaxDelaySeconds (no jitter). */
function backoff(retrier: Retrier, retryCount: number): number {
  const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retryCount;
  return Math.round(retrier.MaxDelaySeconds === undefined ? seconds : Math.min(seconds, retrier.MaxDelaySeconds));
}

/** The tested state's values after each data-flow step (JSONPath only: AWS leaves them out in JSONata). */
type Steps = Partial<Record<InspectedStep, string>>;

/** The state types with a ResultPath, whose inspection shows afterResultPath. */
const RESULT_PATH_TYPES = new Set(['Pass', 'Task', 'Map', 'Parallel']);

/**
 * DEBUG and TRACE's inspection data, in AWS's order: input, afterInputPath, afterItemsPath (a JSONPath Map), afterParameters
 * (afterArguments in JSONata), result, afterResultSelector, afterResultPath, variables. A mocked Map or Parallel state
 * shows no afterParameters and no result (the mock stands for the whole state); a Parallel
 * no afterInputPath either, as AWS answers them (AWS News Blog, scenarios 3 and 4); a Map
 * its maxConcurrency (0 when unset) and tolerated failures, their expressions evaluated. As
 * recorded against AWS (LocalStack's test_test_state_scenarios): a Pass with a Result shows
 * that Result and not the input it ignores (no afterInputPath, no afterParameters); a Fail
 * (which has no InputPath) its input as afterInputPath; only a state with a ResultPath
 * shows afterResultPath.
 */
async function inspection(
  input: string,
  events: HistoryEvent[],
  exited: HistoryEvent | undefined,
  steps: Steps,
  state: Record<string, unknown>,
  given: Record<string, unknown>,
  items: string | undefined,
): Promise<Record<string, unknown>> {
  const whole = state.Type === 'Map' || state.Type === 'Parallel';
  const jsonPath = state.QueryLanguage !== 'JSONata';
  const passResult = state.Type === 'Pass' && 'Result' in state && jsonPath;
  const data: Record<string, unknown> = { input };
  const afterInputPath = state.Type === 'Fail' && jsonPath ? input : steps.afterInputPath;
  if (afterInputPath !== undefined && state.Type !== 'Parallel' && !passResult) data.afterInputPath = afterInputPath;
  if (items !== undefined) data.afterItemsPath = items;
  if (steps.afterParameters !== undefined) data.afterParameters = steps.afterParameters;
  const scheduled = events.find((e) => e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled');
  if (scheduled && !whole) {
    const d = detailsOf(scheduled);
    // What the state sends: after its Parameters (JSONPath) or its Arguments (JSONata).
    data[jsonPath ? 'afterParameters' : 'afterArguments'] = (d.parameters ?? d.input) as string;
  }
  const succeeded = events.find((e) => e.type === 'TaskSucceeded' || e.type === 'LambdaFunctionSucceeded');
  if (succeeded && !whole) data.result = detailsOf(succeeded).output;
  if (passResult) data.result = JSON.stringify(state.Result);
  if (steps.afterResultSelector !== undefined) data.afterResultSelector = steps.afterResultSelector;
  let assigned: Record<string, unknown> = {};
  if (exited) {
    const d = detailsOf(exited);
    // JSONata has no ResultPath (as recorded against AWS: a JSONata Map's answer shows none).
    if (jsonPath && RESULT_PATH_TYPES.has(String(state.Type))) data.afterResultPath = d.output;
    if (isObject(d.assignedVariables))
      assigned = Object.fromEntries(Object.entries(d.assignedVariables).map(([k, v]) => [k, JSON.parse(String(v))]));
  }
  // The variables after the state: those the request set up, with what the state assigned.
  const after = { ...given, ...assigned };
  if (Object.keys(after).length > 0) data.variables = JSON.stringify(after);
  if (state.Type === 'Map') Object.assign(data, await mapSettings(state, JSON.parse(input) as unknown, given));
  return data;
}

function parseObject(text: string, field: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (isObject(value)) return value;
  } catch {
    // reported below
  }
  throw validationError(`The value of '${field}' must be a JSON object`);
}

function detailsOf(event: HistoryEvent): Record<string, unknown> {
  const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
  return ((key ? event[key] : undefined) as Record<string, unknown> | undefined) ?? {};
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
