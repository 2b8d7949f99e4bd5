import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../domain/index.js';
import { FileTrigger, type FileTriggerProps } from '../../../lib/constructs/file-trigger.js';
import { testStack } from '../../helpers/synth.js';

function trigger(props: Partial<FileTriggerProps> = {}, configure?: (stack: Stack) => Partial<FileTriggerProps>) {
  const { stack, bus } = testStack();
  const construct = new FileTrigger(stack, 'Uploads', { eventBus: bus, name: 'uploads', ...configure?.(stack), ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('FileTrigger', () => {
  it('creates an encrypted, TLS-only, private bucket that sends its events to EventBridge and logs access', () => {
    const { template } = trigger();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^UploadsAccessLogs') }, LogFilePrefix: 'access/' },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: Match.stringLikeRegexp('^UploadsBucket') },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    const tlsDenies = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsDenies).toHaveLength(2);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ LoggingConfiguration: Match.anyValue() }),
    });
  });

  it('matches Object Created of its bucket on the default bus and invokes the publisher with retries and a dead-letter queue', () => {
    const { template } = trigger({ prefix: 'incoming/' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [{ Ref: Match.stringLikeRegexp('^UploadsBucket') }] }, object: { key: [{ prefix: 'incoming/' }] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadsPublisher'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadsDeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadsDeadLetterQueue'), 'Arn'] } } },
    });
  });

  it('tells the publisher the hub and its name, and lets it put events on the hub', () => {
    const { template } = trigger();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.eventBusName]: { Ref: Match.stringLikeRegexp('^Bus') }, [ENV.fileTriggerName]: 'uploads' }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] } }),
        ]),
      },
    });
  });

  it('filters on a suffix, and on a prefix and suffix together as an escaped wildcard', () => {
    trigger({ suffix: '.pdf' }).template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ object: { key: [{ suffix: '.pdf' }] } }) }),
    });
    trigger({ prefix: 'in*/', suffix: '.pdf' }).template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ object: { key: [{ wildcard: 'in\\*/*.pdf' }] } }) }),
    });
  });

  it('watches a bucket it is given, turning its EventBridge notifications on, and creates no bucket', () => {
    const { template } = trigger({}, (stack) => ({ bucket: s3.Bucket.fromBucketName(stack, 'Given', 'given-bucket') }));
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'given-bucket',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  it('passes the cdk-nag AwsSolutions checks with nothing unacknowledged', () => {
    const { stack } = trigger();
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });

  it('fails if the name has characters other than letters, digits, dots, underscores and hyphens', () => {
    expect(message(() => trigger({ name: 'my uploads' }))).toBe(
      `Test/Uploads: name must be 1 to 128 letters, digits, '.', '_' or '-' (got "my uploads")`,
    );
  });

  it('fails if the prefix or suffix is empty or longer than a key can be', () => {
    expect(message(() => trigger({ prefix: '' }))).toBe('Test/Uploads: prefix must be 1 to 1024 bytes long (got 0 bytes)');
    expect(message(() => trigger({ suffix: 'x'.repeat(1025) }))).toBe('Test/Uploads: suffix must be 1 to 1024 bytes long (got 1025 bytes)');
  });

  it('fails if retryAttempts or maxEventAge is out of range', () => {
    expect(message(() => trigger({ retryAttempts: 186 }))).toBe('Test/Uploads: retryAttempts must be from 0 to 185 (got 186)');
    expect(message(() => trigger({ maxEventAge: Duration.seconds(30) }))).toBe(
      'Test/Uploads: maxEventAge must be from 60 to 86400 seconds (got 30 seconds)',
    );
  });

  it('fails if bucket settings are given for a bucket it does not create', () => {
    expect(
      message(() =>
        trigger({ removalPolicy: RemovalPolicy.DESTROY }, (stack) => ({
          bucket: s3.Bucket.fromBucketName(stack, 'Given', 'given-bucket'),
        })),
      ),
    ).toMatch(/^Test\/Uploads: removalPolicy and accessLogsRetention apply only to a bucket the trigger creates/);
  });
});
