import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';

/** A vector's metadata: any JSON object (S3 Vectors' values are strings, numbers, booleans and lists of them). */
export type VectorMetadata = Readonly<Record<string, unknown>>;

export interface VectorBucketRow {
  readonly name: string;
  readonly arn: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly encryption?: Readonly<Record<string, unknown>>;
}

export interface VectorIndexRow {
  readonly bucket: string;
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly dataType: string;
  readonly dimension: number;
  readonly distanceMetric: string;
  readonly nonFilterableMetadataKeys: readonly string[];
}

export interface StoredVector {
  readonly key: string;
  readonly data: Float32Array;
  readonly metadata?: VectorMetadata;
}

type Statements =
  | 'bucket'
  | 'buckets'
  | 'putBucket'
  | 'dropBucket'
  | 'index'
  | 'indexes'
  | 'putIndex'
  | 'dropIndex'
  | 'dropIndexVectors'
  | 'vectors'
  | 'vector'
  | 'putVector'
  | 'dropVector'
  | 'policy'
  | 'putPolicy'
  | 'dropPolicy';

/** A float32 vector as its BLOB keeps it (little-endian, 4 bytes a component). */
export const float32Blob = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
const float32Of = (blob: Uint8Array): Float32Array => new Float32Array(new Uint8Array(blob).buffer);

/**
 * S3 Vectors' buckets, indexes, vectors and bucket policies in the data folder's
 * `s3vectors.sqlite`: each vector's components as a float32 BLOB, its metadata as JSON.
 */
