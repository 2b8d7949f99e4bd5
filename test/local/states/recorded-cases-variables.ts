import { templateCase } from './recorded-executions.js';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded variable tests on Python functions, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/assign/test_assign_base.py, test_assign_reference_variables.py
 * and states_variables/test_error_output.py make them: Assign in a Choice and a Catch, variables
 * from and into a function's Task, and `$states.errorOutput` of a caught function error.
 */

const RAISE = 'errorhandling/lambdafunctions/raise_exception.py';
const ID_FUNCTION = 'services/lambdafunctions/id_function.py';
const RETURN_BYTES_STR = 'services/lambdafunctions/return_bytes_str.py';
/** The account the runtime answers for, which the test passes in its input (its `account_id` fixture). */
const ACCOUNT_ID = '000000000000';

/** test_error_output.py's templates by pytest's ids: the id in lower case, a function that raises, `{"inputData": "dummy"}` (a Map's items). */
const errorOutput = (id: string, input: unknown = { inputData: 'dummy' }): Replay =>
  templateCase(`statevariables/statemachines/${id.toLowerCase()}.json`, { code: RAISE, input: () => input, prefix: 'fn-exception-' });

const byId = (test: string, ids: readonly string[], input?: unknown) =>
  Object.fromEntries(ids.map((id) => [`${test}[${id}]`, errorOutput(id, input)]));

export const VARIABLE_CASES: Record<string, Replay> = {
  // The test takes the function fixture and creates none.
  ...Object.fromEntries(
    [
      ['CONDITION_TRUE', true],
      ['CONDITION_FALSE', false],
    ].map(([id, condition]) => [
      `test_assign_in_choice[${id}]`,
      templateCase('assign/statemachines/choice_condition_jsonata.json', {
        code: ID_FUNCTION,
        input: () => ({ condition }),
        prefix: 'unused-',
      }),
    ]),
  ),
  test_assign_in_catch_state: templateCase('assign/statemachines/base_assign_in_catch.json', {
    code: RAISE,
    input: ({ arn }) => ({ input_value: arn }),
    prefix: 'fn-timeout-',
  }),
  ...Object.fromEntries(
    ['BASE_ASSIGN_FROM_LAMBDA_TASK_RESULT', 'BASE_REFERENCE_IN_LAMBDA_TASK_FIELDS'].map((id) => [
      `test_variables_in_lambda_task[${id}]`,
      templateCase(`assign/statemachines/${id.toLowerCase()}.json`, {
        code: RETURN_BYTES_STR,
        input: ({ arn }) => ({ FunctionName: arn, AccountID: ACCOUNT_ID }),
        prefix: 'fn-ref-var-',
      }),
    ]),
  ),
  ...byId('test_task_catch_error_output', ['TASK_CATCH_ERROR_OUTPUT', 'TASK_CATCH_ERROR_OUTPUT_TO_JSONPATH']),
  ...byId('test_catch_error_variable_sampling', ['TASK_CATCH_ERROR_VARIABLE_SAMPLING', 'TASK_CATCH_ERROR_VARIABLE_SAMPLING_TO_JSONPATH']),
  ...byId('test_task_catch_error_with_retry', ['TASK_CATCH_ERROR_OUTPUT_WITH_RETRY', 'TASK_CATCH_ERROR_OUTPUT_WITH_RETRY_TO_JSONPATH']),
  ...byId('test_map_catch_error', ['MAP_CATCH_ERROR_OUTPUT', 'MAP_CATCH_ERROR_OUTPUT_WITH_RETRY', 'MAP_CATCH_ERROR_VARIABLE_SAMPLING'], {
    items: [1, 2, 3],
  }),
};
