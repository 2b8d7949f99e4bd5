import { type InspectionLevel, TestStateCommand, type TestStateCommandInput } from '@aws-sdk/client-sfn';
import { functionCode, lambdaFunction, template } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded TestState scenarios, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_state/test_test_state_scenarios.py makes them: one
 * state of `templates/test_state/statemachines/` (or a state of a machine, `stateName`) run at
 * each inspection level, some with a mocked result or error, two on Python functions.
 */

const LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const satisfies readonly InspectionLevel[];

const HELLO_WORLD_INPUT = { Value: 'HelloWorld' };
const NESTED_DICT_INPUT = {
  initialData: { fieldFromInput: 'value from input', otherField: 'other' },
  unrelatedData: { someOtherField: 1234 },
};

/** The templates of the inspection level tests and the input each runs on (BASE_TEMPLATE_INPUT_BINDINGS). */
const BASE_TEMPLATES: Record<string, unknown> = {
  BASE_PASS_STATE: HELLO_WORLD_INPUT,
  BASE_RESULT_PASS_STATE: HELLO_WORLD_INPUT,
  IO_PASS_STATE: NESTED_DICT_INPUT,
  IO_RESULT_PASS_STATE: NESTED_DICT_INPUT,
  BASE_FAIL_STATE: HELLO_WORLD_INPUT,
  BASE_SUCCEED_STATE: HELLO_WORLD_INPUT,
  BASE_CHOICE_STATE: { type: 'Private', value: 22 },
};

const state = (name: string) => template(`test_state/statemachines/${name.toLowerCase()}.json`);

/** The test's `test_state` call: its answer as botocore reported it. */
const testState = (
  context: ReplayContext,
  input: Omit<TestStateCommandInput, 'definition' | 'input'> & { definition: unknown; input: unknown },
) => context.call(new TestStateCommand({ ...input, definition: JSON.stringify(input.definition), input: JSON.stringify(input.input) }));

const inspectionLevelCase =
  (name: string, inspectionLevel: InspectionLevel): Replay =>
  async (context) => ({
    test_case_response: await testState(context, {
      definition: state(name),
      roleArn: context.roleArn,
      input: BASE_TEMPLATES[name],
      inspectionLevel,
    }),
  });

const lambdaTaskCase =
  (inspectionLevel: InspectionLevel): Replay =>
  async (context) => {
    const { arn } = await lambdaFunction(context, functionCode('services/lambdafunctions/return_bytes_str.py'), '<lambda_function_name>', {
      prefix: 'lambda_func_',
    });
    return {
      test_case_response: await testState(context, {
        definition: { ...state('BASE_LAMBDA_TASK_STATE'), Resource: arn },
        roleArn: context.roleArn,
        input: { inputData: 'HelloWorld' },
        inspectionLevel,
      }),
    };
  };

const lambdaServiceTaskCase =
  (inspectionLevel: InspectionLevel): Replay =>
  async (context) => {
    const { name } = await lambdaFunction(context, functionCode('services/lambdafunctions/id_function.py'), '<lambda_function_name>', {
      prefix: 'lambda_func_',
    });
    return {
      test_case_response: await testState(context, {
        definition: state('BASE_LAMBDA_SERVICE_TASK_STATE'),
        roleArn: context.roleArn,
        input: { FunctionName: name, Payload: null },
        inspectionLevel,
      }),
    };
  };

const MAP_EXPRESSIONS: Record<string, string> = {
  MAX_CONCURRENCY: 'MaxConcurrency',
  TOLERATED_FAILURE_PERCENTAGE: 'ToleratedFailurePercentage',
  TOLERATED_FAILURE_COUNT: 'ToleratedFailureCount',
};

const mapCase =
  (id: string, inspectionLevel: InspectionLevel): Replay =>
  async (context) => ({
    test_case_response: await testState(context, {
      definition: { ...state('BASE_MAP_STATE'), [MAP_EXPRESSIONS[id] as string]: '{% $variable := 1 %}' },
      roleArn: context.roleArn,
      input: { Values: [1, 2, 3] },
      inspectionLevel,
      mock: { result: JSON.stringify([1, 1, 1]) },
    }),
  });

