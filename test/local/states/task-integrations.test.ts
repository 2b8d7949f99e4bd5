import { describe, expect, it } from 'vitest';
import type { ServiceIam } from '../../../local/iam/authorizations.js';
import { type DeclaredIntegrations, TaskIntegrationError, TaskIntegrations } from '../../../local/states/task-integrations.js';
import { TASK_INTEGRATIONS } from './integrations.js';

const iam = (prefix: string): ServiceIam => ({ prefix, operations: {}, accessDenied: { code: 'AccessDeniedException', status: 400 } });
const sdkOnly = (name: string, arnName: string): DeclaredIntegrations => ({
  name,
  iam: iam(name),
  stepFunctions: { sdk: { [arnName]: { name: arnName, wireCase: 'pascal' } } },
});

describe('TaskIntegrations', () => {
  it('knows every declared integration, and hosts the AWS SDK ones of the services given, in the order given', () => {
    const integrations = new TaskIntegrations(TASK_INTEGRATIONS, { sns: {}, lambda: { invoke: async () => ({}) } });
    expect(integrations.sdk.services).toEqual(['sns', 'lambda']);
    expect(integrations.sdk.metadata('eventbridge')?.name).toBe('EventBridge');
    expect(integrations.optimized('sqs')?.operations).toBeUndefined();
    expect(integrations.optimized('sns')?.operations).toEqual({});
    expect(integrations.runs.slice(0, 2)).toEqual(['arn:aws:states:::lambda:invoke', 'arn:aws:states:::sqs:sendMessage']);
    expect(integrations.runs.at(-1)).toBe('Lambda function ARNs');
  });

  it("names an AWS SDK integration's service as its module's IAM prefix, and an undeclared one as its ARN does", () => {
    const integrations = new TaskIntegrations([...TASK_INTEGRATIONS, sdkOnly('bedrock-agent', 'bedrockagent')], {});
    expect(integrations.sdkIam('eventbridge').service).toBe('events');
    expect(integrations.sdkIam('bedrockruntime').service).toBe('bedrock');
    expect(integrations.sdkIam('bedrockagent').service).toBe('bedrock-agent');
    expect(integrations.sdkIam('glue').service).toBe('glue');
  });

  it('fails if services are given for a module that declares no integrations, naming it and those that do', () => {
    expect(() => new TaskIntegrations([sdkOnly('acm', 'acm')], { acm: {}, pca: {} })).toThrow(
      new TaskIntegrationError('services given for pca, which no module declares Step Functions integrations for (declared: acm)'),
    );
  });

  it('fails if two modules declare the same AWS SDK integration, naming it', () => {
    expect(() => new TaskIntegrations([sdkOnly('ses', 'ses'), sdkOnly('mail', 'ses')], {})).toThrow(
      new TaskIntegrationError('two modules declare the AWS SDK integration ses'),
    );
  });

  it('fails if a module declares optimized integrations without IAM, whose prefix names them', () => {
    const declared: DeclaredIntegrations = {
      name: 'acm',
      stepFunctions: { optimized: { errors: { prefix: 'Acm', service: 'Acm', accessDenied: 'AcmException' }, actions: {} } },
    };
    expect(() => new TaskIntegrations([declared], {})).toThrow(
      new TaskIntegrationError('acm declares optimized integrations but no IAM prefix to name them by'),
    );
  });
});
