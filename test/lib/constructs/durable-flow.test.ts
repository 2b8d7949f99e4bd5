import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { DurableFlow, type DurableFlowProps } from '../../../lib/constructs/durable-flow.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardMonitoring } from '../../../lib/constructs/monitoring.js';
import { testStack } from '../../helpers/synth.js';

const ENTRY = path.join(import.meta.dirname, '../../../lambdas/orders/durable-saga-handler.ts');

type Options = Partial<DurableFlowProps> & { withStore?: boolean; monitored?: boolean; configure?: (flow: DurableFlow) => void };

function durableFlow(props: Options = {}) {
  const { stack, bus } = testStack();
  const { withStore = true, monitored = false, configure, ...rest } = props;
  const flow = new DurableFlow(stack, 'Flow', {
    eventBus: bus,
    handler: { entry: ENTRY, description: 'A durable flow' },
    idempotencyStore: withStore ? new IdempotencyStore(stack, 'Store') : undefined,
    trigger: { description: 'test', eventPattern: { detailType: ['OrderPlaced'] } },
    ...rest,
  });
  configure?.(flow);
  if (monitored) new SwitchyardMonitoring(stack, 'Monitoring');
  return { flow, stack, template: Template.fromStack(stack) };
}

/** The statements of every IAM policy in the template that grant `action`. */
function statementsGranting(template: Template, action: string) {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).filter((s) =>
      ([] as string[]).concat(s.Action).includes(action),
    ),
  );
}

