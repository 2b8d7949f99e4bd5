import { AwsError, validationError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { operationTable } from '../service-registry/operation-table.js';
import type { S3VectorsService } from './s3vectors-service.js';
import { nearest } from './vector-query.js';
import type { StoredVector, VectorIndexRow, VectorMetadata } from './vector-store.js';

type Body = Record<string, unknown>;
/** Where a request names its bucket: by name or by ARN (exactly one, as AWS requires). */
type BucketInput = { readonly vectorBucketName?: string; readonly vectorBucketArn?: string };
/** Where a request names its index: bucket and index names, or the index's ARN. */
type IndexInput = { readonly vectorBucketName?: string; readonly indexName?: string; readonly indexArn?: string };
type Listing = { readonly maxResults?: number; readonly nextToken?: string; readonly prefix?: string };
type VectorData = { readonly float32?: readonly number[] };

/** The operations' paths (`POST /PutVectors`), and `/tags/` of S3 Vectors' own ARNs (which many services' APIs share). */
const PATHS =
  /^\/(CreateVectorBucket|GetVectorBucket|ListVectorBuckets|DeleteVectorBucket|CreateIndex|GetIndex|ListIndexes|DeleteIndex|PutVectors|GetVectors|ListVectors|DeleteVectors|QueryVectors|PutVectorBucketPolicy|GetVectorBucketPolicy|DeleteVectorBucketPolicy)$|^\/tags\/arn:[^:/]+:s3vectors:/;

/** S3 Vectors' REST-JSON protocol over its operations, from its model (every operation is a POST of its own name). */
export function s3VectorsProtocol(api: S3VectorsApi): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('s3vectors'),
    operationTable(api, S3VectorsApi) as ModelOperations,
    { serviceName: 'S3Vectors', validate: modelValidator('s3vectors') },
    { paths: PATHS, greedyLabels: ['resourceArn'] },
  );
}

const notFound = (message: string) => new AwsError('NotFoundException', message, 404);

/**
 * Amazon S3 Vectors' operations (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_S3_Vectors.html):
 * vector buckets, their indexes and policies, and the vectors of an index, over S3VectorsService,
 * each taking its input in the API's shape as the model-driven codec decodes it (s3VectorsProtocol).
 * A bucket is named by `vectorBucketName` or `vectorBucketArn`, an index by the bucket's and its
 * own name or by `indexArn`.
 */
export class S3VectorsApi {
  constructor(private readonly service: S3VectorsService) {}

  async CreateVectorBucket(input: { vectorBucketName: string; encryptionConfiguration?: Body }) {
    const bucket = this.service.createBucket(input.vectorBucketName, input.encryptionConfiguration);
    return { vectorBucketArn: bucket.arn };
  }

