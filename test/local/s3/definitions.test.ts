import { describe, expect, it } from 'vitest';
import { bucketDefinitions } from '../../../local/s3/definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';

function definitions(resources: Record<string, TemplateResource>) {
  const app = loadApp({
    cdkOut: assemblyOf(resources),
    baseUrl: 'http://localhost:4566',
    types: TEMPLATE_TYPES,
  });
  return { ...bucketDefinitions(app), loaderWarnings: app.warnings };
}

/** Bucket `own` with this NotificationConfiguration (CloudFormation's shape). */
const ownBucket = (NotificationConfiguration: Record<string, unknown>) => ({
  Own: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'own', NotificationConfiguration } },
});

/** CDK's notifications resource for the bucket of logical id `bucket`, with this NotificationConfiguration (the S3 API's shape). */
const cdkNotifications = (bucket: string, NotificationConfiguration: Record<string, unknown>) => ({
  Type: 'Custom::S3BucketNotifications',
  Properties: {
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x',
    BucketName: { Ref: bucket },
    NotificationConfiguration,
    Managed: true,
  },
});

describe('bucketDefinitions', () => {
  it("turns EventBridge on from the bucket's own NotificationConfiguration or from CDK's notifications resource", () => {
    const { buckets, warnings, loaderWarnings } = definitions({
      ...ownBucket({ EventBridgeConfiguration: { EventBridgeEnabled: true } }),
      ByCdk: { Type: 'AWS::S3::Bucket' },
      Off: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'off' } },
      Notifications: cdkNotifications('ByCdk', { EventBridgeConfiguration: {} }),
    });
    expect(buckets).toEqual([
      { name: 'own', eventBridge: true, configurations: [] },
      { name: 'stack-bycdk', eventBridge: true, configurations: [] },
      { name: 'off', eventBridge: false, configurations: [] },
    ]);
    expect(warnings).toEqual([]);
    expect(loaderWarnings).toEqual([]);
  });

  it('names what a bucket does on AWS that the local S3 does not', () => {
    const { warnings } = definitions({
      Busy: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: 'busy',
          VersioningConfiguration: { Status: 'Enabled' },
          LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 1 }] },
          NotificationConfiguration: {
            QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-east-1:000000000000:q' }],
          },
        },
      },
    });
    expect(warnings).toEqual([
      'Stack/Busy (AWS::S3::Bucket): versioning is not run locally: a key keeps only its latest object, and objects and events carry no version id',
      'Stack/Busy (AWS::S3::Bucket): lifecycle rules are not run locally: objects never expire',
    ]);
  });

  it("reads the queue, topic and Lambda configurations of CDK's notifications resource (the S3 API's shape), ARNs resolved", () => {
    const resources = {
      Uploads: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'uploads' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 't' } },
      Notifications: cdkNotifications('Uploads', {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } },
          },
        ],
        TopicConfigurations: [
          {
            Events: ['s3:ObjectRemoved:*'],
            TopicArn: { Ref: 'Topic' },
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
          },
        ],
        LambdaFunctionConfigurations: [
          {
            Id: 'mine',
            Events: ['s3:ObjectCreated:Put'],
            LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
            Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.png' }] } },
          },
        ],
      }),
    };
    const { buckets, warnings } = definitions(resources);
    expect(warnings).toEqual([]);
    expect(buckets[0]?.configurations).toEqual([
      {
        id: expect.any(String),
        kind: 'queue',
        arn: 'arn:aws:sqs:us-east-1:000000000000:q',
        events: ['s3:ObjectCreated:*'],
        suffix: '.jpg',
      },
      { id: expect.any(String), kind: 'topic', arn: 'arn:aws:sns:us-east-1:000000000000:t', events: ['s3:ObjectRemoved:*'], prefix: 'in/' },
      {
        id: 'mine',
        kind: 'function',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        events: ['s3:ObjectCreated:Put'],
        suffix: '.png',
      },
    ]);
    // A made-up Id is the same at every start, so a restart does not count as a new configuration.
    expect(definitions(resources).buckets[0]?.configurations).toEqual(buckets[0]?.configurations);
  });

  it("reads the bucket's own queue, topic and Lambda configurations (CloudFormation's shape)", () => {
    const { buckets, warnings } = definitions(
      ownBucket({
        QueueConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Queue: 'arn:aws:sqs:us-east-1:000000000000:q',
            Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'a/' }] } },
          },
        ],
        LambdaConfigurations: [{ Event: 's3:ObjectRemoved:Delete', Function: 'arn:aws:lambda:us-east-1:000000000000:function:f' }],
      }),
    );
    expect(warnings).toEqual([]);
    expect(buckets[0]?.configurations?.map((c) => [c.kind, c.arn, c.events, c.prefix])).toEqual([
      ['queue', 'arn:aws:sqs:us-east-1:000000000000:q', ['s3:ObjectCreated:*'], 'a/'],
      ['function', 'arn:aws:lambda:us-east-1:000000000000:function:f', ['s3:ObjectRemoved:Delete'], undefined],
    ]);
  });

  it('fails if the configurations overlap, with a warning, and applies none of them', () => {
    const { buckets, warnings } = definitions(
      ownBucket({
        QueueConfigurations: [
          { Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-east-1:000000000000:q' },
          { Event: 's3:ObjectCreated:Put', Queue: 'arn:aws:sqs:us-east-1:000000000000:r' },
        ],
      }),
    );
    expect(warnings).toEqual([
      'Stack/Own (AWS::S3::Bucket): its queue, topic and Lambda notifications are not applied: S3 would refuse them: Configurations overlap. Configurations on the same bucket cannot share a common event type.',
    ]);
    expect(buckets[0]?.configurations).toEqual([]);
  });
});
