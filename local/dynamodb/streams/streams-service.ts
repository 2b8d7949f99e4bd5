import { AwsError } from '../../endpoint/aws-error.js';
import type { Clock } from '../../time/clock.js';
import { type StoredRecord, type StreamStore, sequenceNumber, shardIdOf } from './stream-store.js';

/** A shard iterator is valid for 15 minutes after it is returned (DynamoDB Streams). */
const ITERATOR_LIFETIME_MS = 15 * 60 * 1000;
const ITERATOR_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

/** A table of the template, as DynamoDB would create it. */
export interface TableStreamDefinition {
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly ttlAttribute?: string;
  /** The label the template's `StreamArn` was given (it must stay the same across restarts). */
  readonly streamLabel?: string;
}

interface Iterator {
  readonly streamArn: string;
  /** Records after this position are read next. */
  readonly after: number;
  readonly issuedMs: number;
}

/**
 * The DynamoDB Streams API (`DynamoDBStreams_20120810`: ListStreams, DescribeStream,
 * GetShardIterator, GetRecords) over the stream store, whose records the engine's thread
 * writes.
 */
export class StreamsService {
  readonly operations: Readonly<Record<string, (input: never) => Promise<unknown>>>;

  constructor(
    readonly store: StreamStore,
    private readonly clock: Clock,
    private readonly onStreamsChanged: (streams: ReturnType<StreamStore['enabledByTable']>) => void = () => {},
  ) {
    this.operations = {
      ListStreams: (input: never) => this.ListStreams(input),
      DescribeStream: (input: never) => this.DescribeStream(input),
      GetShardIterator: (input: never) => this.GetShardIterator(input),
      GetRecords: (input: never) => this.GetRecords(input),
    };
  }

  /** The template's streams and time-to-live settings (a table's TTL set through the API later is kept). */
  declareTables(tables: readonly TableStreamDefinition[]): void {
    for (const table of tables) {
      const spec = table.definition.StreamSpecification as { StreamViewType?: string } | undefined;
      if (spec?.StreamViewType) {
        this.store.enable(table.name, spec.StreamViewType, table.definition.KeySchema as never, table.streamLabel);
      }
      if (table.ttlAttribute && this.store.timeToLive(table.name) === undefined)
        this.store.setTimeToLive(table.name, table.ttlAttribute, true);
    }
    this.onStreamsChanged(this.store.enabledByTable());
  }