  async GetVectorBucket(input: BucketInput) {
    const bucket = this.service.bucket(this.#bucketName(input));
    return {
      vectorBucket: {
        vectorBucketName: bucket.name,
        vectorBucketArn: bucket.arn,
        creationTime: new Date(bucket.createdAt),
        encryptionConfiguration: bucket.encryption ?? { sseType: 'AES256' },
      },
    };
  }

  async ListVectorBuckets(input: Listing) {
    const buckets = this.service.store.buckets().filter((b) => b.name.startsWith(input.prefix ?? ''));
    const { page, next } = paginate(buckets, input, 500);
    return {
      vectorBuckets: page.map((b) => ({ vectorBucketName: b.name, vectorBucketArn: b.arn, creationTime: new Date(b.createdAt) })),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }

  async DeleteVectorBucket(input: BucketInput) {
    this.service.deleteBucket(this.#bucketName(input));
    return {};
  }

  async CreateIndex(input: Body & BucketInput) {
    const index = this.service.createIndex(this.#bucketName(input), {
      name: String(input.indexName),
      dataType: String(input.dataType),
      dimension: Number(input.dimension),
      distanceMetric: String(input.distanceMetric),
      nonFilterableMetadataKeys: ((input.metadataConfiguration as Body | undefined)?.nonFilterableMetadataKeys as string[]) ?? [],
    });
    return { indexArn: index.arn };
  }

  async GetIndex(input: IndexInput) {
    const index = this.#index(input);
    return {
      index: {
        vectorBucketName: index.bucket,
        indexName: index.name,
        indexArn: index.arn,
        creationTime: new Date(index.createdAt),
        dataType: index.dataType,
        dimension: index.dimension,
        distanceMetric: index.distanceMetric,
        ...(index.nonFilterableMetadataKeys.length === 0
          ? {}
          : { metadataConfiguration: { nonFilterableMetadataKeys: index.nonFilterableMetadataKeys } }),
      },
    };
  }

  async ListIndexes(input: BucketInput & Listing) {
    const bucket = this.service.bucket(this.#bucketName(input));
    const indexes = this.service.store.indexes(bucket.name).filter((i) => i.name.startsWith(input.prefix ?? ''));
    const { page, next } = paginate(indexes, input, 500);
    return {
      indexes: page.map((i) => ({ vectorBucketName: i.bucket, indexName: i.name, indexArn: i.arn, creationTime: new Date(i.createdAt) })),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }

  async DeleteIndex(input: IndexInput) {
    const index = this.#index(input);
    this.service.store.dropIndex(index.bucket, index.name);
    return {};
  }

  /** Writes vectors, a key already there replaced (its metadata too), all checked before any is written. */
  async PutVectors(input: IndexInput & { vectors: readonly { key: string; data: VectorData; metadata?: VectorMetadata }[] }) {
    const index = this.#index(input);
    const keys = new Set<string>();
    const vectors = input.vectors.map((v): StoredVector => {
      if (keys.has(v.key)) throw validationError(`Invalid input: the key ${v.key} is given more than once.`);
      keys.add(v.key);
      return { key: v.key, data: dataOf(index, v.data, `vector ${v.key}`), ...(v.metadata === undefined ? {} : { metadata: v.metadata }) };
    });
    this.service.store.putVectors(index, vectors);
    return {};
  }

  /** The vectors of these keys that exist (a missing key is left out, as AWS does), in the order asked. */
  async GetVectors(input: IndexInput & { keys: readonly string[]; returnData?: boolean; returnMetadata?: boolean }) {
    const index = this.#index(input);
    const found = input.keys.flatMap((key) => this.service.store.vector(index, key) ?? []);
    return { vectors: found.map((v) => outputOf(v, input)) };
  }

  /** The index's vectors by key, a page at a time; `segmentCount`/`segmentIndex` split them into that many parts (by key order here). */
  async ListVectors(
    input: IndexInput & Listing & { segmentCount?: number; segmentIndex?: number; returnData?: boolean; returnMetadata?: boolean },
  ) {
    const index = this.#index(input);
    let vectors = this.service.store.vectors(index);
    if (input.segmentCount !== undefined || input.segmentIndex !== undefined) {
      const count = input.segmentCount ?? 1;
      const segment = input.segmentIndex ?? 0;
      if (input.segmentCount === undefined || segment >= count) {
        throw validationError('Invalid input: segmentIndex and segmentCount go together, and segmentIndex must be less than segmentCount.');
      }
      vectors = vectors.filter((_, i) => i % count === segment);
    }
    const { page, next } = paginate(vectors, input, 500);
    return { vectors: page.map((v) => outputOf(v, input)), ...(next === undefined ? {} : { nextToken: next }) };
  }

  async DeleteVectors(input: IndexInput & { keys: readonly string[] }) {
    this.service.store.deleteVectors(this.#index(input), input.keys);
    return {};
  }

  /** The `topK` nearest neighbours of `queryVector` (exact, where AWS's search is approximate) that pass `filter`. */
  async QueryVectors(
    input: IndexInput & { topK: number; queryVector: VectorData; filter?: Body; returnMetadata?: boolean; returnDistance?: boolean },
  ) {
    const index = this.#index(input);
    const query = dataOf(index, input.queryVector, 'the query vector');
    const found = nearest(
      this.service.store.vectors(index),
      { data: query, metric: index.distanceMetric, topK: input.topK },
      { ...(input.filter === undefined ? {} : { filter: input.filter }), nonFilterable: index.nonFilterableMetadataKeys },
    );
    return {
      distanceMetric: index.distanceMetric,
      vectors: found.map(({ vector, distance }) => ({
        key: vector.key,
        ...(input.returnDistance ? { distance } : {}),
        ...(input.returnMetadata && vector.metadata !== undefined ? { metadata: vector.metadata } : {}),
      })),
    };
  }

  async PutVectorBucketPolicy(input: BucketInput & { policy: string }) {
    const bucket = this.service.bucket(this.#bucketName(input));
    try {
      JSON.parse(input.policy);
    } catch (error) {
      throw validationError('Invalid policy: the policy is not a JSON document.', { cause: error });
    }
    this.service.store.putPolicy(bucket.name, input.policy);
    return {};
  }

  async GetVectorBucketPolicy(input: BucketInput) {
    const bucket = this.service.bucket(this.#bucketName(input));
    const policy = this.service.store.policy(bucket.name);
    if (policy === undefined) throw notFound(`The vector bucket ${bucket.name} has no policy.`);
    return { policy };
  }

  async DeleteVectorBucketPolicy(input: BucketInput) {
    const bucket = this.service.bucket(this.#bucketName(input));
    if (this.service.store.policy(bucket.name) === undefined) throw notFound(`The vector bucket ${bucket.name} has no policy.`);
    this.service.store.deletePolicy(bucket.name);
    return {};
  }

  /** The bucket a request names, by its name or ARN (exactly one of them). */
  #bucketName(input: BucketInput): string {
    if ((input.vectorBucketName === undefined) === (input.vectorBucketArn === undefined)) {
      throw validationError('Invalid input: exactly one of vectorBucketName and vectorBucketArn must be given.');
    }
    return input.vectorBucketName ?? this.service.bucketNameOfArn(input.vectorBucketArn as string);
  }

  /** The index a request names, by bucket and index names or by its ARN. */
  #index(input: IndexInput): VectorIndexRow {
    if (input.indexArn !== undefined) {
      if (input.vectorBucketName !== undefined || input.indexName !== undefined) {
        throw validationError('Invalid input: give either indexArn or vectorBucketName and indexName, not both.');
      }
      return this.service.indexOfArn(input.indexArn);
    }
    if (input.vectorBucketName === undefined || input.indexName === undefined) {
      throw validationError('Invalid input: either indexArn or both vectorBucketName and indexName must be given.');
    }
    return this.service.index(input.vectorBucketName, input.indexName);
  }
}

/**
 * A vector's components as the index keeps them: float32, as many as its dimension; a zero
 * vector has no cosine distance, which AWS refuses in a cosine index.
 */
function dataOf(index: VectorIndexRow, data: VectorData, what: string): Float32Array {
  const values = data.float32;
  if (values === undefined) throw validationError(`Invalid input: ${what} must have float32 data.`);
  if (values.length !== index.dimension) {
    throw validationError(`Invalid input: ${what} has dimension ${values.length}, but the index's dimension is ${index.dimension}.`);
  }
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw validationError(`Invalid input: ${what} has a value that is not a finite number.`);
  if (index.distanceMetric === 'cosine' && values.every((v) => v === 0)) {
    throw validationError(`Invalid input: ${what} is a zero vector, which has no cosine distance.`);
  }
  return new Float32Array(values);
}

/** A vector as GetVectors and ListVectors answer it: its key, and its data and metadata when asked for. */
function outputOf(vector: StoredVector, asked: { returnData?: boolean; returnMetadata?: boolean }) {
  return {
    key: vector.key,
    ...(asked.returnData ? { data: { float32: [...vector.data] } } : {}),
    ...(asked.returnMetadata && vector.metadata !== undefined ? { metadata: vector.metadata } : {}),
  };
}

/** A page of a listing: `nextToken` is the position of the next item (the codec has checked maxResults against the model's range). */
function paginate<T>(items: readonly T[], listing: Listing, defaultMax: number): { page: T[]; next?: string } {
  const max = listing.maxResults ?? defaultMax;
  const start = listing.nextToken === undefined ? 0 : Number(listing.nextToken);
  if (!Number.isInteger(start) || start < 0) throw validationError('Invalid input: the nextToken is not valid.');
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { next: String(start + max) } : {}) };
}
