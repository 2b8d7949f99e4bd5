import { arnOf, arnOrName, type Input, type OperationContext, serviceIam } from '../iam/authorizations.js';
import { streamOfIterator } from './kinesis-service.js';

/** The stream a request names, by its ARN or its name. */
const stream = (input: Input, context: OperationContext) =>
  arnOrName(input.StreamARN ?? input.StreamName, (name) => arnOf('kinesis', context, `stream/${name}`));

/** A tagged resource, or one with a resource policy: a stream's or a consumer's ARN. */
const resource = (input: Input) => String(input.ResourceARN);

/**
 * A consumer by its ARN. Named by its stream and name instead, it is authorized on the
 * consumer ARN pattern of that stream (its creation time is not in the request).
 */
const consumer = (input: Input, context: OperationContext) =>
  input.ConsumerARN === undefined ? `${stream(input, context)}/consumer/${String(input.ConsumerName)}:*` : String(input.ConsumerARN);

/** GetRecords names its stream inside the shard iterator (newer SDKs send its ARN too). */
const iteratorStream = (input: Input, context: OperationContext) =>
  arnOrName(input.StreamARN ?? streamOfIterator(input.ShardIterator), (name) => arnOf('kinesis', context, `stream/${name}`));

/** Kinesis Data Streams: each operation is the action of its name on the stream it names. */
export const kinesisIam = serviceIam('kinesis', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListStreams'],
  sameNamed: {
    CreateStream: stream,
    DeleteStream: stream,
    DescribeStream: stream,
    DescribeStreamSummary: stream,
    ListShards: stream,
    IncreaseStreamRetentionPeriod: stream,
    DecreaseStreamRetentionPeriod: stream,
    PutRecord: stream,
    PutRecords: stream,
    GetShardIterator: stream,
    GetRecords: iteratorStream,
    AddTagsToStream: stream,
    ListTagsForStream: stream,
    RemoveTagsFromStream: stream,
    TagResource: resource,
    UntagResource: resource,
    ListTagsForResource: resource,
    PutResourcePolicy: resource,
    GetResourcePolicy: resource,
    DeleteResourcePolicy: resource,
    StartStreamEncryption: stream,
    StopStreamEncryption: stream,
    RegisterStreamConsumer: stream,
    ListStreamConsumers: stream,
    DescribeStreamConsumer: consumer,
    DeregisterStreamConsumer: consumer,
  },
});
