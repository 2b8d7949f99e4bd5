import { describe, expect, it } from 'vitest';
import { bucketDefinitions } from '../../../local/s3/definitions.js';
import { SUPPORTED_RESOURCE_TYPES } from '../../../local/services/modules.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';

function definitions(template: Template) {
  const app = loadApp({
    cdkOut: writeAssembly(tempAssemblyDir(), { Stack: { template } }),
    baseUrl: 'http://localhost:4566',
    supportedTypes: SUPPORTED_RESOURCE_TYPES,
  });
  return { ...bucketDefinitions(app), loaderWarnings: app.warnings };
}

describe('bucketDefinitions', () => {
  it("turns EventBridge on from the bucket's own NotificationConfiguration or from CDK's notifications resource", () => {
    const { buckets, warnings, loaderWarnings } = definitions({
      Resources: {
        Own: {
          Type: 'AWS::S3::Bucket',
          Properties: { BucketName: 'own', NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } },
        },
        ByCdk: { Type: 'AWS::S3::Bucket' },
        Off: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'off' } },
        Notifications: {
          Type: 'Custom::S3BucketNotifications',
          Properties: {
            ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:x',
            BucketName: { Ref: 'ByCdk' },
            NotificationConfiguration: { EventBridgeConfiguration: {} },
            Managed: true,
          },
        },
      },
    });
    expect(buckets).toEqual([
      { name: 'own', eventBridge: true },
      { name: 'stack-bycdk', eventBridge: true },
      { name: 'off', eventBridge: false },
    ]);
    expect(warnings).toEqual([]);
    expect(loaderWarnings).toEqual([]);
  });

  it('names what a bucket does on AWS that the local S3 does not', () => {
    const { warnings } = definitions({
      Resources: {
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
      },
    });
    expect(warnings).toEqual([
      'Stack/Busy (AWS::S3::Bucket): QueueConfigurations are not run locally: only EventBridge notifications are sent (to the default bus)',
      'Stack/Busy (AWS::S3::Bucket): versioning is not run locally: a key keeps only its latest object, and objects and events carry no version id',
      'Stack/Busy (AWS::S3::Bucket): lifecycle rules are not run locally: objects never expire',
    ]);
  });
});