export class VectorStore {
  readonly #s: Record<Statements, StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS vector_buckets (name TEXT PRIMARY KEY, arn TEXT NOT NULL, created_at INTEGER NOT NULL, encryption TEXT);
      CREATE TABLE IF NOT EXISTS vector_indexes (bucket TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, created_at INTEGER NOT NULL,
        data_type TEXT NOT NULL, dimension INTEGER NOT NULL, distance_metric TEXT NOT NULL, non_filterable TEXT NOT NULL, PRIMARY KEY (bucket, name));
      CREATE TABLE IF NOT EXISTS vectors (bucket TEXT NOT NULL, idx TEXT NOT NULL, key TEXT NOT NULL, data BLOB NOT NULL, metadata TEXT,
        PRIMARY KEY (bucket, idx, key));
      CREATE TABLE IF NOT EXISTS vector_bucket_policies (bucket TEXT PRIMARY KEY, policy TEXT NOT NULL);`);
    this.#s = {
      bucket: db.prepare('SELECT * FROM vector_buckets WHERE name = ?'),
      buckets: db.prepare('SELECT * FROM vector_buckets ORDER BY name'),
      putBucket: db.prepare('INSERT INTO vector_buckets VALUES (?, ?, ?, ?)'),
      dropBucket: db.prepare('DELETE FROM vector_buckets WHERE name = ?'),
      index: db.prepare('SELECT * FROM vector_indexes WHERE bucket = ? AND name = ?'),
      indexes: db.prepare('SELECT * FROM vector_indexes WHERE bucket = ? ORDER BY name'),
      putIndex: db.prepare('INSERT INTO vector_indexes VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      dropIndex: db.prepare('DELETE FROM vector_indexes WHERE bucket = ? AND name = ?'),
      dropIndexVectors: db.prepare('DELETE FROM vectors WHERE bucket = ? AND idx = ?'),
      vectors: db.prepare('SELECT key, data, metadata FROM vectors WHERE bucket = ? AND idx = ? ORDER BY key'),
      vector: db.prepare('SELECT key, data, metadata FROM vectors WHERE bucket = ? AND idx = ? AND key = ?'),
      putVector: db.prepare('INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)'),
      dropVector: db.prepare('DELETE FROM vectors WHERE bucket = ? AND idx = ? AND key = ?'),
      policy: db.prepare('SELECT policy FROM vector_bucket_policies WHERE bucket = ?'),
      putPolicy: db.prepare('INSERT OR REPLACE INTO vector_bucket_policies VALUES (?, ?)'),
      dropPolicy: db.prepare('DELETE FROM vector_bucket_policies WHERE bucket = ?'),
    };
  }

  bucket(name: string): VectorBucketRow | undefined {
    const row = this.#s.bucket.get(name);
    return row === undefined ? undefined : bucketOf(row);
  }

  buckets(): VectorBucketRow[] {
    return this.#s.buckets.all().map(bucketOf);
  }

  addBucket(bucket: VectorBucketRow): void {
    this.#s.putBucket.run(
      bucket.name,
      bucket.arn,
      bucket.createdAt,
      bucket.encryption === undefined ? null : JSON.stringify(bucket.encryption),
    );
  }

  /** Deletes a bucket (its indexes are gone already: S3 Vectors refuses to delete one that has any) and its policy. */
  dropBucket(name: string): void {
    inTransaction(this.db, () => {
      this.#s.dropBucket.run(name);
      this.#s.dropPolicy.run(name);
    });
  }

  index(bucket: string, name: string): VectorIndexRow | undefined {
    const row = this.#s.index.get(bucket, name);
    return row === undefined ? undefined : indexOf(row);
  }

  indexes(bucket: string): VectorIndexRow[] {
    return this.#s.indexes.all(bucket).map(indexOf);
  }

  addIndex(index: VectorIndexRow): void {
    this.#s.putIndex.run(
      index.bucket,
      index.name,
      index.arn,
      index.createdAt,
      index.dataType,
      index.dimension,
      index.distanceMetric,
      JSON.stringify(index.nonFilterableMetadataKeys),
    );
  }

  /** Deletes an index with its vectors. */
  dropIndex(bucket: string, name: string): void {
    inTransaction(this.db, () => {
      this.#s.dropIndexVectors.run(bucket, name);
      this.#s.dropIndex.run(bucket, name);
    });
  }

  /** Every vector of an index, by key. */
  vectors(index: VectorIndexRow): StoredVector[] {
    return this.#s.vectors.all(index.bucket, index.name).map(vectorOf);
  }

  vector(index: VectorIndexRow, key: string): StoredVector | undefined {
    const row = this.#s.vector.get(index.bucket, index.name, key);
    return row === undefined ? undefined : vectorOf(row);
  }

  /** Writes vectors, one of a key already there replacing it, all or none. */
  putVectors(index: VectorIndexRow, vectors: readonly StoredVector[]): void {
    inTransaction(this.db, () => {
      for (const v of vectors) {
        const metadata = v.metadata === undefined ? null : JSON.stringify(v.metadata);
        this.#s.putVector.run(index.bucket, index.name, v.key, float32Blob(v.data), metadata);
      }
    });
  }

  deleteVectors(index: VectorIndexRow, keys: readonly string[]): void {
    inTransaction(this.db, () => {
      for (const key of keys) this.#s.dropVector.run(index.bucket, index.name, key);
    });
  }

  policy(bucket: string): string | undefined {
    return (this.#s.policy.get(bucket) as { policy: string } | undefined)?.policy;
  }

  putPolicy(bucket: string, policy: string): void {
    this.#s.putPolicy.run(bucket, policy);
  }

  deletePolicy(bucket: string): void {
    this.#s.dropPolicy.run(bucket);
  }
}

type Row = Record<string, unknown>;

function bucketOf(row: Row): VectorBucketRow {
  return {
    name: row.name as string,
    arn: row.arn as string,
    createdAt: Number(row.created_at),
    ...(row.encryption === null ? {} : { encryption: JSON.parse(row.encryption as string) }),
  };
}

function indexOf(row: Row): VectorIndexRow {
  return {
    bucket: row.bucket as string,
    name: row.name as string,
    arn: row.arn as string,
    createdAt: Number(row.created_at),
    dataType: row.data_type as string,
    dimension: Number(row.dimension),
    distanceMetric: row.distance_metric as string,
    nonFilterableMetadataKeys: JSON.parse(row.non_filterable as string),
  };
}

function vectorOf(row: Row): StoredVector {
  return {
    key: row.key as string,
    data: float32Of(row.data as Uint8Array),
    ...(row.metadata === null ? {} : { metadata: JSON.parse(row.metadata as string) }),
  };
}
