import { type Definition, functionCode, lambdaFunction, recordExecution, stateOf, template } from './recorded-executions.js';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded error handling tests on Lambda functions, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/error_handling/test_task_lambda.py,
 * test_task_service_lambda.py and test_states_errors.py make them: a Python function of the
 * templates (one that raises, one that sleeps past the state's timeout, one whose result is over
 * the 256 KiB limit), a machine that invokes it by its ARN (`Resource`) or through
 * `arn:aws:states:::lambda:invoke`, catching some errors, and one execution naming the function
 * (or one that does not exist) in its input.
 */

const RAISE = 'errorhandling/lambdafunctions/raise_exception.py';
const RAISE_CUSTOM = 'errorhandling/lambdafunctions/raise_custom_exception.py';
const LARGE_OUTPUT = 'errorhandling/lambdafunctions/large_output_string.py';
const WAIT_60_SECONDS = 'timeouts/lambdafunctions/wait_60_seconds.py';

/**
 * Its invocation ends 6 seconds in rather than the fixture's 30 (after the state's timeout, so the
 * history is the same): an invocation still running is work in flight on the replay's clock,
 * which keeps the next replays from skipping their Retry waits.
 */
const SLEEPING = { code: WAIT_60_SECONDS, prefix: 'lambda_1_func_', placeholder: '<lambda_function_1_name>', timeout: 6 };

const machine = (name: string) => template(name.includes('/') ? name : `errorhandling/statemachines/${name}.json`);

interface ErrorCase {
  /** The function's code (a template's path). */
  readonly code: string;
  /** The machine, given the function's ARN. */
  readonly definition: (arn: string) => Definition;
  /** The execution names a function that does not exist (`no_such_<name>`). */
  readonly noSuchFunction?: boolean;
  /** The execution's `Payload` (null unless given). */
  readonly payload?: unknown;
  /** The execution's input, where it is not `{FunctionName, Payload}`. */
  readonly input?: (name: string) => Record<string, unknown>;
  /** How the test names the function, and the recording's placeholder for the name. */
  readonly prefix?: string;
  readonly placeholder?: string;
  /** The function's timeout, where it is not the fixture's 30 seconds. */
  readonly timeout?: number;
}

/** A function, a machine invoking it, and one execution with `{FunctionName, Payload}` for its input. */
const errorCase =
  ({
    code,
    definition,
    noSuchFunction = false,
    payload = null,
    input = (name) => ({ FunctionName: noSuchFunction ? `no_such_${name}` : name, Payload: payload }),
    prefix = 'lambda_func_',
    placeholder = '<lambda_function_name>',
    timeout,
  }: ErrorCase): Replay =>
  async (context) => {
    const { name, arn } = await lambdaFunction(context, functionCode(code), placeholder, { prefix, timeout });
    return { get_execution_history: await recordExecution(context, definition(arn), JSON.stringify(input(name))) };
  };

/** A template whose `state` invokes the function by its ARN, as test_task_lambda.py sets it. */
const byArn =
  (name: string, state: string, change: (definition: Definition) => void = () => undefined) =>
  (arn: string): Definition => {
    const definition = machine(name);
    stateOf(definition, state).Resource = arn;
    change(definition);
    return definition;
  };

/** A template invoking `arn:aws:states:::lambda:invoke`, the function named by the input. */
const service =
  (name: string, change: (definition: Definition) => void = () => undefined) =>
  (): Definition => {
    const definition = machine(name);
    change(definition);
    return definition;
  };

/** The tbd templates leave the Catch's errors to the test, which catches the custom exception. */
const catchCustomException = (definition: Definition) => {
  const [catcher] = stateOf(definition, 'InvokeLambda').Catch as { ErrorEquals: string[] }[];
  catcher?.ErrorEquals.push('CustomException');
};

/** test_task_lambda.py: the function as the Task's Resource. */
const TASK_LAMBDA: Record<string, ErrorCase> = {
  test_raise_exception: { code: RAISE, definition: byArn('task_lambda_invoke_catch_unknown', 'Start') },
  test_raise_custom_exception: {
    code: RAISE_CUSTOM,
    definition: byArn('task_lambda_invoke_catch_tbd', 'InvokeLambda', catchCustomException),
  },
  test_raise_exception_catch: { code: RAISE, definition: byArn('task_lambda_invoke_catch_relevant', 'Start') },
  test_no_such_function: { code: RAISE, definition: byArn('task_lambda_invoke_catch_unknown', 'Start'), noSuchFunction: true },
  test_no_such_function_catch: { code: RAISE, definition: byArn('task_lambda_invoke_catch_relevant', 'Start'), noSuchFunction: true },
};

