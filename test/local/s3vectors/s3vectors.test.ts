import {
  CreateIndexCommand,
  CreateVectorBucketCommand,
  DeleteIndexCommand,
  DeleteVectorBucketCommand,
  GetIndexCommand,
  GetVectorBucketPolicyCommand,
  GetVectorsCommand,
  ListVectorBucketsCommand,
  ListVectorsCommand,
  PutVectorBucketPolicyCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  S3VectorsClient,
} from '@aws-sdk/client-s3vectors';
import { describe, expect, it } from 'vitest';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, roleConfig, sdkConfig } from '../restartable-runtime.js';
import { inlinePolicy, serviceRole } from '../template-resources.js';

const BUCKET_ARN = 'arn:aws:s3vectors:us-east-1:000000000000:bucket/docs';

/** The template's vector bucket `docs` and its index `Index` with these properties. */
function docsWithIndex(index: Record<string, unknown>): Record<string, TemplateResource> {
  return {
    Bucket: { Type: 'AWS::S3Vectors::VectorBucket', Properties: { VectorBucketName: 'docs' } },
    Index: { Type: 'AWS::S3Vectors::Index', Properties: index },
  };
}

describe('S3 Vectors', () => {
  const local = restartableRuntime({
    assembly: () =>
      assemblyOf(
        docsWithIndex({
          VectorBucketArn: { 'Fn::GetAtt': ['Bucket', 'VectorBucketArn'] },
          IndexName: 'chunks',
          DataType: 'float32',
          Dimension: 3,
          DistanceMetric: 'cosine',
          MetadataConfiguration: { NonFilterableMetadataKeys: ['text'] },
        }),
      ),
    ownsAssembly: true,
    clients: (runtime) => ({ vectors: new S3VectorsClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });

  it("serves the template's bucket and index, by name or by ARN", async () => {
    const { index } = await local.vectors.send(new GetIndexCommand({ indexArn: `${BUCKET_ARN}/index/chunks` }));
    expect(index).toMatchObject({
      vectorBucketName: 'docs',
      indexName: 'chunks',
      dimension: 3,
      distanceMetric: 'cosine',
      dataType: 'float32',
      metadataConfiguration: { nonFilterableMetadataKeys: ['text'] },
    });
    const { vectorBuckets } = await local.vectors.send(new ListVectorBucketsCommand({}));
    expect(vectorBuckets?.map((b) => b.vectorBucketArn)).toEqual([BUCKET_ARN]);
  });

  it('answers the topK nearest vectors that pass the filter, closest first, and keeps them across a restart', async () => {
    const where = { vectorBucketName: 'docs', indexName: 'chunks' };
    await local.vectors.send(
      new PutVectorsCommand({
        ...where,
        vectors: [
          { key: 'a', data: { float32: [1, 0, 0] }, metadata: { genre: 'drama', year: 2001, text: 'first' } },
          { key: 'b', data: { float32: [0.9, 0.1, 0] }, metadata: { genre: 'comedy', year: 2010 } },
          { key: 'c', data: { float32: [0.8, 0.2, 0] }, metadata: { genre: ['drama', 'crime'], year: 2020 } },
          { key: 'd', data: { float32: [0, 0, 1] }, metadata: { genre: 'drama', year: 2024 } },
        ],
      }),
    );
    // An upsert: the key's vector and metadata are replaced.
    await local.vectors.send(
      new PutVectorsCommand({ ...where, vectors: [{ key: 'd', data: { float32: [0, 1, 0] }, metadata: { genre: 'drama', year: 1999 } }] }),
    );
    const query = (filter?: Record<string, unknown>) =>
      local.vectors.send(
        new QueryVectorsCommand({
          ...where,
          topK: 2,
          queryVector: { float32: [1, 0, 0] },
          returnDistance: true,
          returnMetadata: true,
          ...(filter === undefined ? {} : { filter: filter as never }),
        }),
      );
    const all = await query();
    expect(all.distanceMetric).toBe('cosine');
    expect(all.vectors?.map((v) => v.key)).toEqual(['a', 'b']);
    expect(all.vectors?.[0]?.distance).toBeCloseTo(0, 5);
    expect(all.vectors?.[0]?.metadata).toEqual({ genre: 'drama', year: 2001, text: 'first' });
    // $eq matches a list's item; the filter narrows before topK.
    const dramas = await query({ $and: [{ genre: 'drama' }, { year: { $gte: 2000 } }] });
    expect(dramas.vectors?.map((v) => v.key)).toEqual(['a', 'c']);
    const others = await query({ $or: [{ genre: { $nin: ['drama'] } }, { year: { $lt: 2000 } }] });
    expect(others.vectors?.map((v) => v.key)).toEqual(['b', 'd']);
    // A non-filterable key is not there for the filter.
    expect((await query({ text: { $exists: true } })).vectors).toEqual([]);

    await local.restart();
    const { vectors } = await local.vectors.send(
      new GetVectorsCommand({ ...where, keys: ['d', 'x'], returnData: true, returnMetadata: true }),
    );
    expect(vectors).toEqual([{ key: 'd', data: { float32: [0, 1, 0] }, metadata: { genre: 'drama', year: 1999 } }]);
    expect((await query()).vectors?.map((v) => v.key)).toEqual(['a', 'b']);
  });

  it('creates a bucket and a Euclidean index, lists vectors a page at a time, and keeps a bucket policy', async () => {
    const { vectorBucketArn } = await local.vectors.send(new CreateVectorBucketCommand({ vectorBucketName: 'made' }));
    await local.vectors.send(
      new CreateIndexCommand({ vectorBucketArn, indexName: 'points', dataType: 'float32', dimension: 2, distanceMetric: 'euclidean' }),
    );
    const where = { vectorBucketName: 'made', indexName: 'points' };
    const vectors = ['k1', 'k2', 'k3'].map((key, i) => ({ key, data: { float32: [i, 0] } }));
    await local.vectors.send(new PutVectorsCommand({ ...where, vectors }));
    const first = await local.vectors.send(new ListVectorsCommand({ ...where, maxResults: 2 }));
    const second = await local.vectors.send(new ListVectorsCommand({ ...where, maxResults: 2, nextToken: first.nextToken }));
    expect([...(first.vectors ?? []), ...(second.vectors ?? [])].map((v) => v.key)).toEqual(['k1', 'k2', 'k3']);
    expect(second.nextToken).toBeUndefined();
    const near = await local.vectors.send(
      new QueryVectorsCommand({ ...where, topK: 1, queryVector: { float32: [2, 1] }, returnDistance: true }),
    );
    expect(near.vectors).toEqual([{ key: 'k3', distance: 1 }]);

    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await local.vectors.send(new PutVectorBucketPolicyCommand({ vectorBucketName: 'made', policy }));
    expect((await local.vectors.send(new GetVectorBucketPolicyCommand({ vectorBucketArn }))).policy).toBe(policy);

    expect(await sdkFailure(local.vectors.send(new DeleteVectorBucketCommand({ vectorBucketName: 'made' })))).toMatchObject({
      code: 'ConflictException',
      status: 409,
    });
    await local.vectors.send(new DeleteIndexCommand(where));
    await local.vectors.send(new DeleteVectorBucketCommand({ vectorBucketName: 'made' }));
  });

  describe('errors', () => {
    it("fails if a vector's dimension is not the index's", async () => {
      const put = new PutVectorsCommand({
        vectorBucketName: 'docs',
        indexName: 'chunks',
        vectors: [{ key: 'z', data: { float32: [1, 2] } }],
      });
      expect(await sdkFailure(local.vectors.send(put))).toEqual({
        code: 'ValidationException',
        message: "Invalid input: vector z has dimension 2, but the index's dimension is 3.",
        status: 400,
      });
    });

    it('fails if the filter uses an operator S3 Vectors does not have', async () => {
      const query = new QueryVectorsCommand({
        vectorBucketName: 'docs',
        indexName: 'chunks',
        topK: 1,
        queryVector: { float32: [1, 0, 0] },
        filter: { genre: { $regex: 'dr' } } as never,
      });
      expect(await sdkFailure(local.vectors.send(query))).toMatchObject({ code: 'ValidationException', status: 400 });
    });

    it('fails if the index does not exist', async () => {
      expect(await sdkFailure(local.vectors.send(new GetIndexCommand({ vectorBucketName: 'docs', indexName: 'none' })))).toEqual({
        code: 'NotFoundException',
        message: 'The index none does not exist in the vector bucket docs.',
        status: 404,
      });
    });

    it('fails if the bucket exists already', async () => {
      expect(await sdkFailure(local.vectors.send(new CreateVectorBucketCommand({ vectorBucketName: 'docs' })))).toMatchObject({
        code: 'ConflictException',
        status: 409,
      });
    });
  });
});

describe('S3 Vectors under IAM enforce', () => {
  const index = `${BUCKET_ARN}/index/chunks`;
  const local = restartableRuntime({
    assembly: () =>
      assemblyOf({
        ...docsWithIndex({ VectorBucketName: 'docs', IndexName: 'chunks', DataType: 'float32', Dimension: 2, DistanceMetric: 'euclidean' }),
        // The role may query the index, nothing else.
        Reader: serviceRole('lambda.amazonaws.com', {
          RoleName: 'Reader',
          Policies: [inlinePolicy('query', { Action: 's3vectors:QueryVectors', Resource: index })],
        }),
      }),
    ownsAssembly: true,
    options: { iam: 'enforce' },
    clients: (runtime) => ({
      reader: new S3VectorsClient({ ...roleConfig(runtime, 'arn:aws:iam::000000000000:role/Reader', 'fn'), maxAttempts: 1 }),
    }),
  });

  it('runs the action the role allows on the index, and refuses another with AccessDeniedException', async () => {
    const query = new QueryVectorsCommand({ indexArn: index, topK: 1, queryVector: { float32: [1, 1] } });
    expect((await local.reader.send(query)).vectors).toEqual([]);
    const put = new PutVectorsCommand({ indexArn: index, vectors: [{ key: 'k', data: { float32: [1, 1] } }] });
    expect(await sdkFailure(local.reader.send(put))).toMatchObject({
      code: 'AccessDeniedException',
      message: expect.stringContaining(`not authorized to perform: s3vectors:PutVectors on resource: ${index}`),
      status: 403,
    });
  });
});