  async ListStreams(input: { TableName?: string; Limit?: number; ExclusiveStartStreamArn?: string }) {
    const limit = input.Limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new AwsError('ValidationException', `Limit must be from 1 to 100 (got ${limit})`);
    let streams = this.store.streams().filter((s) => input.TableName === undefined || s.table === input.TableName);
    if (input.ExclusiveStartStreamArn !== undefined) {
      const at = streams.findIndex((s) => s.arn === input.ExclusiveStartStreamArn);
      streams = at < 0 ? [] : streams.slice(at + 1);
    }
    const page = streams.slice(0, limit);
    return {
      Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.table, StreamLabel: s.label })),
      ...(streams.length > limit ? { LastEvaluatedStreamArn: page.at(-1)?.arn } : {}),
    };
  }

  async DescribeStream(input: { StreamArn?: string; Limit?: number; ExclusiveStartShardId?: string }) {
    const stream = this.#stream(input.StreamArn);
    const shardId = shardIdOf(stream.arn);
    const first = this.store.oldestPosition(stream.arn);
    const shards =
      input.ExclusiveStartShardId === shardId
        ? []
        : [
            {
              ShardId: shardId,
              SequenceNumberRange: { StartingSequenceNumber: sequenceNumber(first ?? this.store.latestPosition(stream.arn) + 1) },
            },
          ];
    return {
      StreamDescription: {
        StreamArn: stream.arn,
        StreamLabel: stream.label,
        StreamStatus: stream.enabled ? 'ENABLED' : 'DISABLED',
        StreamViewType: stream.viewType,
        CreationRequestDateTime: stream.createdMs / 1000,
        TableName: stream.table,
        KeySchema: stream.keySchema,
        Shards: shards,
      },
    };
  }

  async GetShardIterator(input: { StreamArn?: string; ShardId?: string; ShardIteratorType?: string; SequenceNumber?: string }) {
    const stream = this.#stream(input.StreamArn);
    if (input.ShardId !== shardIdOf(stream.arn)) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Requested resource not found: Shard ${input.ShardId} in stream ${stream.arn} does not exist`,
      );
    }
    const type = String(input.ShardIteratorType);
    if (!ITERATOR_TYPES.includes(type)) {
      throw new AwsError('ValidationException', `ShardIteratorType must be one of ${ITERATOR_TYPES.join(', ')} (got ${type})`);
    }
    let after: number;
    if (type === 'TRIM_HORIZON') after = 0;
    else if (type === 'LATEST') after = this.store.latestPosition(stream.arn);
    else {
      const position = Number(input.SequenceNumber);
      if (input.SequenceNumber === undefined || !/^\d{1,40}$/.test(input.SequenceNumber) || !Number.isSafeInteger(position)) {
        throw new AwsError(
          'ValidationException',
          `SequenceNumber is required for ${type} and must be one of the stream's sequence numbers`,
        );
      }
      const oldest = this.store.oldestPosition(stream.arn);
      if (oldest !== undefined && position < oldest) {
        throw new AwsError('TrimmedDataAccessException', `SequenceNumber ${input.SequenceNumber} is beyond the trim horizon of the stream`);
      }
      after = type === 'AT_SEQUENCE_NUMBER' ? position - 1 : position;
    }
    return { ShardIterator: encodeIterator({ streamArn: stream.arn, after, issuedMs: this.clock.now() }) };
  }

  async GetRecords(input: { ShardIterator?: string; Limit?: number }) {
    const iterator = decodeIterator(input.ShardIterator);
    const limit = input.Limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new AwsError('ValidationException', `Limit must be from 1 to 1000 (got ${limit})`);
    if (this.clock.now() - iterator.issuedMs > ITERATOR_LIFETIME_MS) {
      throw new AwsError('ExpiredIteratorException', 'Iterator expired: shard iterators are valid for 15 minutes after they are returned');
    }
    this.#stream(iterator.streamArn);
    const records = this.store.read(iterator.streamArn, iterator.after, limit);
    const last = records.at(-1)?.position ?? iterator.after;
    return {
      Records: records.map((r) => r.record),
      NextShardIterator: encodeIterator({ streamArn: iterator.streamArn, after: last, issuedMs: this.clock.now() }),
    };
  }

  /** Records of a stream after a position, for in-process readers (Pipes), with the stream's ARN on each as Lambda and Pipes hand them over. */
  readAfter(streamArn: string, after: number, limit: number): StoredRecord[] {
    return this.store.read(streamArn, after, limit);
  }

  #stream(arn: string | undefined) {
    const stream = arn === undefined ? undefined : this.store.stream(arn);
    if (!stream) throw new AwsError('ResourceNotFoundException', `Requested resource not found: Stream: ${arn} not found`);
    return stream;
  }
}

/** A shard iterator in DynamoDB Streams' form: the stream's ARN, `|1|`, and an opaque position. */
function encodeIterator(iterator: Iterator): string {
  const { streamArn, ...position } = iterator;
  return `${streamArn}|1|${Buffer.from(JSON.stringify(position)).toString('base64')}`;
}

function decodeIterator(text: string | undefined): Iterator {
  try {
    const [streamArn, version, opaque] = String(text).split('|');
    if (version !== '1' || opaque === undefined) throw new Error('not a shard iterator');
    const parsed = { streamArn, ...JSON.parse(Buffer.from(opaque, 'base64').toString('utf8')) } as Iterator;
    if (typeof parsed.streamArn === 'string' && Number.isInteger(parsed.after) && Number.isFinite(parsed.issuedMs)) return parsed;
  } catch {
    // Falls through to the error below.
  }
  throw new AwsError('ValidationException', 'Invalid ShardIterator: it was not returned by GetShardIterator or GetRecords');
}