const catchCase =
  (inspectionLevel: InspectionLevel): Replay =>
  async (context) => {
    const definition = state('BASE_TASK_STATE_CATCH');
    const caught = (error: string, cause: string) =>
      testState(context, {
        definition,
        roleArn: context.roleArn,
        input: HELLO_WORLD_INPUT,
        inspectionLevel,
        mock: { errorOutput: { error, cause } },
      });
    return {
      test_catch_mock_exception_response: await caught('MockException', 'Mock the cause of the error.'),
      catch_task_failed_response: await caught('States.TaskFailed', 'The task failed.'),
    };
  };

const blogpostScenario: Replay = async (context) => {
  const definition = template('test_state/statemachines/localstack_blogpost_scenario_state_machine.json');
  const ask = (definition.States['Ask for Approval'] as { Arguments: Record<string, unknown> }).Arguments;
  ask.ApiEndpoint = 'example.execute-api.us-east-1.amazonaws.com';
  const run = (stateName: string, input: unknown, mock?: TestStateCommandInput['mock']) =>
    testState(context, { definition, input, stateName, inspectionLevel: 'TRACE', ...(mock ? { mock } : {}) });
  return {
    small_purchase_approval_required_response: await run('Approval Required', { cost: 9 }),
    large_purchase_approval_required_response: await run('Approval Required', { cost: 10 }),
    large_purchase_ask_for_approval_response: await run('Ask for Approval', { cost: 10 }, { result: '{"approval": true }' }),
    check_approval_granted_response: await run('Check Approval', { approval: true, approval_code: '2387462', approved_by: 'Mary' }),
    check_approval_denied_response: await run('Check Approval', { approval: false }),
  };
};

const variablesCase =
  (machine: string, variables: Record<string, unknown>): Replay =>
  async (context) => ({
    test_case_response: await context.call(
      new TestStateCommand({
        definition: JSON.stringify(template(`outputdecl/statemachines/${machine}.json`)),
        stateName: 'State0',
        input: JSON.stringify({ input_values: [1, 2, 3] }),
        variables: JSON.stringify(variables),
        inspectionLevel: 'TRACE',
      }),
    ),
  });

const noRoleArn: Replay = async (context) => {
  const name = context.name('lambda_func_');
  context.replace(name, '<lambda_function_name>');
  return {
    validation_exception: await context.call(
      new TestStateCommand({
        definition: JSON.stringify(state('BASE_LAMBDA_SERVICE_TASK_STATE')),
        input: JSON.stringify({ FunctionName: name, Payload: null }),
        inspectionLevel: 'TRACE',
      }),
    ),
  };
};

const byLevel = (test: string, replay: (level: InspectionLevel) => Replay) =>
  LEVELS.map((level) => [`${test}[${level}]`, replay(level)] as const);

export const TEST_STATE_CASES: Record<string, Replay> = Object.fromEntries([
  ...LEVELS.flatMap((level) =>
    Object.keys(BASE_TEMPLATES).map(
      (name) => [`test_base_inspection_level_${level.toLowerCase()}[${name}]`, inspectionLevelCase(name, level)] as const,
    ),
  ),
  ...byLevel('test_base_lambda_task_state', lambdaTaskCase),
  ...byLevel('test_base_lambda_service_task_state', lambdaServiceTaskCase),
  ['test_base_lambda_service_task_state_no_role_arn_validation', noRoleArn],
  ...Object.keys(MAP_EXPRESSIONS).flatMap((id) => [
    ...LEVELS.map((level) => [`test_base_map_state_inspect[${id}-${level}]`, mapCase(id, level)] as const),
    // The recording of the test before it was parametrized by level, which ran it at TRACE.
    [`test_base_map_state_inspect_trace[${id}]`, mapCase(id, 'TRACE')] as const,
  ]),
  ...byLevel('test_state_task_catch_error', catchCase),
  ['test_localstack_blogpost_scenario', blogpostScenario],
  ['test_state_with_variables[base_expressions]', variablesCase('base_expr', { var_input_value: 'test_value', var_constant_1: 10 })],
  ['test_state_with_variables[empty_variables]', variablesCase('base_literals', {})],
]);
