import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { partitionOf } from '../template/resolve.js';
import type { Clock } from '../time/clock.js';
import { type VectorBucketRow, type VectorIndexRow, VectorStore } from './vector-store.js';

const notFound = (message: string) => new AwsError('NotFoundException', message, 404);
const conflict = (message: string) => new AwsError('ConflictException', message, 409);

/** A vector bucket the template declares (`AWS::S3Vectors::VectorBucket`). */
export interface VectorBucketDefinition {
  readonly where: string;
  readonly name: string;
  readonly encryption?: Readonly<Record<string, unknown>>;
}

/** An index the template declares (`AWS::S3Vectors::Index`), in its bucket. */
export interface VectorIndexDefinition {
  readonly where: string;
  readonly bucket: string;
  readonly name: string;
  readonly dataType: string;
  readonly dimension: number;
  readonly distanceMetric: string;
  readonly nonFilterableMetadataKeys: readonly string[];
}

export interface VectorDefinitions {
  readonly buckets: readonly VectorBucketDefinition[];
  readonly indexes: readonly VectorIndexDefinition[];
}

/** What an index is created with. */
export type IndexSettings = Omit<VectorIndexDefinition, 'where' | 'bucket'>;

/** A bucket's ARN: `arn:aws:s3vectors:<region>:<account>:bucket/<name>`; its indexes' add `/index/<name>`. */
export function vectorBucketArn(name: string, { region, accountId }: { readonly region: string; readonly accountId: string }): string {
  return `arn:${partitionOf(region)}:s3vectors:${region}:${accountId}:bucket/${name}`;
}

/**
 * Amazon S3 Vectors, local: vector buckets and their indexes (the template's, created at start,
 * and those the app creates), kept in the data folder with their vectors.
 */
export class S3VectorsService {
  readonly store: VectorStore;

  constructor(
    private readonly options: { readonly db: DatabaseSync; readonly clock: Clock; readonly region: string; readonly accountId: string },
  ) {
    this.store = new VectorStore(options.db);
  }

  /** Creates the template's buckets and indexes that do not exist yet (one kept from an earlier run is left as it is); a line for each that cannot be. */
  declare(definitions: VectorDefinitions): string[] {
    const warnings: string[] = [];
    const attempt = (where: string, work: () => void) => {
      try {
        work();
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        warnings.push(`${where}: not created (${error.message})`);
      }
    };
    for (const b of definitions.buckets) {
      if (this.store.bucket(b.name) === undefined) attempt(b.where, () => this.createBucket(b.name, b.encryption));
    }
    for (const i of definitions.indexes) {
      if (this.store.index(i.bucket, i.name) === undefined) attempt(i.where, () => this.createIndex(i.bucket, i));
    }
    return warnings;
  }

  /** @throws AwsError ConflictException when the bucket exists */
  createBucket(name: string, encryption?: Readonly<Record<string, unknown>>): VectorBucketRow {
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(name) || name.length < 3 || name.length > 63) {
      throw validationError(
        `Invalid vector bucket name ${name}: 3 to 63 lower-case letters, digits and hyphens, beginning and ending with a letter or digit.`,
      );
    }
    if (this.store.bucket(name) !== undefined) throw conflict(`A vector bucket named ${name} already exists.`);
    const bucket: VectorBucketRow = {
      name,
      arn: vectorBucketArn(name, this.options),
      createdAt: this.options.clock.now(),
      ...(encryption === undefined ? {} : { encryption }),
    };
    this.store.addBucket(bucket);
    return bucket;
  }

  /** @throws AwsError NotFoundException when there is no such bucket */
  bucket(name: string): VectorBucketRow {
    const bucket = this.store.bucket(name);
    if (bucket === undefined) throw notFound(`The vector bucket ${name} does not exist.`);
    return bucket;
  }

  /** @throws AwsError ConflictException while the bucket has indexes (AWS deletes only an empty bucket) */
  deleteBucket(name: string): void {
    this.bucket(name);
    if (this.store.indexes(name).length > 0) throw conflict(`The vector bucket ${name} is not empty: delete its indexes first.`);
    this.store.dropBucket(name);
  }

  /** @throws AwsError ValidationException for a data type other than float32 or a dimension outside 1-4096, ConflictException when the index exists */
  createIndex(bucketName: string, settings: IndexSettings): VectorIndexRow {
    const bucket = this.bucket(bucketName);
    const { name, dataType, dimension, distanceMetric } = settings;
    if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(name) || name.length < 3 || name.length > 63) {
      throw validationError(
        `Invalid index name ${name}: 3 to 63 lower-case letters, digits, hyphens and dots, beginning and ending with a letter or digit.`,
      );
    }
    if (dataType !== 'float32') throw validationError(`Invalid data type ${dataType}: the data type must be float32.`);
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 4096) {
      throw validationError(`Invalid dimension ${dimension}: the dimension must be an integer from 1 to 4096.`);
    }
    if (distanceMetric !== 'cosine' && distanceMetric !== 'euclidean') {
      throw validationError(`Invalid distance metric ${distanceMetric}: the distance metric must be cosine or euclidean.`);
    }
    if (this.store.index(bucket.name, name) !== undefined)
      throw conflict(`An index named ${name} already exists in the vector bucket ${bucket.name}.`);
    const index: VectorIndexRow = {
      bucket: bucket.name,
      name,
      arn: `${bucket.arn}/index/${name}`,
      createdAt: this.options.clock.now(),
      dataType,
      dimension,
      distanceMetric,
      nonFilterableMetadataKeys: settings.nonFilterableMetadataKeys,
    };
    this.store.addIndex(index);
    return index;
  }

  /** @throws AwsError NotFoundException when there is no such bucket or index */
  index(bucketName: string, name: string): VectorIndexRow {
    const index = this.store.index(this.bucket(bucketName).name, name);
    if (index === undefined) throw notFound(`The index ${name} does not exist in the vector bucket ${bucketName}.`);
    return index;
  }

  /** The bucket an ARN names (`...:bucket/<name>`). @throws AwsError ValidationException for an ARN that is no vector bucket's */
  bucketNameOfArn(arn: string): string {
    const match = /^arn:[^:]+:s3vectors:[^:]*:[^:]*:bucket\/([^/]+)$/.exec(arn);
    if (match === null) throw validationError(`Invalid vector bucket ARN ${arn}.`);
    return match[1] as string;
  }

  /** The index an ARN names (`...:bucket/<bucket>/index/<name>`). */
  indexOfArn(arn: string): VectorIndexRow {
    const match = /^arn:[^:]+:s3vectors:[^:]*:[^:]*:bucket\/([^/]+)\/index\/([^/]+)$/.exec(arn);
    if (match === null) throw validationError(`Invalid index ARN ${arn}.`);
    return this.index(match[1] as string, match[2] as string);
  }
}
