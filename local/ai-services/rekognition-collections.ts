import { createHash } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { arnOf, member, type OperationContext, type ResourceOf } from '../iam/authorizations.js';
import { JsonTable } from '../store/json-table.js';
import { stableUuid } from '../template/resolve.js';
import { arn, type ResourceTypes } from '../template/resource-spec.js';
import type { Input, LeafContext, LeafOperation } from './declaration.js';
import { rekognitionImage } from './rekognition-image.js';

/** The face model version collections are made with (what AWS answers for a collection made today). */
const FACE_MODEL_VERSION = '7.0';
const COLLECTION_TYPE = 'AWS::Rekognition::Collection';

/** `arn:aws:rekognition:<region>:<account>:collection/<id>`: what IAM authorizes a collection's operations on. */
export const collectionArn: ResourceOf = (input: Input, context: OperationContext) =>
  arnOf('rekognition', context, `collection/${member(input, 'collectionId') ?? '*'}`);

/** The collection type (its module declares it): Ref is the CollectionId, Fn::GetAtt Arn its ARN, as CloudFormation documents them. */
export const COLLECTION_TYPES: ResourceTypes = {
  [COLLECTION_TYPE]: {
    name: { property: 'CollectionId', max: 255, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'rekognition', `collection/${name}`) } }),
  },
};

interface Collection {
  readonly id: string;
  readonly createdAt: number;
}

/** A face as kept: the API's Face, and the digest of the image it was indexed from (what a search compares). */
interface StoredFace {
  readonly FaceId: string;
  readonly ImageId: string;
  readonly ExternalImageId?: string;
  readonly BoundingBox: { Width: number; Height: number; Left: number; Top: number };
  readonly Confidence: number;
  readonly IndexFacesModelVersion: string;
  readonly imageDigest: string;
}

/**
 * The collections and their faces in the service's database. Faces are keyed
 * `<collection>/<FaceId>` (a collection id has no `/`), so a collection's faces are the keys
 * with its prefix: a local collection holds few enough faces for that scan.
 */
class FaceStore {
  readonly collections: JsonTable<Collection>;
  readonly #faces: JsonTable<StoredFace>;

  constructor(db: DatabaseSync) {
    this.collections = new JsonTable(db, 'rekognition_collections', 'id');
    this.#faces = new JsonTable(db, 'rekognition_faces', 'id');
  }

  /** The collection, or ResourceNotFoundException as AWS words it. */
  collection(id: string): Collection {
    const found = this.collections.get(id);
    if (found === undefined) throw new AwsError('ResourceNotFoundException', `The collection id: ${id} does not exist`);
    return found;
  }

  faces(collection: string): StoredFace[] {
    return this.#faces
      .entries()
      .filter(([key]) => key.startsWith(`${collection}/`))
      .map(([, face]) => face);
  }

  putFace(collection: string, face: StoredFace): void {
    this.#faces.put(`${collection}/${face.FaceId}`, face);
  }

