import { describe, expect, it } from 'vitest';
import { KNOWN_RESOURCE_TYPES, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { Json } from '../../../local/template/resolve.js';
import { generatedName, type IdentityInput, identify } from '../../../local/template/resources.js';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

function identity(type: string, properties: Record<string, Json> = {}, overrides: Partial<IdentityInput> = {}) {
  const found = identify(TEMPLATE_TYPES.specs, type, {
    stackName: 'Stack',
    logicalId: 'Thing1234',
    accountId: ACCOUNT,
    region: REGION,
    partition: 'aws',
    baseUrl: 'http://localhost:4566/',
    properties,
    ...overrides,
  });
  if (found === undefined) throw new Error(`unknown type ${type}`);
  return found;
}

describe('identify', () => {
  it('knows every resource type the app, pipes, schedules and what CDK apps commonly emit use', () => {
    expect(KNOWN_RESOURCE_TYPES).toEqual(
      expect.arrayContaining([
        'AWS::CDK::Metadata',
        'AWS::DynamoDB::Table',
        'AWS::EventSchemas::Registry',
        'AWS::EventSchemas::Schema',
        'AWS::Events::Archive',
        'AWS::Events::EventBus',
        'AWS::Events::EventBusPolicy',
        'AWS::Events::Rule',
        'AWS::IAM::Policy',
        'AWS::IAM::Role',
        'AWS::Lambda::Alias',
        'AWS::Lambda::EventSourceMapping',
        'AWS::Lambda::Function',
        'AWS::Lambda::LayerVersion',
        'AWS::Lambda::Permission',
        'AWS::Lambda::Version',
        'AWS::Logs::LogGroup',
        'AWS::Pipes::Pipe',
        'AWS::SNS::Subscription',
        'AWS::SNS::Topic',
        'AWS::SNS::TopicInlinePolicy',
        'AWS::SNS::TopicPolicy',
        'AWS::SQS::Queue',
        'AWS::SQS::QueuePolicy',
        'AWS::Scheduler::Schedule',
        'AWS::StepFunctions::StateMachine',
        'AWS::KMS::Key',
        'AWS::KMS::Alias',
        'AWS::SSM::Parameter',
        'AWS::Logs::LogStream',
        'AWS::Logs::MetricFilter',
        'AWS::Logs::SubscriptionFilter',
        'AWS::Lambda::Url',
        'AWS::Lambda::Alias',
        'AWS::Lambda::Version',
        'AWS::IAM::ManagedPolicy',
        'AWS::IAM::InstanceProfile',
        'AWS::SQS::QueueInlinePolicy',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::CloudWatch::Alarm',
        'AWS::ApiGateway::RestApi',
        'AWS::ApiGatewayV2::Api',
      ]),
    );
  });

  it('returns nothing for a type it does not know', () => {
    expect(
      identify(TEMPLATE_TYPES.specs, 'AWS::CloudFront::Distribution', {
        stackName: 'S',
        logicalId: 'T',
        accountId: ACCOUNT,
        region: REGION,
        partition: 'aws',
        baseUrl: '',
        properties: {},
      }),
    ).toBe(undefined);
  });

  describe('AWS::SQS::Queue', () => {
    it('returns the queue URL on the local endpoint for Ref, and the ARN and name as attributes', () => {
      expect(identity('AWS::SQS::Queue', { QueueName: 'jobs' })).toEqual({
        physicalName: 'jobs',
        ref: `http://localhost:4566/${ACCOUNT}/jobs`,
        attributes: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs`, QueueName: 'jobs', QueueUrl: `http://localhost:4566/${ACCOUNT}/jobs` },
      });
    });

    it('names an unnamed queue after the stack and logical id', () => {
      expect(identity('AWS::SQS::Queue').physicalName).toBe('Stack-Thing1234');
    });

    it('ends the name of an unnamed FIFO queue in .fifo, within 80 characters', () => {
      const name = identity('AWS::SQS::Queue', { FifoQueue: true }, { logicalId: 'Q'.repeat(100) }).physicalName;
      expect(name).toMatch(/^[A-Za-z0-9_-]+\.fifo$/);
      expect(name).toHaveLength(80);
    });
  });

  describe('generatedName', () => {
    it('cuts a long name to the limit with a hash of the whole, so two long ids stay apart', () => {
      const a = generatedName('Stack', `${'X'.repeat(80)}A`, 64, /[^A-Za-z0-9_-]/g);
      const b = generatedName('Stack', `${'X'.repeat(80)}B`, 64, /[^A-Za-z0-9_-]/g);
      expect(a).toHaveLength(64);
      expect(b).toHaveLength(64);
      expect(a).not.toBe(b);
    });

    it('gives the same name every time', () => {
      expect(generatedName('Stack', 'Y'.repeat(90), 64, /[^A-Za-z0-9_-]/g)).toBe(
        generatedName('Stack', 'Y'.repeat(90), 64, /[^A-Za-z0-9_-]/g),
      );
    });

    it('replaces the characters the service refuses', () => {
      expect(generatedName('My Stack', 'Id', 64, /[^A-Za-z0-9_-]/g)).toBe('My-Stack-Id');
    });
  });

  describe('AWS::Lambda::Version and AWS::Lambda::Alias', () => {
    it('return the ARNs of version 1 and of the alias, for a function given by name or ARN', () => {
      const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:classify`;
      expect(identity('AWS::Lambda::Version', { FunctionName: 'classify' })).toMatchObject({
        ref: `${functionArn}:1`,
        attributes: { FunctionArn: `${functionArn}:1`, Version: '1' },
      });
      expect(identity('AWS::Lambda::Alias', { FunctionName: functionArn, Name: 'live', FunctionVersion: '1' })).toEqual({
        physicalName: 'live',
        ref: `${functionArn}:live`,
        attributes: { AliasArn: `${functionArn}:live` },
      });
    });
  });

  describe('AWS::Lambda::LayerVersion', () => {
    it('returns the layer version ARN for Ref and LayerVersionArn', () => {
      const layerVersionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:shared:1`;
      expect(identity('AWS::Lambda::LayerVersion', { LayerName: 'shared' })).toEqual({
        physicalName: 'shared',
        ref: layerVersionArn,
        attributes: { LayerVersionArn: layerVersionArn },
      });
    });
  });

  describe('AWS::Lambda::Function', () => {
    it('returns the name for Ref and the function ARN as Arn', () => {
      expect(identity('AWS::Lambda::Function', { FunctionName: 'classify' })).toEqual({
        physicalName: 'classify',
        ref: 'classify',
        attributes: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:classify` },
      });
    });

    it('keeps generated names within 64 characters', () => {
      expect(identity('AWS::Lambda::Function', {}, { logicalId: 'F'.repeat(70) }).physicalName).toHaveLength(64);
    });
  });

  describe('AWS::Lambda::EventSourceMapping', () => {
    it('returns a UUID that stays the same across loads, and its ARN', () => {
      const mapping = identity('AWS::Lambda::EventSourceMapping');
      expect(mapping.ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(identity('AWS::Lambda::EventSourceMapping')).toEqual(mapping);
      expect(identity('AWS::Lambda::EventSourceMapping', {}, { logicalId: 'Other' }).ref).not.toBe(mapping.ref);
      expect(mapping.attributes).toEqual({
        Id: mapping.ref,
        EventSourceMappingArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${mapping.ref}`,
      });
    });
  });

  describe('AWS::Lambda::Permission', () => {
    it('returns the function name and statement id, separated by |', () => {
      const permission = identity('AWS::Lambda::Permission', { FunctionName: 'classify' });
      expect(permission.ref).toBe('classify|Stack-Thing1234');
      expect(permission.attributes).toEqual({ Id: 'Stack-Thing1234' });
    });
  });

  describe('AWS::Events::EventBus', () => {
    it('returns the name for Ref, and the ARN and name as attributes', () => {
      expect(identity('AWS::Events::EventBus', { Name: 'hub' })).toEqual({
        physicalName: 'hub',
        ref: 'hub',
        attributes: { Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub`, Name: 'hub' },
      });
    });
  });

  describe('AWS::Events::EventBusPolicy', () => {
    it('returns the bus name and statement id, separated by |', () => {
      expect(identity('AWS::Events::EventBusPolicy', { EventBusName: 'hub', StatementId: 'allow' }).ref).toBe('hub|allow');
    });
  });

  describe('AWS::Events::Rule', () => {
    it('returns the rule name for Ref on the default bus', () => {
      const rule = identity('AWS::Events::Rule', { Name: 'nightly' });
      expect(rule.ref).toBe('nightly');
      expect(rule.attributes).toEqual({ Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly`, RuleName: 'nightly' });
    });

    it('returns bus|rule for Ref on a custom bus, named or given by ARN', () => {
      for (const EventBusName of ['hub', `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub`]) {
        const rule = identity('AWS::Events::Rule', { Name: 'routed', EventBusName });
        expect(rule.ref).toBe('hub|routed');
        expect(rule.attributes.Arn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:rule/hub/routed`);
      }
    });
  });

  describe('AWS::Events::Archive', () => {
    it('returns the name for Ref and keeps generated names within 48 characters', () => {
      const archive = identity('AWS::Events::Archive', {}, { logicalId: 'A'.repeat(60) });
      expect(archive.physicalName).toHaveLength(48);
      expect(archive.ref).toBe(archive.physicalName);
      expect(archive.attributes.Arn).toBe(`arn:aws:events:${REGION}:${ACCOUNT}:archive/${archive.physicalName}`);
    });
  });

  describe('AWS::DynamoDB::Table', () => {
    it('returns the name for Ref and a StreamArn only when streams are on', () => {
      expect(identity('AWS::DynamoDB::Table', { TableName: 'orders' })).toEqual({
        physicalName: 'orders',
        ref: 'orders',
        attributes: { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders` },
      });
      expect(
        identity('AWS::DynamoDB::Table', { TableName: 'orders', StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }).attributes
          .StreamArn,
      ).toBe(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/stream/1970-01-01T00:00:00.000`);
    });
  });

  describe('AWS::StepFunctions::StateMachine', () => {
    it('returns the ARN for Ref, and the ARN, name and first revision (INITIAL) as attributes', () => {
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:triage`;
      expect(identity('AWS::StepFunctions::StateMachine', { StateMachineName: 'triage' })).toEqual({
        physicalName: 'triage',
        ref: arn,
        attributes: { Arn: arn, Name: 'triage', StateMachineRevisionId: 'INITIAL' },
      });
    });

    it("returns an activity's ARN for Ref and its name as an attribute; a version's and an alias's qualified ARNs", () => {
      const activity = `arn:aws:states:${REGION}:${ACCOUNT}:activity:review`;
      expect(identity('AWS::StepFunctions::Activity', { Name: 'review' })).toMatchObject({
        ref: activity,
        attributes: { Arn: activity, Name: 'review' },
      });
      const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:triage`;
      expect(identity('AWS::StepFunctions::StateMachineVersion', { StateMachineArn: machine })).toMatchObject({ ref: `${machine}:1` });
      expect(
        identity('AWS::StepFunctions::StateMachineAlias', {
          Name: 'live',
          RoutingConfiguration: [{ StateMachineVersionArn: `${machine}:1`, Weight: 100 }],
        }),
      ).toMatchObject({ ref: `${machine}:live`, attributes: { Arn: `${machine}:live` } });
      expect(
        identity('AWS::StepFunctions::StateMachineAlias', {
          Name: 'prod',
          DeploymentPreference: { StateMachineVersionArn: `${machine}:1` },
        }),
      ).toMatchObject({ ref: `${machine}:prod` });
    });
  });

  describe('AWS::IAM::Role', () => {
    it('returns the name for Ref, an ARN with the path and no region, and an IAM-shaped RoleId', () => {
      const role = identity('AWS::IAM::Role', { RoleName: 'runner', Path: '/service/' });
      expect(role.ref).toBe('runner');
      expect(role.attributes.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/service/runner`);
      expect(role.attributes.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    });
  });

  describe('AWS::IAM::Policy', () => {
    it('returns an id of its own, not the inline policy name', () => {
      expect(identity('AWS::IAM::Policy', { PolicyName: 'Default' })).toEqual({
        physicalName: 'Stack-Thing1234',
        ref: 'Stack-Thing1234',
        attributes: { Id: 'Stack-Thing1234' },
      });
    });
  });

  describe('AWS::Logs::LogGroup', () => {
    it('returns the name for Ref and an ARN ending in :*', () => {
      expect(identity('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/x' })).toEqual({
        physicalName: '/aws/lambda/x',
        ref: '/aws/lambda/x',
        attributes: { Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/x:*` },
      });
    });
  });

  describe('AWS::SQS::QueuePolicy', () => {
    it('returns an id of its own', () => {
      expect(identity('AWS::SQS::QueuePolicy').attributes).toEqual({ Id: 'Stack-Thing1234' });
    });
  });

  describe('AWS::EventSchemas::Registry and AWS::EventSchemas::Schema', () => {
    it('return their ARNs for Ref', () => {
      expect(identity('AWS::EventSchemas::Registry', { RegistryName: 'contracts' }).ref).toBe(
        `arn:aws:schemas:${REGION}:${ACCOUNT}:registry/contracts`,
      );
      const schema = identity('AWS::EventSchemas::Schema', { RegistryName: 'contracts', SchemaName: 'app@Created' });
      expect(schema.ref).toBe(`arn:aws:schemas:${REGION}:${ACCOUNT}:schema/contracts/app@Created`);
      expect(schema.attributes).toMatchObject({ SchemaArn: schema.ref, SchemaName: 'app@Created', SchemaVersion: '1' });
    });
  });

  describe('AWS::Pipes::Pipe and AWS::Scheduler::Schedule', () => {
    it('return their names for Ref and their ARNs', () => {
      const pipe = identity('AWS::Pipes::Pipe', { Name: 'p' });
      expect([pipe.ref, pipe.attributes.Arn, pipe.attributes.CurrentState]).toEqual([
        'p',
        `arn:aws:pipes:${REGION}:${ACCOUNT}:pipe/p`,
        'RUNNING',
      ]);
      const schedule = identity('AWS::Scheduler::Schedule', { Name: 's', GroupName: 'jobs' });
      expect([schedule.ref, schedule.attributes.Arn]).toEqual(['s', `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/jobs/s`]);
    });
  });
});