/** test_task_service_lambda.py: the `lambda:invoke` integration. */
const TASK_SERVICE_LAMBDA: Record<string, ErrorCase> = {
  test_raise_exception: { code: RAISE, definition: service('task_service_lambda_invoke_catch_unknown') },
  test_raise_custom_exception: { code: RAISE_CUSTOM, definition: service('task_service_lambda_invoke_catch_tbd', catchCustomException) },
  test_raise_exception_catch: { code: RAISE, definition: service('task_service_lambda_invoke_catch_relevant') },
  test_no_such_function: { code: RAISE, definition: service('task_service_lambda_invoke_catch_unknown'), noSuchFunction: true },
  test_no_such_function_catch: { code: RAISE, definition: service('task_service_lambda_invoke_catch_relevant'), noSuchFunction: true },
};

/** test_raise_exception_catch_output_path's OutputPath values (None is JSON null), by pytest's ids. */
const OUTPUT_PATHS: Record<string, string | null> = { None: null, '$.Payload': '$.Payload', '$.no.such.path': '$.no.such.path' };

const UNIQUE: Record<string, ErrorCase> = {
  ...Object.fromEntries(
    Object.entries(OUTPUT_PATHS).map(([id, outputPath]) => [
      `test_raise_exception_catch_output_path[${id}]`,
      {
        code: RAISE,
        definition: service('task_service_lambda_invoke_catch_all_output_path', (definition) => {
          stateOf(definition, 'InvokeLambda').OutputPath = outputPath;
        }),
        payload: { payload_input_value_0: 0 },
        prefix: 'function_name_',
        placeholder: 'lambda_function_name',
      },
    ]),
  ),
  test_invoke_timeout: { ...SLEEPING, definition: service('task_service_lambda_invoke_catch_timeout') },
  // test_states_errors.py: a result over the 256 KiB limit.
  test_service_task_lambada_data_limit_exceeded_on_large_utf8_response: {
    code: LARGE_OUTPUT,
    definition: service('task_service_lambda_invoke_catch_data_limit_exceeded'),
  },
  test_service_task_lambada_catch_state_all_data_limit_exceeded_on_large_utf8_response: {
    code: LARGE_OUTPUT,
    definition: service('task_service_lambda_invoke_catch_all'),
  },
  test_task_lambda_data_limit_exceeded_on_large_utf8_response: {
    code: LARGE_OUTPUT,
    definition: byArn('task_service_lambda_invoke_catch_data_limit_exceeded', 'InvokeLambda'),
  },
  test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response: {
    code: LARGE_OUTPUT,
    definition: byArn('task_service_lambda_invoke_catch_all', 'InvokeLambda'),
  },
};

/** timeouts/test_timeouts.py: a function sleeping 60 seconds past the state's TimeoutSeconds (5, or from the input). */
const timeouts = (name: string) => `timeouts/statemachines/${name}.json`;
const TIMEOUTS: Record<string, ErrorCase> = {
  test_fixed_timeout_lambda: {
    ...SLEEPING,
    definition: byArn(timeouts('lambda_wait_with_timeout_seconds'), 'Start'),
    input: () => ({ Payload: null }),
  },
  test_fixed_timeout_service_lambda: {
    ...SLEEPING,
    definition: service(timeouts('service_lambda_wait_with_timeout_seconds')),
    input: (name) => ({ FunctionName: name, Payload: null, TimeoutSecondsValue: 5 }),
  },
  test_fixed_timeout_service_lambda_with_path: {
    ...SLEEPING,
    definition: service(timeouts('service_lambda_wait_with_timeout_seconds_path')),
    input: (name) => ({ TimeoutSecondsValue: 5, FunctionName: name, Payload: null }),
  },
  test_service_lambda_map_timeout: {
    ...SLEEPING,
    definition: service(timeouts('service_lambda_map_function_invoke_with_timeout_seconds')),
    input: (name) => ({ Inputs: Array.from({ length: 4 }, () => ({ FunctionName: name, Payload: null })) }),
  },
};

const replays = (cases: Record<string, ErrorCase>, file = ''): Record<string, Replay> =>
  Object.fromEntries(Object.entries(cases).map(([test, spec]) => [`${file}${test}`, errorCase(spec)]));

export const ERROR_CASES: Record<string, Replay> = {
  ...replays(TASK_LAMBDA, 'test_task_lambda::'),
  ...replays(TASK_SERVICE_LAMBDA, 'test_task_service_lambda::'),
  ...replays(UNIQUE),
  ...replays(TIMEOUTS),
};
