import type { LoadedApp, LoadedResource } from '../template/load.js';

/** The resource types the local S3 reads from a template (policies are accepted, not enforced). */
export const S3_RESOURCE_TYPES = ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'Custom::S3BucketNotifications'] as const;

/** A bucket as the template declares it. */
export interface BucketDefinition {
  readonly name: string;
  /** Whether the bucket sends its events to EventBridge (the default bus of its account and region). */
  readonly eventBridge: boolean;
}

type Props = Record<string, unknown>;

/**
 * The template's buckets. EventBridge notifications are on when the bucket's own
 * `NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled` is true, or when
 * a `Custom::S3BucketNotifications` resource (what CDK's `eventBridgeEnabled` and
 * `addEventNotification` deploy, through a provider function that does not run locally)
 * names the bucket with an `EventBridgeConfiguration`. Everything else a bucket does on AWS
 * that the local S3 does not is one warning each.
 */
export function bucketDefinitions(app: LoadedApp): { buckets: BucketDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const warnings: string[] = [];
  const where = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (${r.type})`;
  const viaCustomResource = new Set<string>();
  for (const r of resources.filter((resource) => resource.type === 'Custom::S3BucketNotifications')) {
    const configuration = (r.properties.NotificationConfiguration ?? {}) as Props;
    if (configuration.EventBridgeConfiguration !== undefined) viaCustomResource.add(String(r.properties.BucketName));
    warnings.push(...otherNotifications(where(r), configuration));
  }

  const buckets = resources
    .filter((r) => r.type === 'AWS::S3::Bucket')
    .map((r): BucketDefinition => {
      const p = r.properties as Props;
      const configuration = (p.NotificationConfiguration ?? {}) as Props;
      const eventBridge = (configuration.EventBridgeConfiguration as { EventBridgeEnabled?: unknown } | undefined)?.EventBridgeEnabled;
      warnings.push(...otherNotifications(where(r), configuration));
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
      return { name: r.physicalName, eventBridge: eventBridge === true || eventBridge === 'true' || viaCustomResource.has(r.physicalName) };
    });
  // A notifications resource for a bucket the app does not declare (an imported bucket) changes nothing here.
  for (const name of viaCustomResource) {
    if (!buckets.some((bucket) => bucket.name === name)) {
      warnings.push(`Custom::S3BucketNotifications for bucket ${name}: the bucket is not in the app, so no local bucket sends its events`);
    }
  }
  return { buckets, warnings };
}

function otherNotifications(where: string, configuration: Props): string[] {
  const kinds = ['LambdaConfigurations', 'LambdaFunctionConfigurations', 'QueueConfigurations', 'TopicConfigurations'].filter(
    (kind) => Array.isArray(configuration[kind]) && (configuration[kind] as unknown[]).length > 0,
  );
  return kinds.length === 0
    ? []
    : [`${where}: ${kinds.join(', ')} are not run locally: only EventBridge notifications are sent (to the default bus)`];
}
