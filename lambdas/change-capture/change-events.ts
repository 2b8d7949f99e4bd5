import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Change, type ChangeDetail, type ChangeKind, changeDetailType, changeId } from '../../contracts/index.js';

/** One DynamoDB stream record as Pipes and Lambda hand it over (the stream API's Record, JSON as sent). */
export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: ChangeKind;
  readonly eventSourceARN?: string;
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
    readonly OldImage?: Record<string, AttributeValue>;
    readonly SequenceNumber: string;
  };
}

/**
 * The detail of the event a stream record becomes: `<Entity>Created/Updated/Deleted` with the
 * entity's fields on top (the new image, or the old one for a delete), `changeId` and the
 * change with both images as plain JSON. Numbers become JSON numbers, except an integer
 * beyond 2^53, which is kept as its decimal string (a JSON number would round it); sets
 * become arrays.
 */
export function changeDetail(entity: string, record: StreamRecord, table: string): ChangeDetail {
  const plain = (image: Record<string, AttributeValue> | undefined) =>
    image === undefined ? undefined : (withoutBigInts(unmarshall(image as never)) as Record<string, unknown>);
  const newImage = plain(record.dynamodb.NewImage);
  const oldImage = plain(record.dynamodb.OldImage);
  const keys = plain(record.dynamodb.Keys) ?? {};
  const seconds = record.dynamodb.ApproximateCreationDateTime;
  const change: Change = {
    detailType: changeDetailType(entity, record.eventName),
    kind: record.eventName,
    table,
    sequenceNumber: record.dynamodb.SequenceNumber,
    keys,
    ...(newImage ? { newImage } : {}),
    ...(oldImage ? { oldImage } : {}),
    ...(seconds === undefined ? {} : { approximateCreationTime: new Date(seconds * 1000).toISOString() }),
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.type, principalId: record.userIdentity.principalId } } : {}),
  };
  const fields = (record.eventName === 'REMOVE' ? oldImage : newImage) ?? keys;
  return { ...fields, changeId: changeId(record.eventSourceARN ?? table, record.eventID), change };
}

/** unmarshall gives integers beyond 2^53 as BigInt and sets as Set, neither of which JSON can carry. */
function withoutBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Set) return [...value].map(withoutBigInts);
  if (Array.isArray(value)) return value.map(withoutBigInts);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutBigInts(inner)]));
  }
  return value;
}

/** The table a stream ARN belongs to (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`). */
export function tableOf(arn: string | undefined): string {
  return (arn && /:table\/([^/]+)/.exec(arn)?.[1]) || 'unknown';
}
