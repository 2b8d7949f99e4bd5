// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation's ${} syntax, not JavaScript templates

import { describe, expect, it } from 'vitest';
import { serviceDefinitions, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { lambdaBackedProvider } from '../../../local/template/not-run.js';
import { restResource, restStage } from '../template-resources.js';
import { load, resource } from './helpers.js';

/** Loads a template with the types the runtime really runs or accepts. */
function loadForRuntime(template: Template) {
  return load(template, { types: TEMPLATE_TYPES });
}

describe("what CDK apps commonly emit, with the runtime's supported types", () => {
  it('accepts KMS keys and aliases with no warning, a UUID key id, its ARN and the alias name', () => {
    const { stack, warnings } = loadForRuntime({
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {}, EnableKeyRotation: true } },
        Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/app', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
        Table: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { Ref: 'Key' } },
          },
        },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
        Fn: {
          Type: 'AWS::Lambda::Permission',
          Properties: { FunctionName: 'f', Action: 'lambda:InvokeFunction', Principal: { Ref: 'Alias' } },
        },
      },
    });
    expect(warnings).toEqual([]);
    const key = resource(stack, 'Key');
    expect(key.ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(key.attributes).toEqual({ Arn: `arn:aws:kms:us-east-1:000000000000:key/${key.ref}`, KeyId: key.ref });
    expect(resource(stack, 'Queue').properties.KmsMasterKeyId).toBe(key.attributes.Arn);
    expect(resource(stack, 'Fn').properties.Principal).toBe('alias/app');
    // The same key id after a restart: the data folder keeps finding the same key.
    expect(loadForRuntime({ Resources: { Key: { Type: 'AWS::KMS::Key' } } }).stack.resources[0]?.ref).toBe(key.ref);
  });

  it.each([
    ['AWS::SSM::Parameter', { Type: 'String', Value: 'v' }],
    ['AWS::Logs::LogStream', { LogGroupName: 'g' }],
    ['AWS::Lambda::Permission', { FunctionName: 'f', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }],
    ['AWS::Lambda::Version', { FunctionName: 'f' }],
    ['AWS::Lambda::Alias', { FunctionName: 'f', FunctionVersion: '1', Name: 'live' }],
    ['AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: 'f' }],
    ['Custom::CDKBucketDeployment', { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x', DestinationBucketName: 'b' }],
    ['AWS::IAM::ManagedPolicy', { PolicyDocument: {} }],
    ['AWS::IAM::InstanceProfile', { Roles: ['r'] }],
    ['AWS::SQS::QueueInlinePolicy', { Queue: 'q', PolicyDocument: {} }],
    ['Custom::LogRetention', { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x', LogGroupName: 'g', RetentionInDays: 7 }],
    ['Custom::S3AutoDeleteObjects', { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x', BucketName: 'b' }],
    // Run by the runtime (local/custom-resources): its SDK call is made at start.
    [
      'Custom::AWS',
      { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x', Create: '{"service":"SSM","action":"getParameter"}' },
    ],
  ])('accepts %s with no warning', (type, properties) => {
    expect(loadForRuntime({ Resources: { R: { Type: type, Properties: properties } } }).warnings).toEqual([]);
  });

  it("says an attribute of a Custom::AWS does not resolve because its call's response comes after the template is resolved", () => {
    const { warnings } = loadForRuntime({
      Resources: {
        Read: {
          Type: 'Custom::AWS',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x',
            Create: '{"service":"SSM","action":"getParameter"}',
          },
        },
        Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['Read', 'Parameter.Value'] } } },
      },
    });
    expect(warnings.join('\n')).toContain(
      "Fn::GetAtt Read.Parameter.Value: an attribute of a Custom::AWS is its AWS SDK call's response, which is made locally after the template is resolved, so it does not resolve",
    );
  });

  it("says an attribute of another custom resource does not resolve because its provider's Data comes after the template is resolved", () => {
    const { warnings } = loadForRuntime({
      Resources: {
        Thing: { Type: 'Custom::Thing', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x' } },
        Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['Thing', 'Name'] } } },
      },
    });
    expect(warnings.join('\n')).toContain(
      "Fn::GetAtt Thing.Name: an attribute of a custom resource (Custom::Thing) is its provider's Data, which comes after the template is resolved locally (when its provider runs here), so it does not resolve",
    );
  });

  it.each([
    ['AWS::CloudWatch::Dashboard', 'no CloudWatch dashboards locally: the dashboard is not served (the local console shows the app)'],
    [
      'AWS::CloudWatch::Alarm',
      'alarms are not evaluated locally: DescribeAlarms lists the alarm in INSUFFICIENT_DATA, it never changes state, and its actions never run',
    ],
    ['Custom::MyThing', 'custom resource not run locally: its provider does not run, so attributes it would return do not resolve'],
    // serverless-patterns waf-appsync-cdk: a web ACL blocking introspection, associated with an AppSync API.
    ['AWS::WAFv2::WebACL', 'no AWS WAF locally: its rules are not evaluated, so a request they would block or count is served'],
    [
      'AWS::WAFv2::WebACLAssociation',
      'no AWS WAF locally: the web ACL is not applied to the resource (its API, stage or user pool serves every request its rules would block)',
    ],
  ])('names %s once, with what is not run', (type, note) => {
    expect(loadForRuntime({ Resources: { R: { Type: type, Properties: {} } } }).warnings).toEqual([`Test/R (${type}): ${note}`]);
  });

  it('loads a metric filter with no loader warning (the logs service runs it)', () => {
    const filter = {
      LogGroupName: '/app',
      FilterPattern: '',
      MetricTransformations: [{ MetricName: 'M', MetricNamespace: 'N', MetricValue: '1' }],
    };
    expect(loadForRuntime({ Resources: { R: { Type: 'AWS::Logs::MetricFilter', Properties: filter } } }).warnings).toEqual([]);
  });

  it('loads an AppSync API and its parts with no loader warning, and a Cognito user pool (their services run them)', () => {
    const { warnings } = loadForRuntime({
      Resources: {
        Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: { Name: 'api', AuthenticationType: 'API_KEY' } },
        Schema: { Type: 'AWS::AppSync::GraphQLSchema', Properties: { ApiId: 'x', Definition: 'type Query { a: String }' } },
        Resolver: { Type: 'AWS::AppSync::Resolver', Properties: { ApiId: 'x', TypeName: 'Query', FieldName: 'a' } },
        Users: { Type: 'AWS::Cognito::UserPool', Properties: {} },
        Client: { Type: 'AWS::Cognito::UserPoolClient', Properties: { UserPoolId: 'x' } },
      },
    });
    expect(warnings).toEqual([]);
  });

  it('loads a REST API, its resources, methods, deployment and stage with no loader warning (the API Gateway service serves them)', () => {
    const { stack, warnings } = loadForRuntime({
      Resources: {
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'api' } },
        Items: restResource({ 'Fn::GetAtt': ['Api', 'RootResourceId'] }, 'items'),
        Get: {
          Type: 'AWS::ApiGateway::Method',
          Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Items' }, HttpMethod: 'GET' },
        },
        Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } }, DependsOn: ['Get'] },
        Stage: restStage('prod'),
        Url: {
          Type: 'AWS::CDK::Metadata',
          Properties: { Url: { 'Fn::Sub': 'https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/' } },
        },
      },
    });
    expect(warnings).toEqual([]);
    expect(resource(stack, 'Url').properties.Url).toBe(`https://${resource(stack, 'Api').ref}.execute-api.us-east-1.amazonaws.com/prod/`);
    expect(resource(stack, 'Api').ref).toMatch(/^[a-z0-9]{10}$/);
  });

  it("resolves a bucket deployment's DestinationBucketArn and a bucket's ARN and domain names", () => {
    const { stack } = loadForRuntime({
      Resources: {
        Site: { Type: 'AWS::S3::Bucket' },
        Deploy: { Type: 'Custom::CDKBucketDeployment', Properties: { DestinationBucketName: { Ref: 'Site' } } },
        M: {
          Type: 'AWS::CDK::Metadata',
          Properties: { A: { 'Fn::GetAtt': ['Deploy', 'DestinationBucketArn'] }, D: { 'Fn::GetAtt': ['Site', 'RegionalDomainName'] } },
        },
      },
    });
    const bucket = resource(stack, 'Site').ref;
    expect(bucket).toBe('test-site');
    expect(resource(stack, 'M').properties).toEqual({ A: 'arn:aws:s3:::test-site', D: 'test-site.s3.us-east-1.amazonaws.com' });
  });

  it("resolves CDK's LogRetention's Ref and LogGroupName to the group's name, as its handler answers them", () => {
    // logs.LogRetention's users read its LogGroupName: CDK's LogGroupLogDestination builds a stage's access log ARN from it.
    const { stack, warnings } = loadForRuntime({
      Resources: {
        Retention: {
          Type: 'Custom::LogRetention',
          Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x', LogGroupName: 'api-access', RetentionInDays: 7 },
        },
        M: {
          Type: 'AWS::SSM::Parameter',
          Properties: {
            Type: 'String',
            Value: {
              'Fn::Join': ['', ['arn:aws:logs:us-east-1:000000000000:log-group:', { 'Fn::GetAtt': ['Retention', 'LogGroupName'] }, ':*']],
            },
            Description: { Ref: 'Retention' },
          },
        },
      },
    });
    expect(warnings).toEqual([]);
    expect(resource(stack, 'M').properties).toMatchObject({
      Value: 'arn:aws:logs:us-east-1:000000000000:log-group:api-access:*',
      Description: 'api-access',
    });
  });

  it("leaves the functions that only back custom resources out, quietly, and runs the others and a provider framework's onEvent function", () => {
    const { stack, warnings } = loadForRuntime({
      Resources: {
        Retention: {
          Type: 'Custom::LogRetention',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A', 'Arn'] },
            LogGroupName: 'g',
          },
        },
        LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A: {
          Type: 'AWS::Lambda::Function',
          Properties: { Handler: 'index.handler', Code: { S3Bucket: 'b', S3Key: 'missing.zip' } },
        },
        Framework: {
          Type: 'Custom::Thing',
          Properties: { ServiceToken: { 'Fn::GetAtt': ['ProviderframeworkonEvent', 'Arn'] } },
        },
        ProviderframeworkonEvent: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { ZipFile: 'exports.handler = () => {}' },
            Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': ['OnEvent', 'Arn'] } } },
          },
        },
        OnEvent: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'x' } } },
        App: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'x' } } },
      },
    });
    // The provider framework's custom resource runs (local/custom-resources): the app's onEvent function is invoked.
    expect(warnings).toEqual([]);
    const providers = stack.resources.filter((r) => r.customResourceProvider).map((r) => r.logicalId);
    expect(providers.sort()).toEqual(['LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A', 'ProviderframeworkonEvent']);
    const definitions = serviceDefinitions({ stacks: [stack], warnings });
    expect(definitions.warnings).toEqual([
      'Test/OnEvent (AWS::Lambda::Function): no code asset folder was found (image code and non-Node.js inline code are not run locally); it is left out',
      'Test/App (AWS::Lambda::Function): no code asset folder was found (image code and non-Node.js inline code are not run locally); it is left out',
    ]);
  });
});