describe('DurableFlow', () => {
  it('makes a durable function with its execution timeout and retention', () => {
    const { template } = durableFlow({ executionTimeout: Duration.hours(2), retention: Duration.days(30) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'A durable flow',
      DurableConfig: { ExecutionTimeout: 7200, RetentionPeriodInDays: 30 },
    });
  });

  it('defaults to a year of execution and the 14 days of history Lambda keeps', () => {
    durableFlow().template.hasResourceProperties('AWS::Lambda::Function', {
      DurableConfig: { ExecutionTimeout: 31_536_000, RetentionPeriodInDays: 14 },
    });
  });

  it('publishes a version under an alias, and the starter invokes the alias: a qualified ARN', () => {
    const { template } = durableFlow();
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', FunctionVersion: Match.anyValue() });
    template.resourceCountIs('AWS::Lambda::Version', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DURABLE_FUNCTION_ARN: { Ref: Match.stringLikeRegexp('^FlowAlias') } }) },
    });
    const invokes = statementsGranting(template, 'lambda:InvokeFunction');
    expect(invokes).toHaveLength(1);
    expect(JSON.stringify(invokes[0]?.Resource)).toMatch(/FlowAlias/);
    expect(JSON.stringify(invokes[0]?.Resource)).not.toMatch(/FlowFunction[0-9A-F]{8}"/);
  });

  it('starts executions from an EventBridge rule through a queue and the starter, which claims each event', () => {
    const { template } = durableFlow();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['OrderPlaced'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FlowStarterQueue'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^FlowStarterHandler') },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE_NAME: Match.anyValue(), DURABLE_FUNCTION_ARN: Match.anyValue() }) },
    });
  });

  it('grants the function checkpoints on its own versions only, in a policy the function does not wait for', () => {
    const { template } = durableFlow();
    const checkpoints = statementsGranting(template, 'lambda:CheckpointDurableExecution');
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]?.Action).toEqual([
      'lambda:CheckpointDurableExecution',
      'lambda:GetDurableExecutionState',
      'lambda:GetDurableExecutionHistory',
    ]);
    expect(checkpoints[0]?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FlowFunction/), 'Arn'] }, ':*']],
    });
    // Not the role's default policy: the function depends on that one, and this one names the function.
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: 'A durable flow' } }))[0];
    const policies = template.findResources('AWS::IAM::Policy');
    const checkpointPolicy = Object.entries(policies).find(([, p]) => JSON.stringify(p).includes('CheckpointDurableExecution'))?.[0];
    expect(fn?.DependsOn ?? []).not.toContain(checkpointPolicy);
    // No managed policy grants checkpoints on every function in the account.
    expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicDurableExecutionRolePolicy');
  });

  it("forks by default: the function says so in its environment and may read its own executions' histories, nothing more", () => {
    const { template } = durableFlow();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'A durable flow',
      Environment: { Variables: Match.objectLike({ [ENV.durableForks]: '1' }) },
    });
    const histories = statementsGranting(template, 'lambda:GetDurableExecutionHistory');
    expect(histories).toHaveLength(1);
    expect(histories[0]?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FlowFunction/), 'Arn'] }, ':*']],
    });
  });

  it('does not fork with forks: false: no environment variable, no history read', () => {
    const { template } = durableFlow({ forks: false });
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: 'A durable flow' } }))[0];
    expect(fn?.Properties.Environment?.Variables?.[ENV.durableForks]).toBeUndefined();
    expect(statementsGranting(template, 'lambda:GetDurableExecutionHistory')).toEqual([]);
    expect(statementsGranting(template, 'lambda:CheckpointDurableExecution')[0]?.Action).toEqual([
      'lambda:CheckpointDurableExecution',
      'lambda:GetDurableExecutionState',
    ]);
  });

  it('grants callbacks, reads and stops on the executions of every version', () => {
    const { template } = durableFlow({
      configure: (flow) => {
        const role = new iam.Role(flow, 'Approver', { assumedBy: new iam.AccountRootPrincipal() });
        flow.grantCallbacks(role);
        flow.grantRead(role);
        flow.grantStop(role);
      },
    });
    for (const action of [
      'lambda:SendDurableExecutionCallbackSuccess',
      'lambda:SendDurableExecutionCallbackFailure',
      'lambda:SendDurableExecutionCallbackHeartbeat',
      'lambda:GetDurableExecution',
      'lambda:StopDurableExecution',
    ]) {
      const [statement] = statementsGranting(template, action);
      expect(JSON.stringify(statement?.Resource), action).toMatch(/FlowFunction[0-9A-F]{8}","Arn"\]\},":\*"/);
    }
  });

  it('alarms on failed, timed-out and stopped executions, above the threshold it is given', () => {
    const { template } = durableFlow({ monitored: true, alarms: { failedExecutions: 2 } });
    for (const metricName of ['DurableExecutionFailed', 'DurableExecutionTimedOut', 'DurableExecutionStopped']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^FlowFunction') } }],
      });
    }
    // The starter is a QueueConsumer: its DLQ is alarmed as every consumer's is.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp('^Test-Flow-Starter-DeadLetterQueue-') });
  });

  it('makes no alarms with alarms: false', () => {
    const { template } = durableFlow({ monitored: true, alarms: false });
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName);
    expect(names).not.toContain('DurableExecutionFailed');
  });

  it('fails if a trigger has no idempotency store', () => {
    expect(() => durableFlow({ withStore: false })).toThrow('Test/Flow: idempotencyStore is required when trigger is set');
  });

  it('fails if the execution timeout is longer than 366 days', () => {
    expect(() => durableFlow({ executionTimeout: Duration.days(367) })).toThrow(
      'Test/Flow: executionTimeout must be from 1 to 31622400 seconds (got 31708800 seconds)',
    );
  });

  it('fails if the retention is more than 90 days or not whole days', () => {
    expect(() => durableFlow({ retention: Duration.days(91) })).toThrow('Test/Flow: retention must be from 1 to 90 days (got 91 days)');
    expect(() => durableFlow({ retention: Duration.hours(36) })).toThrow('Test/Flow: retention (in days) must be a whole number (got 1.5)');
  });

  it('fails if the alias name is all digits (that names a version)', () => {
    expect(() => durableFlow({ aliasName: '42' })).toThrow('Test/Flow: aliasName must be 1 to 128 letters');
  });

  it('fails if a failed-executions threshold is negative', () => {
    expect(() => durableFlow({ alarms: { failedExecutions: -1 } })).toThrow(
      'Test/Flow: alarms.failedExecutions must be from 0 to 100000 (got -1)',
    );
  });
});
