import {
  CreateCollectionCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DescribeCollectionCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  RekognitionClient,
  SearchFacesByImageCommand,
  SearchFacesCommand,
} from '@aws-sdk/client-rekognition';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { placeholderPng } from '../../../local/bedrock/families/png.js';
import { assemblyOf } from '../assembly.js';
import { region } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';

const ACCOUNT = '000000000000';

describe('Rekognition face collections', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Photos: {
          Type: 'AWS::S3::Bucket',
          Properties: { BucketName: 'photos', Tags: [{ Key: 'collection', Value: { Ref: 'Faces' } }] },
        },
        Faces: { Type: 'AWS::Rekognition::Collection', Properties: { CollectionId: 'myFacesCollection' } },
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ s3: s3Client(runtime.url), rekognition: new RekognitionClient(sdkConfig(runtime.url)) }),
  });
  const alice = placeholderPng(32, 32, 'alice');
  const bob = placeholderPng(32, 32, 'bob');

  it('resolves the template collection: Ref is its CollectionId, Arn its ARN, and it exists', async () => {
    const resources = app.runtime.template.app.stacks[0]?.resources ?? [];
    const faces = resources.find((r) => r.logicalId === 'Faces');
    expect(faces?.ref).toBe('myFacesCollection');
    expect(faces?.attributes.Arn).toBe(`arn:aws:rekognition:${region}:${ACCOUNT}:collection/myFacesCollection`);
    expect(resources.find((r) => r.logicalId === 'Photos')?.properties.Tags).toEqual([{ Key: 'collection', Value: 'myFacesCollection' }]);
    const described = await app.rekognition.send(new DescribeCollectionCommand({ CollectionId: 'myFacesCollection' }));
    expect(described).toMatchObject({ FaceCount: 0, CollectionARN: faces?.attributes.Arn });
    expect((await app.rekognition.send(new ListCollectionsCommand({}))).CollectionIds).toEqual(['myFacesCollection']);
  });

  it('indexes one face per image from S3, lists it with its ExternalImageId, and finds it again from the same image', async () => {
    await app.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'alice.png', Body: alice }));
    const indexed = await app.rekognition.send(
      new IndexFacesCommand({
        CollectionId: 'myFacesCollection',
        Image: { S3Object: { Bucket: 'photos', Name: 'alice.png' } },
        ExternalImageId: 'alice',
      }),
    );
    const face = indexed.FaceRecords?.[0]?.Face;
    expect(indexed.FaceRecords).toHaveLength(1);
    expect(face?.FaceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const listed = await app.rekognition.send(new ListFacesCommand({ CollectionId: 'myFacesCollection' }));
    expect(listed.Faces).toEqual([expect.objectContaining({ FaceId: face?.FaceId, ExternalImageId: 'alice', ImageId: face?.ImageId })]);

    const same = await app.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'myFacesCollection', Image: { Bytes: alice } }));
    expect(same.FaceMatches).toEqual([{ Similarity: 100, Face: expect.objectContaining({ FaceId: face?.FaceId }) }]);
    const other = await app.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'myFacesCollection', Image: { Bytes: bob } }));
    expect(other.FaceMatches).toEqual([]);
  });

  it('adds another face when an image is indexed again, which SearchFaces matches; DeleteFaces names the ones it did not find', async () => {
    const again = await app.rekognition.send(
      new IndexFacesCommand({ CollectionId: 'myFacesCollection', Image: { Bytes: alice }, ExternalImageId: 'alice-again' }),
    );
    const second = again.FaceRecords?.[0]?.Face?.FaceId as string;
    const { Faces = [] } = await app.rekognition.send(new ListFacesCommand({ CollectionId: 'myFacesCollection' }));
    expect(Faces).toHaveLength(2);
    const first = Faces.find((f) => f.FaceId !== second)?.FaceId as string;
    const search = await app.rekognition.send(new SearchFacesCommand({ CollectionId: 'myFacesCollection', FaceId: second }));
    expect(search).toMatchObject({ SearchedFaceId: second, FaceMatches: [{ Similarity: 100, Face: { FaceId: first } }] });

    const page = await app.rekognition.send(new ListFacesCommand({ CollectionId: 'myFacesCollection', MaxResults: 1 }));
    expect(page.Faces).toHaveLength(1);
    const rest = await app.rekognition.send(new ListFacesCommand({ CollectionId: 'myFacesCollection', NextToken: page.NextToken }));
    expect([...(page.Faces ?? []), ...(rest.Faces ?? [])].map((f) => f.FaceId)).toEqual(Faces.map((f) => f.FaceId));
    expect(rest.NextToken).toBeUndefined();

    const missing = '00000000-0000-4000-8000-000000000000';
    const deleted = await app.rekognition.send(new DeleteFacesCommand({ CollectionId: 'myFacesCollection', FaceIds: [second, missing] }));
    expect(deleted).toMatchObject({
      DeletedFaces: [second],
      UnsuccessfulFaceDeletions: [{ FaceId: missing, Reasons: ['FACE_NOT_FOUND'] }],
    });
  });

  it('fails with the errors AWS names: an unknown collection, one that exists already', async () => {
    await expect(app.rekognition.send(new IndexFacesCommand({ CollectionId: 'nobody', Image: { Bytes: alice } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The collection id: nobody does not exist',
    });
    await expect(app.rekognition.send(new ListFacesCommand({ CollectionId: 'nobody' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(app.rekognition.send(new CreateCollectionCommand({ CollectionId: 'myFacesCollection' }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
    });
    await expect(app.rekognition.send(new CreateCollectionCommand({ CollectionId: 'bad/id' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('keeps collections and faces across a restart, and deletes a collection with its faces', async () => {
    const created = await app.rekognition.send(new CreateCollectionCommand({ CollectionId: 'staff' }));
    expect(created.CollectionArn).toBe(`aws:rekognition:${region}:${ACCOUNT}:collection/staff`);
    await app.rekognition.send(new IndexFacesCommand({ CollectionId: 'staff', Image: { Bytes: bob }, ExternalImageId: 'bob' }));
    await app.restart();
    const { Faces = [] } = await app.rekognition.send(new ListFacesCommand({ CollectionId: 'myFacesCollection' }));
    expect(Faces.map((f) => f.ExternalImageId)).toEqual(['alice']);
    const staff = await app.rekognition.send(new SearchFacesByImageCommand({ CollectionId: 'staff', Image: { Bytes: bob } }));
    expect(staff.FaceMatches?.map((m) => m.Face?.ExternalImageId)).toEqual(['bob']);
    expect((await app.rekognition.send(new ListCollectionsCommand({}))).CollectionIds).toEqual(['myFacesCollection', 'staff']);

    await app.rekognition.send(new DeleteCollectionCommand({ CollectionId: 'staff' }));
    await expect(app.rekognition.send(new DescribeCollectionCommand({ CollectionId: 'staff' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
