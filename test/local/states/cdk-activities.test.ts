import {
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  ListStateMachineAliasesCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { synthStack } from '../cdk-stack.js';
import { credentials, disposableData, region } from '../helpers.js';

let runtime: LocalRuntime | undefined;
afterEach(async () => runtime?.stop());

/** What CDK synthesizes for an activity Task, and for a version and an alias of its machine (Cfn constructs: CDK has no L2 for them). */
function synthesized(): string {
  return synthStack('Review', (stack) => {
    const activity = new sfn.Activity(stack, 'Approval');
    const machine = new sfn.StateMachine(stack, 'Flow', {
      definitionBody: sfn.DefinitionBody.fromChainable(new tasks.StepFunctionsInvokeActivity(stack, 'Ask', { activity })),
    });
    const version = new sfn.CfnStateMachineVersion(stack, 'Version', {
      stateMachineArn: machine.stateMachineArn,
      stateMachineRevisionId: machine.stateMachineRevisionId,
    });
    new sfn.CfnStateMachineAlias(stack, 'Live', {
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: version.attrArn, weight: 100 }],
    });
  });
}

describe('Step Functions activities, versions and aliases from a CDK app', () => {
  it('runs an execution started through the alias on the version, its activity task answered by a worker', async () => {
    runtime = await LocalRuntime.start({ cdkOut: synthesized(), ...disposableData(), port: 0, log: () => undefined });
    // Every resource of the app runs: none is named at start-up.
    expect(runtime.warnings.filter((w) => /StepFunctions|activity|Activity/.test(w))).toEqual([]);
    const client = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    try {
      const [machine] = (await client.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
      const [alias] =
        (await client.send(new ListStateMachineAliasesCommand({ stateMachineArn: machine?.stateMachineArn }))).stateMachineAliases ?? [];
      const [activity] = (await client.send(new ListActivitiesCommand({}))).activities ?? [];
      expect(alias?.stateMachineAliasArn).toBe(`${machine?.stateMachineArn}:live`);
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: alias?.stateMachineAliasArn, input: '{"doc":1}' }),
      );
      const task = await client.send(new GetActivityTaskCommand({ activityArn: activity?.activityArn, workerName: 'reviewer' }));
      expect(task.input).toBe('{"doc":1}');
      await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"approved":true}' }));
      for (;;) {
        const described = await client.send(new DescribeExecutionCommand({ executionArn }));
        if (described.status === 'RUNNING') {
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        expect(described).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"approved":true}',
          stateMachineVersionArn: `${machine?.stateMachineArn}:1`,
          stateMachineAliasArn: alias?.stateMachineAliasArn,
        });
        break;
      }
    } finally {
      client.destroy();
    }
  });
});