  deleteFace(collection: string, faceId: string): boolean {
    if (this.#faces.get(`${collection}/${faceId}`) === undefined) return false;
    this.#faces.delete(`${collection}/${faceId}`);
    return true;
  }

  deleteCollection(id: string): void {
    for (const face of this.faces(id)) this.#faces.delete(`${id}/${face.FaceId}`);
    this.collections.delete(id);
  }
}

const stores = new WeakMap<DatabaseSync, FaceStore>();

/**
 * The service's store, made once per database (at the first request after a start): the
 * template's collections are created in it then, as deploying the stack creates them. One
 * deleted through the API is made again at the next start, where a deployed stack would not
 * notice; one a reload adds is reported as running after a restart (service-registry/reload.ts).
 */
function storeOf(context: LeafContext): FaceStore {
  const db = context.db();
  let store = stores.get(db);
  if (store === undefined) {
    store = new FaceStore(db);
    for (const resource of context.resources(COLLECTION_TYPE)) {
      if (store.collections.get(resource.ref) === undefined)
        store.collections.put(resource.ref, { id: resource.ref, createdAt: context.clock.now() });
    }
    stores.set(db, store);
  }
  return store;
}

/** The one face the simulation finds in an image: placed by the image's digest, so the same image has it in the same place. */
function faceOf(imageDigest: string): Pick<StoredFace, 'BoundingBox' | 'Confidence'> {
  const byte = (i: number) => Number.parseInt(imageDigest.slice(i * 2, i * 2 + 2), 16) / 255;
  const round = (n: number) => Math.round(n * 10_000) / 10_000;
  const width = 0.2 + byte(0) * 0.2;
  const height = Math.min(0.9, width * 1.3);
  return {
    BoundingBox: { Width: round(width), Height: round(height), Left: round(byte(1) * (1 - width)), Top: round(byte(2) * (1 - height)) },
    Confidence: 99.99,
  };
}

const digestOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** The API's Face: the stored one without what only the simulation reads. */
const apiFace = ({ imageDigest: _digest, ...face }: StoredFace) => face;

/**
 * The faces indexed from the searched image, at most MaxFaces: each at similarity 100, which
 * any FaceMatchThreshold (0 to 100) admits; a face of another image is no match at all.
 */
function matches(faces: readonly StoredFace[], imageDigest: string, input: Input) {
  const max = typeof input.MaxFaces === 'number' ? input.MaxFaces : faces.length;
  return faces
    .filter((face) => face.imageDigest === imageDigest)
    .slice(0, max)
    .map((face) => ({ Similarity: 100, Face: apiFace(face) }));
}

/** A page of `items` from the token (the last key of the page before), at most MaxResults (default 1000). */
function page<T>(items: readonly T[], keyOf: (item: T) => string, input: Input): { items: T[]; next?: string } {
  const token = input.NextToken;
  let start = 0;
  if (typeof token === 'string') {
    const at = items.findIndex((item) => keyOf(item) === token);
    if (at < 0) throw new AwsError('InvalidPaginationTokenException', 'Invalid Token');
    start = at + 1;
  }
  const size = typeof input.MaxResults === 'number' && input.MaxResults > 0 ? input.MaxResults : 1000;
  const slice = items.slice(start, start + size);
  const last = slice.at(-1);
  return start + size < items.length && last !== undefined ? { items: slice, next: keyOf(last) } : { items: slice };
}

const collectionId = (input: Input) => String(input.CollectionId);

/**
 * Rekognition's face collections, kept in the data folder: a simulated face per image (its
 * FaceId and ImageId drawn from the image's digest), and a search that matches the faces
 * indexed from the same image, at similarity 100, and no other.
 */
export const COLLECTION_OPERATIONS: Readonly<Record<string, LeafOperation>> = {
  CreateCollection: {
    simulate(input, context) {
      const store = storeOf(context);
      const id = collectionId(input);
      if (store.collections.get(id) !== undefined)
        throw new AwsError('ResourceAlreadyExistsException', `The collection id: ${id} already exists`);
      store.collections.put(id, { id, createdAt: context.clock.now() });
      // AWS answers this ARN without its `arn:` (as its API reference's example shows); DescribeCollection's has it.
      return {
        StatusCode: 200,
        CollectionArn: `aws:rekognition:${context.region}:${context.accountId}:collection/${id}`,
        FaceModelVersion: FACE_MODEL_VERSION,
      };
    },
  },
  DescribeCollection: {
    simulate(input, context) {
      const store = storeOf(context);
      const collection = store.collection(collectionId(input));
      return {
        FaceCount: store.faces(collection.id).length,
        UserCount: 0,
        FaceModelVersion: FACE_MODEL_VERSION,
        CollectionARN: arnOf('rekognition', context, `collection/${collection.id}`),
        CreationTimestamp: new Date(collection.createdAt),
      };
    },
  },
  ListCollections: {
    simulate(input, context) {
      const { items, next } = page(storeOf(context).collections.all(), (c) => c.id, input);
      return {
        CollectionIds: items.map((c) => c.id),
        FaceModelVersions: items.map(() => FACE_MODEL_VERSION),
        ...(next ? { NextToken: next } : {}),
      };
    },
  },
  DeleteCollection: {
    simulate(input, context) {
      const store = storeOf(context);
      store.deleteCollection(store.collection(collectionId(input)).id);
      return { StatusCode: 200 };
    },
  },
  IndexFaces: {
    async simulate(input, context) {
      const store = storeOf(context);
      const { id } = store.collection(collectionId(input));
      const imageDigest = digestOf((await rekognitionImage(input, context)).bytes);
      // Indexing an image again adds another face, as AWS does: the n-th of this image in the collection.
      const n = store.faces(id).filter((face) => face.imageDigest === imageDigest).length;
      const detected = faceOf(imageDigest);
      const face: StoredFace = {
        FaceId: stableUuid(`${id}/${imageDigest}/${n}`),
        ImageId: stableUuid(imageDigest),
        ...(typeof input.ExternalImageId === 'string' ? { ExternalImageId: input.ExternalImageId } : {}),
        ...detected,
        IndexFacesModelVersion: FACE_MODEL_VERSION,
        imageDigest,
      };
      store.putFace(id, face);
      return { FaceRecords: [{ Face: apiFace(face), FaceDetail: detected }], FaceModelVersion: FACE_MODEL_VERSION, UnindexedFaces: [] };
    },
  },
  ListFaces: {
    simulate(input, context) {
      const store = storeOf(context);
      const { id } = store.collection(collectionId(input));
      const only = Array.isArray(input.FaceIds) ? new Set(input.FaceIds) : undefined;
      // No users are kept: a UserId filter matches no face.
      const faces = store.faces(id).filter((face) => (only === undefined || only.has(face.FaceId)) && input.UserId === undefined);
      const { items, next } = page(faces, (face) => face.FaceId, input);
      return { Faces: items.map(apiFace), FaceModelVersion: FACE_MODEL_VERSION, ...(next ? { NextToken: next } : {}) };
    },
  },
  DeleteFaces: {
    simulate(input, context) {
      const store = storeOf(context);
      const { id } = store.collection(collectionId(input));
      const ids = (input.FaceIds as string[]).filter((faceId, i, all) => all.indexOf(faceId) === i);
      const deleted = ids.filter((faceId) => store.deleteFace(id, faceId));
      const missing = ids.filter((faceId) => !deleted.includes(faceId));
      return {
        DeletedFaces: deleted,
        UnsuccessfulFaceDeletions: missing.map((FaceId) => ({ FaceId, Reasons: ['FACE_NOT_FOUND'] })),
      };
    },
  },
  SearchFacesByImage: {
    async simulate(input, context) {
      const store = storeOf(context);
      const { id } = store.collection(collectionId(input));
      const imageDigest = digestOf((await rekognitionImage(input, context)).bytes);
      const searched = faceOf(imageDigest);
      return {
        SearchedFaceBoundingBox: searched.BoundingBox,
        SearchedFaceConfidence: searched.Confidence,
        FaceMatches: matches(store.faces(id), imageDigest, input),
        FaceModelVersion: FACE_MODEL_VERSION,
      };
    },
  },
  SearchFaces: {
    simulate(input, context) {
      const store = storeOf(context);
      const { id } = store.collection(collectionId(input));
      const faces = store.faces(id);
      const searched = faces.find((face) => face.FaceId === input.FaceId);
      if (searched === undefined)
        throw new AwsError('InvalidParameterException', `Face ${String(input.FaceId)} is not in collection ${id}`);
      const others = faces.filter((face) => face.FaceId !== searched.FaceId);
      return {
        SearchedFaceId: searched.FaceId,
        FaceMatches: matches(others, searched.imageDigest, input),
        FaceModelVersion: FACE_MODEL_VERSION,
      };
    },
  },
};

/**
 * The collection operations, each authorized on the collection's ARN; CreateCollection and
 * ListCollections on `*`, as the Service Authorization Reference gives them no resource.
 */
export const COLLECTION_IAM: Readonly<Record<string, ResourceOf>> = Object.fromEntries(
  Object.keys(COLLECTION_OPERATIONS)
    .filter((operation) => operation !== 'ListCollections' && operation !== 'CreateCollection')
    .map((operation) => [operation, collectionArn]),
);
