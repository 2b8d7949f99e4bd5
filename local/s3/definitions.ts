import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { type DestinationConfiguration, templateConfigurations } from './notification-config.js';

/** A bucket as the template declares it. */
export interface BucketDefinition {
  readonly name: string;
  /** Whether the bucket sends its events to EventBridge (the default bus of its account and region). */
  readonly eventBridge: boolean;
  /** Its queue, topic and function notification configurations. */
  readonly configurations?: readonly DestinationConfiguration[];
}

type Props = Record<string, unknown>;

/**
 * The template's buckets and their notifications, from the bucket's own
 * `NotificationConfiguration` (EventBridge on when `EventBridgeEnabled` is true; queue, topic
 * and Lambda configurations) and from any `Custom::S3BucketNotifications` resource naming the
 * bucket: what CDK's `eventBridgeEnabled` and `addEventNotification` deploy, through a
 * provider function that does not run locally, so its `NotificationConfiguration` is read
 * here instead. A configuration S3 would refuse is a warning, and that resource's queue, topic
 * and function configurations are not applied. Everything else a bucket does on AWS that the
 * local S3 does not is one warning each.
 */
export function bucketDefinitions(app: LoadedApp): { buckets: BucketDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const where = whereOf;
  const viaCustomResource = new Set<string>();
  const notifiedBuckets = new Set<string>();
  const configurations = new Map<string, DestinationConfiguration[]>();
  const readConfigurations = (r: LoadedResource, bucket: string, configuration: Props) => {
    try {
      const found = templateConfigurations(bucket, configuration);
      configurations.set(bucket, [...(configurations.get(bucket) ?? []), ...found]);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      warnings.push(`${where(r)}: its queue, topic and Lambda notifications are not applied: S3 would refuse them: ${error.message}`);
    }
  };
  for (const r of resources.filter((resource) => resource.type === 'Custom::S3BucketNotifications')) {
    const configuration = (r.properties.NotificationConfiguration ?? {}) as Props;
    const bucket = String(r.properties.BucketName);
    notifiedBuckets.add(bucket);
    if (configuration.EventBridgeConfiguration !== undefined) viaCustomResource.add(bucket);
    readConfigurations(r, bucket, configuration);
  }

  const buckets = resources
    .filter((r) => r.type === 'AWS::S3::Bucket')
    .map((r): BucketDefinition => {
      const p = r.properties as Props;
      const configuration = (p.NotificationConfiguration ?? {}) as Props;
      const eventBridge = (configuration.EventBridgeConfiguration as { EventBridgeEnabled?: unknown } | undefined)?.EventBridgeEnabled;
      readConfigurations(r, r.physicalName, configuration);
      const versioning = (p.VersioningConfiguration as { Status?: string } | undefined)?.Status;
      if (versioning === 'Enabled') {
        warnings.push(
          `${where(r)}: versioning is not run locally: a key keeps only its latest object, and objects and events carry no version id`,
        );
      }
      if (p.LoggingConfiguration !== undefined) warnings.push(`${where(r)}: server access logs are not written locally`);
      if (p.LifecycleConfiguration !== undefined) warnings.push(`${where(r)}: lifecycle rules are not run locally: objects never expire`);
      if (p.ReplicationConfiguration !== undefined) warnings.push(`${where(r)}: replication is not run locally`);
      if (p.ObjectLockEnabled === true || p.ObjectLockEnabled === 'true') {
        warnings.push(`${where(r)}: object lock is not enforced locally: objects can be overwritten and deleted`);
      }
      return {
        name: r.physicalName,
        eventBridge: eventBridge === true || eventBridge === 'true' || viaCustomResource.has(r.physicalName),
        configurations: configurations.get(r.physicalName) ?? [],
      };
    });
  // A notifications resource for a bucket the app does not declare (an imported bucket) changes nothing here.
  for (const name of notifiedBuckets) {
    if (!buckets.some((bucket) => bucket.name === name)) {
      warnings.push(`Custom::S3BucketNotifications for bucket ${name}: the bucket is not in the app, so no local bucket sends its events`);
    }
  }
  return { buckets, warnings };
}
