import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { type Operation, operationTable } from '../service-registry/operation-table.js';
import type { Clock } from '../time/clock.js';
import {
  DEFAULT_RETENTION_HOURS,
  hashKeyOf,
  type KinesisRecord,
  type KinesisShard,
  type KinesisStore,
  type KinesisStreamRow,
  ON_DEMAND_SHARDS,
  positionOf,
  sequenceNumberOf,
  shardIdOf,
  shardIndexOf,
  shardsOf,
} from './kinesis-store.js';
import { StreamMetadataApi } from './stream-metadata.js';

/** A shard iterator is valid for 5 minutes after it is returned (Kinesis: "the tolerated delay of 300000 milliseconds"). */
const ITERATOR_LIFETIME_MS = 300_000;
const MAX_RETENTION_HOURS = 8760;
const MAX_RECORD_BYTES = 10 * 1024 * 1024;

/** A stream of the template, as the module declares it at start. */
export interface KinesisStreamDefinition {
  readonly name: string;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  readonly shardCount: number;
  readonly retentionHours: number;
}

export interface KinesisServiceOptions {
  readonly store: KinesisStore;
  /** Where tags, encryption settings and consumers are kept (the store's database). */
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
}

/** What names a stream in a request: its name or its ARN (newer SDKs send the ARN). */
interface StreamRef {
  readonly StreamName?: string;
  readonly StreamARN?: string;
}

interface Iterator {
  readonly stream: string;
  readonly shardId: string;
  /** Records after this position are read next. */
  readonly after: number;
  readonly issuedMs: number;
}

/**
 * Kinesis Data Streams (`Kinesis_20131202`, JSON 1.1): streams with their shards, records put
 * by partition key (the MD5 of the key picks the shard whose hash key range holds it, as AWS
 * does) or explicit hash key, read by shard iterators; kept in the data folder for the
 * stream's retention period.
 */
export class KinesisService {
  /** Tags, encryption and enhanced fan-out consumers (stream-metadata.ts): served beside these operations. */
  readonly metadata: StreamMetadataApi;
  readonly operations: Record<string, Operation>;

  constructor(private readonly options: KinesisServiceOptions) {
    const { db, clock, accountId } = options;
    this.metadata = new StreamMetadataApi({ db, clock, accountId, streamOf: (ref) => this.#stream(ref) });
    this.operations = { ...operationTable(this, KinesisService), ...this.metadata.operations };
  }

  /** Creates the template's streams the data folder does not have (one it has keeps its records). */
  declare(streams: readonly KinesisStreamDefinition[]): void {
    for (const stream of streams) {
      if (this.options.store.stream(stream.name) === undefined) this.#create(stream);
    }
  }

  /** The ARN of a stream by its name. */
  arnOf(name: string): string {
    return `arn:aws:kinesis:${this.options.region}:${this.options.accountId}:stream/${name}`;
  }

  /** A stream by its ARN, with its shards, for in-process readers (event source mappings); undefined when there is none. */
  streamByArn(arn: string): (KinesisStreamRow & { shards: KinesisShard[] }) | undefined {
    const stream = this.options.store.stream(nameOfArn(arn));
    return stream && { ...stream, shards: shardsOf(stream.shardCount) };
  }

  async CreateStream(input: { StreamName: string; ShardCount?: number; StreamModeDetails?: { StreamMode?: string } }) {
    // Without a mode or a shard count AWS makes an on-demand stream (recorded: four shards); a shard count alone, a provisioned one.
    const requested = input.StreamModeDetails?.StreamMode ?? (input.ShardCount === undefined ? 'ON_DEMAND' : 'PROVISIONED');
    const mode = requested === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
    if (mode === 'PROVISIONED' && input.ShardCount === undefined) {
      throw new AwsError('InvalidArgumentException', 'ShardCount is required for a stream in PROVISIONED mode');
    }
    if (this.options.store.stream(input.StreamName) !== undefined) {
      throw new AwsError('ResourceInUseException', `Stream ${input.StreamName} under account ${this.options.accountId} already exists.`);
    }
    this.#create({
      name: input.StreamName,
      mode,
      shardCount: input.ShardCount ?? ON_DEMAND_SHARDS,
      retentionHours: DEFAULT_RETENTION_HOURS,
    });
    return {};
  }

  async DeleteStream(input: StreamRef) {
    const stream = this.#stream(input);
    this.options.store.delete(stream.name);
    this.metadata.forget(stream.arn);
    return {};
  }

