import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SwitchyardFunction } from '../../../lib/constructs/switchyard-function.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

describe('SwitchyardFunction', () => {
  it('runs Node 24 on arm64 with tracing, JSON logs into its own log group and a timeout', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', timeout: Duration.seconds(20) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 20,
      MemorySize: 512,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^FnLogs') } },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'Fn', NODE_OPTIONS: '--enable-source-maps' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the function a role without the account-wide basic execution managed policy', () => {
    const { stack } = testStack();
    new SwitchyardFunction(stack, 'Fn', { entry, description: 'test' });
    const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each([
    ['timeout', { timeout: Duration.seconds(901) }, 'Test/Fn: timeout must be from 1 to 900 seconds (got 901 seconds)'],
    ['memorySize', { memorySize: 64 }, 'Test/Fn: memorySize must be from 128 to 10240 MiB (got 64 MiB)'],
  ])('fails if %s is out of range', (_prop, props, message) => {
    const { stack } = testStack();
    expect(() => new SwitchyardFunction(stack, 'Fn', { entry, description: 'test', ...props })).toThrow(message);
  });
});
