import { type Definition, stateOf, templateCase } from './recorded-executions.js';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded JSONata tests on a Python function (`services/lambdafunctions/id_function.py`),
 * replayed as LocalStack's tests/aws/services/stepfunctions/v2/evaluate_jsonata/test_base_evaluate_expressions.py
 * and query_language/test_mixed_query_language.py make them: a Task's or a Map's field as a
 * JSONata expression, and data flowing between JSONPath and JSONata states through a function.
 */

const ID_FUNCTION = 'services/lambdafunctions/id_function.py';

/** A function returning its event and a template of these tests, run once with `input`. */
const jsonataCase = (
  machine: string,
  { change, input = {}, prefix = 'fn-eval-' }: { change?: (d: Definition) => void; input?: unknown; prefix?: string } = {},
): Replay => templateCase(machine, { code: ID_FUNCTION, change, input: () => input, prefix });

const setStart = (field: string, value: unknown) => (definition: Definition) => {
  stateOf(definition, 'Start')[field] = value;
};

const NUMBER_EXPRESSION = '{% $variable := 1 %}';
const INPUT_EXPRESSION = '{% $states.input.input_value %}';
const BASE_TASK = 'evaluatejsonata/statemachines/base_task.json';
const BASE_MAP = 'evaluatejsonata/statemachines/base_map.json';

/** test_base_map_from_input's fields and input values, by pytest's ids. */
const MAP_FIELDS: Record<string, [string, unknown]> = {
  ITEMS: ['Items', [1, 2, 3]],
  MAX_CONCURRENCY: ['MaxConcurrency', 1],
  TOLERATED_FAILURE_PERCENTAGE: ['ToleratedFailurePercentage', 100],
  TOLERATED_FAILURE_COUNT: ['ToleratedFailureCount', 1],
};

/** test_lambda_task_resource_data_flow's templates, by pytest's ids. */
const DATA_FLOW: Record<string, string> = {
  TASK_LAMBDA_LEGACY_RESOURCE_JSONATA_TO_JSONPATH: 'task_lambda_legacy_resource_from_jsonata_to_jsonpath',
  TASK_LAMBDA_SDK_RESOURCE_JSONATA_TO_JSONPATH: 'task_lambda_sdk_resource_from_jsonata_to_jsonpath',
  TASK_LAMBDA_LEGACY_RESOURCE_JSONPATH_TO_JSONATA: 'task_lambda_legacy_resource_from_jsonpath_to_jsonata',
  TASK_LAMBDA_SDK_RESOURCE_JSONPATH_TO_JSONATA: 'task_lambda_sdk_resource_from_jsonpath_to_jsonata',
};

export const JSONATA_CASES: Record<string, Replay> = {
  'test_base_task[TIMEOUT_SECONDS]': jsonataCase(BASE_TASK, { change: setStart('TimeoutSeconds', NUMBER_EXPRESSION) }),
  'test_base_task[HEARTBEAT_SECONDS]': jsonataCase(BASE_TASK, { change: setStart('HeartbeatSeconds', NUMBER_EXPRESSION) }),
  'test_base_task_from_input[HEARTBEAT_SECONDS]': jsonataCase(BASE_TASK, {
    change: setStart('HeartbeatSeconds', INPUT_EXPRESSION),
    input: { input_value: 1 },
  }),
  ...Object.fromEntries(
    Object.entries(MAP_FIELDS).map(([id, [field, value]]) => [
      `test_base_map_from_input[${id}]`,
      jsonataCase(BASE_MAP, { change: setStart(field, INPUT_EXPRESSION), input: { input_value: value } }),
    ]),
  ),
  // The test names the function in its input.
  test_task_dataflow_to_state: templateCase('querylanguage/statemachines/jsonpath_to_jsonata_dataflow.json', {
    code: ID_FUNCTION,
    input: ({ arn }) => ({ functionName: arn }),
    prefix: 'fn-data-flow-',
  }),
  ...Object.fromEntries(
    Object.entries(DATA_FLOW).map(([id, machine]) => [
      `test_lambda_task_resource_data_flow[${id}]`,
      jsonataCase(`querylanguage/statemachines/${machine}.json`, { prefix: 'fn-data-flow-' }),
    ]),
  ),
};
