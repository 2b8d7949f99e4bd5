import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { BedrockModel } from '../../../lib/constructs/bedrock-model.js';

/** The one policy statement a grant to a fresh role writes, with the stack's region and account resolved. */
function grantedStatement(model: BedrockModel, streaming = false) {
  const stack = new Stack(new App(), 'S', { env: { region: 'eu-west-1', account: '111122223333' } });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  model.grantInvoke(role, { streaming });
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const [policy] = Object.values(policies) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
  const [statement] = policy?.Properties.PolicyDocument.Statement ?? [];
  return stack.resolve(statement) as { Action: string | string[]; Resource: string | string[] };
}

/** CloudFormation's Fn::Join of an ARN, read back as text with the pseudo parameters named. */
function arns(resource: unknown): string[] {
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(text).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    return ref === undefined ? JSON.stringify(value) : `<${ref}>`;
  };
  return (Array.isArray(resource) ? resource : [resource]).map(text);
}

describe('BedrockModel', () => {
  it('grants exactly bedrock:InvokeModel on the foundation model in the stack region', () => {
    const statement = grantedStatement(BedrockModel.fromModelId('anthropic.claude-sonnet-4-5-20250929-v1:0'));
    expect(statement.Action).toBe('bedrock:InvokeModel');
    expect(arns(statement.Resource)).toEqual([
      'arn:<AWS::Partition>:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
  });

  it('adds the streaming action only when asked', () => {
    const statement = grantedStatement(BedrockModel.fromModelId('amazon.nova-lite-v1:0'), true);
    expect(statement.Action).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
  });

  it('grants a geographic profile, and the model in every region of its geography and none outside it', () => {
    const model = BedrockModel.fromModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect([model.geography, model.foundationModelId]).toEqual(['us', 'anthropic.claude-sonnet-4-5-20250929-v1:0']);
    const resources = arns(grantedStatement(model).Resource);
    expect(resources).toContain(
      'arn:<AWS::Partition>:bedrock:eu-west-1:111122223333:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    for (const region of ['us-east-1', 'us-east-2', 'us-west-2']) {
      expect(resources).toContain(`arn:<AWS::Partition>:bedrock:${region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`);
    }
    expect(resources.filter((arn) => /bedrock:(eu|ap|us-gov)-[a-z]+-\d::foundation-model/.test(arn) && !arn.includes('eu-west-1'))).toEqual(
      [],
    );
    expect(resources.some((arn) => arn.includes(':*:') || arn.includes('bedrock:*'))).toBe(false);
  });

  it('grants a global profile on the model in any region, as AWS routes it anywhere', () => {
    const resources = arns(grantedStatement(BedrockModel.fromModelId('global.anthropic.claude-sonnet-4-5-20250929-v1:0')).Resource);
    expect(resources).toEqual([
      'arn:<AWS::Partition>:bedrock:eu-west-1:111122223333:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:<AWS::Partition>:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
  });

  it('grants an ARN as it is', () => {
    const arn = 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123';
    expect(arns(grantedStatement(BedrockModel.fromModelId(arn)).Resource)).toEqual([arn]);
  });

  it('fails if the id is neither a model id, a profile id nor a Bedrock ARN, naming the forms it takes', () => {
    expect(() => BedrockModel.fromModelId('claude')).toThrow(/"claude" is not a Bedrock model id .*us\., eu\./);
    expect(() => BedrockModel.fromModelId('mars.anthropic.claude-v2')).toThrow(/"mars.anthropic.claude-v2" is not a Bedrock model id/);
  });
});
