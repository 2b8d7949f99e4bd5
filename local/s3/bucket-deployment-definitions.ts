/**
 * CDK's bucket deployments (`Custom::CDKBucketDeployment`, `s3deploy.BucketDeployment`) as the
 * template gives them to their provider: the source archives (the cloud assembly's assets,
 * by their S3 object key, or objects of a bucket), the destination, and the provider's
 * options (Extract, Prune, RetainOnDelete, Exclude, Include, the objects' metadata, the
 * deploy-time values `Source.data` and `Source.jsonData` leave markers for).
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3_deployment-readme.html
 */
import type { LoadedApp } from '../template/load.js';

export const BUCKET_DEPLOYMENT = 'Custom::CDKBucketDeployment';

export interface DeploymentSource {
  readonly bucket: string;
  readonly key: string;
  /** The assembly's asset of that key: a folder (a zip asset before packaging) or a file; absent for an object of a bucket. */
  readonly assetPath?: string;
  /** Marker -> the deploy-time value it stands for. */
  readonly markers: Readonly<Record<string, string>>;
  /** Whether a marker's value is written JSON-escaped (`Source.jsonData`'s `escape`). */
  readonly jsonEscape: boolean;
}

export interface BucketDeploymentDefinition {
  /** `Stack/LogicalId`. */
  readonly id: string;
  readonly sources: readonly DeploymentSource[];
  readonly bucket: string;
  /** `DestinationBucketKeyPrefix`, with its `/` as given (the provider joins it as `s3://bucket/prefix`). */
  readonly prefix: string;
  readonly extract: boolean;
  readonly prune: boolean;
  readonly retainOnDelete: boolean;
  readonly exclude: readonly string[];
  readonly include: readonly string[];
  /** `x-amz-meta-*` values, names in lower case. */
  readonly userMetadata: Readonly<Record<string, string>>;
  /** The AWS CLI's `--<name>` options the provider passes (`content-type`, `cache-control`, ...), names in lower case. */
  readonly systemMetadata: Readonly<Record<string, string>>;
}

type Props = Record<string, unknown>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const flag = (value: unknown, fallback: boolean): boolean =>
  value === undefined ? fallback : value === true || String(value).toLowerCase() === 'true';
const lowerKeys = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((value ?? {}) as Props).map(([k, v]) => [k.toLowerCase(), String(v)]));

/** The template's bucket deployments, their sources found among the assembly's assets. */
export function bucketDeploymentDefinitions(app: LoadedApp): BucketDeploymentDefinition[] {
  const deployments: BucketDeploymentDefinition[] = [];
  for (const stack of app.stacks) {
    for (const r of stack.resources.filter((resource) => resource.type === BUCKET_DEPLOYMENT)) {
      const p = r.properties as Props;
      const buckets = strings(p.SourceBucketNames);
      const keys = strings(p.SourceObjectKeys);
      const markers = Array.isArray(p.SourceMarkers) ? (p.SourceMarkers as Props[]) : [];
      const markersConfig = Array.isArray(p.SourceMarkersConfig) ? (p.SourceMarkersConfig as Props[]) : [];
      const sources = keys.map((key, i): DeploymentSource => {
        const assetPath = stack.assets?.get(key);
        return {
          bucket: buckets[i] ?? '',
          key,
          ...(assetPath === undefined ? {} : { assetPath }),
          markers: Object.fromEntries(Object.entries(markers[i] ?? {}).map(([k, v]) => [k, String(v)])),
          jsonEscape: flag(markersConfig[i]?.jsonEscape, false),
        };
      });
      deployments.push({
        id: `${r.stackName}/${r.logicalId}`,
        sources,
        bucket: String(p.DestinationBucketName ?? ''),
        prefix: typeof p.DestinationBucketKeyPrefix === 'string' ? p.DestinationBucketKeyPrefix : '',
        // The provider's defaults: extract archives, prune the destination, retain its files when the deployment goes.
        extract: flag(p.Extract, true),
        prune: flag(p.Prune, true),
        retainOnDelete: flag(p.RetainOnDelete, true),
        exclude: strings(p.Exclude),
        include: strings(p.Include),
        userMetadata: lowerKeys(p.UserMetadata),
        systemMetadata: lowerKeys(p.SystemMetadata),
      });
    }
  }
  return deployments;
}
