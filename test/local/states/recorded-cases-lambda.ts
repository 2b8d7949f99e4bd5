import { DeleteStateMachineCommand } from '@aws-sdk/client-sfn';
import { createMachine, lambdaFunction, recordExecution, template } from './recorded-executions.js';
import type { Replay } from './recorded-replay.js';

/**
 * The recorded Lambda task tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_lambda_task.py and test_sfn_api.py make them:
 * Python functions created through CreateFunction (their code is the tests' own, below), a state
 * machine whose Task states name them, one execution and its history.
 */

/** templates/services/lambdafunctions/id_function.py and lambda_functions/base/id_function.py. */
const ID_FUNCTION = 'def handler(event, context):\n    return event\n';
/** lambda_functions/base/echo_function.py. */
const ECHO_FUNCTION = 'def handler(event, ctx):\n    return {"Return": "HelloWorld"}\n';
/** templates/services/lambdafunctions/return_bytes_str.py. */
const RETURN_BYTES_STR = 'def handler(event, context):\n    return b\'"HelloWorld!"\'\n';

/** The Task states' Resource the templates leave to the test (`__tbd__`). */
const task = (resource: string, rest: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: resource, ...rest });

/** templates/services/statemachines/lambda_invoke_resource.json5. */
const invokeResource = (arn: string) => ({
  Comment: 'LAMBDA_INVOKE_RESOURCE',
  StartAt: 'step1',
  States: { step1: task(arn, { End: true }) },
});

/** templates/services/statemachines/lambda_invoke_pipe.json5. */
const invokePipe = (first: string, second: string) => ({
  Comment: 'LAMBDA_INVOKE_PIPE',
  StartAt: 'step1',
  States: { step1: task(first, { Next: 'step2' }), step2: task(second, { ResultPath: '$.Return', End: true }) },
});

/** templates/services/statemachines/lambda_input_parameters_filter.json5. */
const inputParametersFilter = (arn: string) => ({
  Comment: 'LAMBDA_INPUT_PARAMETERS_FILTER',
  StartAt: 'StartCheckLoop',
  States: {
    StartCheckLoop: { Type: 'Pass', Result: { count: 0 }, ResultPath: '$.loop', Next: 'CheckComplete' },
    CheckComplete: task(arn, { Parameters: { 'loop.$': '$.loop' }, ResultPath: '$.result', End: true }),
  },
});

/** templates/base/statemachines/task_seq_2.json5 (BASE_TASK_SEQ_2). */
const taskSeq2 = (arn: string) => ({
  Comment: 'Hello World example',
  StartAt: 'State_1',
  States: { State_1: task(arn, { Next: 'State_2' }), State_2: task(arn, { ResultPath: '$.result_value', End: true }) },
});

/** One function of `source` behind LAMBDA_INVOKE_RESOURCE, run once with `input`. */
const invokeOnce =
  (source: string, input: string): Replay =>
  async (context) => {
    const { arn } = await lambdaFunction(context, source, '<lambda_function_1_name>');
    return { get_execution_history: await recordExecution(context, invokeResource(arn), input) };
  };

/** test_invoke_json_values's inputs (Python's json.dumps of its parameters), by the ids pytest gave them. */
const JSON_VALUES: Record<string, string> = {
  HelloWorld: '"HelloWorld"',
  '0.0': '0.0',
  '0_0': '0',
  '0_1': '0',
  True: 'true',
  json_value5: '{}',
  json_value6: '[]',
};

/**
 * test_lambda_task_service.py: a function of `source` through `arn:aws:states:::lambda:invoke`
 * (templates/services/statemachines/lambda_invoke.json5, or another `machine`), the input naming
 * it with `Payload` (and `extra`).
 */
const invokeService =
  (source: string, payload: unknown, { machine = 'lambda_invoke', extra = {} }: { machine?: string; extra?: object } = {}): Replay =>
  async (context) => {
    const { name } = await lambdaFunction(context, source, '<lambda_function_name>', { prefix: 'lambda_func_' });
    const input = JSON.stringify({ FunctionName: name, Payload: payload, ...extra });
    return { get_execution_history: await recordExecution(context, template(`services/statemachines/${machine}.json`), input) };
  };

export const LAMBDA_TASK_CASES: Record<string, Replay> = {
  'test_lambda_task::test_invoke_bytes_payload': invokeOnce(RETURN_BYTES_STR, '{}'),
  test_invoke_string_payload: invokeOnce(ID_FUNCTION, '"HelloWorld"'),
  ...Object.fromEntries(
    Object.entries(JSON_VALUES).map(([id, input]) => [`test_lambda_task::test_invoke_json_values[${id}]`, invokeOnce(ID_FUNCTION, input)]),
  ),
  test_invoke: invokeService(ID_FUNCTION, null),
  // The test's Payload is Python's json.dumps of a string.
  'test_lambda_task_service::test_invoke_bytes_payload': invokeService(RETURN_BYTES_STR, JSON.stringify("'{'Hello':'World'}'")),
  test_invoke_unsupported_param: invokeService(ID_FUNCTION, null, { machine: 'lambda_invoke_log_type', extra: { LogType: 'Tail' } }),
  // The Payload is the value's JSON text, as the test's json.dumps wrote it.
  ...Object.fromEntries(
    Object.entries(JSON_VALUES).map(([id, input]) => [
      `test_lambda_task_service::test_invoke_json_values[${id}]`,
      invokeService(ID_FUNCTION, input),
    ]),
  ),
  async test_invoke_pipe(context) {
    const first = await lambdaFunction(context, ECHO_FUNCTION, '<lambda_function_1_name>');
    const second = await lambdaFunction(context, ECHO_FUNCTION, '<lambda_function_2_name>', { prefix: 'lambda_2_func_' });
    return { get_execution_history: await recordExecution(context, invokePipe(first.arn, second.arn), '{}') };
  },
  async test_lambda_task_filter_parameters_input(context) {
    const { arn } = await lambdaFunction(context, ID_FUNCTION, 'lambda_function_name', { prefix: 'lambda_func_' });
    return { get_execution_history: await recordExecution(context, inputParametersFilter(arn), '{}') };
  },
  async test_create_delete_valid_sm(context) {
    // The test names its function `id_function`, which the recording leaves as it is.
    const arn = await context.createFunction('id_function', ID_FUNCTION);
    const created = await createMachine(context, taskSeq2(arn));
    return {
      creation_resp_1: created,
      deletion_resp_1: await context.call(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    };
  },
};