describe('lambdaBackedProvider', () => {
  const fn = (path: string) => ({ Type: 'AWS::Lambda::Function', Properties: {}, Metadata: { 'aws:cdk:path': path } });
  const custom = (type: string, provider: string) => ({ Type: type, Properties: { ServiceToken: { 'Fn::GetAtt': [provider, 'Arn'] } } });

  it("is the app's function a custom resource's ServiceToken names", () => {
    const resources = { Seed: custom('Custom::Seed', 'Seeder'), Seeder: fn('Stack/Seeder/Resource') };
    expect(lambdaBackedProvider(resources, 'Seed', new Set())).toBe('Seeder');
  });

  it("is none for CDK's own providers, whatever their id (a trigger's, a Custom::<X>'s)", () => {
    const resources = {
      Trigger: custom('Custom::Trigger', 'AWSCDKTriggerCustomResourceProviderCustomResourceProviderHandler97BECD91'),
      AWSCDKTriggerCustomResourceProviderCustomResourceProviderHandler97BECD91: fn('Stack/AWSCDK.TriggerCustomResourceProvider/Handler'),
      Restrict: custom('Custom::VpcRestrictDefaultSG', 'CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E'),
      CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E: {
        Type: 'AWS::Lambda::Function',
        Properties: {},
      },
    };
    expect(lambdaBackedProvider(resources, 'Trigger', new Set())).toBeUndefined();
    expect(lambdaBackedProvider(resources, 'Restrict', new Set())).toBeUndefined();
  });
});
