import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { CustomEventBus, type CustomEventBusProps } from '../../../lib/constructs/custom-event-bus.js';
import { SwitchyardEncryption } from '../../../lib/constructs/encryption.js';
import { EventHub } from '../../../lib/constructs/event-hub.js';
import { SubscriberTarget } from '../../../lib/constructs/subscriber-target.js';
import { TEST_ENV, testApp } from '../../helpers/synth.js';

const IMPORTED_ARN = 'arn:aws:events:eu-west-1:222222222222:event-busv2/partners/abcdefghij0123456789klmno';

function stack(): Stack {
  return new Stack(testApp(), 'Test', { env: TEST_ENV });
}

function busTemplate(props: CustomEventBusProps = {}) {
  const s = stack();
  const bus = new CustomEventBus(s, 'Orders', props);
  return { bus, template: Template.fromStack(s) };
}

describe('CustomEventBus', () => {
  it('creates an AWS::EventsV2::EventBus named from its path, with the retention given in days', () => {
    const { template, bus } = busTemplate({ retention: Duration.days(14), description: 'Orders' });
    template.hasResourceProperties('AWS::EventsV2::EventBus', {
      Name: Match.stringLikeRegexp('^Test-Orders-'),
      Description: 'Orders',
      StorageConfiguration: { RetentionPeriodInDays: 14 },
    });
    expect(Stack.of(bus).resolve(bus.eventBusArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Orders/), 'EventBusArn'] });
  });

  it("leaves retention and encryption to the service's defaults when neither is given", () => {
    const { template } = busTemplate({ eventBusName: 'orders' });
    template.hasResourceProperties('AWS::EventsV2::EventBus', {
      Name: 'orders',
      StorageConfiguration: Match.absent(),
      EncryptionConfiguration: Match.absent(),
    });
  });

  it("encrypts with the stack's SwitchyardEncryption key, which EventBridge may describe", () => {
    const s = stack();
    new SwitchyardEncryption(s, 'Encryption');
    new CustomEventBus(s, 'Orders');
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::EventsV2::EventBus', {
      EncryptionConfiguration: { KmsKeyIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EncryptionKey'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowEventBridgeToDescribeTheKey',
            Action: 'kms:DescribeKey',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
        ]),
      },
    });
  });

  it('renders the key statement once in a stack that has an EventHub too', () => {
    const s = stack();
    new SwitchyardEncryption(s, 'Encryption');
    new EventHub(s, 'Hub');
    new CustomEventBus(s, 'Orders');
    const [key] = Object.values(Template.fromStack(s).findResources('AWS::KMS::Key'));
    const sids = ((key?.Properties.KeyPolicy.Statement ?? []) as { Sid?: string }[]).filter(
      (st) => st.Sid === 'AllowEventBridgeToDescribeTheKey',
    );
    expect(sids).toHaveLength(1);
  });

  it('grants publishing as exactly events:PutEvents and events:PutRawEvents on the bus ARN', () => {
    const s = stack();
    const bus = new CustomEventBus(s, 'Orders');
    const role = new iam.Role(s, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    bus.grantPublish(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['events:PutEvents', 'events:PutRawEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'EventBusArn'] },
          },
        ],
      },
    });
  });

  it("connects a publisher for the kit's customBusPublisherFromEnv: the bus's ARN in its environment, and the grant", () => {
    const s = stack();
    const bus = new CustomEventBus(s, 'Orders');
    const fn = new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    bus.connectPublisher(fn);
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.customEventBusArn]: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'EventBusArn'] } } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['events:PutEvents', 'events:PutRawEvents'] })] },
    });
  });

  it('imports a bus by its ARN, naming it from the ARN, and grants publishing on that ARN', () => {
    const s = stack();
    const bus = CustomEventBus.fromEventBusArn(s, 'Partners', IMPORTED_ARN);
    expect(bus.eventBusName).toBe('partners');
    const role = new iam.Role(s, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    bus.grantPublish(role);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['events:PutEvents', 'events:PutRawEvents'], Resource: IMPORTED_ARN })] },
    });
  });

  it('adds a subscriber to itself', () => {
    const s = stack();
    const bus = new CustomEventBus(s, 'Orders');
    const other = CustomEventBus.fromEventBusArn(s, 'Partners', IMPORTED_ARN);
    const subscriber = bus.addSubscriber('Forward', { target: SubscriberTarget.eventBus(other) });
    expect(subscriber.node.path).toBe('Test/Orders/Forward');
    Template.fromStack(s).hasResourceProperties('AWS::EventsV2::Subscriber', {
      EventBusArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'EventBusArn'] },
      InvokeConfiguration: Match.objectLike({ TargetArn: IMPORTED_ARN, EventBusV2Parameters: {} }),
    });
  });

  it.each<[string, () => void, string]>([
    [
      'retention is 0 days',
      () => busTemplate({ retention: Duration.days(0) }),
      'Test/Orders: retention must be from 1 to 365 days (got 0 days)',
    ],
    [
      'retention is 366 days',
      () => busTemplate({ retention: Duration.days(366) }),
      'Test/Orders: retention must be from 1 to 365 days (got 366 days)',
    ],
    [
      'retention is not whole days',
      () => busTemplate({ retention: Duration.hours(36) }),
      'Test/Orders: retention (in days) must be a whole number (got 1.5)',
    ],
    [
      'the name starts with a dash',
      () => busTemplate({ eventBusName: '-orders' }),
      `Test/Orders: eventBusName must be 1 to 256 characters, a letter or digit then letters, digits, '.', '-' or '_' (got "-orders")`,
    ],
    [
      'the description holds a line break',
      () => busTemplate({ description: 'two\nlines' }),
      'Test/Orders: description must be at most 512 characters without control characters or line separators',
    ],
    [
      'the imported ARN is a classic bus',
      () => CustomEventBus.fromEventBusArn(stack(), 'Classic', 'arn:aws:events:eu-west-1:111111111111:event-bus/orders'),
      "Test/Classic: eventBusArn must be a Custom Event Bus's ARN, arn:<partition>:events:<region>:<account>:event-busv2/<name>/<25-character id> (got arn:aws:events:eu-west-1:111111111111:event-bus/orders)",
    ],
  ])('fails if %s', (_case, make, message) => {
    expect(make).toThrow(message);
  });
});
