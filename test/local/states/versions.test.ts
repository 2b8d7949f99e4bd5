import {
  CreateStateMachineAliasCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, region } from '../helpers.js';
import { stateMachine } from '../template-resources.js';
import { ACCOUNT, createMachine, createStates, errorCode, finished, machineArn, REGION, ROLE, type TestStates } from './helpers.js';

let t: TestStates | undefined;
let runtime: LocalRuntime | undefined;
afterEach(async () => {
  await t?.close();
  await runtime?.stop();
  t = undefined;
  runtime = undefined;
});

const answering = (v: string) => ({ StartAt: 'Answer', States: { Answer: { Type: 'Pass', Result: { v }, End: true } } });

describe('Step Functions versions and aliases', () => {
  it("runs a version's definition, not the machine's current one, and names the version in the execution", async () => {
    t = await createStates();
    const { states } = t;
    const arn = await createMachine(states, 'flow', answering('one'));
    const { stateMachineVersionArn: v1 } = await states.PublishStateMachineVersion({ stateMachineArn: arn });
    await states.UpdateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(answering('two')) });
    const { executionArn } = await states.StartExecution({ stateMachineArn: v1 });
    expect(await finished(states, executionArn)).toMatchObject({ output: '{"v":"one"}', stateMachineArn: arn, stateMachineVersionArn: v1 });
    const { events } = await states.GetExecutionHistory({ executionArn });
    expect(events[0]?.executionStartedEventDetails).toMatchObject({ stateMachineVersionArn: v1 });
    const current = await states.StartExecution({ stateMachineArn: arn });
    expect(await finished(states, current.executionArn)).toMatchObject({ output: '{"v":"two"}', stateMachineVersionArn: undefined });
    // Listing a version's ARN lists only what ran on it.
    expect((await states.ListExecutions({ stateMachineArn: v1 })).executions.map((e) => e.executionArn)).toEqual([executionArn]);
  });

  it("runs an alias's executions on its versions by weight, and names the alias and the version", async () => {
    t = await createStates();
    const { states } = t;
    const arn = await createMachine(states, 'flow', answering('one'), 'STANDARD');
    const { stateMachineVersionArn: v1 } = await states.PublishStateMachineVersion({ stateMachineArn: arn });
    const { stateMachineVersionArn: v2 } = (await states.UpdateStateMachine({
      stateMachineArn: arn,
      definition: JSON.stringify(answering('two')),
      publish: true,
    })) as { stateMachineVersionArn: string };
    const { stateMachineAliasArn } = await states.CreateStateMachineAlias({
      name: 'live',
      routingConfiguration: [
        { stateMachineVersionArn: v1, weight: 0 },
        { stateMachineVersionArn: v2, weight: 100 },
      ],
    });
    for (let run = 0; run < 5; run++) {
      const { executionArn } = await states.StartExecution({ stateMachineArn: stateMachineAliasArn });
      expect(await finished(states, executionArn)).toMatchObject({
        output: '{"v":"two"}',
        stateMachineAliasArn,
        stateMachineVersionArn: v2,
      });
    }
    expect(await errorCode(states.DeleteStateMachineVersion({ stateMachineVersionArn: v2 }))).toBe('ConflictException');
    await states.DeleteStateMachine({ stateMachineArn: arn });
    expect(await errorCode(states.DescribeStateMachineAlias({ stateMachineAliasArn }))).toBe('ResourceNotFound');
    expect(await errorCode(states.DescribeStateMachine({ stateMachineArn: v1 }))).toBe('StateMachineDoesNotExist');
  });

  it('fails if an alias routes to what is not a version of one machine, or its weights do not add up to 100', async () => {
    t = await createStates();
    const { states } = t;
    const arn = await createMachine(states, 'flow', answering('one'));
    const { stateMachineVersionArn: v1 } = await states.PublishStateMachineVersion({ stateMachineArn: arn });
    const create = (routingConfiguration: { stateMachineVersionArn: string; weight: number }[]) =>
      errorCode(states.CreateStateMachineAlias({ name: 'live', routingConfiguration }));
    expect(await create([{ stateMachineVersionArn: arn, weight: 100 }])).toBe('ValidationException');
    expect(await create([{ stateMachineVersionArn: v1, weight: 60 }])).toBe('ValidationException');
    expect(await create([{ stateMachineVersionArn: `${arn}:9`, weight: 100 }])).toBe('ResourceNotFound');
    expect(await create([{ stateMachineVersionArn: `${machineArn('other')}:1`, weight: 100 }])).toBe('ResourceNotFound');
    expect(await states.ListStateMachineAliases({ stateMachineArn: arn })).toEqual({ stateMachineAliases: [], nextToken: undefined });
  });

  it("serves the template's activities, versions and aliases under the ARNs their Ref and Fn::GetAtt give", async () => {
    runtime = await LocalRuntime.start({
      cdkOut: assemblyOf({
        Flow: stateMachine(answering('template'), { StateMachineName: 'flow', RoleArn: ROLE }),
        Review: { Type: 'AWS::StepFunctions::Activity', Properties: { Name: 'review' } },
        Worker: stateMachine(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not a template literal
          { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: '${ActivityArn}', End: true } } },
          { StateMachineName: 'worker', RoleArn: ROLE, DefinitionSubstitutions: { ActivityArn: { Ref: 'Review' } } },
        ),
        FlowVersion: {
          Type: 'AWS::StepFunctions::StateMachineVersion',
          Properties: {
            StateMachineArn: { Ref: 'Flow' },
            StateMachineRevisionId: { 'Fn::GetAtt': ['Flow', 'StateMachineRevisionId'] },
            Description: 'first',
          },
        },
        Live: {
          Type: 'AWS::StepFunctions::StateMachineAlias',
          Properties: { Name: 'live', RoutingConfiguration: [{ StateMachineVersionArn: { Ref: 'FlowVersion' }, Weight: 100 }] },
        },
      }),
      ...disposableData(),
      port: 0,
      log: () => undefined,
    });
    const sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    const flow = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:flow`;
    expect(
      await sfn.send(new DescribeActivityCommand({ activityArn: `arn:aws:states:${REGION}:${ACCOUNT}:activity:review` })),
    ).toMatchObject({
      name: 'review',
    });
    expect(await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${flow}:1` }))).toMatchObject({ description: 'first' });
    expect(await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${flow}:live` }))).toMatchObject({
      routingConfiguration: [{ stateMachineVersionArn: `${flow}:1`, weight: 100 }],
    });
    await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: flow, definition: JSON.stringify(answering('api')) }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${flow}:live` }));
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      expect(described).toMatchObject({
        output: '{"v":"template"}',
        stateMachineVersionArn: `${flow}:1`,
        stateMachineAliasArn: `${flow}:live`,
      });
      break;
    }
    // A second alias over the template's version, through the API.
    await sfn.send(
      new CreateStateMachineAliasCommand({ name: 'canary', routingConfiguration: [{ stateMachineVersionArn: `${flow}:1`, weight: 100 }] }),
    );
    sfn.destroy();
  });
});
