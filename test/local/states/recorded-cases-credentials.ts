import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import {
  BASE_PASS_RESULT,
  createMachine,
  type Definition,
  functionCode,
  lambdaFunction,
  recordExecution,
  startExecution,
  stateOf,
  template,
} from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded cross-account Task states, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/credentials/test_credentials_base.py makes them: a Task
 * whose `Credentials` name a role of another account (`templates/credentials/statemachines/`)
 * starting a machine of that account (`states:startExecution.sync`) or invoking a Python function
 * of it. The local runtime serves one account, so both sides are made in it; the recordings
 * show every account ID by a placeholder, and the role's ARN by `<trusted_role_arn>`.
 */

const machine = (name: string) => template(`credentials/statemachines/${name.toLowerCase()}.json`);

/** The role the test makes in the trusting account (create_cross_account_admin_role_and_policy). */
function trustedRole(context: ReplayContext): string {
  const arn = `arn:aws:iam::000000000000:role/${context.name('role-')}`;
  context.replace(arn, '<trusted_role_arn>');
  return arn;
}

const startSyncExecution =
  (templateName: string): Replay =>
  async (context) => {
    const roleArn = trustedRole(context);
    // Named as create_state_machine_with_iam_role names it: the length shows in the answer's Content-Length.
    const target = await createMachine(context, BASE_PASS_RESULT, { name: context.name('statemachine_create_and_record_execution_') });
    const { stateMachineArn } = await createMachine(context, machine(templateName), { index: 1 });
    const input = {
      StateMachineArn: target.stateMachineArn,
      Input: JSON.stringify('InputFromTrustedAccount'),
      Name: 'TestTaskTargetWithCredentials',
      CredentialsRoleArn: roleArn,
    };
    const { executionArn } = await startExecution(context, stateMachineArn, JSON.stringify(input), 1);
    await context.ended(executionArn);
    return { get_execution_history: await context.call(new GetExecutionHistoryCommand({ executionArn })) };
  };

/** A function invoked with the trusted role's credentials, by its ARN in the template's `LambdaTask` or by name in the input. */
const lambdaCase =
  (templateName: string, code: string, byArn: boolean): Replay =>
  async (context) => {
    const roleArn = trustedRole(context);
    const { name, arn } = await lambdaFunction(context, functionCode(code), '<lambda_function_name>', { prefix: 'lambda_func_' });
    const definition: Definition = machine(templateName);
    if (byArn) stateOf(definition, 'LambdaTask').Resource = arn;
    const input = {
      ...(byArn ? {} : { FunctionName: name }),
      Payload: JSON.stringify('PayloadFromTrustedAccount'),
      CredentialsRoleArn: roleArn,
    };
    return { get_execution_history: await recordExecution(context, definition, JSON.stringify(input)) };
  };

const ID_FUNCTION = 'services/lambdafunctions/id_function.py';

export const CREDENTIALS_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    ['JSONATA', 'PATH', 'PATH_CONTEXT', 'VARIABLE', 'INTRINSIC'].map((id) => [
      `test_cross_account_states_start_sync_execution[SFN_START_EXECUTION_SYNC_ROLE_ARN_${id}]`,
      startSyncExecution(`SFN_START_EXECUTION_SYNC_ROLE_ARN_${id}`),
    ]),
  ),
  test_cross_account_lambda_task: lambdaCase('LAMBDA_TASK', ID_FUNCTION, true),
  test_cross_account_service_lambda_invoke: lambdaCase('SERVICE_LAMBDA_INVOKE', ID_FUNCTION, false),
  test_cross_account_service_lambda_invoke_retry: lambdaCase(
    'SERVICE_LAMBDA_INVOKE_RETRY',
    'errorhandling/lambdafunctions/raise_exception.py',
    false,
  ),
};
