import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { Workflow, type WorkflowProps } from '../../../lib/constructs/workflow.js';
import { testStack } from '../../helpers/synth.js';

/** Any handler: the steps' functions are not bundled here. */
const STEP_ENTRY = path.join(import.meta.dirname, '..', '..', '..', 'lambdas', 'routing', 'handler.ts');
const logicalId = (fn: lambda.IFunction) => Stack.of(fn).getLogicalId(fn.node.defaultChild as lambda.CfnFunction);

function workflow(props: Partial<WorkflowProps> & { withStore?: boolean } = {}) {
  const { stack, bus } = testStack();
  const { withStore = true, ...rest } = props;
  new Workflow(stack, 'Flow', {
    eventBus: bus,
    definition: sfn.Pass.jsonata(stack, 'Hello'),
    idempotencyStore: withStore ? new IdempotencyStore(stack, 'Store') : undefined,
    trigger: { description: 'test', eventPattern: { detailType: ['TicketCreated'] } },
    ...rest,
  });
  return Template.fromStack(stack);
}

describe('Workflow', () => {
  it('logs all events and traces with X-Ray, without execution data by default', () => {
    workflow().hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('starts STANDARD executions from its queue with StartExecution and forwards status changes to the bus', () => {
    const template = workflow();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WORKFLOW_TYPE: 'STANDARD', STATE_MACHINE_ARN: { Ref: Match.anyValue() } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution' })]) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: Match.stringLikeRegexp('^FlowStateMachine') }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('runs EXPRESS executions synchronously from its queue and adds no status-change rule (AWS sends none)', () => {
    const template = workflow({ stateMachineType: sfn.StateMachineType.EXPRESS, timeout: Duration.minutes(2) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      // The execution's 120 s plus the starter's own 3 s.
      Timeout: 123,
      Environment: { Variables: Match.objectLike({ WORKFLOW_TYPE: 'EXPRESS' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartSyncExecution' })]) },
    });
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.map((r) => r.Properties.EventPattern.source)).not.toContainEqual(['aws.states']);
  });

  it('passes the cdk-nag checks with steps that invoke functions, acknowledging each invoked function’s :* grant and no other', () => {
    const { stack, bus } = testStack();
    const fn = (id: string) => new SwitchyardFunction(stack, id, { entry: STEP_ENTRY, description: `the ${id} step` });
    const [check, reserve, other] = [fn('Check'), fn('Reserve'), fn('Other')];
    // One step at the top, one inside a Parallel's branch: CDK grants each function's ARN and <ARN>:*.
    const definition = tasks.LambdaInvoke.jsonata(stack, 'CheckStep', { lambdaFunction: check }).next(
      new sfn.Parallel(stack, 'Both').branch(tasks.LambdaInvoke.jsonata(stack, 'ReserveStep', { lambdaFunction: reserve })),
    );
    const flow = new Workflow(stack, 'Flow', { eventBus: bus, definition });
    other.grantInvoke(fn('Caller'));
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))).toEqual([
      // Another function's grant of Other (any version of it) is not the workflow's to acknowledge.
      `AwsSolutions-IAM5[Resource::<${logicalId(other)}.Arn>:*] Test/CallerRole/DefaultPolicy/Resource`,
    ]);
    const acknowledged = flow.stateMachine.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.keys(entry.data as object));
    expect(acknowledged.filter((id) => id.includes('.Arn>:*'))).toEqual([
      `Annotation::AwsSolutions-IAM5[Resource::<${logicalId(check)}.Arn>:*]`,
      `Annotation::AwsSolutions-IAM5[Resource::<${logicalId(reserve)}.Arn>:*]`,
    ]);
  });

  it('fails if a trigger has no idempotency store', () => {
    expect(() => workflow({ withStore: false })).toThrow('Test/Flow: idempotencyStore is required when trigger is set');
  });

  it('fails if an EXPRESS timeout exceeds five minutes', () => {
    expect(() => workflow({ stateMachineType: sfn.StateMachineType.EXPRESS, timeout: Duration.minutes(6) })).toThrow(
      'Test/Flow: timeout must be from 1 to 300 seconds (got 360 seconds)',
    );
  });

  it('fails if a trigger names no contracts and its pattern lists no detail-type', () => {
    expect(() => workflow({ trigger: { description: 'test', eventPattern: { source: ['shop'] } } })).toThrow(
      'Test/Flow: trigger.contracts is required when trigger.eventPattern lists no detail-type (got null)',
    );
  });
});
