import { type StoredRecord, shardIdOf } from '../dynamodb/streams/stream-store.js';
import type { KinesisRecord } from '../kinesis/kinesis-store.js';
import { tryParseArn } from '../names/arn.js';
import type { PipeDefinition } from './definitions.js';

/** Where a pipe reads a DynamoDB stream's records (the local DynamoDB Streams, in process). */
export interface StreamSource {
  /** Whether the stream exists (CreateEventSourceMapping refuses one that does not). @default every stream is taken to */
  exists?(streamArn: string): boolean;
  readAfter(streamArn: string, after: number, limit: number): StoredRecord[];
  latestPosition(streamArn: string): number;
  onRecords(listener: (streamArn: string) => void): () => void;
}

/** Where a pipe reads a Kinesis stream's records (the local Kinesis, in process). */
export interface KinesisSource {
  /** The stream's shards, or undefined when there is no such stream. */
  shardIds(streamArn: string): readonly string[] | undefined;
  read(streamArn: string, shardId: string, after: number, limit: number): KinesisRecord[];
  latestPosition(streamArn: string, shardId: string): number;
  /** The position just before the shard's first record that arrived at or after `ms` (AT_TIMESTAMP). */
  positionBefore(streamArn: string, shardId: string, ms: number): number;
  onRecords(listener: (streamArn: string) => void): () => void;
}

/** A record of a shard as a pipe's reader hands it on. */
export interface ShardRecord {
  /** Its place in the store: the checkpoint is the position of the last record handled. */
  readonly position: number;
  readonly createdMs: number;
  readonly sequenceNumber: string;
  /** The record as the function (or the pipe's enrichment or target) gets it. */
  readonly event: object;
  /** What the pipe's or mapping's filters match. */
  readonly filtered: object;
}

/**
 * One shard of a stream, read in order on its own: a DynamoDB stream's one shard, or each
 * shard of a Kinesis stream (Lambda and Pipes read a stream's shards side by side, each in order).
 */
export interface ShardReader {
  /** The key its checkpoint is kept under: a DynamoDB stream's ARN (its one shard), `<stream ARN>/<shard id>` for Kinesis. */
  readonly checkpointKey: string;
  readonly shardId: string;
  /** The member of the on-failure record describing the batch (Lambda's, per source). */
  readonly batchInfo: 'DDBStreamBatchInfo' | 'KinesisBatchInfo';
  read(after: number, limit: number): ShardRecord[];
  latestPosition(): number;
  /** Where AT_TIMESTAMP starts (Kinesis shards only: a DynamoDB stream's pipe never starts there). */
  positionBefore?(ms: number): number;
  /** Calls `wake` when the stream has new records. */
  onRecords(wake: () => void): () => void;
}

/** The one shard of a pipe's DynamoDB stream. */
export function dynamoDbShard(pipe: PipeDefinition, source: StreamSource): ShardReader {
  const arn = pipe.sourceArn;
  const toShardRecord = (stored: StoredRecord): ShardRecord => {
    const event = { ...stored.record, eventSourceARN: arn };
    return {
      position: stored.position,
      createdMs: stored.createdMs,
      sequenceNumber: stored.record.dynamodb.SequenceNumber,
      event,
      filtered: event,
    };
  };
  return {
    checkpointKey: arn,
    shardId: shardIdOf(arn),
    batchInfo: 'DDBStreamBatchInfo',
    read: (after, limit) => source.readAfter(arn, after, limit).map(toShardRecord),
    latestPosition: () => source.latestPosition(arn),
    onRecords: (wake) => source.onRecords((changed) => changed === arn && wake()),
  };
}

/**
 * Each shard of a pipe's Kinesis stream. A mapping's function gets Lambda's Kinesis event
 * record (the record under `kinesis`, its data in base64); a pipe's next step gets Pipes'
 * (the same members, flattened). Filters match the data parsed as JSON (`data`), the one key
 * Lambda filters Kinesis records on.
 */
export function kinesisShards(pipe: PipeDefinition, source: KinesisSource): ShardReader[] | undefined {
  const arn = pipe.sourceArn;
  const region = tryParseArn(arn)?.region ?? '';
  return source.shardIds(arn)?.map((shardId) => {
    const toShardRecord = (record: KinesisRecord): ShardRecord => {
      const data = record.data.toString('base64');
      const kinesis = {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data,
        approximateArrivalTimestamp: record.arrivalMs / 1000,
      };
      const about = {
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${record.sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        ...(pipe.roleArn === undefined ? {} : { invokeIdentityArn: pipe.roleArn }),
        awsRegion: region,
        eventSourceARN: arn,
      };
      const event = pipe.mapping ? { kinesis, ...about } : { ...about, ...kinesis };
      return {
        position: record.position,
        createdMs: record.arrivalMs,
        sequenceNumber: record.sequenceNumber,
        event,
        filtered: { data: parsedData(record.data) },
      };
    };
    return {
      checkpointKey: `${arn}/${shardId}`,
      shardId,
      batchInfo: 'KinesisBatchInfo',
      read: (after, limit) => source.read(arn, shardId, after, limit).map(toShardRecord),
      latestPosition: () => source.latestPosition(arn, shardId),
      positionBefore: (ms) => source.positionBefore(arn, shardId, ms),
      onRecords: (wake) => source.onRecords((changed) => changed === arn && wake()),
    };
  });
}

/** A record's data as filters see it: parsed when it is JSON text, else the text. */
function parsedData(data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
