import { type Definition, functionCode, lambdaFunction, recordExecution, stateOf, template } from './recorded-executions.js';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded base scenarios on Python functions, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.py makes them: Retry and
 * Catch around a function that raises (`errorhandling/lambdafunctions/raise_exception.py`) or
 * returns its event (`services/lambdafunctions/id_function.py`), and distributed Maps invoking one.
 */

const RAISE = 'errorhandling/lambdafunctions/raise_exception.py';
const ID_FUNCTION = 'services/lambdafunctions/id_function.py';

const machine = (name: string) => template(`scenarios/statemachines/${name}.json`);

interface ScenarioCase {
  readonly code: string;
  readonly machine: string;
  /** The state whose Resource the test sets to the function's ARN. */
  readonly state?: string;
  /** The text in the template the test replaces (`_tbd_`), by the function's ARN or (`byName`) its name. */
  readonly placeholderText?: string;
  readonly byName?: boolean;
  /** The execution's input; `FunctionName` is the function's name where `named`. */
  readonly input?: Record<string, unknown>;
  readonly named?: boolean;
  readonly prefix?: string;
  readonly placeholder?: string;
  readonly mapRunArn?: boolean;
}

/** A machine with the function in it as the test puts it there. */
function definitionFor(spec: ScenarioCase, name: string, arn: string): Definition {
  if (spec.placeholderText !== undefined) {
    const text = JSON.stringify(machine(spec.machine))
      .split(spec.placeholderText)
      .join(spec.byName ? name : arn);
    return JSON.parse(text) as Definition;
  }
  const definition = machine(spec.machine);
  if (spec.state !== undefined) stateOf(definition, spec.state).Resource = arn;
  return definition;
}

const scenario =
  (spec: ScenarioCase): Replay =>
  async (context) => {
    const { prefix = 'lambda_func_', placeholder = '<lambda_function_name>', input = {}, named = false } = spec;
    const { name, arn } = await lambdaFunction(context, functionCode(spec.code), placeholder, { prefix });
    // The distributed Map test replaces every mapRunArn (a JsonpathTransformer), which differ run to run.
    if (spec.mapRunArn) context.replace(/arn:[^"\s]*:mapRun:[^"\s]*/g, 'map_run_arn');
    const execution = JSON.stringify(named ? { FunctionName: name, ...input } : input);
    return { get_execution_history: await recordExecution(context, definitionFor(spec, name, arn), execution) };
  };

const RETRY_INPUT = { Value1: 'HelloWorld!', Value2: null };
const FIRST = { prefix: 'lambda_1_func_', placeholder: '<lambda_function_1_name>' };

const CASES: Record<string, ScenarioCase> = {
  test_catch_states_runtime: { code: ID_FUNCTION, machine: 'catch_states_runtime', state: 'RaiseRuntime' },
  test_catch_empty: { code: ID_FUNCTION, machine: 'catch_empty', state: 'StartTask' },
  test_lambda_empty_retry: { code: RAISE, machine: 'lambda_empty_retry', state: 'LambdaTask' },
  test_lambda_invoke_with_retry_base: {
    code: RAISE,
    machine: 'lambda_invoke_with_retry_base',
    state: 'InvokeLambdaWithRetry',
    input: RETRY_INPUT,
    ...FIRST,
  },
  test_lambda_invoke_with_retry_extended_input: {
    code: RAISE,
    machine: 'lambda_invoke_with_retry_extended_input',
    state: 'InvokeLambdaWithRetry',
    input: RETRY_INPUT,
    ...FIRST,
  },
  test_lambda_service_invoke_with_retry_extended_input: {
    code: RAISE,
    machine: 'lambda_service_invoke_with_retry_extended_input',
    input: RETRY_INPUT,
    named: true,
    ...FIRST,
  },
  test_retry_interval_features: { code: RAISE, machine: 'retry_interval_features', state: 'LambdaTask' },
  test_retry_interval_features_jitter_none: { code: RAISE, machine: 'retry_interval_features_jitter_none', state: 'LambdaTask' },
  test_retry_interval_features_max_attempts_zero: {
    code: RAISE,
    machine: 'retry_interval_features_max_attempts_zero',
    named: true,
    placeholder: 'lambda_function_name',
  },
  test_map_state_config_distributed_reentrant_lambda: {
    code: ID_FUNCTION,
    machine: 'map_state_config_distributed_reentrant_lambda',
    placeholderText: '_tbd_',
    mapRunArn: true,
    prefix: 'sfn_lambda_',
    placeholder: 'lambda_function_name',
  },
  test_map_state_nested_config_distributed_no_max_max_concurrency: {
    code: ID_FUNCTION,
    machine: 'map_state_nested_config_distributed_no_max_concurrency',
    placeholderText: '__tbd__',
    byName: true,
  },
};

export const SCENARIO_CASES: Record<string, Replay> = Object.fromEntries(
  Object.entries(CASES).map(([test, spec]) => [test, scenario(spec)]),
);
