import { describe, expect, it } from 'vitest';
import { SNS_DIFFERENCES, snsDefinitions } from '../../../local/sns/definitions.js';
import { stableUuid } from '../../../local/template/resolve.js';
import { load, resource } from '../template/helpers.js';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:orders';

function loaded(resources: Record<string, unknown>) {
  const { stack, warnings } = load({ Resources: resources as never });
  return { stack, warnings, definitions: snsDefinitions({ stacks: [stack], warnings }) };
}

describe('snsDefinitions', () => {
  it('gives topics their ARN for Ref, TopicArn and TopicName, and subscriptions a stable ARN', () => {
    const { stack, definitions } = loaded({
      Orders: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'orders' } },
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'Orders' }, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q' },
      },
      Uses: {
        Type: 'AWS::CDK::Metadata',
        Properties: { Name: { 'Fn::GetAtt': ['Orders', 'TopicName'] }, Arn: { 'Fn::GetAtt': ['Orders', 'TopicArn'] }, Sub: { Ref: 'Sub' } },
      },
    });
    expect(resource(stack, 'Orders').ref).toBe(TOPIC);
    const subscriptionArn = `${TOPIC}:${stableUuid('Test/Sub')}`;
    expect(resource(stack, 'Uses').properties).toEqual({ Name: 'orders', Arn: TOPIC, Sub: subscriptionArn });
    expect(definitions.subscriptions).toEqual([
      { arn: subscriptionArn, topicArn: TOPIC, protocol: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:000000000000:q', attributes: {} },
    ]);
  });

  it('names an unnamed FIFO topic .fifo and turns properties into API attributes', () => {
    const { definitions } = loaded({
      Seq: { Type: 'AWS::SNS::Topic', Properties: { FifoTopic: true, ContentBasedDeduplication: true, KmsMasterKeyId: 'alias/aws/sns' } },
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: { Ref: 'Seq' },
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
          RawMessageDelivery: true,
          FilterPolicy: { a: ['b'] },
          FilterPolicyScope: 'MessageBody',
          RedrivePolicy: { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq.fifo' },
        },
      },
    });
    expect(definitions.topics).toEqual([
      {
        name: 'Test-Seq.fifo',
        arn: 'arn:aws:sns:us-east-1:000000000000:Test-Seq.fifo',
        attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'true', KmsMasterKeyId: 'alias/aws/sns' },
        tags: {},
      },
    ]);
    expect(definitions.subscriptions[0]?.attributes).toEqual({
      RawMessageDelivery: 'true',
      FilterPolicy: '{"a":["b"]}',
      FilterPolicyScope: 'MessageBody',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo"}',
    });
  });

  it('reads inline subscriptions and reports the protocols not delivered locally (email ones are, to the local mailbox)', () => {
    const { definitions } = loaded({
      Orders: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'orders',
          Subscription: [
            { Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
            { Protocol: 'https', Endpoint: 'https://example.com/hook' },
          ],
        },
      },
      Mail: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Orders' }, Protocol: 'email', Endpoint: 'a@example.com' } },
      Policy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Orders' }], PolicyDocument: {} } },
    });
    expect(definitions.subscriptions.map((s) => [s.protocol, s.endpoint])).toEqual([
      ['lambda', 'arn:aws:lambda:us-east-1:000000000000:function:f'],
      ['https', 'https://example.com/hook'],
      ['email', 'a@example.com'],
    ]);
    expect(definitions.warnings).toEqual([
      'Test/Orders (AWS::SNS::Topic) Subscription: protocol https (https://example.com/hook) is not delivered locally; the subscription loads but receives nothing',
      // An email subscription is delivered to the local mailbox once confirmed: the start says so (email.test.ts).
      SNS_DIFFERENCES,
    ]);
  });

  it('leaves out a subscription to a topic the app does not have', () => {
    const { definitions } = loaded({
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:elsewhere', Protocol: 'sqs', Endpoint: 'x' },
      },
    });
    expect(definitions.subscriptions).toEqual([]);
    expect(definitions.warnings[0]).toMatch(/topic arn:aws:sns:us-east-1:000000000000:elsewhere is not a topic of this app/);
  });

  it('leaves out, and names, a subscription whose endpoint did not resolve: a parameter with no value is not an email to ""', () => {
    // aws-cdk-examples' eventbridge-lambda: EmailSubscription(new CfnParameter(this, 'email').valueAsString), deployed with --parameters email=...
    const { stack, warnings } = load({
      Parameters: { email: { Type: 'String' } },
      Resources: {
        Topic: {
          Type: 'AWS::SNS::Topic',
          Properties: { TopicName: 'orders', Subscription: [{ Protocol: 'email', Endpoint: { Ref: 'email' } }] },
        },
        Sub: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'email', Endpoint: { Ref: 'email' } } },
      },
    } as never);
    const definitions = snsDefinitions({ stacks: [stack], warnings: [] });
    expect(warnings.join('\n')).toMatch(/parameter email has no default/);
    expect(definitions.subscriptions).toEqual([]);
    expect(definitions.warnings).toEqual([
      'Test/Topic (AWS::SNS::Topic) Subscription: Endpoint did not resolve; the subscription is left out',
      'Test/Sub (AWS::SNS::Subscription): Endpoint did not resolve; the subscription is left out',
    ]);
  });
});
