import { arnOf, arnOrName, type Input, type OperationContext, serviceIam } from '../iam/authorizations.js';
import { streamOfIterator } from './kinesis-service.js';

/** The stream a request names, by its ARN or its name. */
const stream = (input: Input, context: OperationContext) =>
  arnOrName(input.StreamARN ?? input.StreamName, (name) => arnOf('kinesis', context, `stream/${name}`));

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
  },
});
