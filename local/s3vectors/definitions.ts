import type { LoadedApp } from '../template/load.js';
import { indexBucketName } from './resource-types.js';
import type { VectorDefinitions } from './s3vectors-service.js';

type Properties = Readonly<Record<string, unknown>>;

/** The vector buckets and indexes the app's templates declare, with where each comes from for warnings. */
export function vectorDefinitions(app: LoadedApp): VectorDefinitions {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const where = (r: (typeof resources)[number]) => `${r.stackName}/${r.logicalId} (${r.type})`;
  const buckets = resources
    .filter((r) => r.type === 'AWS::S3Vectors::VectorBucket')
    .map((r) => {
      const encryption = r.properties.EncryptionConfiguration as Properties | undefined;
      return {
        where: where(r),
        name: r.physicalName,
        ...(encryption === undefined
          ? {}
          : {
              encryption: {
                sseType: encryption.SseType ?? 'AES256',
                ...(encryption.KmsKeyArn === undefined ? {} : { kmsKeyArn: encryption.KmsKeyArn }),
              },
            }),
      };
    });
  const indexes = resources
    .filter((r) => r.type === 'AWS::S3Vectors::Index')
    .flatMap((r) => {
      const bucket = indexBucketName(r.properties);
      // A bucket that could not be resolved is already reported; the index is not created without one.
      if (bucket === undefined) return [];
      const metadata = r.properties.MetadataConfiguration as Properties | undefined;
      return [
        {
          where: where(r),
          bucket,
          name: r.physicalName,
          dataType: String(r.properties.DataType ?? 'float32'),
          dimension: Number(r.properties.Dimension),
          distanceMetric: String(r.properties.DistanceMetric ?? ''),
          nonFilterableMetadataKeys: (metadata?.NonFilterableMetadataKeys as string[] | undefined) ?? [],
        },
      ];
    });
  return { buckets, indexes };
}
