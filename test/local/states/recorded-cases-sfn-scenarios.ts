import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import type { Replay } from './recorded-replay.js';

/**
 * v2/scenarios/test_sfn_scenarios.py's TestFundamental: a serverlessland sample's CloudFormation
 * template (templates/scenarios/<template>.json) deployed as an app of its own, its machine
 * described, then run once per run of the test (`_record_execution`), each run's answers under
 * its name. `app` names the deployed app; the values of `hidden` keys are the recording's placeholders.
 */
export const deployedScenario =
  (template: string, runs: Record<string, unknown>, { app = 'Scenario', hidden = [] as string[] } = {}): Replay =>
  async (context) => {
    const path = new URL(`../../conformance/aws-recorded/stepfunctions/templates/scenarios/${template}.json`, import.meta.url);
    const cdkOut = writeAssembly(tempAssemblyDir(), { [app]: { template: JSON.parse(readFileSync(path, 'utf8')) } });
    const deployed = await context.deploy({ cdkOut });
    try {
      const cloudFormation = new CloudFormationClient({ endpoint: deployed.context.endpoint, region, credentials, maxAttempts: 1 });
      const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({}));
      cloudFormation.destroy();
      const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue as string]));
      const { StateMachineArn: stateMachineArn = '', StateMachineName: name = '', RoleName: role = '' } = outputs;
      context.replace(role, '<role-name>');
      context.replace(name, '<state-machine-name>');
      for (const key of hidden) context.replaceValuesOf(key);
      const answers: Record<string, unknown> = {
        describe_statemachine: await deployed.context.call(new DescribeStateMachineCommand({ stateMachineArn })),
      };
      for (const [run, input] of Object.entries(runs)) {
        const started = await deployed.context.call(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
        const executionArn = String(started.executionArn);
        context.replace(executionArn.split(':').at(-1) as string, `<execution-id-${run}>`);
        await deployed.context.ended(executionArn);
        answers[`${run}__start_execution_result`] = started;
        answers[`${run}__describe_ex_done`] = await deployed.context.call(new DescribeExecutionCommand({ executionArn }));
        answers[`${run}__execution_history`] = await deployed.context.call(new GetExecutionHistoryCommand({ executionArn }));
      }
      return answers;
    } finally {
      await deployed.stop();
    }
  };

export const SFN_SCENARIO_CASES: Record<string, Replay> = {
  // serverlessland's "path-based-on-data": a Choice of three paths on the input's type and value.
  test_path_based_on_data: deployedScenario('path-based-on-data', {
    first_path: { type: 'Public', value: 3 },
    second_path: { type: 'Private', value: 25 },
    default_path: { type: 'Private', value: 3 },
  }),
  // serverlessland's "wait-for-callback": sqs:sendMessage.waitForTaskToken to a queue a Python
  // function reads through an event source mapping, answering SendTaskSuccess or SendTaskFailure.
  test_wait_for_callback: deployedScenario(
    'wait-for-callback',
    { success: { shouldfail: 'no' }, failure: { shouldfail: 'yes' } },
    { hidden: ['QueueUrl', 'TaskToken', 'MD5OfMessageBody', 'Date'] },
  ),
};
