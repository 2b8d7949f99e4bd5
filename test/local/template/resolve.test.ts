// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation's ${} syntax, not JavaScript templates
import { describe, expect, it } from 'vitest';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { stableUuid } from '../../../local/template/resolve.js';
import { eventSourceMapping } from '../template-resources.js';
import { BASE_URL, load, resolveValue, resource } from './helpers.js';

const QUEUE: Template['Resources'] = { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } } };
const QUEUE_URL = `${BASE_URL}/000000000000/jobs`;
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs';

describe('Resolver', () => {
  describe('Ref', () => {
    it('resolves a resource to what its type returns for Ref', () => {
      expect(resolveValue({ Ref: 'Queue' }, { Resources: QUEUE }).value).toBe(QUEUE_URL);
    });

    it('resolves the pseudo parameters from the account and region it is given', () => {
      const pseudo = [
        'AWS::AccountId',
        'AWS::Region',
        'AWS::Partition',
        'AWS::URLSuffix',
        'AWS::StackName',
        'AWS::StackId',
        'AWS::NotificationARNs',
      ];
      const { value } = resolveValue(
        pseudo.map((name) => ({ Ref: name })),
        {},
        { accountId: '123456789012', region: 'eu-west-1' },
      );
      expect(value).toEqual([
        '123456789012',
        'eu-west-1',
        'aws',
        'amazonaws.com',
        'Test',
        `arn:aws:cloudformation:eu-west-1:123456789012:stack/Test/${stableUuid('Test')}`,
        [],
      ]);
    });

    it('defaults to account 000000000000 in us-east-1', () => {
      expect(resolveValue([{ Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]).value).toEqual(['000000000000', 'us-east-1']);
    });

    it('removes a property or list element that is AWS::NoValue', () => {
      const { stack } = load({
        Resources: {
          Subject: { Type: 'AWS::CDK::Metadata', Properties: { Gone: { Ref: 'AWS::NoValue' }, List: ['a', { Ref: 'AWS::NoValue' }, 'b'] } },
        },
      });
      expect(resource(stack, 'Subject').properties).toEqual({ List: ['a', 'b'] });
    });

    it('fails if a Ref names a missing resource', () => {
      expect(() => resolveValue({ Ref: 'Missing' })).toThrow(
        'Test/Subject.Properties.Value: Ref to "Missing", which is no resource, parameter or pseudo parameter',
      );
    });
  });

  describe('parameters', () => {
    const parameters: Template['Parameters'] = {
      Stage: { Type: 'String', Default: 'dev' },
      Zones: { Type: 'CommaDelimitedList', Default: 'a, b' },
      BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' },
      Secret: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/secret' },
      Required: { Type: 'String' },
    };

    it('resolves a parameter to its default, and a list parameter to a list', () => {
      expect(resolveValue([{ Ref: 'Stage' }, { Ref: 'Zones' }], { Parameters: parameters }).value).toEqual(['dev', ['a', 'b']]);
    });

    it('resolves a parameter to the value it is given in place of the default', () => {
      expect(resolveValue({ Ref: 'Stage' }, { Parameters: parameters }, { parameters: { Stage: 'prod' } }).value).toBe('prod');
    });

    it("treats CDK's BootstrapVersion SSM parameter as its default", () => {
      const { value, warnings } = resolveValue({ Ref: 'BootstrapVersion' }, { Parameters: parameters });
      expect(value).toBe('/cdk-bootstrap/hnb659fds/version');
      expect(warnings).toEqual([]);
    });

    it('warns once and leaves the property out for an SSM parameter or a parameter with no value', () => {
      const { stack, warnings } = load({
        Parameters: parameters,
        Resources: { Subject: { Type: 'AWS::CDK::Metadata', Properties: { A: { Ref: 'Secret' }, B: { Ref: 'Required' }, C: 'kept' } } },
      });
      expect(resource(stack, 'Subject').properties).toEqual({ C: 'kept' });
      expect(warnings).toEqual([
        expect.stringMatching(/^Test\/Subject \(AWS::CDK::Metadata\): Properties\.A: parameter Secret reads SSM parameter "\/app\/secret"/),
        expect.stringMatching(/^Test\/Subject \(AWS::CDK::Metadata\): Properties\.B: parameter Required has no default/),
      ]);
    });
  });

  describe('Fn::GetAtt', () => {
    it('resolves both the list and the dotted form', () => {
      expect(resolveValue([{ 'Fn::GetAtt': ['Queue', 'Arn'] }, { 'Fn::GetAtt': 'Queue.QueueName' }], { Resources: QUEUE }).value).toEqual([
        QUEUE_ARN,
        'jobs',
      ]);
    });

    it('warns once and leaves the property out for an attribute the type does not have locally', () => {
      const { value, warnings } = resolveValue({ 'Fn::GetAtt': ['Queue', 'Nope'] }, { Resources: QUEUE });
      expect(value).toBeUndefined();
      expect(warnings).toEqual([
        'Test/Subject (AWS::CDK::Metadata): Properties.Value: Fn::GetAtt Queue.Nope: AWS::SQS::Queue has no attribute Nope locally',
      ]);
    });

    it('fails if Fn::GetAtt names a missing resource', () => {
      expect(() => resolveValue({ 'Fn::GetAtt': ['Missing', 'Arn'] })).toThrow('Fn::GetAtt Missing.Arn names no resource of the template');
    });
  });

  describe('Fn::Join', () => {
    it('joins resolved strings and numbers with the separator', () => {
      expect(
        resolveValue(
          { 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 7, { 'Fn::GetAtt': ['Queue', 'QueueName'] }]] },
          { Resources: QUEUE },
        ).value,
      ).toBe('arn:aws:7:jobs');
    });

    it('fails if a part is not a string', () => {
      expect(() => resolveValue({ 'Fn::Join': ['', ['a', { b: 1 }]] })).toThrow('Fn::Join needs a string');
    });
  });

  describe('Fn::Sub', () => {
    it('substitutes pseudo parameters, Refs and Res.Attr in the string form', () => {
      expect(resolveValue({ 'Fn::Sub': '${AWS::Region}/${Queue}/${Queue.Arn}' }, { Resources: QUEUE }).value).toBe(
        `us-east-1/${QUEUE_URL}/${QUEUE_ARN}`,
      );
    });

    it('writes ${!Literal} through as ${Literal}', () => {
      expect(resolveValue({ 'Fn::Sub': '${!Literal} and ${AWS::AccountId}' }).value).toBe('${Literal} and 000000000000');
    });

    it('uses its own variables, which may be intrinsics, before the names of the template', () => {
      expect(
        resolveValue(
          { 'Fn::Sub': ['${Queue}-${Name}', { Queue: 'mine', Name: { 'Fn::GetAtt': ['Queue', 'QueueName'] } }] },
          { Resources: QUEUE },
        ).value,
      ).toBe('mine-jobs');
    });
  });

  describe('Fn::Select and Fn::Split', () => {
    it('selects an element of a split string', () => {
      expect(
        resolveValue({ 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] }, { Resources: QUEUE }).value,
      ).toBe('jobs');
    });

    it('takes the index as a string too', () => {
      expect(resolveValue({ 'Fn::Select': ['1', ['a', 'b']] }).value).toBe('b');
    });

    it('fails if the index is outside the list', () => {
      expect(() => resolveValue({ 'Fn::Select': [2, ['a', 'b']] })).toThrow('Fn::Select index 2 is outside the list of 2');
    });
  });

  describe('conditions', () => {
    const conditions: Template['Conditions'] = {
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      IsNotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      ProdInEurope: { 'Fn::And': [{ Condition: 'IsProd' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }] },
      ProdOrEurope: { 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }] },
    };
    const template = { Parameters: { Stage: { Type: 'String', Default: 'dev' } }, Conditions: conditions };
    const ifs = ['IsProd', 'IsNotProd', 'ProdInEurope', 'ProdOrEurope'].map((name) => ({ 'Fn::If': [name, 'yes', 'no'] }));

    it('picks the Fn::If branch of each condition, evaluating Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition', () => {
      expect(resolveValue(ifs, template).value).toEqual(['no', 'yes', 'no', 'no']);
      expect(resolveValue(ifs, template, { region: 'eu-west-1', parameters: { Stage: 'prod' } }).value).toEqual([
        'yes',
        'no',
        'yes',
        'yes',
      ]);
    });

    it('removes the property when the chosen branch is AWS::NoValue', () => {
      expect(resolveValue({ 'Fn::If': ['IsProd', 'big', { Ref: 'AWS::NoValue' }] }, template).value).toBeUndefined();
    });

    it('compares numbers and strings as CloudFormation does', () => {
      expect(resolveValue({ 'Fn::If': ['Same', 'yes', 'no'] }, { Conditions: { Same: { 'Fn::Equals': [1, '1'] } } }).value).toBe('yes');
    });

    it('leaves out a resource whose condition is false, and its outputs', () => {
      const { stack } = load({
        ...template,
        Resources: { ...QUEUE, Big: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' } },
        Outputs: { Big: { Value: { Ref: 'Big' }, Condition: 'IsProd' }, Queue: { Value: { Ref: 'Queue' } } },
      });
      expect(stack.resources.map((r) => r.logicalId)).toEqual(['Queue']);
      expect(stack.outputs).toEqual({ Queue: QUEUE_URL });
    });

    it('fails if a Ref names a resource whose condition is false', () => {
      expect(() =>
        resolveValue({ Ref: 'Big' }, { ...template, Resources: { Big: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' } } }),
      ).toThrow('Ref: Big is not created (condition IsProd is false)');
    });

    it('fails if Fn::If names a condition that is not defined', () => {
      expect(() => resolveValue({ 'Fn::If': ['Nope', 'a', 'b'] })).toThrow('condition "Nope" is not defined in Conditions');
    });

    it('fails if conditions refer to each other in a circle', () => {
      const circular = { Conditions: { A: { 'Fn::Not': [{ Condition: 'B' }] }, B: { 'Fn::Not': [{ Condition: 'A' }] } } };
      expect(() => resolveValue({ 'Fn::If': ['A', 'a', 'b'] }, circular)).toThrow('circular condition: A -> B -> A');
    });
  });

  describe('other functions', () => {
    it('lists three zones of the region for Fn::GetAZs', () => {
      expect(resolveValue({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }, {}, { region: 'eu-west-1' }).value).toBe('eu-west-1b');
      expect(resolveValue({ 'Fn::GetAZs': { Ref: 'AWS::Region' } }).value).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    });

    it('encodes Fn::Base64', () => {
      expect(resolveValue({ 'Fn::Base64': { 'Fn::Sub': 'hello ${AWS::Region}' } }).value).toBe(
        Buffer.from('hello us-east-1').toString('base64'),
      );
    });

    it('looks up Fn::FindInMap in the Mappings', () => {
      const mappings = { Sizes: { 'us-east-1': { Memory: 512 } } };
      expect(resolveValue({ 'Fn::FindInMap': ['Sizes', { Ref: 'AWS::Region' }, 'Memory'] }, { Mappings: mappings }).value).toBe(512);
    });

    it('resolves the language extensions Fn::ToJsonString and Fn::Length', () => {
      expect(
        resolveValue([{ 'Fn::ToJsonString': { url: { Ref: 'Queue' } } }, { 'Fn::Length': [1, 2, 3] }], { Resources: QUEUE }).value,
      ).toEqual([JSON.stringify({ url: QUEUE_URL }), 3]);
    });

    it('warns once for an Fn::ImportValue no stack exports, naming the logical id, the property and the export, and keeps the other properties', () => {
      const { stack, warnings } = load({
        Resources: {
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: { Environment: { Variables: { SHARED: { 'Fn::ImportValue': 'SharedBus' }, OWN: 'x' } } },
          },
        },
      });
      expect(resource(stack, 'Fn').properties).toEqual({ Environment: { Variables: { OWN: 'x' } } });
      expect(warnings).toEqual([
        'Test/Fn (AWS::Lambda::Function): Properties.Environment.Variables.SHARED: Fn::ImportValue: no stack of the cloud assembly exports "SharedBus"',
      ]);
    });

    it('warns once for a function it does not know', () => {
      const { value, warnings } = resolveValue({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] });
      expect(value).toBeUndefined();
      expect(warnings).toEqual(['Test/Subject (AWS::CDK::Metadata): Properties.Value: Fn::Cidr is not supported locally']);
    });

    it('leaves IAM policy Condition blocks alone', () => {
      const statement = { Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
      expect(resolveValue(statement).value).toEqual(statement);
    });
  });

  describe('dependencies', () => {
    it('orders resources after the ones they reference or depend on', () => {
      const { stack } = load({
        Resources: {
          Mapping: eventSourceMapping('Queue', 'Fn'),
          Fn: { Type: 'AWS::Lambda::Function', DependsOn: ['Role'] },
          Role: { Type: 'AWS::IAM::Role' },
          Queue: { Type: 'AWS::SQS::Queue' },
        },
      });
      expect(stack.resources.map((r) => r.logicalId)).toEqual(['Queue', 'Role', 'Fn', 'Mapping']);
    });

    it('fails if resources reference each other in a cycle', () => {
      expect(() =>
        load({
          Resources: {
            A: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['B', 'Arn'] } } } },
            B: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['A', 'Arn'] } } } },
          },
        }),
      ).toThrow('Test: circular dependency between resources: A -> B -> A');
    });

    it('fails if DependsOn forms a cycle', () => {
      expect(() =>
        load({ Resources: { A: { Type: 'AWS::SQS::Queue', DependsOn: 'B' }, B: { Type: 'AWS::SQS::Queue', DependsOn: ['A'] } } }),
      ).toThrow('circular dependency between resources: A -> B -> A');
    });

    it('fails if DependsOn names a missing resource', () => {
      expect(() => load({ Resources: { A: { Type: 'AWS::SQS::Queue', DependsOn: 'Missing' } } })).toThrow(
        'Test/A: DependsOn names no resource: Missing',
      );
    });
  });
});