  async ListStreams(input: { Limit?: number; ExclusiveStartStreamName?: string; NextToken?: string }) {
    const limit = input.Limit ?? 100;
    const start = input.NextToken !== undefined ? decodeToken(input.NextToken) : input.ExclusiveStartStreamName;
    const all = this.options.store.streams().filter((s) => start === undefined || s.name > start);
    const page = all.slice(0, limit);
    const more = all.length > limit;
    return {
      StreamNames: page.map((s) => s.name),
      HasMoreStreams: more,
      StreamSummaries: page.map((s) => ({
        StreamName: s.name,
        StreamARN: s.arn,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: s.mode },
        StreamCreationTimestamp: s.createdMs / 1000,
      })),
      ...(more ? { NextToken: encodeToken(page.at(-1)?.name ?? '') } : {}),
    };
  }

  async DescribeStream(input: StreamRef & { Limit?: number; ExclusiveStartShardId?: string }) {
    const stream = this.#stream(input);
    const shards = this.#describeShards(stream).filter(
      (s) => input.ExclusiveStartShardId === undefined || s.ShardId > input.ExclusiveStartShardId,
    );
    const page = shards.slice(0, input.Limit ?? 100);
    return {
      StreamDescription: {
        ...this.#summary(stream),
        Shards: page,
        HasMoreShards: shards.length > page.length,
      },
    };
  }

  async DescribeStreamSummary(input: StreamRef) {
    const stream = this.#stream(input);
    return {
      StreamDescriptionSummary: {
        ...this.#summary(stream),
        OpenShardCount: stream.shardCount,
        ConsumerCount: this.metadata.consumerCount(stream.arn),
      },
    };
  }

  async ListShards(input: StreamRef & { NextToken?: string; MaxResults?: number; ExclusiveStartShardId?: string }) {
    if (input.NextToken !== undefined && (input.StreamName !== undefined || input.StreamARN !== undefined)) {
      throw new AwsError('InvalidArgumentException', 'NextToken and StreamName cannot be provided together.');
    }
    const token = input.NextToken === undefined ? undefined : shardsToken(input.NextToken);
    const stream = this.#stream(token ? { StreamName: token.s } : input);
    const after = token?.after ?? input.ExclusiveStartShardId;
    const shards = this.#describeShards(stream).filter((s) => after === undefined || s.ShardId > after);
    const page = shards.slice(0, input.MaxResults ?? 1000);
    const last = page.at(-1)?.ShardId;
    return {
      Shards: page,
      ...(shards.length > page.length && last ? { NextToken: encodeToken(JSON.stringify({ s: stream.name, after: last })) } : {}),
    };
  }

  async IncreaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }) {
    const stream = this.#stream(input);
    this.#checkRetention(input.RetentionPeriodHours);
    if (input.RetentionPeriodHours < stream.retentionHours) {
      throw new AwsError(
        'InvalidArgumentException',
        `Requested retention period (${input.RetentionPeriodHours} hours) for stream ${stream.name} can not be shorter than existing retention period (${stream.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
      );
    }
    this.options.store.setRetention(stream.name, input.RetentionPeriodHours);
    return {};
  }

  async DecreaseStreamRetentionPeriod(input: StreamRef & { RetentionPeriodHours: number }) {
    const stream = this.#stream(input);
    this.#checkRetention(input.RetentionPeriodHours);
    if (input.RetentionPeriodHours > stream.retentionHours) {
      throw new AwsError(
        'InvalidArgumentException',
        `Requested retention period (${input.RetentionPeriodHours} hours) for stream ${stream.name} can not be longer than existing retention period (${stream.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
      );
    }
    this.options.store.setRetention(stream.name, input.RetentionPeriodHours);
    return {};
  }

  async PutRecord(input: StreamRef & { Data: string; PartitionKey: string; ExplicitHashKey?: string }) {
    const stream = this.#stream(input);
    const [stored] = this.options.store.append(stream, [this.#placed(stream, input)]);
    return { ShardId: stored?.shardId, SequenceNumber: stored?.sequenceNumber, EncryptionType: 'NONE' };
  }

  async PutRecords(input: StreamRef & { Records: { Data: string; PartitionKey: string; ExplicitHashKey?: string }[] }) {
    const stream = this.#stream(input);
    const stored = this.options.store.append(
      stream,
      input.Records.map((record) => this.#placed(stream, record)),
    );
    return {
      FailedRecordCount: 0,
      Records: stored.map((r) => ({ SequenceNumber: r.sequenceNumber, ShardId: r.shardId })),
      EncryptionType: 'NONE',
    };
  }

  async GetShardIterator(
    input: StreamRef & { ShardId: string; ShardIteratorType: string; StartingSequenceNumber?: string; Timestamp?: number | string },
  ) {
    const stream = this.#stream(input);
    const index = shardIndexOf(input.ShardId);
    if (index === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Could not find shard ${input.ShardId} in stream ${stream.name} under account ${this.options.accountId}.`,
      );
    }
    const shard = shardsOf(stream.shardCount)[index];
    if (shard === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Shard ${shardIdOf(index)} in stream ${stream.name} under account ${this.options.accountId} does not exist`,
      );
    }
    const after = this.#iteratorStart(stream, shard.shardId, input);
    return { ShardIterator: encodeIterator({ stream: stream.name, shardId: shard.shardId, after, issuedMs: this.options.clock.now() }) };
  }

  async GetRecords(input: { ShardIterator: string; Limit?: number }) {
    const iterator = decodeIterator(input.ShardIterator);
    const now = this.options.clock.now();
    if (now - iterator.issuedMs > ITERATOR_LIFETIME_MS) {
      throw new AwsError(
        'ExpiredIteratorException',
        `Iterator expired. The iterator was created at time ${new Date(iterator.issuedMs).toUTCString()} while right now it is ${new Date(now).toUTCString()} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`,
      );
    }
    const stream = this.#stream({ StreamName: iterator.stream });
    const records = this.options.store.read(stream, iterator.shardId, iterator.after, input.Limit ?? 10_000);
    const last = records.at(-1);
    // Caught up when nothing is left after this page; otherwise behind by the age of the page's last record.
    const caughtUp = (last?.position ?? iterator.after) >= this.options.store.latestPosition(stream, iterator.shardId);
    return {
      Records: records.map(recordOut),
      NextShardIterator: encodeIterator({ ...iterator, after: last?.position ?? iterator.after, issuedMs: now }),
      MillisBehindLatest: caughtUp || last === undefined ? 0 : Math.max(0, now - last.arrivalMs),
    };
  }

  #create(stream: KinesisStreamDefinition): void {
    this.options.store.create({ ...stream, arn: this.arnOf(stream.name), createdMs: this.options.clock.now() });
  }

  #checkRetention(hours: number): void {
    if (hours < DEFAULT_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
      throw new AwsError(
        'InvalidArgumentException',
        `Minimum allowed retention period is ${DEFAULT_RETENTION_HOURS} hours. Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is out of range.`,
      );
    }
  }

  /** Where an iterator of a type starts: the position its first record comes after. */
  #iteratorStart(
    stream: KinesisStreamRow,
    shardId: string,
    input: { ShardIteratorType: string; StartingSequenceNumber?: string; Timestamp?: number | string },
  ): number {
    const { store } = this.options;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        return 0;
      case 'LATEST':
        return store.latestPosition(stream, shardId);
      case 'AT_TIMESTAMP': {
        if (input.Timestamp === undefined) {
          throw new AwsError('InvalidArgumentException', 'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.');
        }
        const ms = typeof input.Timestamp === 'number' ? input.Timestamp * 1000 : Date.parse(input.Timestamp);
        return store.positionBefore(stream, shardId, ms);
      }
      default: {
        const type = input.ShardIteratorType;
        if (input.StartingSequenceNumber === undefined) {
          throw new AwsError('InvalidArgumentException', `Must specify StartingSequenceNumber for iterator of type ${type}.`);
        }
        const position = positionOf(input.StartingSequenceNumber);
        if (position === undefined) {
          throw new AwsError(
            'InvalidArgumentException',
            `StartingSequenceNumber ${input.StartingSequenceNumber} used in GetShardIterator on shard ${shardId} in stream ${stream.name} under account ${this.options.accountId} is invalid.`,
          );
        }
        return type === 'AT_SEQUENCE_NUMBER' ? Math.max(0, position - 1) : position;
      }
    }
  }

  /** A record with the shard it goes to: the one whose hash key range holds its explicit hash key, or its partition key's MD5. */
  #placed(stream: KinesisStreamRow, record: { Data: string; PartitionKey: string; ExplicitHashKey?: string }) {
    const data = Buffer.from(record.Data, 'base64');
    if (data.length + Buffer.byteLength(record.PartitionKey) > MAX_RECORD_BYTES) {
      throw new AwsError(
        'InvalidArgumentException',
        `Record size exceeds the maximum allowed record size of ${MAX_RECORD_BYTES} bytes (data plus partition key).`,
      );
    }
    const hashKey = record.ExplicitHashKey === undefined ? hashKeyOf(record.PartitionKey) : BigInt(record.ExplicitHashKey);
    if (hashKey >= 2n ** 128n) {
      throw new AwsError(
        'InvalidArgumentException',
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${record.ExplicitHashKey}`,
      );
    }
    const shard = shardsOf(stream.shardCount).find((s) => s.startingHashKey <= hashKey && hashKey <= s.endingHashKey);
    return { shardId: shard?.shardId ?? 'shardId-000000000000', partitionKey: record.PartitionKey, data };
  }

  #describeShards(stream: KinesisStreamRow) {
    return shardsOf(stream.shardCount).map((shard) => ({
      ShardId: shard.shardId,
      HashKeyRange: { StartingHashKey: String(shard.startingHashKey), EndingHashKey: String(shard.endingHashKey) },
      SequenceNumberRange: { StartingSequenceNumber: sequenceNumberOf(0) },
    }));
  }

  #summary(stream: KinesisStreamRow) {
    return {
      StreamName: stream.name,
      StreamARN: stream.arn,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: stream.mode },
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: stream.createdMs / 1000,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      ...this.metadata.encryptionOf(stream.arn),
    };
  }

  /** The stream a request names by its name or ARN; AWS's ResourceNotFoundException when there is none. */
  #stream(ref: StreamRef): KinesisStreamRow {
    const name = ref.StreamName ?? (ref.StreamARN === undefined ? undefined : nameOfArn(ref.StreamARN));
    if (name === undefined) throw new AwsError('InvalidArgumentException', 'Either StreamName or StreamARN must be provided.');
    const stream = this.options.store.stream(name);
    if (stream === undefined) {
      throw new AwsError('ResourceNotFoundException', `Stream ${name} under account ${this.options.accountId} not found.`);
    }
    return stream;
  }
}

/** A stored record as GetRecords answers it (the JSON protocol carries Data in base64, the arrival in epoch seconds). */
function recordOut(record: KinesisRecord) {
  return {
    SequenceNumber: record.sequenceNumber,
    ApproximateArrivalTimestamp: record.arrivalMs / 1000,
    Data: record.data.toString('base64'),
    PartitionKey: record.partitionKey,
  };
}

/** The stream name of a stream ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function nameOfArn(arn: string): string {
  return arn.slice(arn.indexOf(':stream/') + ':stream/'.length);
}

const encodeToken = (text: string) => Buffer.from(text).toString('base64url');
const decodeToken = (token: string) => Buffer.from(token, 'base64url').toString('utf8');

/** A ListShards NextToken: the stream and the last shard listed. */
function shardsToken(token: string): { s: string; after: string } {
  try {
    const parsed = JSON.parse(decodeToken(token)) as { s?: unknown; after?: unknown };
    if (typeof parsed.s === 'string' && typeof parsed.after === 'string') return { s: parsed.s, after: parsed.after };
  } catch {
    // Falls through to the error below.
  }
  throw new AwsError('InvalidArgumentException', `NextToken ${token} was not returned by ListShards.`);
}

/** An opaque shard iterator (base64 of its stream, shard, position and issue time), as AWS's are opaque. */
function encodeIterator(iterator: Iterator): string {
  return Buffer.from(JSON.stringify(iterator)).toString('base64');
}

/** The stream an iterator reads, for IAM (GetRecords is authorized on the stream); undefined for text that is no iterator. */
export function streamOfIterator(text: unknown): string | undefined {
  try {
    return decodeIterator(String(text)).stream;
  } catch {
    return undefined;
  }
}

function decodeIterator(text: string): Iterator {
  let parsed: Partial<Iterator> | undefined;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<Iterator>;
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed?.stream === 'string' &&
    typeof parsed.shardId === 'string' &&
    Number.isInteger(parsed.after) &&
    Number.isFinite(parsed.issuedMs)
  ) {
    return parsed as Iterator;
  }
  throw new AwsError('InvalidArgumentException', `Invalid ShardIterator: ${text} was not returned by GetShardIterator or GetRecords.`);
}
