import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { BASE_PASS_RESULT, createMachine, startExecution } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded state machine and execution API tests whose answers are errors, replayed call by
 * call as LocalStack's tests/aws/services/stepfunctions/v2/test_sfn_api.py makes them (those
 * that create no Lambda function); each returns the answers by the recording's keys.
 */

/** A machine and the ARN of another, never created, in the same account (`sm_nonexistent_arn`). */
async function machineAndStranger(context: ReplayContext, placeholder: string) {
  const { stateMachineArn } = await createMachine(context, BASE_PASS_RESULT, { unnamed: true });
  const stranger = stateMachineArn.replace(/[^:]+$/, context.name('statemachine_'));
  context.replace(stranger, placeholder);
  return { stateMachineArn, stranger };
}

/** A finished execution's ARN with its last four characters made `0000` (`invalid_execution_arn`). */
async function missingExecution(context: ReplayContext, recordName: boolean) {
  const { stateMachineArn } = await createMachine(context, BASE_PASS_RESULT, { unnamed: true });
  const { executionArn } = recordName
    ? await startExecution(context, stateMachineArn)
    : ((await context.call(new StartExecutionCommand({ stateMachineArn }))) as { executionArn: string });
  await context.ended(executionArn);
  const missing = `${executionArn.slice(0, -4)}0000`;
  context.replace(missing, 'invalid_execution_arn');
  return missing;
}

/** Creates a machine, then one by the same name with another definition text (test_create_duplicate_*). */
async function duplicate(context: ReplayContext, second: unknown) {
  const created = await createMachine(context, BASE_PASS_RESULT);
  const name = created.stateMachineArn.split(':').at(-1) as string;
  return {
    creation_resp_1: created,
    describe_resp_1: await context.call(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    already_exists_1: await context.call(new CreateStateMachineCommand({ name, definition: second as string, roleArn: context.roleArn })),
  };
}

export const API_CASES: Record<string, Replay> = {
  async test_create_delete_invalid_sm(context) {
    context.replace(context.roleArn, 'snf_role_arn');
    const definition = JSON.stringify({ Comment: 'BASE_INVALID_DER', StartAt: 'State_1' });
    const refused = await context.call(
      new CreateStateMachineCommand({ name: context.name('statemachine_'), definition, roleArn: context.roleArn }),
    );
    return { invalid_definition_1: refused };
  },
  async test_delete_nonexistent_sm(context) {
    const { stranger } = await machineAndStranger(context, 'sm_nonexistent_arn');
    return { deletion_resp_1: await context.call(new DeleteStateMachineCommand({ stateMachineArn: stranger })) };
  },
  async test_describe_nonexistent_sm(context) {
    const { stranger } = await machineAndStranger(context, 'sm_nonexistent_arn');
    const refused = await context.raise(new DescribeStateMachineCommand({ stateMachineArn: stranger }));
    return { describe_nonexistent_sm: refused.exception_value };
  },
  async test_describe_invalid_arn_sm(context) {
    return { exception: await context.raise(new DescribeStateMachineCommand({ stateMachineArn: 'not_a_valid_arn' })) };
  },
  test_create_duplicate_definition_format_sm: (context) => duplicate(context, JSON.stringify(BASE_PASS_RESULT, null, 4)),
  test_create_duplicate_sm_name: (context) =>
    duplicate(
      context,
      JSON.stringify({
        ...BASE_PASS_RESULT,
        States: { State_1: { ...BASE_PASS_RESULT.States.State_1, Result: { Arg1: 'argument1', Arg2: 'Argument2' } } },
      }),
    ),
  async test_list_execution_no_such_state_machine(context) {
    const { stranger } = await machineAndStranger(context, 'ssm_nonexistent_arn');
    return { exception: await context.raise(new ListExecutionsCommand({ stateMachineArn: stranger })) };
  },
  async test_list_execution_invalid_arn(context) {
    return { exception: await context.raise(new ListExecutionsCommand({ stateMachineArn: 'invalid_state_machine_arn' })) };
  },
  async test_invalid_start_execution_arn(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const name = created.stateMachineArn.split(':').at(-1) as string;
    const invalid = created.stateMachineArn.replace(name, `statemachine_invalid_${name}`);
    await context.call(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    return {
      creation_resp: created,
      start_exec_of_deleted: await context.call(new StartExecutionCommand({ stateMachineArn: invalid })),
    };
  },
  async test_invalid_start_execution_input(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const { stateMachineArn } = created;
    const start = (input: string) => context.call(new StartExecutionCommand({ stateMachineArn, input }));
    return {
      creation_resp: created,
      start_exec_str_inp: await start('not some json'),
      start_exec_not_json_inp: await start("{'not': 'json'"),
      start_res_empty: await start(''),
      start_res_num: await startExecution(context, stateMachineArn, '2', 0),
      start_res_str: await startExecution(context, stateMachineArn, '"some text"', 1),
      start_res_null: await startExecution(context, stateMachineArn, 'null', 2),
    };
  },
  async test_describe_execution_no_such_state_machine(context) {
    const missing = await missingExecution(context, true);
    return { exception: await context.raise(new DescribeExecutionCommand({ executionArn: missing })) };
  },
  async test_describe_execution_invalid_arn(context) {
    return { exception: await context.raise(new DescribeExecutionCommand({ executionArn: 'invalid_state_machine_arn' })) };
  },
  async test_get_execution_history_no_such_execution(context) {
    const missing = await missingExecution(context, false);
    return { exception: await context.raise(new GetExecutionHistoryCommand({ executionArn: missing })) };
  },
  async test_get_execution_history_invalid_arn(context) {
    return { exception: await context.raise(new GetExecutionHistoryCommand({ executionArn: 'invalid_state_machine_arn' })) };
  },
};
